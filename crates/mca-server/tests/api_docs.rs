//! The review and operator APIs have their own OpenAPI 3.1 documents:
//! every route they serve is documented, every documented operation is
//! served and needs its token. The viewer at `/api/docs` lists every path
//! of every document, under a strict CSP and with nothing from elsewhere.

mod support;

use std::collections::BTreeSet;

use serde_json::Value;
use support::TestServer;

const REVIEW: &[(&str, &str)] = &[
    ("post", "/api/review/v1/sessions"),
    ("get", "/api/review/v1/applications"),
    ("get", "/api/review/v1/applications/{id}"),
    ("get", "/api/review/v1/applications/{id}/form-photo"),
    ("get", "/api/review/v1/applications/{id}/signature"),
    ("get", "/api/review/v1/applications/{id}/licence"),
    (
        "get",
        "/api/review/v1/applications/{id}/authorization-letter",
    ),
    ("get", "/api/review/v1/applications/{id}/authorization-seal"),
    ("post", "/api/review/v1/applications/{id}/approval"),
    ("post", "/api/review/v1/applications/{id}/rejection"),
];

const OPERATOR: &[(&str, &str)] = &[
    ("get", "/api/operator/v1/catalogue"),
    ("post", "/api/operator/v1/provinces"),
    ("put", "/api/operator/v1/provinces/{id}"),
    ("delete", "/api/operator/v1/provinces/{id}"),
    ("post", "/api/operator/v1/platforms"),
    ("put", "/api/operator/v1/platforms/{id}"),
    ("delete", "/api/operator/v1/platforms/{id}"),
    ("post", "/api/operator/v1/ca-organizations"),
    ("put", "/api/operator/v1/ca-organizations/{id}"),
    ("delete", "/api/operator/v1/ca-organizations/{id}"),
    ("post", "/api/operator/v1/validity-options"),
    ("put", "/api/operator/v1/validity-options/{id}"),
    ("delete", "/api/operator/v1/validity-options/{id}"),
    ("get", "/api/operator/v1/audit"),
    ("get", "/api/operator/v1/audit/verify"),
    ("post", "/api/operator/v1/reviewers"),
    ("post", "/api/operator/v1/certificates/{id}/revocation"),
    ("post", "/api/operator/v1/relying-parties"),
    ("get", "/api/operator/v1/relying-parties"),
    ("post", "/api/operator/v1/relying-parties/{id}/rotation"),
    ("post", "/api/operator/v1/relying-parties/{id}/disable"),
];

async fn document(server: &TestServer, url: &str) -> Value {
    server
        .http()
        .get(format!("{}{url}", server.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

fn operations(doc: &Value) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            out.insert((method.clone(), path.clone()));
        }
    }
    out
}

/// `doc` lists exactly `expected`; each operation but `public` declares
/// `scheme` and, unauthenticated, reaches its handler's 401 (not the
/// router's 404/405).
async fn check(
    server: &TestServer,
    doc: &Value,
    expected: &[(&str, &str)],
    scheme: &str,
    public: &[&str],
) {
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    assert!(doc["components"]["securitySchemes"][scheme].is_object());
    assert!(doc["components"]["schemas"]["Problem"].is_object());
    let documented = operations(doc);
    let expected: BTreeSet<_> = expected
        .iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    assert_eq!(documented, expected);
    for (method, path) in &documented {
        let op = &doc["paths"][path][method];
        let url = format!(
            "{}{}",
            server.base,
            path.replace("{id}", "0190f2a0-0000-7000-8000-000000000000")
        );
        let m = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        let r = server.http().request(m, &url).send().await.unwrap();
        let status = r.status().as_u16();
        let body: Value = r.json().await.unwrap_or(Value::Null);
        if public.contains(&path.as_str()) {
            assert!(op["security"].is_null(), "{method} {path} is public");
            assert_ne!(body["code"], "no_route", "{method} {path}");
            continue;
        }
        assert_eq!(
            op["security"][0][scheme],
            Value::Array(vec![]),
            "{method} {path} lacks its security requirement"
        );
        assert_eq!(
            (status, body["code"].as_str()),
            (401, Some("unauthenticated")),
            "{method} {path} is documented but not served as such"
        );
    }
}

#[tokio::test]
async fn review_and_operator_apis_are_documented_and_served() {
    let (scratch, server) = TestServer::on_sqlite().await;
    let review = document(&server, "/api/review/openapi.json").await;
    check(
        &server,
        &review,
        REVIEW,
        "reviewer",
        &["/api/review/v1/sessions"],
    )
    .await;
    assert_eq!(
        serde_json::to_value(mca_server::review_openapi()).unwrap(),
        review
    );

    let operator = document(&server, "/api/operator/openapi.json").await;
    check(&server, &operator, OPERATOR, "operator", &[]).await;
    assert_eq!(
        serde_json::to_value(mca_server::operator_openapi()).unwrap(),
        operator
    );

    // The documents are apart: no path is in two of them.
    let mut seen = BTreeSet::new();
    for url in [
        "/api/openapi.json",
        "/api/rp/openapi.json",
        "/api/review/openapi.json",
        "/api/operator/openapi.json",
    ] {
        for op in operations(&document(&server, url).await) {
            assert!(seen.insert(op.clone()), "{op:?} is in two documents");
        }
    }
    server.finish(scratch).await;
}

#[tokio::test]
async fn the_viewer_lists_every_path_of_every_document() {
    let (scratch, server) = TestServer::on_sqlite().await;
    let r = server
        .http()
        .get(format!("{}/api/docs", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "text/html; charset=utf-8");
    let csp = r.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.starts_with("default-src 'none'"), "{csp}");
    assert!(!csp.contains("unsafe"), "{csp}");
    assert!(!csp.contains("http"), "no other origin: {csp}");
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    let page = r.text().await.unwrap();
    assert!(page.contains("接口文档"));
    assert!(!page.contains("<script"), "no script");
    assert!(!page.contains("src=\"http") && !page.contains("href=\"http"));

    for (url, title) in [
        ("/api/openapi.json", "手机应用接口"),
        ("/api/rp/openapi.json", "业务系统（依赖方）接口"),
        ("/api/review/openapi.json", "CA 审核接口"),
        ("/api/operator/openapi.json", "运营管理接口"),
    ] {
        assert!(page.contains(title), "{title}");
        assert!(page.contains(&format!("href=\"{url}\"")), "{url}");
        let doc = document(&server, url).await;
        for (method, path) in operations(&doc) {
            let shown =
                format!("<span class=\"method {method}\">{method}</span> <code>{path}</code>");
            assert!(
                page.contains(&shown),
                "{method} {path} of {url} is not shown"
            );
        }
        for schema in doc["components"]["schemas"].as_object().unwrap().keys() {
            assert!(
                page.contains(&format!("<code>{schema}</code>")),
                "schema {schema} of {url} is not shown"
            );
        }
    }
    // Parameters, bodies and responses are rendered, not just paths.
    for part in [
        "参数",
        "请求体",
        "响应",
        "数据结构",
        "<code>wait</code>",
        "查询",
    ] {
        assert!(page.contains(part), "{part}");
    }

    // Its stylesheet is its own, served as CSS.
    let css = server
        .http()
        .get(format!("{}/api/docs/docs.css", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(css.status(), 200);
    assert_eq!(css.headers()["content-type"], "text/css; charset=utf-8");
    server.finish(scratch).await;
}
