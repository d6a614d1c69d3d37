//! Issue 12's claim story (B1–B6) over HTTP with command-line phones, on
//! SQLite and on PostgreSQL: the enterprise form → a claim refused for a
//! bad credit code (nothing stored) → claimed → a second claim refused
//! while it is open (nothing stored) → paid → the reviewer sees the
//! enterprise and its licence, rejects → 重新申请 with everything edited →
//! approved ("认领企业，请下载证书") → downloaded: the certificate names the
//! enterprise (OpenSSL 3 reads it) and the claimant is its admin → a claim
//! of the claimed enterprise is refused naming its admin's CA.

mod support;

use mca_phone::{EnterpriseInfo, Phone, PhoneError};
use mca_pki::cert::Certificate;
use mca_pki::{name, oids};
use mca_store::scratch::{POSTGRES_URL_VAR, Scratch};
use reqwest::Method;
use serde_json::{Value, json};
use support::TestServer;
use support::certified::{png, review, reviewer_token, zjca};

const ADMIN: &str = "13600136000";
const OTHER: &str = "13600136001";
const CODE: &str = "91330100799655058B";
const PIN: &str = "246810";

fn enterprise(name: &str, code: &str) -> EnterpriseInfo {
    EnterpriseInfo {
        name: name.into(),
        credit_code: code.into(),
        legal_representative: "李四".into(),
        legal_representative_id_number: "330106198001011235".into(),
    }
}

/// The problem of a refusal: its code and detail.
fn refusal<T: std::fmt::Debug>(result: Result<T, PhoneError>) -> (String, String) {
    match result {
        Err(PhoneError::Refused { code, detail, .. }) => (code, detail.unwrap_or_default()),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// A logged-in phone with a verified identity.
async fn verified(server: &TestServer, number: &str, name: &str, id: &str) -> Phone {
    let phone = server.registered(number).await;
    phone.submit_identity(name, id).await.unwrap();
    phone.verify_face(Some(true)).await.unwrap();
    phone
}

/// The user's applications and the enterprise row of `code`: what a
/// refused claim must leave as it was.
async fn stored(server: &TestServer, number: &str, code: &str) -> String {
    let phone = mca_domain::Phone::parse(number).unwrap();
    let user = server.store.user_by_phone(&phone).await.unwrap().unwrap();
    let code = mca_domain::CreditCode::parse(code).unwrap();
    format!(
        "{:?} {:?}",
        server.store.applications_of(user.id).await.unwrap(),
        server.store.enterprise_by_credit_code(&code).await.unwrap()
    )
}

async fn message_titles(phone: &Phone) -> Vec<String> {
    let messages = phone.messages().await.unwrap();
    messages
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["title"].as_str().unwrap().to_owned())
        .collect()
}

/// `openssl x509 -subject` of a PEM certificate (an independent reader).
fn openssl_subject(pem: &str) -> String {
    let path = std::env::temp_dir().join(format!("mca-ent-{}.pem", mca_domain::UserId::new()));
    std::fs::write(&path, pem).unwrap();
    let out = std::process::Command::new("openssl")
        .args([
            "x509",
            "-noout",
            "-subject",
            "-nameopt",
            "utf8,sep_comma_plus",
            "-in",
        ])
        .arg(&path)
        .output()
        .expect("openssl on PATH");
    let _ = std::fs::remove_file(&path);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

async fn story(scratch: Scratch) {
    let server = TestServer::start_with_cas(&scratch.db).await;
    let admin = verified(&server, ADMIN, "张三", "11010519491231002X").await;
    let other = verified(&server, OTHER, "王五", "330102199003154562").await;
    let info = zjca(&admin).await;
    let ent = enterprise("杭州示例科技有限公司", CODE);
    let (licence, form) = (
        png(800, 600, [250, 240, 230, 255]),
        png(600, 800, [255, 250, 250, 255]),
    );

    // B3: the enterprise form, filled in.
    let pdf = admin.enterprise_claim_form(&info, &ent).await.unwrap();
    assert!(pdf.starts_with(b"%PDF-"));

    // A credit code with a bad check character: refused, nothing stored.
    let before = stored(&server, ADMIN, CODE).await;
    let bad = enterprise("杭州示例科技有限公司", "91330100799655058C");
    let (code, _) = refusal(admin.claim_enterprise(&info, &bad, &licence, &form).await);
    assert_eq!(code, "invalid_credit_code");
    let (code, _) = refusal(admin.enterprise_claim_form(&info, &bad).await);
    assert_eq!(code, "invalid_credit_code");
    assert_eq!(stored(&server, ADMIN, CODE).await, before);

    // B1–B4: the claim, an application naming the enterprise.
    let app = admin
        .claim_enterprise(&info, &ent, &licence, &form)
        .await
        .unwrap();
    assert_eq!(app["subject"], "enterprise");
    assert_eq!(app["state"], "draft");
    let app_id = app["id"].as_str().unwrap().to_owned();

    // A second claim while one is open, by anyone: refused, nothing stored.
    let before = stored(&server, OTHER, CODE).await;
    let (code, _) = refusal(other.claim_enterprise(&info, &ent, &licence, &form).await);
    assert_eq!(code, "enterprise_claim_open");
    assert_eq!(stored(&server, OTHER, CODE).await, before);
    let (code, _) = refusal(admin.claim_enterprise(&info, &ent, &licence, &form).await);
    assert_eq!(code, "enterprise_claim_open");

    let mine = admin.enterprises().await.unwrap();
    assert_eq!(mine[0]["state"], "claiming");
    assert_eq!(mine[0]["role"], Value::Null);
    assert_eq!(other.enterprises().await.unwrap(), json!([]));

    // Paid, the reviewer sees the enterprise and its licence.
    admin.pay(&app_id).await.unwrap();
    let token = reviewer_token(&server, &info.ca_id).await;
    let item = review(
        &server,
        &token,
        Method::GET,
        &format!("/applications/{app_id}"),
        None,
    )
    .await;
    assert_eq!(item["subject"], "enterprise");
    assert_eq!(item["enterprise"]["credit_code"], CODE);
    assert_eq!(item["enterprise"]["name"], "杭州示例科技有限公司");
    let masked = item["enterprise"]["legal_representative_id_masked"]
        .as_str()
        .unwrap();
    assert!(!masked.contains("19800101"), "{masked}");
    let href = item["enterprise"]["licence"]["href"].as_str().unwrap();
    let shown = server
        .http()
        .get(format!("{}{href}", server.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(&shown[..], &licence[..]);

    // B5: rejected with a reason, then 重新申请 with everything edited.
    let reason = json!({"reason": "营业执照照片不清晰"});
    review(
        &server,
        &token,
        Method::POST,
        &format!("/applications/{app_id}/rejection"),
        Some(reason),
    )
    .await;
    assert!(
        message_titles(&admin)
            .await
            .contains(&"证书申请失败".to_owned())
    );
    let edited = enterprise("杭州示例科技股份有限公司", CODE);
    let licence2 = png(800, 600, [240, 240, 240, 255]);
    let again = admin
        .resubmit_claim(&app_id, &edited, &licence2, &form)
        .await
        .unwrap();
    assert_eq!(again["state"], "submitted");
    assert_eq!(again["submissions"], 2);
    let item = review(
        &server,
        &token,
        Method::GET,
        &format!("/applications/{app_id}"),
        None,
    )
    .await;
    assert_eq!(item["enterprise"]["name"], "杭州示例科技股份有限公司");
    assert_eq!(item["enterprise"]["licence"]["bytes"], licence2.len());

    // B6: approved, downloaded: the certificate names the enterprise and
    // the claimant is its admin.
    review(
        &server,
        &token,
        Method::POST,
        &format!("/applications/{app_id}/approval"),
        None,
    )
    .await;
    assert!(
        message_titles(&admin)
            .await
            .contains(&"认领企业，请下载证书".to_owned())
    );
    let key = admin.download(&app_id, PIN).await.unwrap();
    let pem = key.signing_certificate.as_deref().unwrap();
    let cert = Certificate::from_pem(pem).unwrap();
    let attr = |oid| name::attribute(cert.subject(), oid);
    assert_eq!(
        attr(oids::AT_ORGANIZATION).as_deref(),
        Some("杭州示例科技股份有限公司")
    );
    assert_eq!(attr(oids::AT_SERIAL_NUMBER).as_deref(), Some(CODE));
    let subject = openssl_subject(pem);
    assert!(
        subject.contains(CODE) && subject.contains("O=杭州示例科技股份有限公司"),
        "{subject}"
    );
    let mine = admin.enterprises().await.unwrap();
    assert_eq!(mine[0]["state"], "claimed");
    assert_eq!(mine[0]["role"], "admin");
    assert_eq!(mine[0]["name"], "杭州示例科技股份有限公司");

    // A claimed enterprise cannot be claimed again; the refusal says whom
    // to contact.
    let before = stored(&server, OTHER, CODE).await;
    let (code, detail) = refusal(other.claim_enterprise(&info, &ent, &licence, &form).await);
    assert_eq!(code, "enterprise_claimed");
    let ca = admin.catalogue().await.unwrap()["ca_organizations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == info.ca_id.as_str())
        .unwrap()["name"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        detail.contains(&ca) && detail.contains("加入企业"),
        "{detail}"
    );
    assert_eq!(stored(&server, OTHER, CODE).await, before);

    let verify = server.operator_get("/audit/verify").await;
    assert_eq!(verify["status"], "intact", "{verify}");
    server.finish(scratch).await;
}

#[tokio::test]
async fn enterprise_claim_story_on_sqlite() {
    story(Scratch::sqlite().await.unwrap()).await;
}

#[tokio::test]
async fn enterprise_claim_story_on_postgres() {
    let Some(scratch) = Scratch::postgres_from_env().await.unwrap() else {
        eprintln!("SKIPPED enterprise_claim_story_on_postgres: {POSTGRES_URL_VAR} is not set");
        return;
    };
    story(scratch).await;
}
