//! Issue 5's story over HTTP with the command-line phone, on SQLite and on
//! PostgreSQL: register → verify → apply → rejected → resubmit → approved
//! → download → sign (verified by OpenSSL 3 against the issued
//! certificate) → decrypt an envelope → wrong PIN ×5 → locked → unlock →
//! change PIN → renew → revoke (OCSP and CRL say revoked) → recover on a
//! new device → the old envelope still opens. Plus: a signing session left
//! open does not block the key; a server restart in the middle
//! of an issuance loses and duplicates nothing.

mod support;

use mca_phone::phone::Purpose;
use mca_phone::{CertificateInfo, Phone, PhoneError};
use mca_pki::cert::Certificate;
use mca_pki::ocsp;
use mca_store::scratch::{POSTGRES_URL_VAR, Scratch};
use reqwest::Method;
use serde_json::{Value, json};
use support::certified::certificate_id;
use support::{OPERATOR_TOKEN, TestServer, ocsp_status, openssl_verifies};

const NUMBER: &str = "13700137000";
const PIN: &str = "246810";
const NEW_PIN: &str = "135791";
const ENVELOPE_CONTENT: &[u8] = "投标文件：报价 1,234,567.00 元".as_bytes();

fn png(w: u32, h: u32, rgba: [u8; 4]) -> Vec<u8> {
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

/// The problem code of a refusal.
fn refusal<T: std::fmt::Debug>(result: Result<T, PhoneError>) -> String {
    match result {
        Err(e) => e.code().unwrap_or("not a refusal").to_owned(),
        Ok(v) => panic!("expected a refusal, got {v:?}"),
    }
}

/// Time in the story: the server's manual clock, which every phone's
/// request stamps follow.
struct Story {
    server: TestServer,
    offset: i64,
}

impl Story {
    fn advance(&mut self, phones: &mut [&mut Phone], secs: i64) {
        self.server.clock.advance(secs);
        self.offset += secs;
        for p in phones {
            p.set_clock_offset(self.offset);
        }
    }

    fn phone(&self) -> Phone {
        let mut p = self.server.phone();
        p.set_clock_offset(self.offset);
        p
    }

    async fn code(&self, phone: &Phone, purpose: Purpose) -> String {
        phone.send_code(NUMBER, purpose).await.unwrap();
        phone.dev_code(NUMBER).await.unwrap()
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.base)
    }
}

/// ZJCA's 1-year option on the first platform of its province.
async fn zjca(phone: &Phone) -> CertificateInfo {
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

/// A reviewer of `ca_id`, created through the operator API and logged in
/// through the review API: their bearer token.
async fn reviewer(story: &Story, ca_id: &str) -> String {
    let http = reqwest::Client::new();
    let r = http
        .post(story.url("/api/operator/v1/reviewers"))
        .bearer_auth(OPERATOR_TOKEN)
        .json(&json!({"ca_id": ca_id, "username": "zjca-li", "display_name": "李审核", "password": "Review-2026"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "{:?}", r.text().await);
    let r = http
        .post(story.url("/api/review/v1/sessions"))
        .json(&json!({"username": "zjca-li", "password": "Review-2026"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let login: Value = r.json().await.unwrap();
    login["token"].as_str().unwrap().to_owned()
}

async fn review(
    story: &Story,
    token: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> Value {
    let mut req = reqwest::Client::new()
        .request(method, story.url(&format!("/api/review/v1{path}")))
        .bearer_auth(token);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let r = req.send().await.unwrap();
    assert!(r.status().is_success(), "{path}: {}", r.status());
    r.json().await.unwrap()
}

/// The OCSP status of `cert` asked over HTTP at the URL in its AIA path.
async fn issuer_of(phone: &Phone, cert_id: &str) -> Certificate {
    let detail = phone.certificate(cert_id).await.unwrap();
    Certificate::from_pem(detail["issuer_pem"].as_str().unwrap()).unwrap()
}

fn cert(pem: &Option<String>) -> Certificate {
    Certificate::from_pem(pem.as_deref().unwrap()).unwrap()
}

async fn story(scratch: Scratch) {
    let server = TestServer::start_with_cas(&scratch.db).await;
    let mut s = Story { server, offset: 0 };

    // Register and verify (A1, A3).
    let mut phone = s.phone();
    let login_code = s.code(&phone, Purpose::Login).await;
    assert!(phone.login_with_code(NUMBER, &login_code).await.unwrap());
    assert_eq!(refusal(phone.certificates().await), "identity_not_verified");
    phone
        .submit_identity("张三", "11010519491231002X")
        .await
        .unwrap();
    phone.verify_face(Some(true)).await.unwrap();

    // Apply (D4): the filled-in form, its photo, a signature generated
    // from the name; pay.
    let info = zjca(&phone).await;
    let form = phone.application_form(&info).await.unwrap();
    assert!(form.starts_with(b"%PDF-"), "the form is a PDF");
    let photo = png(600, 800, [240, 200, 240, 255]);
    let app = phone.apply(&info, &photo, None).await.unwrap();
    let app_id = app["id"].as_str().unwrap().to_owned();
    assert_eq!(app["state"], "draft");
    assert_eq!(app["order"]["state"], "pending");
    let app = phone.pay(&app_id).await.unwrap();
    assert_eq!(app["state"], "submitted");

    // Review (M1): the reviewer sees the pictures, rejects with a reason.
    let token = reviewer(&s, &info.ca_id).await;
    let pending = review(&s, &token, Method::GET, "/applications", None).await;
    let item = &pending.as_array().unwrap()[0];
    assert_eq!(item["id"], app_id.as_str());
    assert_eq!(item["applicant_name"], "张三");
    let picture = reqwest::Client::new()
        .get(s.url(item["form_photo"]["href"].as_str().unwrap()))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(picture.headers()["content-type"], "image/png");
    assert_eq!(picture.bytes().await.unwrap().to_vec(), photo);
    let reason = "申请表照片不清晰";
    review(
        &s,
        &token,
        Method::POST,
        &format!("/applications/{app_id}/rejection"),
        Some(json!({"reason": reason})),
    )
    .await;
    let inbox = phone.messages().await.unwrap().to_string();
    assert!(
        inbox.contains("证书申请失败") && inbox.contains(reason),
        "{inbox}"
    );
    assert_eq!(
        refusal(phone.download(&app_id, PIN).await),
        "application_state"
    );

    // Resubmit with a handwritten signature (B5), approved: "请下载证书".
    let handwritten = png(200, 60, [0x1B, 0x22, 0x33, 255]);
    let app = phone
        .resubmit(
            &app_id,
            &png(600, 800, [230, 230, 230, 255]),
            Some(&handwritten),
        )
        .await
        .unwrap();
    assert_eq!(app["state"], "submitted");
    review(
        &s,
        &token,
        Method::POST,
        &format!("/applications/{app_id}/approval"),
        None,
    )
    .await;
    assert!(
        phone
            .messages()
            .await
            .unwrap()
            .to_string()
            .contains("请下载证书")
    );

    // Download over the air (M6): the PIN is set here.
    let key = phone.download(&app_id, PIN).await.unwrap();
    let signing = cert(&key.signing_certificate);
    let encryption = cert(&key.encryption_certificate);
    assert_eq!(signing.subject(), encryption.subject());
    assert_ne!(signing.serial(), encryption.serial());
    let key_id = key.key_id.clone();

    // Sign (§2); OpenSSL verifies against the issued certificate.
    let message = "招标公告：某某工程施工招标".as_bytes();
    let sig = phone.sign(&key_id, PIN, message).await.unwrap();
    assert!(openssl_verifies(
        key.signing_certificate.as_deref().unwrap(),
        message,
        &sig
    ));
    assert!(!openssl_verifies(
        key.signing_certificate.as_deref().unwrap(),
        b"other",
        &sig
    ));

    // A session left open (the phone vanished after the begin) does not
    // block the key: the next begin replaces it.
    let begin = format!("/api/app/v1/me/keys/{key_id}/signatures");
    let first = phone
        .call(Method::POST, &begin, Some(json!({"message": "00"})))
        .await;
    assert!(first.is_ok());
    phone.sign(&key_id, PIN, b"right after").await.unwrap();

    // Decrypt an envelope made to the encryption certificate (§5).
    let envelope = mca_pki::gmt0010::enveloped::seal(ENVELOPE_CONTENT, &[&encryption]).unwrap();
    let opened = phone.open_envelope(&key_id, PIN, &envelope).await.unwrap();
    assert_eq!(opened, ENVELOPE_CONTENT);

    // Wrong PIN ×5: counted by the server, then locked (§4).
    for remaining in (1..=4).rev() {
        let e = phone.sign(&key_id, "000000", b"x").await.unwrap_err();
        assert_eq!(e.code(), Some("wrong_pin"), "{remaining} left: {e}");
    }
    assert_eq!(
        refusal(phone.sign(&key_id, "000000", b"x").await),
        "key_locked"
    );
    assert_eq!(refusal(phone.sign(&key_id, PIN, b"x").await), "key_locked");

    // Unlock with SMS + a fresh face check.
    s.advance(&mut [&mut phone], 61);
    let code_text = s.code(&phone, Purpose::CertificateKey).await;
    let failed = phone.reverify(Some(false)).await.unwrap();
    assert_eq!(
        refusal(phone.unlock(&key_id, &failed, &code_text).await),
        "face_failed"
    );
    let rev = phone.reverify(Some(true)).await.unwrap();
    s.advance(&mut [&mut phone], 61);
    let code_text = s.code(&phone, Purpose::CertificateKey).await;
    let unlocked = phone.unlock(&key_id, &rev, &code_text).await.unwrap();
    assert_eq!(unlocked["state"], "active");
    assert_eq!(unlocked["pin_failures"], 0);
    phone.sign(&key_id, PIN, b"after unlock").await.unwrap();

    // Change PIN (I3): an SMS code and the old PIN proven; the new one works.
    s.advance(&mut [&mut phone], 61);
    let pin_code = s.code(&phone, Purpose::PinChange).await;
    assert_eq!(
        refusal(
            phone
                .change_pin(&key_id, &pin_code, "999999", NEW_PIN)
                .await
        ),
        "wrong_pin"
    );
    s.advance(&mut [&mut phone], 61);
    let pin_code = s.code(&phone, Purpose::PinChange).await;
    phone
        .change_pin(&key_id, &pin_code, PIN, NEW_PIN)
        .await
        .unwrap();
    assert_eq!(
        refusal(phone.sign(&key_id, PIN, b"old pin").await),
        "wrong_pin"
    );
    let sig = phone.sign(&key_id, NEW_PIN, b"new pin").await.unwrap();
    assert!(openssl_verifies(
        key.signing_certificate.as_deref().unwrap(),
        b"new pin",
        &sig
    ));

    // Renew near expiry (D6): through review again; keeps the escrowed
    // encryption key.
    let old_signing_id = certificate_id(&phone, &key_id, "signing").await;
    assert_eq!(
        refusal(
            phone
                .renew(&old_signing_id, &info.validity_option_id, None)
                .await
        ),
        "application_state"
    );
    s.advance(&mut [&mut phone], 300 * 86_400);
    // Months later the app session has expired: log in again.
    assert_eq!(refusal(phone.keys().await), "unauthenticated");
    let login_code = s.code(&phone, Purpose::Login).await;
    assert!(!phone.login_with_code(NUMBER, &login_code).await.unwrap());
    let renewal = phone
        .renew(&old_signing_id, &info.validity_option_id, None)
        .await
        .unwrap();
    assert_eq!(renewal["kind"], "renewal");
    let renewal_id = renewal["id"].as_str().unwrap().to_owned();
    phone.pay(&renewal_id).await.unwrap();
    let token = {
        // The morning's token has long expired.
        let r = reqwest::Client::new()
            .get(s.url("/api/review/v1/applications"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401);
        let login: Value = reqwest::Client::new()
            .post(s.url("/api/review/v1/sessions"))
            .json(&json!({"username": "zjca-li", "password": "Review-2026"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        login["token"].as_str().unwrap().to_owned()
    };
    review(
        &s,
        &token,
        Method::POST,
        &format!("/applications/{renewal_id}/approval"),
        None,
    )
    .await;
    let renewed = phone.download(&renewal_id, PIN).await.unwrap();
    let renewed_id = renewed.key_id.clone();
    assert_eq!(
        cert(&renewed.encryption_certificate).public_key(),
        encryption.public_key(),
        "a renewal keeps the escrowed encryption key"
    );
    assert_eq!(
        phone
            .open_envelope(&renewed_id, PIN, &envelope)
            .await
            .unwrap(),
        ENVELOPE_CONTENT
    );

    // Revoke the renewed-away certificate: OCSP and the CRL say so.
    let issuer = issuer_of(&phone, &old_signing_id).await;
    assert!(matches!(
        ocsp_status(&s.server, "zjca", &signing).await,
        ocsp::CertStatus::Good(_)
    ));
    let revoked = phone.revoke(&old_signing_id, None).await.unwrap();
    assert_eq!(revoked["revocation_reason"], "cessation_of_operation");
    assert!(matches!(
        ocsp_status(&s.server, "zjca", &signing).await,
        ocsp::CertStatus::Revoked(_)
    ));
    let crl = reqwest::get(s.url("/crl/zjca.crl"))
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let crl = mca_pki::crl::Crl::from_der(&crl).unwrap();
    crl.verify(issuer.public_key()).unwrap();
    assert!(crl.lookup(signing.serial()).is_some());
    assert_eq!(
        refusal(phone.revoke(&old_signing_id, None).await),
        "certificate_revoked"
    );

    // Recover on a new phone (G1): SMS login, pay, SMS + face, new keys.
    let renewed_signing = cert(&renewed.signing_certificate);
    let mut new_phone = s.phone();
    s.advance(&mut [&mut phone, &mut new_phone], 61);
    let login_code = s.code(&new_phone, Purpose::Login).await;
    assert!(
        !new_phone
            .login_with_code(NUMBER, &login_code)
            .await
            .unwrap()
    );
    // The new phone holds no share of the old key.
    assert!(matches!(
        new_phone.sign(&renewed_id, PIN, b"x").await,
        Err(PhoneError::State(_))
    ));
    let order = new_phone.pay_recovery().await.unwrap();
    let rev = new_phone.reverify(Some(true)).await.unwrap();
    s.advance(&mut [&mut phone, &mut new_phone], 61);
    let key_code = s.code(&new_phone, Purpose::CertificateKey).await;
    let recovered = new_phone
        .rekey(&renewed_id, &rev, &key_code, Some(&order), NEW_PIN)
        .await
        .unwrap();
    assert_ne!(recovered.key_id, renewed_id);
    // The old device's signing certificate is revoked, its key retired.
    assert!(matches!(
        ocsp_status(&s.server, "zjca", &renewed_signing).await,
        ocsp::CertStatus::Revoked(_)
    ));
    assert!(phone.sign(&renewed_id, PIN, b"old phone").await.is_err());
    // The old envelope still opens on the new phone.
    assert_eq!(
        new_phone
            .open_envelope(&recovered.key_id, NEW_PIN, &envelope)
            .await
            .unwrap(),
        ENVELOPE_CONTENT
    );
    let sig = new_phone
        .sign(&recovered.key_id, NEW_PIN, message)
        .await
        .unwrap();
    assert!(openssl_verifies(
        recovered.signing_certificate.as_deref().unwrap(),
        message,
        &sig
    ));

    // Everything audited, the chain intact.
    let verify = s.server.operator_get("/audit/verify").await;
    assert_eq!(verify["status"], "intact", "{verify}");
    s.server.finish(scratch).await;
}

#[tokio::test]
async fn personal_certificate_story_on_sqlite() {
    story(Scratch::sqlite().await.unwrap()).await;
}

#[tokio::test]
async fn personal_certificate_story_on_postgres() {
    let Some(scratch) = Scratch::postgres_from_env().await.unwrap() else {
        eprintln!("SKIPPED personal_certificate_story_on_postgres: {POSTGRES_URL_VAR} is not set");
        return;
    };
    story(scratch).await;
}
