//! `/app/` (issue 11): the phone app's files with their media types,
//! caching and the strict security headers; the page shown when the app
//! was not built; and `Cache-Control: no-store` on every `/api/` answer.

mod support;

use mca_server::app_assets::AppAssets;
use mca_server::routes::phone_app::CSP;
use support::{TestServer, config};

/// A dist folder shaped like Vite's output, made by the test.
fn dist() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("mca-test-dist-{}", mca_domain::UserId::new()));
    std::fs::create_dir_all(dir.join("assets")).unwrap();
    std::fs::create_dir_all(dir.join("icons")).unwrap();
    let files: &[(&str, &[u8])] = &[
        (
            "index.html",
            b"<!doctype html><title>\xe7\xa7\xbb\xe5\x8a\xa8CA</title>",
        ),
        ("sw.js", b"self.addEventListener('fetch', () => {});"),
        (
            "manifest.webmanifest",
            b"{\"name\":\"\xe7\xa7\xbb\xe5\x8a\xa8CA\"}",
        ),
        ("icons/icon-192.png", b"\x89PNG\r\n\x1a\n"),
        ("assets/index-B1c2D3e4.js", b"export const x = 1;"),
        ("assets/index-C5d6E7f8.css", b"body{margin:0}"),
        ("assets/mca_phone_wasm_bg-0a1b2c3d.wasm", b"\0asm\x01\0\0\0"),
    ];
    for (name, bytes) in files {
        std::fs::write(dir.join(name), bytes).unwrap();
    }
    dir
}

async fn get(server: &TestServer, path: &str) -> reqwest::Response {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    client
        .get(format!("{}{path}", server.base))
        .send()
        .await
        .unwrap()
}

fn header<'a>(response: &'a reqwest::Response, name: &str) -> &'a str {
    response
        .headers()
        .get(name)
        .unwrap_or_else(|| panic!("no {name} on {}", response.url()))
        .to_str()
        .unwrap()
}

fn assert_secured(response: &reqwest::Response) {
    assert_eq!(header(response, "content-security-policy"), CSP);
    assert_eq!(header(response, "x-content-type-options"), "nosniff");
    assert_eq!(header(response, "referrer-policy"), "no-referrer");
    assert_eq!(header(response, "permissions-policy"), "camera=(self)");
}

#[tokio::test]
async fn serves_the_app_with_media_types_caching_and_security_headers() {
    let scratch = mca_store::scratch::Scratch::sqlite().await.unwrap();
    let dir = dist();
    let assets = AppAssets::from_dir(&dir).unwrap();
    let server = TestServer::start_with_app(&scratch.db, config(), assets).await;

    let cases = [
        ("/app/", "text/html; charset=utf-8", "no-cache"),
        ("/app/index.html", "text/html; charset=utf-8", "no-cache"),
        ("/app/sw.js", "text/javascript; charset=utf-8", "no-cache"),
        (
            "/app/manifest.webmanifest",
            "application/manifest+json",
            "no-cache",
        ),
        ("/app/icons/icon-192.png", "image/png", "no-cache"),
        (
            "/app/assets/index-B1c2D3e4.js",
            "text/javascript; charset=utf-8",
            "public, max-age=31536000, immutable",
        ),
        (
            "/app/assets/index-C5d6E7f8.css",
            "text/css; charset=utf-8",
            "public, max-age=31536000, immutable",
        ),
        (
            "/app/assets/mca_phone_wasm_bg-0a1b2c3d.wasm",
            "application/wasm",
            "public, max-age=31536000, immutable",
        ),
    ];
    for (path, media_type, caching) in cases {
        let response = get(&server, path).await;
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(header(&response, "content-type"), media_type, "{path}");
        assert_eq!(header(&response, "cache-control"), caching, "{path}");
        assert_secured(&response);
        let file = if path == "/app/" {
            "index.html"
        } else {
            &path["/app/".len()..]
        };
        let expected = std::fs::read(dir.join(file)).unwrap();
        assert_eq!(response.bytes().await.unwrap().as_ref(), expected, "{path}");
    }

    let redirect = get(&server, "/app").await;
    assert_eq!(redirect.status(), 308);
    assert_eq!(header(&redirect, "location"), "/app/");

    // The client resolves `..` (and `%2e%2e`) itself; an encoded slash reaches
    // the server, where it names no file (files are looked up, never opened).
    assert_eq!(get(&server, "/app/../Cargo.toml").await.status(), 404);
    for missing in [
        "/app/assets/nothing-00000000.js",
        "/app/assets/..%2f..%2fCargo.toml",
    ] {
        let response = get(&server, missing).await;
        assert_eq!(response.status(), 404, "{missing}");
        assert_secured(&response);
    }

    server.finish(scratch).await;
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn an_unbuilt_app_says_how_to_build_it() {
    let scratch = mca_store::scratch::Scratch::sqlite().await.unwrap();
    let server = TestServer::start_with_app(&scratch.db, config(), AppAssets::default()).await;
    let response = get(&server, "/app/").await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        header(&response, "content-type"),
        "text/html; charset=utf-8"
    );
    assert_eq!(header(&response, "cache-control"), "no-cache");
    assert_secured(&response);
    let page = response.text().await.unwrap();
    assert!(page.contains("手机应用尚未构建"), "{page}");
    assert!(page.contains("scripts/build-app"), "{page}");
    assert!(
        !page.contains("<script") && !page.contains("style="),
        "the CSP forbids inline code: {page}"
    );
    assert_eq!(get(&server, "/app/sw.js").await.status(), 404);
    server.finish(scratch).await;
}

/// Whatever this binary embedded (the built app, or nothing) is served
/// under the same headers.
#[tokio::test]
async fn the_embedded_app_is_served_too() {
    let (scratch, server) = TestServer::on_sqlite().await;
    let embedded = AppAssets::embedded();
    let response = get(&server, "/app/").await;
    assert_eq!(response.status(), 200);
    assert_secured(&response);
    let page = response.text().await.unwrap();
    assert_eq!(
        page.contains("手机应用尚未构建"),
        !embedded.is_built(),
        "{page}"
    );
    server.finish(scratch).await;
}

#[tokio::test]
async fn every_api_answer_is_no_store() {
    let (scratch, server) = TestServer::on_sqlite().await;
    let client = reqwest::Client::new();
    let answers = [
        client
            .get(format!("{}/api/openapi.json", server.base))
            .send()
            .await
            .unwrap(),
        client
            .get(format!("{}/api/docs", server.base))
            .send()
            .await
            .unwrap(),
        client
            .get(format!("{}/api/app/v1/me/identity", server.base))
            .send()
            .await
            .unwrap(),
        client
            .get(format!("{}/api/no/such/route", server.base))
            .send()
            .await
            .unwrap(),
        client
            .post(format!("{}/api/app/v1/sms-codes", server.base))
            .json(&serde_json::json!({"phone": "13800138000", "purpose": "login"}))
            .send()
            .await
            .unwrap(),
        client
            .get(format!("{}/api/dev/sms-codes/13800138000", server.base))
            .send()
            .await
            .unwrap(),
    ];
    for response in &answers {
        assert_eq!(
            header(response, "cache-control"),
            "no-store",
            "{}",
            response.url()
        );
    }
    let statuses: Vec<u16> = answers.iter().map(|r| r.status().as_u16()).collect();
    assert!(
        statuses.contains(&200) && statuses.contains(&401) && statuses.contains(&404),
        "{statuses:?}"
    );
    // Outside /api/ the server keeps its own caching.
    let health = client
        .get(format!("{}/healthz", server.base))
        .send()
        .await
        .unwrap();
    assert!(health.headers().get("cache-control").is_none());
    server.finish(scratch).await;
}
