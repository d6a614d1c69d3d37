//! The whole account story over real HTTP with the command-line phone:
//! register → log in → set password → log in by password → real-name
//! verification (face fails, then passes) → gating → devices → messages →
//! the audit chain verifies (A1, A2, A3, I1, I2, M3, M4).

mod support;

use mca_phone::PhoneError;
use mca_phone::phone::Purpose;
use serde_json::Value;
use support::TestServer;

/// Times in the app and operator APIs are RFC 3339 text (issue 10.18).
fn rfc3339(v: &Value) -> bool {
    v.as_str()
        .and_then(mca_domain::Timestamp::parse_rfc3339)
        .is_some()
}

const ALICE: &str = "13800138000";
const ID_NUMBER: &str = "330106199003071236";

fn refused(result: Result<impl std::fmt::Debug, PhoneError>) -> (u16, String, String) {
    match result {
        Err(PhoneError::Refused {
            status,
            code,
            title,
            ..
        }) => (status, code, title),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn account_story_register_to_audit() {
    let (scratch, server) = TestServer::on_sqlite().await;

    // A1: the first login registers, a later one does not.
    let mut phone = server.registered(ALICE).await;
    server.clock.advance(61);
    assert!(!server.login(&mut phone, ALICE).await);

    // A2: set a password, then log in by password from a second device.
    phone.set_password("Abc123!@").await.unwrap();
    let (status, code, _) = refused(phone.set_password("Other123").await);
    assert_eq!((status, code.as_str()), (409, "password_already_set"));
    let mut second = server.phone();
    assert!(!second.login_with_password(ALICE, "Abc123!@").await.unwrap());

    // I2: change the password; the old one stops working.
    phone.change_password("Abc123!@", "Xyz789#$").await.unwrap();
    let mut third = server.phone();
    let (status, code, _) = refused(third.login_with_password(ALICE, "Abc123!@").await);
    assert_eq!((status, code.as_str()), (401, "wrong_credentials"));
    third.login_with_password(ALICE, "Xyz789#$").await.unwrap();

    // A3 gating: certificates are refused before verification.
    let (status, code, title) = refused(phone.certificates().await);
    assert_eq!(
        (status, code.as_str(), title.as_str()),
        (403, "identity_not_verified", "尚未实名认证，无法操作")
    );

    // A3: name + ID number, face verification fails, then passes.
    let submitted = phone.submit_identity("张三", ID_NUMBER).await.unwrap();
    assert_eq!(submitted["state"], "submitted");
    assert_ne!(
        submitted["id_number_masked"], ID_NUMBER,
        "ID number is shown masked"
    );
    let (status, code, _) = refused(phone.verify_face(Some(false)).await);
    assert_eq!((status, code.as_str()), (422, "face_failed"));
    assert_eq!(phone.identity().await.unwrap()["state"], "face_failed");
    let (_, code, _) = refused(phone.certificates().await);
    assert_eq!(code, "identity_not_verified");
    let verified = phone.verify_face(Some(true)).await.unwrap();
    assert_eq!(verified["state"], "verified");
    assert_eq!(phone.certificates().await.unwrap(), Value::Array(vec![]));

    // M3: the verification left a message with an action; mark it read.
    let messages = phone.messages().await.unwrap();
    let message = messages
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["kind"] == "identity_verified")
        .expect("identity_verified message")
        .clone();
    assert!(message["read_at"].is_null());
    assert!(rfc3339(&message["created_at"]), "{message}");
    phone
        .read_message(message["id"].as_str().unwrap())
        .await
        .unwrap();
    let messages = phone.messages().await.unwrap();
    let read = messages
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == message["id"])
        .unwrap();
    assert!(rfc3339(&read["read_at"]), "{read}");

    // Devices: three phones, three devices (the first logged in twice); remove
    // the second one and its requests are refused, while the others keep working.
    let devices = phone.devices().await.unwrap();
    let devices = devices.as_array().unwrap();
    assert_eq!(
        devices.len(),
        3,
        "one device per phone: the first phone's second login is the same device"
    );
    assert_eq!(devices.iter().filter(|d| d["current"] == true).count(), 1);
    assert!(
        devices.iter().all(|d| rfc3339(&d["created_at"])),
        "{devices:?}"
    );
    let second_id = second.session().unwrap().device_id.clone();
    phone.remove_device(&second_id).await.unwrap();
    let (status, code, _) = refused(second.messages().await);
    assert_eq!((status, code.as_str()), (401, "unauthenticated"));
    third.messages().await.unwrap();
    assert_eq!(phone.devices().await.unwrap().as_array().unwrap().len(), 2);

    // M4: the audit chain holds every step above and verifies.
    let report = server.operator_get("/audit/verify").await;
    assert_eq!(report["status"], "intact", "{report}");
    assert!(report["entries"].as_u64().unwrap() >= 8);
    let entries = server.operator_get("/audit?limit=1000").await;
    assert!(
        entries
            .as_array()
            .unwrap()
            .iter()
            .all(|e| rfc3339(&e["at"])),
        "{entries}"
    );
    let actions: Vec<&str> = entries
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for expected in ["identity_verified", "device_removed"] {
        assert!(
            actions.contains(&expected),
            "{expected} missing from {actions:?}"
        );
    }
    // No audit entry carries the full ID number or a password.
    let text = entries.to_string();
    assert!(!text.contains(ID_NUMBER) && !text.contains("Xyz789#$"));

    server.finish(scratch).await;
}

#[tokio::test]
async fn forgot_password_and_change_phone() {
    let (scratch, server) = TestServer::on_sqlite().await;
    let mut phone = server.registered(ALICE).await;
    phone.set_password("First123").await.unwrap();

    // I2 forgot: a code to the phone, then a new password; no login needed.
    let stranger = server.phone();
    server.clock.advance(61); // one code per phone per minute
    stranger
        .send_code(ALICE, Purpose::ResetPassword)
        .await
        .unwrap();
    let code = stranger.dev_code(ALICE).await.unwrap();
    stranger
        .reset_password(ALICE, &code, "Second456")
        .await
        .unwrap();
    let mut other = server.phone();
    other.login_with_password(ALICE, "Second456").await.unwrap();

    // I1: move the account to a new number confirmed by a code sent there.
    const NEW: &str = "13900139000";
    phone.send_code(NEW, Purpose::ChangePhone).await.unwrap();
    let code = phone.dev_code(NEW).await.unwrap();
    phone.change_phone(NEW, &code).await.unwrap();
    let mut again = server.phone();
    again.login_with_password(NEW, "Second456").await.unwrap();
    let (status, code, _) = refused(server.phone().login_with_password(ALICE, "Second456").await);
    assert_eq!((status, code.as_str()), (401, "wrong_credentials"));

    server.finish(scratch).await;
}

#[tokio::test]
async fn health_readiness_and_dev_endpoints_only_in_dev_mode() {
    let (scratch, server) = TestServer::on_sqlite().await;
    let http = server.http();
    for path in ["/healthz", "/readyz"] {
        let r = http
            .get(format!("{}{path}", server.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{path}");
    }
    server.stop().await;

    // The same database served in production mode has no dev endpoints.
    let mut config = support::config();
    config.dev_mode = false;
    let store = scratch.db.store();
    config.transport_key = Some(mca_server::config::Secret::new("11".repeat(32)));
    let state = mca_server::wiring::state(&config, store).await;
    // Production refuses the development SMS provider outright.
    assert!(state.is_err());
    config.sms.provider = mca_server::config::SmsProvider::Aliyun;
    config.sms.aliyun.access_key_id = "id".into();
    config.sms.aliyun.access_key_secret = Some(mca_server::config::Secret::new("secret"));
    config.sms.aliyun.sign_name = "浙江移动CA".into();
    config.sms.aliyun.template_code = "SMS_1".into();
    let state = mca_server::wiring::state(&config, scratch.db.store())
        .await
        .unwrap();
    assert!(state.dev.is_none());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(mca_server::run(listener, mca_server::app(state), async {
        let _ = rx.await;
    }));
    let r = http
        .get(format!("{base}/api/dev/sms-codes/{ALICE}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    tx.send(()).unwrap();
    task.await.unwrap().unwrap();
    scratch.drop_all().await.unwrap();
}
