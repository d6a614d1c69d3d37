//! A user holding a downloaded certificate pair, for the tests of what is
//! done with keys rather than the issue-5 story itself: register, verify,
//! apply, pay, approved by a reviewer (operator and review APIs),
//! downloaded over the air.

use mca_phone::{CertificateInfo, Phone, StoredKey};
use mca_pki::cert::Certificate;
use serde_json::{Value, json};

use super::{OPERATOR_TOKEN, TestServer};

/// A PNG of `w`×`h` pixels of one colour (passes the upload checks).
pub fn png(w: u32, h: u32, rgba: [u8; 4]) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Rgba);
        enc.set_depth(png::BitDepth::Eight);
        let mut writer = enc.write_header().unwrap();
        let data: Vec<u8> = (0..w * h).flat_map(|_| rgba).collect();
        writer.write_image_data(&data).unwrap();
    }
    out
}

/// ZJCA's 1-year option on the first platform of its province.
pub async fn zjca(phone: &Phone) -> CertificateInfo {
    let cat = phone.catalogue().await.unwrap();
    let ca = cat["ca_organizations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["short_name"] == "ZJCA")
        .unwrap();
    let option = cat["validity_options"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["ca_id"] == ca["id"] && v["years"] == 1)
        .unwrap();
    let platform = &cat["platforms"][0];
    CertificateInfo {
        province_id: platform["province_id"].as_str().unwrap().into(),
        platform_id: platform["id"].as_str().unwrap().into(),
        ca_id: ca["id"].as_str().unwrap().into(),
        validity_option_id: option["id"].as_str().unwrap().into(),
    }
}

/// A verified user `number` with an approved application: the phone and
/// the application id. `server` must run with CAs
/// ([`TestServer::start_with_cas`]).
pub async fn approved(server: &TestServer, number: &str) -> (Phone, String) {
    let phone = server.registered(number).await;
    phone
        .submit_identity("张三", "11010519491231002X")
        .await
        .unwrap();
    phone.verify_face(Some(true)).await.unwrap();
    let app_id = approve(server, &phone).await;
    (phone, app_id)
}

/// Apply, pay and approve through the review API (one reviewer, created
/// on first use): the application id. `phone` is logged in and verified.
pub async fn approve(server: &TestServer, phone: &Phone) -> String {
    let info = zjca(phone).await;
    let app = phone
        .apply(
            &info,
            &png(600, 800, [240, 200, 240, 255]),
            // A handwritten signature: one generated from the name needs a
            // CJK font the test machine may lack.
            Some(&png(200, 60, [0x1B, 0x22, 0x33, 255])),
        )
        .await
        .unwrap();
    let app_id = app["id"].as_str().unwrap().to_owned();
    phone.pay(&app_id).await.unwrap();
    let token = reviewer_token(server, &info.ca_id).await;
    review(
        server,
        &token,
        reqwest::Method::POST,
        &format!("/applications/{app_id}/approval"),
        None,
    )
    .await;
    app_id
}

/// A reviewer of `ca_id` (created through the operator API on first use)
/// logged in through the review API: their bearer token.
pub async fn reviewer_token(server: &TestServer, ca_id: &str) -> String {
    let http = server.http();
    let r = http
        .post(format!("{}/api/operator/v1/reviewers", server.base))
        .bearer_auth(OPERATOR_TOKEN)
        .json(&json!({"ca_id": ca_id, "username": "zjca-wang", "display_name": "王审核", "password": "Review-2026"}))
        .send()
        .await
        .unwrap();
    assert!(r.status() == 201 || r.status() == 409, "{}", r.status());
    let login: Value = http
        .post(format!("{}/api/review/v1/sessions", server.base))
        .json(&json!({"username": "zjca-wang", "password": "Review-2026"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    login["token"].as_str().unwrap().to_owned()
}

/// A review API call that must succeed: its JSON answer (`null` for a
/// picture).
pub async fn review(
    server: &TestServer,
    token: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> Value {
    let mut req = server
        .http()
        .request(method, format!("{}/api/review/v1{path}", server.base))
        .bearer_auth(token);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let r = req.send().await.unwrap();
    assert!(r.status().is_success(), "{path}: {}", r.status());
    r.json().await.unwrap_or(Value::Null)
}

/// [`approved`], then downloaded with `pin`: the phone and its key.
pub async fn certified(server: &TestServer, number: &str, pin: &str) -> (Phone, StoredKey) {
    let (phone, app_id) = approved(server, number).await;
    let key = phone.download(&app_id, pin).await.unwrap();
    (phone, key)
}

/// [`approve`], then downloaded with `pin`: the key id and the signing
/// certificate.
pub async fn issued(server: &TestServer, phone: &Phone, pin: &str) -> (String, Certificate) {
    let app_id = approve(server, phone).await;
    let key = phone.download(&app_id, pin).await.unwrap();
    let cert = Certificate::from_pem(key.signing_certificate.as_deref().unwrap()).unwrap();
    (key.key_id, cert)
}

/// The reviewer's view of application `app`.
pub async fn review_item(server: &TestServer, token: &str, app: &str) -> Value {
    let path = format!("/applications/{app}");
    review(server, token, reqwest::Method::GET, &path, None).await
}

/// The reviewer approves application `app`.
pub async fn approve_as(server: &TestServer, token: &str, app: &str) {
    let path = format!("/applications/{app}/approval");
    review(server, token, reqwest::Method::POST, &path, None).await;
}

/// The id of the certificate with `usage` whose key is `key_id`, newest.
pub async fn certificate_id(phone: &Phone, key_id: &str, usage: &str) -> String {
    let certs = phone.certificates().await.unwrap();
    let key = phone.state_dir().key(key_id).unwrap();
    let want = match usage {
        "signing" => key.signing_certificate,
        _ => key.encryption_certificate,
    }
    .unwrap();
    certs
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .find(|c| c["usage"] == usage && c["pem"].as_str() == Some(want.as_str()))
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .unwrap()
}
