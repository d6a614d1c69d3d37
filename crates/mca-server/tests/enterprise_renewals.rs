//! Issue 12's enterprise certificates after the first (D3, D5, D7, E3,
//! E5) over HTTP with command-line phones, on SQLite and on PostgreSQL:
//! the admin's new certificate for platform Y sealed with the claim's
//! certificate; near the end of the year the staff member's renewal (E3)
//! and the admin's (D5), each sealed by the admin, the old certificate's
//! authorization superseded at the download (refused at the platform, the
//! new one served); after expiry the admin's re-application with the
//! photographed stamped letter (D7) and the staff member's re-application
//! sealed by the admin (E5); deleting the renewed authorization revokes the
//! old certificate and the new one (OCSP).

mod support;

use mca_phone::{CertificateInfo, Phone};
use mca_pki::cert::Certificate;
use mca_pki::ocsp;
use mca_store::scratch::{POSTGRES_URL_VAR, Scratch};
use serde_json::Value;
use support::certified::{approve_as, certificate_id, png, review_item, reviewer_token, zjca};
use support::enterprises::{
    ADMIN, CODE, OTHER, PIN, claimed, message_titles, refusal, staff_id, states, verified,
};
use support::rp::{Rp, login};
use support::{TestServer, ocsp_status};

const NAME: &str = "杭州示例科技股份有限公司";
const DAY: i64 = 86_400;

/// The server's clock and the phones' request stamps, moved together; the
/// phones log in again (their app sessions expired meanwhile).
async fn advance(
    server: &TestServer,
    offset: &mut i64,
    phones: &mut [(&mut Phone, &str)],
    secs: i64,
) {
    server.clock.advance(secs);
    *offset += secs;
    for (phone, number) in phones {
        phone.set_clock_offset(*offset);
        server.login(phone, number).await;
    }
}

/// Pays `app`; the admin seals its letter with `admin_key`, the CA
/// approves and `holder` downloads: the new key id.
async fn sealed_and_issued(
    server: &TestServer,
    admin: &Phone,
    admin_key: &str,
    holder: &Phone,
    app: &Value,
    enterprise: &str,
) -> String {
    let id = app["id"].as_str().unwrap();
    assert_eq!(holder.pay(id).await.unwrap()["state"], "awaiting_admin");
    let requests = admin.join_requests(enterprise).await.unwrap();
    let request = requests
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["authorization"]["application_id"] == id)
        .expect("the paid request waits for the admin's seal");
    let aid = request["authorization"]["id"].as_str().unwrap();
    admin.seal_authorization(aid, admin_key, PIN).await.unwrap();
    let token = reviewer_token(server, &zjca(admin).await.ca_id).await;
    let item = review_item(server, &token, id).await;
    assert_eq!(item["authorization"]["seal_verified"], true, "{item}");
    approve_as(server, &token, id).await;
    let mut k = holder.begin_download(id, PIN).await.expect("begin");
    holder
        .complete_download(&mut k, PIN)
        .await
        .expect("complete");
    k.key_id
}

/// The same info at another platform of the catalogue.
async fn elsewhere(phone: &Phone, info: &CertificateInfo) -> CertificateInfo {
    let catalogue = phone.catalogue().await.unwrap();
    let y = catalogue["platforms"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] != info.platform_id.as_str())
        .unwrap()
        .clone();
    CertificateInfo {
        platform_id: y["id"].as_str().unwrap().to_owned(),
        province_id: y["province_id"].as_str().unwrap().to_owned(),
        ..info.clone()
    }
}

fn pem_of(phone: &Phone, key: &str) -> Certificate {
    let pem = phone
        .state_dir()
        .key(key)
        .unwrap()
        .signing_certificate
        .unwrap();
    Certificate::from_pem(&pem).unwrap()
}

async fn logs_in(rp: &Rp, phone: &Phone, key: &str) -> Result<(), String> {
    let (_, done) = rp.run(phone, key, PIN, login(3)).await;
    match done {
        Ok(d) if d.result.as_deref() == Some("ok") => Ok(()),
        Ok(d) => Err(format!("{:?}", d.result)),
        Err(e) => Err(refusal::<()>(Err(e)).0),
    }
}

async fn story(scratch: Scratch) {
    let server = TestServer::start_with_cas(&scratch.db).await;
    let mut admin = verified(&server, ADMIN, "张三", "11010519491231002X").await;
    let mut staff = verified(&server, OTHER, "王五", "330102199003154562").await;
    let info = zjca(&admin).await;
    let at_y_info = elsewhere(&admin, &info).await;
    let (eid, admin_key) = claimed(&server, &admin, &info, NAME, CODE).await;
    let at_x = Rp::register(&server, "平台X", Some(&info.platform_id)).await;
    let at_y = Rp::register(&server, "平台Y", Some(&at_y_info.platform_id)).await;

    // D3: the admin's second enterprise certificate, for Y, sealed with the
    // first; staff may not ask for one.
    assert_eq!(
        refusal(staff.new_enterprise_certificate(&eid, &at_y_info).await).0,
        "not_enterprise_admin"
    );
    let d3 = admin
        .new_enterprise_certificate(&eid, &at_y_info)
        .await
        .unwrap();
    assert_eq!(
        (d3["subject"].as_str(), d3["kind"].as_str()),
        (Some("enterprise"), Some("new"))
    );
    let admin_y_key = sealed_and_issued(&server, &admin, &admin_key, &admin, &d3, &eid).await;
    assert!(
        message_titles(&admin)
            .await
            .contains(&"企业证书待盖章".to_owned())
    );
    assert_eq!(logs_in(&at_y, &admin, &admin_y_key).await, Ok(()));
    assert_eq!(logs_in(&at_x, &admin, &admin_key).await, Ok(()));
    assert_eq!(
        logs_in(&at_x, &admin, &admin_y_key).await,
        Err("not_authorized_for_platform".into())
    );

    // The staff member joins at X and is granted Y.
    let join = staff
        .join_enterprise(&eid, "张三", ADMIN, &info, &["login", "sign"])
        .await
        .unwrap();
    let staff_key = sealed_and_issued(&server, &admin, &admin_key, &staff, &join, &eid).await;
    let staff_id = staff_id(&admin, &eid).await;
    let grant = admin
        .grant_authorization(&eid, &staff_id, &at_y_info, &["login"])
        .await
        .unwrap();
    let staff_y_key = sealed_and_issued(&server, &admin, &admin_key, &staff, &grant, &eid).await;
    let grant2 = admin
        .grant_authorization(&eid, &staff_id, &info, &["login"])
        .await
        .unwrap();
    let staff_x2_key = sealed_and_issued(&server, &admin, &admin_key, &staff, &grant2, &eid).await;

    // Too early to renew.
    let staff_cert = certificate_id(&staff, &staff_key, "signing").await;
    let option = info.validity_option_id.clone();
    let r = staff.renew(&staff_cert, &option, None).await;
    assert_eq!(refusal(r).0, "application_state");

    // 300 days on: within the renewal window.
    let mut offset = 0;
    let phones = &mut [(&mut admin, ADMIN), (&mut staff, OTHER)];
    advance(&server, &mut offset, phones, 300 * DAY).await;

    // E3: the staff member renews the certificate for X; nobody else may,
    // and a letter photo is only for the admin's expired certificate.
    let r = admin.renew(&staff_cert, &option, None).await;
    assert_eq!(refusal(r).0, "not_found");
    let photo = png(600, 800, [250, 250, 245, 255]);
    let r = staff.renew(&staff_cert, &option, Some(&photo)).await;
    assert_eq!(refusal(r).0, "invalid_input");
    let e3 = staff.renew(&staff_cert, &option, None).await.unwrap();
    assert_eq!(
        (e3["subject"].as_str(), e3["kind"].as_str()),
        (Some("agent"), Some("renewal"))
    );
    let renewed_staff_key = sealed_and_issued(&server, &admin, &admin_key, &staff, &e3, &eid).await;
    assert!(
        message_titles(&admin)
            .await
            .contains(&"企业证书续期申请".to_owned())
    );
    assert!(
        message_titles(&staff)
            .await
            .contains(&"续期证书".to_owned())
    );
    // The new certificate serves X, the renewed-away one no longer does,
    // and it cannot be renewed twice.
    assert_eq!(logs_in(&at_x, &staff, &renewed_staff_key).await, Ok(()));
    assert_eq!(
        logs_in(&at_x, &staff, &staff_key).await,
        Err("not_authorized_for_platform".into())
    );
    let r = staff.renew(&staff_cert, &option, None).await;
    assert_eq!(refusal(r).0, "authorization_ended");

    // One renewal at a time; deleting the authorization of a line ends its
    // pending renewal too (the admin has nothing left to seal).
    let x2_cert = certificate_id(&staff, &staff_x2_key, "signing").await;
    let pending = staff.renew(&x2_cert, &option, None).await.unwrap();
    let pending_id = pending["id"].as_str().unwrap();
    let r = staff.renew(&x2_cert, &option, None).await;
    assert_eq!(refusal(r).0, "application_state");
    assert_eq!(
        staff.pay(pending_id).await.unwrap()["state"],
        "awaiting_admin"
    );
    let history = admin.enterprise_authorizations(&eid).await.unwrap();
    let aid_of = |app: &str| {
        history
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["application_id"] == app)
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let (x2_aid, pending_aid) = (aid_of(grant2["id"].as_str().unwrap()), aid_of(pending_id));
    admin.delete_authorization(&x2_aid).await.unwrap();
    let requests = admin.join_requests(&eid).await.unwrap();
    assert!(
        requests
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["authorization"]["application_id"] != pending_id),
        "{requests}"
    );
    let r = admin
        .seal_authorization(&pending_aid, &admin_key, PIN)
        .await;
    assert_eq!(refusal(r).0, "application_state");

    // D5: the admin renews the claim's certificate, sealing with it.
    let admin_cert = certificate_id(&admin, &admin_key, "signing").await;
    let d5 = admin.renew(&admin_cert, &option, None).await.unwrap();
    assert_eq!(
        (d5["subject"].as_str(), d5["kind"].as_str()),
        (Some("enterprise"), Some("renewal"))
    );
    let renewed_admin_key = sealed_and_issued(&server, &admin, &admin_key, &admin, &d5, &eid).await;
    assert_eq!(logs_in(&at_x, &admin, &renewed_admin_key).await, Ok(()));
    assert_eq!(
        states(&admin, &eid).await,
        [
            "superseded",
            "active",
            "superseded",
            "active",
            "deleted",
            "active",
            "deleted",
            "active"
        ]
    );

    // 70 days more: the certificates of the first day have expired.
    let phones = &mut [(&mut admin, ADMIN), (&mut staff, OTHER)];
    advance(&server, &mut offset, phones, 70 * DAY).await;

    // D7: the admin's expired certificate for Y cannot seal; the stamped
    // letter is photographed instead and the application goes to review.
    let admin_y_cert = certificate_id(&admin, &admin_y_key, "signing").await;
    let r = admin.renew(&admin_y_cert, &option, None).await;
    assert_eq!(refusal(r).0, "invalid_input");
    let letter = admin
        .reapplication_letter(&admin_y_cert, &option)
        .await
        .unwrap();
    assert!(letter.starts_with(b"%PDF"));
    let d7 = admin
        .renew(&admin_y_cert, &option, Some(&photo))
        .await
        .unwrap();
    assert_eq!(d7["kind"], "reapplication");
    let d7_id = d7["id"].as_str().unwrap();
    assert_eq!(admin.pay(d7_id).await.unwrap()["state"], "submitted");
    let token = reviewer_token(&server, &info.ca_id).await;
    let item = review_item(&server, &token, d7_id).await;
    assert_eq!(item["authorization"]["seal"], Value::Null, "{item}");
    approve_as(&server, &token, d7_id).await;
    let reapplied_y_key = admin.download(d7_id, PIN).await.unwrap().key_id;
    assert_eq!(logs_in(&at_y, &admin, &reapplied_y_key).await, Ok(()));

    // E5: the staff member's expired certificate for Y, sealed by the admin
    // with the renewed certificate.
    let staff_y_cert = certificate_id(&staff, &staff_y_key, "signing").await;
    let e5 = staff.renew(&staff_y_cert, &option, None).await.unwrap();
    assert_eq!(e5["kind"], "reapplication");
    let reapplied_staff_y =
        sealed_and_issued(&server, &admin, &renewed_admin_key, &staff, &e5, &eid).await;
    assert!(
        message_titles(&admin)
            .await
            .contains(&"企业证书重新申请".to_owned())
    );
    assert_eq!(logs_in(&at_y, &staff, &reapplied_staff_y).await, Ok(()));

    // Deleting the renewed authorization at X ends the line: the old
    // certificate (superseded) and the new one are both revoked.
    let history = admin.enterprise_authorizations(&eid).await.unwrap();
    let renewed_aid = history
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["application_id"] == e3["id"])
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let old = pem_of(&staff, &staff_key);
    let new = pem_of(&staff, &renewed_staff_key);
    admin.delete_authorization(&renewed_aid).await.unwrap();
    for cert in [&old, &new] {
        assert!(matches!(
            ocsp_status(&server, "zjca", cert).await,
            ocsp::CertStatus::Revoked(_)
        ));
    }
    assert_eq!(
        states(&admin, &eid).await,
        [
            "superseded",
            "superseded",
            "deleted",
            "superseded",
            "deleted",
            "deleted",
            "deleted",
            "active",
            "active",
            "active"
        ]
    );
    let verify = server.operator_get("/audit/verify").await;
    assert_eq!(verify["status"], "intact", "{verify}");
    server.finish(scratch).await;
}

#[tokio::test]
async fn enterprise_renewals_on_sqlite() {
    story(Scratch::sqlite().await.unwrap()).await;
}

#[tokio::test]
async fn enterprise_renewals_on_postgres() {
    let Some(scratch) = Scratch::postgres_from_env().await.unwrap() else {
        eprintln!("SKIPPED enterprise_renewals_on_postgres: {POSTGRES_URL_VAR} is not set");
        return;
    };
    story(scratch).await;
}
