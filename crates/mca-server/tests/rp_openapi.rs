//! The relying-party API's own OpenAPI 3.1 document: every route of
//! RP-API.md is documented, every documented operation is served and
//! declares the `rp` security requirement, and the document is apart from
//! the app API's.

mod support;

use std::collections::BTreeSet;

use serde_json::Value;
use support::TestServer;

/// The relying-party API as the contract lists it.
const EXPECTED: &[(&str, &str)] = &[
    ("post", "/api/rp/v1/sessions"),
    ("get", "/api/rp/v1/sessions/{id}"),
    ("post", "/api/rp/v1/sessions/{id}/cancel"),
    ("post", "/api/rp/v1/verify/signature"),
    ("post", "/api/rp/v1/verify/signed-data"),
    ("post", "/api/rp/v1/verify/seal"),
];

#[tokio::test]
async fn every_rp_route_is_documented_and_served() {
    let (scratch, server) = TestServer::on_sqlite().await;
    let http = server.http();
    let doc: Value = http
        .get(format!("{}/api/rp/openapi.json", server.base))
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
    assert!(doc["components"]["securitySchemes"]["rp"].is_object());
    assert!(doc["components"]["schemas"]["Problem"].is_object());
    assert!(doc["components"]["schemas"]["SessionView"].is_object());

    let mut documented = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            documented.insert((method.clone(), path.clone()));
            assert!(
                op["security"].is_array(),
                "{method} {path} lacks its security requirement"
            );
        }
    }
    let expected: BTreeSet<_> = EXPECTED
        .iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    assert_eq!(
        documented, expected,
        "documented operations differ from the RP API"
    );

    // Each documented operation reaches a handler: unsigned, it is refused
    // by the authentication (401 problem), not by the router.
    for (method, path) in &documented {
        let url = format!(
            "{}{}",
            server.base,
            path.replace("{id}", "0190f2a0-0000-7000-8000-000000000000")
        );
        let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        let r = http.request(method.clone(), &url).send().await.unwrap();
        let status = r.status().as_u16();
        let body: Value = r.json().await.unwrap_or(Value::Null);
        assert_eq!(
            (status, body["code"].as_str()),
            (401, Some("unauthenticated")),
            "{method} {path} is documented but not served as an RP route"
        );
    }

    // Apart from the app API: neither document lists the other's paths.
    let app: Value = http
        .get(format!("{}/api/openapi.json", server.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let app_paths = app["paths"].as_object().unwrap();
    assert!(app_paths.keys().all(|p| !p.starts_with("/api/rp/")));
    assert!(
        doc["paths"]
            .as_object()
            .unwrap()
            .keys()
            .all(|p| p.starts_with("/api/rp/v1/"))
    );

    // The library's document is the served one.
    assert_eq!(serde_json::to_value(mca_server::rp_openapi()).unwrap(), doc);
    server.finish(scratch).await;
}
