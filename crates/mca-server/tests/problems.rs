//! Every error of every route is an RFC 9457 problem document: malformed
//! path parameters, query strings, oversized bodies (OCSP included) and
//! bad headers, first case by case, then swept over every operation of
//! every served OpenAPI document. A query is judged only after the
//! request's authentication.

mod support;

use std::io::{Read, Write};

use mca_phone::Tamper;
use mca_phone::phone::APP;
use reqwest::header::{HeaderName, HeaderValue};
use reqwest::{Method, Response};
use serde_json::Value;
use support::{OPERATOR_TOKEN, TestServer};

const ALICE: &str = "13800138000";

/// The problem a response carries, after checking its documented shape:
/// the media type, `type` = `urn:mca:problem:<code>`, `status` = the HTTP
/// status, a Chinese `title`.
async fn problem(what: &str, r: Response) -> (u16, String) {
    let status = r.status().as_u16();
    let media = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap_or("?").to_owned());
    let text = r.text().await.unwrap();
    assert_eq!(
        media.as_deref(),
        Some("application/problem+json"),
        "{what}: {status} {text}"
    );
    assert_problem_shape(what, status, &text)
}

fn assert_problem_shape(what: &str, status: u16, text: &str) -> (u16, String) {
    let body: Value = serde_json::from_str(text).unwrap_or_else(|_| panic!("{what}: {text}"));
    let code = body["code"]
        .as_str()
        .unwrap_or_else(|| panic!("{what}: {text}"));
    assert_eq!(body["type"], format!("urn:mca:problem:{code}"), "{what}");
    assert_eq!(body["status"], status, "{what}: {text}");
    let title = body["title"].as_str().unwrap_or_default();
    assert!(
        title
            .chars()
            .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
        "{what}: the title is Chinese: {text}"
    );
    (status, code.to_owned())
}

#[tokio::test]
async fn malformed_path_parameters_are_problems() {
    let (scratch, server) = TestServer::on_sqlite().await;
    let http = server.http();
    for (path, expected) in [
        ("/crl/%FF.crl", (400, "malformed_path")),
        ("/ca/%FF/chain.pem", (400, "malformed_path")),
        (
            "/api/app/v1/me/applications/%C0%AF",
            (400, "malformed_path"),
        ),
        ("/api/dev/sms-codes/%FF", (400, "malformed_path")),
        // The reviewer's token is checked before the path.
        ("/api/review/v1/applications/%FF", (401, "unauthenticated")),
    ] {
        let r = http
            .get(format!("{}{path}", server.base))
            .send()
            .await
            .unwrap();
        let (status, code) = problem(path, r).await;
        assert_eq!((status, code.as_str()), expected, "{path}");
    }
    server.finish(scratch).await;
}

#[tokio::test]
async fn a_query_is_judged_after_authentication() {
    let (scratch, server) = TestServer::on_sqlite().await;
    let http = server.http();
    let form = format!("{APP}/me/application-form?province_id=%FF&x=1");
    let rp = "/api/rp/v1/sessions/0190f2a0-0000-7000-8000-000000000000?wait=soon";
    let audit = "/api/operator/v1/audit?limit=many";
    // A stranger learns 401, nothing about the query.
    for path in [form.as_str(), rp, audit] {
        let r = http
            .get(format!("{}{path}", server.base))
            .send()
            .await
            .unwrap();
        let (status, code) = problem(path, r).await;
        assert_eq!((status, code.as_str()), (401, "unauthenticated"), "{path}");
    }
    // Authenticated, the bad query is a 400 problem.
    let phone = server.registered(ALICE).await;
    let reply = phone
        .client()
        .signed_raw(Method::GET, &form, None, Tamper::default())
        .await
        .unwrap();
    assert_eq!(
        (reply.status, reply.body["code"].as_str()),
        (400, Some("malformed_query")),
        "{}",
        reply.body
    );
    assert_problem_shape(&form, reply.status, &reply.body.to_string());
    let r = http
        .get(format!("{}{audit}", server.base))
        .bearer_auth(OPERATOR_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(problem(audit, r).await, (400, "malformed_query".into()));
    server.finish(scratch).await;
}

#[tokio::test]
async fn oversized_ocsp_requests_are_problems() {
    let (scratch, server) = TestServer::on_sqlite().await;
    let http = server.http();
    for path in ["/ocsp", "/ocsp/zjca"] {
        let r = http
            .post(format!("{}{path}", server.base))
            .header("content-type", "application/ocsp-request")
            .body(vec![0x30; 64 * 1024])
            .send()
            .await
            .unwrap();
        assert_eq!(problem(path, r).await, (413, "body_too_large".into()));
    }
    server.finish(scratch).await;
}

/// Sends `head` (a request without body) on a fresh connection and reads
/// the answer: status, lower-cased head, body.
fn raw_request(base: &str, head: &[u8]) -> (u16, String, String) {
    let addr = base.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    stream.write_all(head).unwrap();
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let (headers, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
    let status = headers
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, headers.to_ascii_lowercase(), body.to_owned())
}

#[tokio::test]
async fn bad_header_bytes_are_problems() {
    let (scratch, server) = TestServer::on_sqlite().await;
    // Bytes above 0x7F reach the handlers: refused as credentials.
    let r = server
        .http()
        .get(format!("{}{APP}/me/devices", server.base))
        .header(
            "authorization",
            HeaderValue::from_bytes(b"Bearer \xff\xfe").unwrap(),
        )
        .header(
            HeaderName::from_static("x-mca-device"),
            HeaderValue::from_bytes(b"\x80").unwrap(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(
        problem("obs-text", r).await,
        (401, "unauthenticated".into())
    );
    // Control characters (in a header value, in a header name) are refused
    // by the HTTP parser itself, before any route: still a problem.
    for head in [
        &b"GET /healthz HTTP/1.1\r\nhost: x\r\nx-mca-nonce: a\x01b\r\n\r\n"[..],
        &b"GET /healthz HTTP/1.1\r\nhost: x\r\nx-\x7fbad: 1\r\n\r\n"[..],
    ] {
        let base = server.base.clone();
        let head = head.to_vec();
        let (status, headers, body) =
            tokio::task::spawn_blocking(move || raw_request(&base, &head))
                .await
                .unwrap();
        assert_eq!(status, 400, "{headers}");
        assert!(
            headers.contains("content-type: application/problem+json"),
            "{headers}"
        );
        assert_problem_shape("control character", status, &body);
    }
    server.finish(scratch).await;
}

/// Every operation of every served OpenAPI document, attacked four ways;
/// whatever it answers that is not a success is a problem document.
#[tokio::test]
async fn every_documented_route_answers_problems() {
    // A small upload limit, so "oversized" is cheap to send everywhere.
    let scratch = mca_store::scratch::Scratch::sqlite().await.unwrap();
    let config = mca_server::Config {
        max_upload_bytes: 64 * 1024,
        ..support::config()
    };
    let server = TestServer::start_with(&scratch.db, config).await;
    let http = server.http();
    let mut operations = Vec::new();
    for doc in [
        "/api/openapi.json",
        "/api/rp/openapi.json",
        "/api/review/openapi.json",
        "/api/operator/openapi.json",
    ] {
        let doc: Value = http
            .get(format!("{}{doc}", server.base))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for method in item.as_object().unwrap().keys() {
                operations.push((method.to_uppercase(), path.clone()));
            }
        }
    }
    assert!(operations.len() > 80, "{}", operations.len());

    let big = vec![b'{'; 128 * 1024];
    let mut refused = 0;
    for (method, path) in &operations {
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        let bad_path = path
            .split('/')
            .map(|s| if s.starts_with('{') { "%FF%FE" } else { s })
            .collect::<Vec<_>>()
            .join("/");
        let good_path = path
            .replace("{id}", "0190f2a0-0000-7000-8000-000000000000")
            .replace("{file}", "none.crl")
            .replace("{ca}", "none")
            .replace("{n}", "1");
        let attacks = [
            ("path", bad_path.clone(), None, None),
            (
                "query",
                format!("{good_path}?%FF=%FE&wait=x&limit=x&province_id[]=1"),
                None,
                None,
            ),
            ("body", good_path.clone(), Some(big.clone()), None),
            (
                "header",
                good_path.clone(),
                Some(b"{}".to_vec()),
                Some(HeaderValue::from_bytes(b"application/\xffjson").unwrap()),
            ),
        ];
        for (kind, url, body, content_type) in attacks {
            let mut request = http
                .request(method.clone(), format!("{}{url}", server.base))
                .header(
                    "authorization",
                    HeaderValue::from_bytes(b"Bearer \xff").unwrap(),
                )
                .header("x-mca-rp-key", HeaderValue::from_bytes(b"\x81").unwrap());
            if let Some(ct) = content_type {
                request = request.header("content-type", ct);
            }
            if let Some(body) = body {
                request = request.body(body);
            }
            let what = format!("{kind}: {method} {url}");
            let r = match request.send().await {
                Ok(r) => r,
                // The server may close the connection on a body it refused
                // before reading all of it.
                Err(e) if kind == "body" => {
                    assert!(!e.is_timeout(), "{what}: {e}");
                    continue;
                }
                Err(e) => panic!("{what}: {e}"),
            };
            if !r.status().is_success() {
                problem(&what, r).await;
                refused += 1;
            }
        }
    }
    assert!(refused > 2 * operations.len(), "{refused}");
    server.finish(scratch).await;
}
