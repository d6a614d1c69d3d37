//! Issue 12's staff story (C1–C4, D1, D2, E1, J1) over HTTP with
//! command-line phones, on SQLite and on PostgreSQL, from a claimed
//! enterprise: the lookup, joins refused for wrong admin details (a
//! guesser rate-limited), the admin's seal over the letter (OpenSSL 3
//! verifies it), the staff certificate, D2 and J1 at two platforms, the
//! admin's grant, an invitation, an E1 request sent back after a
//! rejection, deleting an authorization and the person (OCSP says
//! revoked).

mod support;

use mca_phone::Phone;
use mca_pki::cert::Certificate;
use mca_pki::gmt0010::signed;
use mca_pki::{name, ocsp, oids};
use mca_store::scratch::{POSTGRES_URL_VAR, Scratch};
use reqwest::Method;
use serde_json::{Value, json};
use support::certified::{approve_as, review, review_item, reviewer_token, zjca};
use support::enterprises::{
    ADMIN, CODE, OTHER, PIN, base64_of, claimed, message_titles, refusal, staff_id, states, stored,
    verified,
};
use support::rp::{Rp, login};
use support::{TestServer, ocsp_status, openssl_verifies};

async fn story(scratch: Scratch) {
    let server = TestServer::start_with_cas(&scratch.db).await;
    let admin = verified(&server, ADMIN, "张三", "11010519491231002X").await;
    let staff = verified(&server, OTHER, "王五", "330102199003154562").await;
    let info = zjca(&admin).await;
    let (_, admin_key) = claimed(&server, &admin, &info, "杭州示例科技股份有限公司", CODE).await;
    join(&server, &admin, &admin_key, &staff, &info).await;
    let verify = server.operator_get("/audit/verify").await;
    assert_eq!(verify["status"], "intact", "{verify}");
    server.finish(scratch).await;
}

/// C1–C4 and D2: `staff` finds the enterprise, joins with the admin's
/// details (wrong ones refused, a guesser rate-limited), the admin seals
/// the letter (OpenSSL 3 verifies the signature over it), the CA approves,
/// the staff member downloads a certificate naming them and the
/// enterprise, which logs in at the authorized platform X and is refused
/// at Y.
async fn join(
    server: &TestServer,
    admin: &Phone,
    admin_key: &str,
    staff: &Phone,
    info: &mca_phone::CertificateInfo,
) {
    let name = "杭州示例科技股份有限公司";
    // C1: only the exact name of a claimed enterprise is found.
    let (code, _) = refusal(staff.enterprise_lookup("杭州示例科技有限公司", CODE).await);
    assert_eq!(code, "not_found");
    let found = staff.enterprise_lookup(name, CODE).await.unwrap();
    assert_eq!(
        found.as_object().unwrap().len(),
        3,
        "nothing about the admin: {found}"
    );
    let eid = found["id"].as_str().unwrap().to_owned();

    // C2: the admin's details are the proof; a mismatch stores nothing.
    let before = stored(server, OTHER, CODE).await;
    let perms = ["login", "sign", "seal"];
    let wrong = staff
        .join_enterprise(&eid, "张三", "13900139000", info, &perms)
        .await;
    assert_eq!(refusal(wrong).0, "admin_mismatch");
    let wrong = staff
        .join_enterprise(&eid, "张四", ADMIN, info, &perms)
        .await;
    assert_eq!(refusal(wrong).0, "admin_mismatch");
    assert_eq!(stored(server, OTHER, CODE).await, before);
    // A guesser runs out of tries: then even the right details are refused.
    let guesser = verified(server, "13600136002", "赵六", "330105198511223012").await;
    for i in 0..5 {
        let phone = format!("1390013900{i}");
        let r = guesser
            .join_enterprise(&eid, "张三", &phone, info, &perms)
            .await;
        assert_eq!(refusal(r).0, "admin_mismatch");
    }
    let r = guesser
        .join_enterprise(&eid, "张三", ADMIN, info, &perms)
        .await;
    assert_eq!(refusal(r).0, "rate_limited");

    // An authorization for a platform the catalogue does not have.
    let nowhere = mca_phone::CertificateInfo {
        platform_id: mca_domain::PlatformId::new().to_string(),
        ..info.clone()
    };
    let r = staff
        .join_enterprise(&eid, "张三", ADMIN, &nowhere, &perms)
        .await;
    assert_eq!(refusal(r).0, "not_found");
    assert_eq!(stored(server, OTHER, CODE).await, before);

    let app = staff
        .join_enterprise(&eid, "张三", ADMIN, info, &perms)
        .await
        .unwrap();
    assert_eq!(
        (app["subject"].as_str(), app["state"].as_str()),
        (Some("agent"), Some("draft"))
    );
    let app_id = app["id"].as_str().unwrap().to_owned();
    let paid = staff.pay(&app_id).await.unwrap();
    assert_eq!(paid["state"], "awaiting_admin");
    assert!(
        message_titles(admin)
            .await
            .contains(&"加入企业申请".to_owned())
    );

    // Staff may not act as the admin.
    assert_eq!(
        refusal(staff.join_requests(&eid).await).0,
        "not_enterprise_admin"
    );
    let requests = admin.join_requests(&eid).await.unwrap();
    assert_eq!(requests[0]["applicant_name"], "王五");
    let aid = requests[0]["authorization"]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // The admin of another enterprise can do nothing here, not even with
    // their own enterprise certificate.
    let (other_eid, other_key) = claimed(
        server,
        &guesser,
        info,
        "宁波另一贸易有限公司",
        "91330000123456789E",
    )
    .await;
    assert_ne!(other_eid, eid);
    assert_eq!(
        refusal(guesser.join_requests(&eid).await).0,
        "not_enterprise_admin"
    );
    // The letter is not theirs to see; a signature over it made with their
    // own enterprise certificate is refused.
    let r = guesser.seal_authorization(&aid, &other_key, PIN).await;
    assert_eq!(refusal(r).0, "not_found");
    let letter = admin.authorization_letter(&aid).await.unwrap();
    let sig = guesser.sign(&other_key, PIN, &letter).await.unwrap();
    let body = json!({"key_id": other_key, "signature": base64_of(&sig)});
    let r = guesser
        .call(
            Method::POST,
            &format!("/api/app/v1/me/authorizations/{aid}/seal"),
            Some(body),
        )
        .await;
    assert_eq!(refusal(r).0, "not_enterprise_admin");
    assert_eq!(
        refusal(guesser.enterprise_members(&eid).await).0,
        "not_enterprise_admin"
    );
    // A wrong PIN never seals.
    let r = admin.seal_authorization(&aid, admin_key, "000000").await;
    assert_eq!(refusal(r).0, "wrong_pin", "a wrong PIN never seals");

    // C3 确认并盖章 with the enterprise certificate.
    let sealed = admin
        .seal_authorization(&aid, admin_key, PIN)
        .await
        .unwrap();
    assert_eq!(sealed["sealed"], true);
    let token = reviewer_token(server, &info.ca_id).await;
    let item = review_item(server, &token, &app_id).await;
    assert_eq!(item["authorization"]["seal_verified"], true, "{item}");
    assert_eq!(item["authorization"]["permissions"], json!(perms));
    let fetch = |name: &str| {
        let url = format!("{}/api/review/v1/applications/{app_id}/{name}", server.base);
        let req = server.http().get(url).bearer_auth(&token);
        async move { req.send().await.unwrap().bytes().await.unwrap().to_vec() }
    };
    let (letter, seal) = (
        fetch("authorization-letter").await,
        fetch("authorization-seal").await,
    );
    assert_eq!(letter, admin.authorization_letter(&aid).await.unwrap());
    let sd = signed::parse(&seal).unwrap();
    let sig = sd.signer_infos.0[0].encrypted_digest.as_bytes().to_vec();
    let admin_pem = admin
        .state_dir()
        .key(admin_key)
        .unwrap()
        .signing_certificate
        .unwrap();
    assert!(
        openssl_verifies(&admin_pem, &letter, &sig),
        "OpenSSL 3 verifies the seal over the letter"
    );
    assert!(!openssl_verifies(&admin_pem, b"another letter", &sig));

    // C4: approved, downloaded: the certificate names the person and the
    // enterprise; the staff member is staff.
    approve_as(server, &token, &app_id).await;
    assert!(
        message_titles(staff)
            .await
            .contains(&"加入成功，请下载证书".to_owned())
    );
    let alone = admin.seals().await.unwrap(); // 13.2: the admin's only
    let staff_key = staff.download(&app_id, PIN).await.unwrap();
    let cert = Certificate::from_pem(staff_key.signing_certificate.as_deref().unwrap()).unwrap();
    let attr = |oid| name::attribute(cert.subject(), oid);
    assert_eq!(attr(oids::AT_COMMON_NAME).as_deref(), Some("王五"));
    assert_eq!(attr(oids::AT_ORGANIZATION).as_deref(), Some(name));
    assert_eq!(attr(oids::AT_SERIAL_NUMBER).as_deref(), Some(CODE));
    let r = staff.seal_authorization(&aid, &staff_key.key_id, PIN).await;
    assert_eq!(refusal(r).0, "not_enterprise_admin");
    let mine = staff.enterprises().await.unwrap();
    assert_eq!(
        (mine[0]["id"].as_str(), mine[0]["role"].as_str()),
        (Some(eid.as_str()), Some("staff"))
    );
    // The staff member may seal: the enterprise seal is remade listing both.
    let seal = &staff.seals().await.unwrap()[0];
    assert_eq!(
        seal["version"],
        alone[0]["version"].as_u64().unwrap() + 1,
        "{seal}"
    );
    assert_eq!(seal["certificates"].as_array().unwrap().len(), 2);

    // D2: the certificate serves platform X (authorized), not Y.
    let catalogue = staff.catalogue().await.unwrap();
    let y = catalogue["platforms"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] != info.platform_id.as_str())
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let at_x = Rp::register(server, "平台X", Some(&info.platform_id)).await;
    let at_y = Rp::register(server, "平台Y", Some(&y)).await;
    let (created, done) = at_x.run(staff, &staff_key.key_id, PIN, login(7)).await;
    assert_eq!(done.unwrap().result.as_deref(), Some("ok"));
    let view = at_x.view(&created).await;
    let signer = hex::decode(view["completion"]["certificates"][0].as_str().unwrap()).unwrap();
    let signer = Certificate::from_der(&signer).unwrap();
    assert_eq!(
        name::attribute(signer.subject(), oids::AT_SERIAL_NUMBER).as_deref(),
        Some(CODE)
    );
    // D2 permissions: authorized for login, sign and seal at X, not for
    // handing over the encryption certificate (encrypt).
    let cert_session = json!({"operation": "cert", "challenge": hex::encode([5u8; 32])});
    let (_, refused) = at_x.run(staff, &staff_key.key_id, PIN, cert_session).await;
    assert_eq!(refusal(refused).0, "not_authorized_for_platform");

    // J1: binding the platform's enterprise account checks the person and
    // the credit code it sends against the certificate.
    for (holder, result) in [
        (
            json!({"name": "王五", "credit_code": "91330000123456789E"}),
            "holder_mismatch",
        ),
        (
            json!({"name": "赵六", "credit_code": CODE}),
            "holder_mismatch",
        ),
        (json!({"name": "王五", "credit_code": CODE}), "ok"),
    ] {
        let bind = json!({"operation": "auth", "purpose": "bind",
            "challenge": hex::encode([6u8; 16]), "expected_holder": holder});
        let (created, approved) = at_x.run(staff, &staff_key.key_id, PIN, bind).await;
        assert_eq!(at_x.view(&created).await["result"], result, "{holder}");
        if result != "ok" {
            assert_eq!(refusal(approved).0, "holder_mismatch");
        }
    }
    let (created, refused) = at_y.run(staff, &staff_key.key_id, PIN, login(7)).await;
    assert_eq!(refusal(refused).0, "not_authorized_for_platform");
    assert_eq!(at_y.view(&created).await["result"], "not_authorized");

    // D2 新增授权: the admin authorizes the staff member at Y too; paid,
    // sealed and approved, the new certificate serves Y.
    let at_y_info = mca_phone::CertificateInfo {
        platform_id: y.clone(),
        province_id: catalogue["platforms"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["id"] == y.as_str())
            .unwrap()["province_id"]
            .as_str()
            .unwrap()
            .to_owned(),
        ..info.clone()
    };
    let staff_id = staff_id(admin, &eid).await;
    let r = staff
        .grant_authorization(&eid, &staff_id, &at_y_info, &["login"])
        .await;
    assert_eq!(refusal(r).0, "not_enterprise_admin");
    let granted = admin
        .grant_authorization(&eid, &staff_id, &at_y_info, &["login"])
        .await
        .unwrap();
    let granted_id = granted["id"].as_str().unwrap().to_owned();
    assert!(
        message_titles(staff)
            .await
            .contains(&"企业新增授权".to_owned())
    );
    assert_eq!(
        staff.pay(&granted_id).await.unwrap()["state"],
        "awaiting_admin"
    );
    let requests = admin.join_requests(&eid).await.unwrap();
    let granted_aid = requests[0]["authorization"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    admin
        .seal_authorization(&granted_aid, admin_key, PIN)
        .await
        .unwrap();
    approve_as(server, &token, &granted_id).await;
    let y_key = staff.download(&granted_id, PIN).await.unwrap();
    let (_, done) = at_y.run(staff, &y_key.key_id, PIN, login(9)).await;
    assert_eq!(done.unwrap().result.as_deref(), Some("ok"));

    // D1: the admin invites a person who has no account yet; the
    // invitation waits for that phone's login, and with the invited name
    // verified they ask for a certificate without the admin's details.
    let r = staff.invite(&eid, "钱七", "13600136003").await;
    assert_eq!(refusal(r).0, "not_enterprise_admin");
    let invited = admin.invite(&eid, "钱七", "13600136003").await.unwrap();
    assert_eq!(invited["phone_masked"], "136****6003");
    let r = admin.invite(&eid, "钱七", "13600136003").await;
    assert_eq!(
        refusal(r).0,
        "already_exists",
        "one open invitation per phone"
    );
    let newcomer = verified(server, "13600136003", "钱七", "110101199003074477").await;
    let open = newcomer.invitations().await.unwrap();
    assert_eq!(open[0]["enterprise_name"], name);
    let iid = open[0]["id"].as_str().unwrap();
    assert_eq!(guesser.invitations().await.unwrap(), json!([]));
    let r = guesser.accept_invitation(iid, info, &["login"]).await;
    assert_eq!(refusal(r).0, "not_found", "another phone's invitation");
    let accepted = newcomer
        .accept_invitation(iid, info, &["login"])
        .await
        .unwrap();
    assert_eq!(accepted["subject"], "agent");
    let accepted_id = accepted["id"].as_str().unwrap();
    assert_eq!(
        newcomer.pay(accepted_id).await.unwrap()["state"],
        "awaiting_admin"
    );
    assert_eq!(newcomer.invitations().await.unwrap(), json!([]));

    // E1: a staff member asks for another certificate; it waits for the
    // admin. A stranger to the enterprise cannot ask.
    let asked = staff
        .request_enterprise_certificate(&eid, info, &["sign"])
        .await
        .unwrap();
    let asked_id = asked["id"].as_str().unwrap();
    assert_eq!(
        staff.pay(asked_id).await.unwrap()["state"],
        "awaiting_admin"
    );
    let r = guesser
        .request_enterprise_certificate(&eid, info, &["sign"])
        .await;
    assert_eq!(refusal(r).0, "not_found");

    // Sealed, then rejected by the CA: its holder sends it back to the
    // admin, who sees it again (and may seal again).
    let r = staff.resubmit_to_admin(asked_id).await;
    assert_eq!(refusal(r).0, "application_state", "not rejected yet");
    let requests = admin.join_requests(&eid).await.unwrap();
    let asked_aid = requests
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["authorization"]["application_id"] == asked_id)
        .unwrap()["authorization"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    admin
        .seal_authorization(&asked_aid, admin_key, PIN)
        .await
        .unwrap();
    let reason = json!({"reason": "授权事项与岗位不符"});
    let path = format!("/applications/{asked_id}/rejection");
    review(server, &token, Method::POST, &path, Some(reason)).await;
    let back = staff.resubmit_to_admin(asked_id).await.unwrap();
    assert_eq!(back["state"], "awaiting_admin");
    let requests = admin.join_requests(&eid).await.unwrap();
    assert!(
        requests
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["authorization"]["id"] == asked_aid.as_str()),
        "{requests}"
    );

    // D2: the admin deletes the authorization: its certificate is revoked
    // at once (OCSP), so X refuses it too, and so does the app's own
    // signing route; the history keeps the authorization.
    assert_eq!(
        refusal(staff.delete_authorization(&aid).await).0,
        "not_enterprise_admin"
    );
    assert!(matches!(
        ocsp_status(server, "zjca", &cert).await,
        ocsp::CertStatus::Good(_)
    ));
    admin.delete_authorization(&aid).await.unwrap();
    assert!(matches!(
        ocsp_status(server, "zjca", &cert).await,
        ocsp::CertStatus::Revoked(_)
    ));
    let (created, refused) = at_x.run(staff, &staff_key.key_id, PIN, login(8)).await;
    assert_eq!(refusal(refused).0, "certificate_revoked");
    assert_eq!(at_x.view(&created).await["result"], "certificate_revoked");
    assert!(staff.sign(&staff_key.key_id, PIN, b"bid").await.is_err());
    assert_eq!(
        states(admin, &eid).await,
        ["active", "deleted", "active", "pending", "pending"],
        "the admin's own, X deleted, Y, the invitee's, the E1 request"
    );

    // D1: the admin deletes the person: every authorization of theirs ends
    // (the certificate for Y revoked), they are no longer staff.
    assert_eq!(
        refusal(staff.remove_member(&eid, &staff_id).await).0,
        "not_enterprise_admin"
    );
    let y_cert = Certificate::from_pem(y_key.signing_certificate.as_deref().unwrap()).unwrap();
    assert!(matches!(
        ocsp_status(server, "zjca", &y_cert).await,
        ocsp::CertStatus::Good(_)
    ));
    admin.remove_member(&eid, &staff_id).await.unwrap();
    assert!(matches!(
        ocsp_status(server, "zjca", &y_cert).await,
        ocsp::CertStatus::Revoked(_)
    ));
    assert_eq!(staff.enterprises().await.unwrap(), json!([]));
    assert_eq!(
        states(admin, &eid).await,
        ["active", "deleted", "deleted", "pending", "deleted"]
    );
    // A sealed request whose authorization the admin then deletes is
    // never approved.
    let requests = admin.join_requests(&eid).await.unwrap();
    let invitee_aid = requests
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["applicant_name"] == "钱七")
        .unwrap()["authorization"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    admin
        .seal_authorization(&invitee_aid, admin_key, PIN)
        .await
        .unwrap();
    admin.delete_authorization(&invitee_aid).await.unwrap();
    let r = server
        .http()
        .post(format!(
            "{}/api/review/v1/applications/{accepted_id}/approval",
            server.base
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409);
    let problem: Value = r.json().await.unwrap();
    assert_eq!(problem["code"], "authorization_ended");
}

#[tokio::test]
async fn enterprise_staff_story_on_sqlite() {
    story(Scratch::sqlite().await.unwrap()).await;
}

#[tokio::test]
async fn enterprise_staff_story_on_postgres() {
    let Some(scratch) = Scratch::postgres_from_env().await.unwrap() else {
        eprintln!("SKIPPED enterprise_staff_story_on_postgres: {POSTGRES_URL_VAR} is not set");
        return;
    };
    story(scratch).await;
}
