//! Issue 12's claim story (B1–B6) over HTTP with command-line phones, on
//! SQLite and on PostgreSQL: the enterprise form → a claim refused for a
//! bad credit code (nothing stored) → claimed → a second claim refused
//! while it is open (nothing stored) → paid → the reviewer sees the
//! enterprise and its licence, rejects → 重新申请 with everything edited →
//! approved ("认领企业，请下载证书") → downloaded: the certificate names the
//! enterprise (OpenSSL 3 reads it) and the claimant is its admin → a claim
//! of the claimed enterprise is refused naming its admin's CA → a claim
//! cannot squat (withdrawn, or released after a day unpaid). Plus two
//! instances racing to claim one enterprise. The staff story is
//! `enterprise_staff.rs`.

mod support;

use mca_domain::enterprises::claims::UNPAID_CLAIM_SECS;
use mca_phone::Phone;
use mca_pki::cert::Certificate;
use mca_pki::{name, oids};
use mca_store::scratch::{POSTGRES_URL_VAR, Scratch};
use reqwest::Method;
use serde_json::{Value, json};
use support::TestServer;
use support::certified::{approve_as, png, review, review_item, reviewer_token, zjca};
use support::enterprises::{
    ADMIN, CODE, OTHER, PIN, enterprise, message_titles, refusal, stamped_form, stored, verified,
};

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
    let mut other = verified(&server, OTHER, "王五", "330102199003154562").await;
    let info = zjca(&admin).await;
    let ent = enterprise("杭州示例科技有限公司", CODE);
    let (licence, form) = (png(800, 600, [250, 240, 230, 255]), stamped_form());

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

    // B3: the seal found in the stamped form, to confirm; a form photo
    // without a red seal is refused, nothing stored.
    let seal = admin.seal_preview(&form).await.unwrap();
    assert!(seal.starts_with(b"\x89PNG"));
    let unstamped = png(600, 800, [255, 250, 250, 255]);
    let (code, detail) = refusal(admin.seal_preview(&unstamped).await);
    assert_eq!(
        (code.as_str(), detail.contains("红色印章")),
        ("invalid_upload", true)
    );
    let (code, _) = refusal(
        admin
            .claim_enterprise(&info, &ent, &licence, &unstamped)
            .await,
    );
    assert_eq!(code, "invalid_upload");
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
    let item = review_item(&server, &token, &app_id).await;
    assert_eq!(item["subject"], "enterprise");
    assert_eq!(item["enterprise"]["credit_code"], CODE);
    assert_eq!(item["enterprise"]["name"], "杭州示例科技有限公司");
    // The reviewer sees the extracted seal beside the form photo.
    assert_eq!(item["signature"]["bytes"], seal.len());
    assert_eq!(item["form_photo"]["bytes"], form.len());
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
    let item = review_item(&server, &token, &app_id).await;
    assert_eq!(item["enterprise"]["name"], "杭州示例科技股份有限公司");
    assert_eq!(item["enterprise"]["licence"]["bytes"], licence2.len());

    // B6: approved, downloaded: the certificate names the enterprise and
    // the claimant is its admin.
    approve_as(&server, &token, &app_id).await;
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

    // 13.2: the enterprise's seal, made by the CA's seal maker from the
    // seal found in the stamped form, lists the admin's certificate.
    let seals = admin.seals().await.unwrap();
    let seal = &seals.as_array().unwrap()[0];
    assert_eq!(seals.as_array().unwrap().len(), 1, "{seals}");
    assert_eq!(
        (
            seal["kind"].as_str(),
            seal["name"].as_str(),
            seal["version"].as_u64()
        ),
        (
            Some("enterprise"),
            Some("杭州示例科技股份有限公司"),
            Some(1)
        )
    );
    let der = {
        use base64::Engine;
        let b64 = seal["seal_der"].as_str().unwrap();
        base64::engine::general_purpose::STANDARD
            .decode(b64)
            .unwrap()
    };
    let ses = mca_pki::seal::v4::Seal::from_der(&der).unwrap();
    ses.verify().unwrap();
    assert!(ses.allows(&cert));
    assert_eq!(
        ses.info.picture.data.as_bytes(),
        &admin.seal_preview(&form).await.unwrap()[..]
    );

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

    squatting(&server, &admin, &mut other, &info).await;

    let verify = server.operator_get("/audit/verify").await;
    assert_eq!(verify["status"], "intact", "{verify}");
    server.finish(scratch).await;
}

/// A claim cannot hold an enterprise for ever: the claimant withdraws an
/// unpaid one, and one left unpaid for a day is released when someone
/// else claims.
async fn squatting(
    server: &TestServer,
    admin: &Phone,
    other: &mut Phone,
    info: &mca_phone::CertificateInfo,
) {
    let code = "91330106MA2H0X1Y2P";
    let ent = enterprise("温州示例有限公司", code);
    let (picture, form) = (png(600, 800, [250, 250, 245, 255]), stamped_form());
    let first = other
        .claim_enterprise(info, &ent, &picture, &form)
        .await
        .unwrap();
    let r = admin.claim_enterprise(info, &ent, &picture, &form).await;
    assert_eq!(refusal(r).0, "enterprise_claim_open");
    let r = admin.withdraw_claim(first["id"].as_str().unwrap()).await;
    assert_eq!(refusal(r).0, "not_found", "only the claimant withdraws");
    other
        .withdraw_claim(first["id"].as_str().unwrap())
        .await
        .unwrap();
    let held = admin
        .claim_enterprise(info, &ent, &picture, &form)
        .await
        .unwrap();
    // Unpaid for a day, it no longer blocks the enterprise.
    let r = other.claim_enterprise(info, &ent, &picture, &form).await;
    assert_eq!(refusal(r).0, "enterprise_claim_open");
    server.clock.advance(UNPAID_CLAIM_SECS + 60);
    other.set_clock_offset(UNPAID_CLAIM_SECS + 60);
    let taken = other.claim_enterprise(info, &ent, &picture, &form).await;
    assert_eq!(taken.unwrap()["state"], "draft");
    let held = held["id"].as_str().unwrap();
    let app: mca_domain::ApplicationId = held.parse().unwrap();
    let stored = server.store.application(app).await.unwrap().unwrap();
    assert_eq!(stored.state.as_str(), "withdrawn");
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

/// Two instances on one PostgreSQL database: two people claim the same
/// enterprise at the same moment, one on each; exactly one claim is
/// written (the unique credit code), the other is told a claim is open.
#[tokio::test]
async fn racing_claims_on_two_instances_write_one() {
    let Some(scratch) = Scratch::postgres_from_env().await.unwrap() else {
        eprintln!(
            "SKIPPED racing_claims_on_two_instances_write_one: {POSTGRES_URL_VAR} is not set"
        );
        return;
    };
    let second_db = scratch.second_instance().await.unwrap();
    let config = support::certificate_config(&scratch.db).await;
    let a = TestServer::start_with(&scratch.db, config.clone()).await;
    let b = TestServer::start_with(&second_db, config).await;
    let on_a = verified(&a, ADMIN, "张三", "11010519491231002X").await;
    let on_b = verified(&b, OTHER, "王五", "330102199003154562").await;
    let info = zjca(&on_a).await;
    let ent = enterprise("杭州示例科技有限公司", CODE);
    let (picture, form) = (png(600, 800, [250, 250, 245, 255]), stamped_form());
    let (first, second) = tokio::join!(
        on_a.claim_enterprise(&info, &ent, &picture, &form),
        on_b.claim_enterprise(&info, &ent, &picture, &form),
    );
    let outcomes = [first, second];
    let won = outcomes.iter().filter(|r| r.is_ok()).count();
    assert_eq!(won, 1, "{outcomes:?}");
    for lost in outcomes.into_iter().filter_map(Result::err) {
        assert_eq!(lost.code(), Some("enterprise_claim_open"), "{lost}");
    }
    b.stop().await;
    a.finish(scratch).await;
}
