//! The OpenAPI 3.1 document covers the app API: every route of the issue is
//! documented, and every documented operation is really served.

mod support;

use std::collections::BTreeSet;

use serde_json::Value;
use support::TestServer;

/// The app API as the issues list it, the CAs' public services and the
/// probes.
const EXPECTED: &[(&str, &str)] = &[
    ("get", "/healthz"),
    ("get", "/readyz"),
    ("post", "/api/app/v1/sms-codes"),
    ("post", "/api/app/v1/sessions"),
    ("put", "/api/app/v1/me/password"),
    ("post", "/api/app/v1/password-resets"),
    ("put", "/api/app/v1/me/phone"),
    ("get", "/api/app/v1/me/identity"),
    ("post", "/api/app/v1/me/identity"),
    ("post", "/api/app/v1/me/identity/face"),
    ("post", "/api/app/v1/me/identity/face/result"),
    ("get", "/api/app/v1/me/devices"),
    ("delete", "/api/app/v1/me/devices/{id}"),
    ("get", "/api/app/v1/catalogue"),
    ("get", "/api/app/v1/me/messages"),
    ("post", "/api/app/v1/me/messages/{id}/read"),
    ("get", "/api/app/v1/me/certificates"),
    // Personal certificates (issue 5).
    ("get", "/api/app/v1/me/application-form"),
    ("post", "/api/app/v1/me/applications"),
    ("get", "/api/app/v1/me/applications"),
    ("get", "/api/app/v1/me/applications/{id}"),
    ("post", "/api/app/v1/me/applications/{id}/payment"),
    ("post", "/api/app/v1/me/applications/{id}/resubmission"),
    ("post", "/api/app/v1/me/applications/{id}/download"),
    ("post", "/api/app/v1/me/applications/{id}/certificates"),
    ("get", "/api/app/v1/me/keys"),
    ("post", "/api/app/v1/me/keys/{id}/possession"),
    ("post", "/api/app/v1/me/keys/{id}/signatures"),
    ("post", "/api/app/v1/me/keys/{id}/signatures/finish"),
    ("post", "/api/app/v1/me/keys/{id}/decryptions"),
    ("post", "/api/app/v1/me/keys/{id}/decryptions/finish"),
    ("post", "/api/app/v1/me/keys/{id}/pin-change"),
    ("post", "/api/app/v1/me/keys/{id}/pin-change/finish"),
    ("post", "/api/app/v1/me/keys/{id}/unlock"),
    ("post", "/api/app/v1/me/keys/{id}/rekey"),
    ("post", "/api/app/v1/me/reverifications"),
    ("post", "/api/app/v1/me/recovery-orders"),
    ("get", "/api/app/v1/me/certificates/{id}"),
    ("post", "/api/app/v1/me/certificates/{id}/revocation"),
    ("post", "/api/app/v1/me/certificates/{id}/renewal"),
    // Enterprises (issue 12).
    ("post", "/api/app/v1/me/enterprise-claim-form"),
    ("post", "/api/app/v1/me/enterprise-claims"),
    ("get", "/api/app/v1/me/seals"),
    ("post", "/api/app/v1/me/enterprise-claims/seal-preview"),
    ("delete", "/api/app/v1/me/enterprise-claims/{id}"),
    ("post", "/api/app/v1/me/enterprise-claims/{id}/resubmission"),
    ("get", "/api/app/v1/me/enterprises"),
    ("get", "/api/app/v1/me/enterprise-lookup"),
    ("post", "/api/app/v1/me/enterprises/{id}/join-requests"),
    ("get", "/api/app/v1/me/enterprises/{id}/join-requests"),
    ("get", "/api/app/v1/me/authorizations/{id}/letter"),
    ("post", "/api/app/v1/me/authorizations/{id}/seal"),
    (
        "post",
        "/api/app/v1/me/applications/{id}/admin-resubmission",
    ),
    ("get", "/api/app/v1/me/enterprises/{id}/members"),
    (
        "delete",
        "/api/app/v1/me/enterprises/{id}/members/{user_id}",
    ),
    ("post", "/api/app/v1/me/enterprises/{id}/certificates"),
    (
        "get",
        "/api/app/v1/me/certificates/{id}/reapplication-letter",
    ),
    ("get", "/api/app/v1/me/enterprises/{id}/authorizations"),
    ("post", "/api/app/v1/me/enterprises/{id}/authorizations"),
    (
        "post",
        "/api/app/v1/me/enterprises/{id}/certificate-requests",
    ),
    ("post", "/api/app/v1/me/enterprises/{id}/invitations"),
    ("get", "/api/app/v1/me/invitations"),
    ("post", "/api/app/v1/me/invitations/{id}/acceptance"),
    ("delete", "/api/app/v1/me/authorizations/{id}"),
    // Relying-party sessions on the phone (issue 6).
    ("post", "/api/app/v1/rp-sessions/scan"),
    ("post", "/api/app/v1/rp-sessions/{id}/refusal"),
    ("post", "/api/app/v1/rp-sessions/{id}/steps"),
    ("post", "/api/app/v1/rp-sessions/{id}/steps/{n}/finish"),
    ("post", "/api/app/v1/rp-sessions/{id}/steps/{n}/content-key"),
    // The CAs' public services.
    ("get", "/crl/{file}"),
    ("post", "/ocsp/{ca}"),
    ("post", "/ocsp"),
    ("get", "/ca/{ca}/chain.pem"),
];

#[tokio::test]
async fn every_route_is_documented_and_served() {
    let (scratch, server) = TestServer::on_sqlite().await;
    let http = server.http();
    let doc: Value = http
        .get(format!("{}/api/openapi.json", server.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1"),
        "{}",
        doc["openapi"]
    );
    assert!(doc["components"]["securitySchemes"]["device"].is_object());
    assert!(doc["components"]["schemas"]["Problem"].is_object());

    let mut documented = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            documented.insert((method.clone(), path.clone()));
        }
    }
    let expected: BTreeSet<_> = EXPECTED
        .iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    assert_eq!(
        documented, expected,
        "documented operations differ from the app API"
    );

    // Each documented operation reaches a handler (not the router's 404/405).
    for (method, path) in &documented {
        let url = format!(
            "{}{}",
            server.base,
            path.replace("{id}", "0190f2a0-0000-7000-8000-000000000000")
                .replace("{file}", "none.crl")
                .replace("{ca}", "none")
        );
        let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        let r = http.request(method.clone(), &url).send().await.unwrap();
        let status = r.status().as_u16();
        let body: Value = r.json().await.unwrap_or(Value::Null);
        assert!(
            body["code"] != "no_route" && body["code"] != "method_not_allowed",
            "{method} {path} is documented but not served ({status} {body})"
        );
    }

    // Every documented operation that needs the device says so.
    for (path, item) in doc["paths"].as_object().unwrap() {
        if path.starts_with("/api/app/v1/me/") {
            for (method, op) in item.as_object().unwrap() {
                assert!(
                    op["security"].is_array(),
                    "{method} {path} lacks its security requirement"
                );
            }
        }
    }

    // The library's document is the served one.
    assert_eq!(serde_json::to_value(mca_server::openapi()).unwrap(), doc);
    server.finish(scratch).await;
}
