//! The Aliyun SMS adapter against a local stub of Aliyun's RPC gateway that
//! checks the request exactly as the real one does (parameters, timestamp,
//! nonce reuse, HMAC-SHA1 signature), end to end through a production-mode
//! server: the code the phone types is the one the gateway received.

mod support;

use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex};

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use mca_phone::PhoneError;
use mca_phone::phone::Purpose;
use mca_server::config::{Secret, SmsProvider};
use mca_store::scratch::Scratch;
use serde_json::json;
use support::TestServer;

const KEY_ID: &str = "LTAI5tStubKeyId";
const KEY_SECRET: &str = "stub-secret-value";

#[derive(Default)]
struct Gateway {
    nonces: HashSet<String>,
    /// (phone, code) of every accepted message.
    sent: Vec<(String, String)>,
    /// Answer this error code instead of sending.
    fail_with: Option<&'static str>,
}

type Shared = Arc<Mutex<Gateway>>;

/// Percent-decoding of one query component, written here independently of
/// the adapter.
fn decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(if b[i] == b'+' { b' ' } else { b[i] });
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

/// Aliyun's encoding, again written independently: keep unreserved only.
fn encode(s: &str) -> String {
    s.bytes()
        .map(|c| match c {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (c as char).to_string()
            }
            _ => format!("%{c:02X}"),
        })
        .collect()
}

fn error(status: StatusCode, code: &str) -> axum::response::Response {
    (
        status,
        axum::Json(json!({ "Code": code, "Message": code, "RequestId": "stub" })),
    )
        .into_response()
}

async fn gateway(
    State(shared): State<Shared>,
    RawQuery(query): RawQuery,
) -> axum::response::Response {
    let query = query.unwrap_or_default();
    let mut params: BTreeMap<String, String> = query
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (decode(k), decode(v)))
        .collect();
    let Some(signature) = params.remove("Signature") else {
        return error(StatusCode::BAD_REQUEST, "MissingSignature");
    };
    for (k, v) in [
        ("Action", "SendSms"),
        ("Version", "2017-05-25"),
        ("SignatureMethod", "HMAC-SHA1"),
        ("SignatureVersion", "1.0"),
        ("Format", "JSON"),
        ("AccessKeyId", KEY_ID),
        ("RegionId", "cn-hangzhou"),
        ("SignName", "浙江移动CA"),
        ("TemplateCode", "SMS_000001"),
    ] {
        if params.get(k).map(String::as_str) != Some(v) {
            return error(StatusCode::BAD_REQUEST, "InvalidParameter");
        }
    }
    let timestamp = params.get("Timestamp").cloned().unwrap_or_default();
    if timestamp.len() != 20 || !timestamp.ends_with('Z') || &timestamp[10..11] != "T" {
        return error(StatusCode::BAD_REQUEST, "InvalidTimeStamp.Format");
    }
    let canonical: Vec<String> = params
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect();
    let string_to_sign = format!("GET&{}&{}", encode("/"), encode(&canonical.join("&")));
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(format!("{KEY_SECRET}&").as_bytes()).unwrap();
    mac.update(string_to_sign.as_bytes());
    let expected = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    if signature != expected {
        return error(StatusCode::BAD_REQUEST, "SignatureDoesNotMatch");
    }
    let mut g = shared.lock().unwrap();
    if !g.nonces.insert(params["SignatureNonce"].clone()) {
        return error(StatusCode::BAD_REQUEST, "SignatureNonceUsed");
    }
    if let Some(code) = g.fail_with {
        return error(StatusCode::OK, code);
    }
    let template: serde_json::Value = serde_json::from_str(&params["TemplateParam"]).unwrap();
    g.sent.push((
        params["PhoneNumbers"].clone(),
        template["code"].as_str().unwrap().to_owned(),
    ));
    axum::Json(json!({ "Code": "OK", "Message": "OK", "BizId": "900619746936498440^0", "RequestId": "stub" }))
        .into_response()
}

async fn start_gateway() -> (String, Shared) {
    let shared = Shared::default();
    let app = axum::Router::new()
        .route("/", axum::routing::get(gateway))
        .with_state(shared.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, shared)
}

fn production_config(endpoint: &str, secret: &str) -> mca_server::Config {
    let mut config = support::config();
    config.dev_mode = false;
    config.transport_key = Some(Secret::new("11".repeat(32)));
    config.sms.provider = SmsProvider::Aliyun;
    config.sms.aliyun.endpoint = endpoint.to_owned();
    config.sms.aliyun.access_key_id = KEY_ID.into();
    config.sms.aliyun.access_key_secret = Some(Secret::new(secret));
    config.sms.aliyun.sign_name = "浙江移动CA".into();
    config.sms.aliyun.template_code = "SMS_000001".into();
    config
}

#[tokio::test]
async fn login_with_a_code_delivered_through_the_gateway() {
    let (endpoint, gateway) = start_gateway().await;
    let scratch = Scratch::sqlite().await.unwrap();
    let server =
        TestServer::start_with(&scratch.db, production_config(&endpoint, KEY_SECRET)).await;
    assert!(server.dev.is_none());

    let mut phone = server.phone();
    phone
        .send_code("13800138000", Purpose::Login)
        .await
        .unwrap();
    let (to, code) = gateway
        .lock()
        .unwrap()
        .sent
        .last()
        .cloned()
        .expect("the gateway got the message");
    assert_eq!(to, "13800138000");
    assert_eq!(code.len(), 6);
    assert!(phone.login_with_code("13800138000", &code).await.unwrap());

    // A second message uses a fresh nonce (the gateway refuses reuse).
    server.clock.advance(61);
    phone
        .send_code("13800138000", Purpose::ResetPassword)
        .await
        .unwrap();
    assert_eq!(gateway.lock().unwrap().sent.len(), 2);

    server.stop().await;
    scratch.drop_all().await.unwrap();
}

#[tokio::test]
async fn gateway_refusals_are_503_problems_without_secrets() {
    let (endpoint, gateway) = start_gateway().await;
    let scratch = Scratch::sqlite().await.unwrap();

    // A wrong AccessKey secret: the gateway's signature check fails.
    let server =
        TestServer::start_with(&scratch.db, production_config(&endpoint, "wrong-secret")).await;
    let phone = server.phone();
    match phone.send_code("13800138000", Purpose::Login).await {
        Err(PhoneError::Refused {
            status: 503,
            code,
            detail,
            ..
        }) => {
            assert_eq!(code, "provider_unavailable");
            assert!(detail.unwrap_or_default().find("wrong-secret").is_none());
        }
        other => panic!("expected 503, got {other:?}"),
    }
    assert!(gateway.lock().unwrap().sent.is_empty());
    server.stop().await;

    // The gateway's own business refusal (flow control).
    gateway.lock().unwrap().fail_with = Some("isv.BUSINESS_LIMIT_CONTROL");
    let server =
        TestServer::start_with(&scratch.db, production_config(&endpoint, KEY_SECRET)).await;
    let phone = server.phone();
    let result = phone.send_code("13900139000", Purpose::Login).await;
    assert_eq!(result.unwrap_err().code(), Some("provider_unavailable"));
    server.stop().await;

    // Nobody answers at all.
    let server = TestServer::start_with(
        &scratch.db,
        production_config("http://127.0.0.1:9/", KEY_SECRET),
    )
    .await;
    let result = server
        .phone()
        .send_code("13700137000", Purpose::Login)
        .await;
    assert_eq!(result.unwrap_err().code(), Some("provider_unavailable"));
    server.stop().await;
    scratch.drop_all().await.unwrap();
}
