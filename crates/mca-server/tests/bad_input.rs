//! Every bad input gets an RFC 9457 problem and changes nothing stored:
//! each case compares a snapshot of the account before and after.

mod support;

use mca_crypto::device::DeviceKey;
use mca_domain::Clock;
use mca_phone::phone::{APP, Purpose};
use mca_phone::{Phone, PhoneError, Reply, Tamper};
use mca_store::scratch::Scratch;
use reqwest::Method;
use support::{TestServer, snapshot};

const ALICE: &str = "13800138000";
const BOB: &str = "13700137000";

fn assert_refused<T: std::fmt::Debug>(result: Result<T, PhoneError>, status: u16, code: &str) {
    match result {
        Err(PhoneError::Refused {
            status: s,
            code: c,
            title,
            ..
        }) => {
            assert_eq!((s, c.as_str()), (status, code), "{title}");
            assert!(!title.is_empty());
        }
        other => panic!("expected {status} {code}, got {other:?}"),
    }
}

fn assert_reply(reply: Reply, status: u16, code: &str) {
    assert_eq!(
        (reply.status, reply.body["code"].as_str()),
        (status, Some(code)),
        "{}",
        reply.body
    );
    assert_eq!(reply.body["status"], status);
    assert_eq!(reply.body["type"], format!("urn:mca:problem:{code}"));
}

/// A logged-in Alice with a password and a server to attack.
async fn setup() -> (Scratch, TestServer, Phone) {
    let (scratch, server) = TestServer::on_sqlite().await;
    let phone = server.registered(ALICE).await;
    phone.set_password("Abc123!@").await.unwrap();
    (scratch, server, phone)
}

#[tokio::test]
async fn malformed_phone_weak_password_bad_id_number() {
    let (scratch, server, phone) = setup().await;
    let before = snapshot(&server.store, ALICE).await;

    assert_refused(
        phone.send_code("1380013800", Purpose::Login).await,
        422,
        "invalid_phone",
    );
    assert_refused(
        phone.send_code("23800138000", Purpose::Login).await,
        422,
        "invalid_phone",
    );
    assert_refused(
        server.phone().login_with_code("abc", "123456").await,
        422,
        "invalid_phone",
    );
    assert_refused(
        phone.change_password("Abc123!@", "12345").await,
        422,
        "weak_password",
    );
    assert_refused(
        phone.change_password("Abc123!@", &"a".repeat(21)).await,
        422,
        "weak_password",
    );
    assert_refused(
        phone.change_password("Abc123!@", "密码密码密码").await,
        422,
        "weak_password",
    );
    // Last digit changed: the GB 11643 checksum fails.
    assert_refused(
        phone.submit_identity("张三", "330106199003071237").await,
        422,
        "invalid_id_number",
    );
    // Valid checksum, impossible birth date (1990-02-30).
    assert_refused(
        phone.submit_identity("张三", "33010619900230123X").await,
        422,
        "invalid_id_number",
    );

    assert_eq!(snapshot(&server.store, ALICE).await, before);
    server.finish(scratch).await;
}

#[tokio::test]
async fn wrong_reused_and_sixth_try_codes() {
    let (scratch, server) = TestServer::on_sqlite().await;
    let mut phone = server.phone();
    let nobody = snapshot(&server.store, BOB).await;
    let no_alice = snapshot(&server.store, ALICE).await;

    // Wrong code: no account is created.
    phone.send_code(BOB, Purpose::Login).await.unwrap();
    let code = phone.dev_code(BOB).await.unwrap();
    // One code per phone per minute.
    assert_refused(
        phone.send_code(BOB, Purpose::Login).await,
        429,
        "rate_limited",
    );
    assert_eq!(
        phone.dev_code(BOB).await.unwrap(),
        code,
        "no new code was sent"
    );
    let wrong = if code == "000000" { "111111" } else { "000000" };
    assert_refused(phone.login_with_code(BOB, wrong).await, 422, "wrong_code");
    assert_refused(
        phone.login_with_code(BOB, "12345").await,
        422,
        "malformed_code",
    );
    assert_eq!(snapshot(&server.store, BOB).await, nobody);

    // The right code works once; reusing it is refused and adds no device.
    assert!(phone.login_with_code(BOB, &code).await.unwrap());
    let registered = snapshot(&server.store, BOB).await;
    assert_refused(
        server.phone().login_with_code(BOB, &code).await,
        422,
        "code_used",
    );
    assert_eq!(snapshot(&server.store, BOB).await, registered);

    // Five wrong tries kill the code: the sixth is refused even when right.
    server.clock.advance(61);
    phone.send_code(ALICE, Purpose::Login).await.unwrap();
    let code = phone.dev_code(ALICE).await.unwrap();
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for _ in 0..5 {
        assert_refused(
            server.phone().login_with_code(ALICE, wrong).await,
            422,
            "wrong_code",
        );
    }
    assert_refused(
        server.phone().login_with_code(ALICE, &code).await,
        422,
        "too_many_attempts",
    );
    assert_eq!(snapshot(&server.store, ALICE).await, no_alice);

    server.finish(scratch).await;
}

#[tokio::test]
async fn expired_code() {
    let (scratch, server) = TestServer::on_sqlite().await;
    let mut phone = server.phone();
    let nobody = snapshot(&server.store, ALICE).await;
    phone.send_code(ALICE, Purpose::Login).await.unwrap();
    let code = phone.dev_code(ALICE).await.unwrap();
    server.clock.advance(301);
    assert_refused(
        phone.login_with_code(ALICE, &code).await,
        422,
        "code_expired",
    );
    assert_eq!(snapshot(&server.store, ALICE).await, nobody);
    server.finish(scratch).await;
}

#[tokio::test]
async fn unsigned_replayed_foreign_and_stale_requests() {
    let (scratch, server, phone) = setup().await;
    let before = snapshot(&server.store, ALICE).await;
    let client = phone.client();
    let body = br#"{"old_password":"Abc123!@","new_password":"Hijack99"}"#.to_vec();
    let path = format!("{APP}/me/password");

    // A bare bearer token (stolen) does nothing.
    let reply = client
        .signed_raw(
            Method::PUT,
            &path,
            Some(body.clone()),
            Tamper {
                unsigned: true,
                ..Tamper::default()
            },
        )
        .await
        .unwrap();
    assert_reply(reply, 401, "unauthenticated");

    // Signed by another device's key.
    let thief = DeviceKey::generate().unwrap();
    let reply = client
        .signed_raw(
            Method::PUT,
            &path,
            Some(body.clone()),
            Tamper {
                key: Some(&thief),
                ..Tamper::default()
            },
        )
        .await
        .unwrap();
    assert_reply(reply, 401, "bad_signature");

    // Signed five minutes and a second before (or after) the server's clock.
    let stale = server.clock.now().secs() - 301;
    let reply = client
        .signed_raw(
            Method::PUT,
            &path,
            Some(body.clone()),
            Tamper {
                timestamp: Some(stale),
                ..Tamper::default()
            },
        )
        .await
        .unwrap();
    assert_reply(reply, 401, "stale_request");
    let ahead = server.clock.now().secs() + 301;
    let reply = client
        .signed_raw(
            Method::PUT,
            &path,
            Some(body.clone()),
            Tamper {
                timestamp: Some(ahead),
                ..Tamper::default()
            },
        )
        .await
        .unwrap();
    assert_reply(reply, 401, "stale_request");

    // A harmless request, then the same nonce again: the replay is refused.
    let nonce = "0123456789abcdef0123456789abcdef".to_string();
    let once = Tamper {
        nonce: Some(nonce.clone()),
        ..Tamper::default()
    };
    let reply = client
        .signed_raw(Method::GET, &format!("{APP}/me/devices"), None, once)
        .await
        .unwrap();
    assert_eq!(reply.status, 200);
    let again = Tamper {
        nonce: Some(nonce),
        ..Tamper::default()
    };
    let reply = client
        .signed_raw(Method::PUT, &path, Some(body.clone()), again)
        .await
        .unwrap();
    assert_reply(reply, 401, "replay");

    // Another device's token with this device's id and key.
    let other = server.phone();
    let mut other = other;
    server.clock.advance(61);
    server.login(&mut other, ALICE).await;
    let mut forged = phone.session().unwrap().clone();
    forged.token = other.session().unwrap().token.clone();
    let mut impostor = server.same_phone_on(&phone);
    impostor.adopt_session(forged);
    let after_login = snapshot(&server.store, ALICE).await;
    assert_refused(
        impostor.change_password("Abc123!@", "Hijack99").await,
        401,
        "wrong_device",
    );

    // Nothing but the second login changed anything.
    assert_eq!(snapshot(&server.store, ALICE).await, after_login);
    assert_ne!(after_login, before, "the second login added a device");
    let mut check = server.phone();
    check.login_with_password(ALICE, "Abc123!@").await.unwrap();

    server.finish(scratch).await;
}

#[tokio::test]
async fn oversized_and_malformed_bodies() {
    let (scratch, server, phone) = setup().await;
    let before = snapshot(&server.store, ALICE).await;
    let http = server.http();
    let problem = |r: reqwest::Response| async move {
        let status = r.status().as_u16();
        assert_eq!(r.headers()["content-type"], "application/problem+json");
        let body: serde_json::Value = r.json().await.unwrap();
        (status, body["code"].as_str().unwrap().to_owned())
    };

    // Public endpoint: malformed JSON, wrong shape, wrong media type, too big.
    let url = format!("{}{APP}/sessions", server.base);
    for (body, status, code) in [
        ("{", 400, "malformed_body"),
        (r#"{"phone": 13800138000}"#, 400, "malformed_body"),
        (
            r#"{"phone":"13800138000","code":"123456","device_public_key":"00","device_name":"x","extra":1}"#,
            400,
            "malformed_body",
        ),
    ] {
        let r = http
            .post(&url)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(problem(r).await, (status, code.to_owned()), "{body}");
    }
    let r = http
        .post(&url)
        .header("content-type", "text/plain")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(problem(r).await, (400, "malformed_body".to_owned()));
    let big = format!(r#"{{"phone":"{}"}}"#, "1".repeat(20 * 1024));
    let r = http
        .post(&url)
        .header("content-type", "application/json")
        .body(big.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(problem(r).await, (413, "body_too_large".to_owned()));

    // Signed endpoint: the same, with a valid signature.
    let path = format!("{APP}/me/password");
    let reply = phone
        .client()
        .signed_raw(Method::PUT, &path, Some(b"{".to_vec()), Tamper::default())
        .await
        .unwrap();
    assert_reply(reply, 400, "malformed_body");
    let reply = phone
        .client()
        .signed_raw(
            Method::PUT,
            &path,
            Some(big.into_bytes()),
            Tamper::default(),
        )
        .await
        .unwrap();
    assert_reply(reply, 413, "body_too_large");

    // Unknown routes and methods are problems too.
    let r = http
        .get(format!("{}/api/app/v1/nothing", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(problem(r).await, (404, "no_route".to_owned()));
    let r = http
        .delete(format!("{}{APP}/sessions", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(problem(r).await, (405, "method_not_allowed".to_owned()));

    assert_eq!(snapshot(&server.store, ALICE).await, before);
    server.finish(scratch).await;
}

#[tokio::test]
async fn operator_api_needs_its_token_and_validates() {
    let (scratch, server) = TestServer::on_sqlite().await;
    let http = server.http();
    let url = |p: &str| format!("{}/api/operator/v1{p}", server.base);
    let before = snapshot(&server.store, ALICE).await;

    let body = serde_json::json!({ "code": "33", "name": "浙江省" });
    let r = http
        .post(url("/provinces"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let r = http
        .post(url("/provinces"))
        .bearer_auth("wrong")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let r = http
        .post(url("/provinces"))
        .bearer_auth(support::OPERATOR_TOKEN)
        .json(&serde_json::json!({ "id": "x", "code": "33", "name": "浙江省" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400, "ids are the server's");
    assert_eq!(snapshot(&server.store, ALICE).await, before);

    // With the token: create, read through the app API, update, delete.
    let r = http
        .post(url("/provinces"))
        .bearer_auth(support::OPERATOR_TOKEN)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let created: serde_json::Value = r.json().await.unwrap();
    let id = created["id"].as_str().unwrap();
    let catalogue = server.phone().catalogue().await.unwrap();
    assert_eq!(catalogue["provinces"][0]["name"], "浙江省");
    let r = http
        .put(url(&format!("/provinces/{id}")))
        .bearer_auth(support::OPERATOR_TOKEN)
        .json(&serde_json::json!({ "code": "33", "name": "浙江" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = http
        .delete(url(&format!("/provinces/{id}")))
        .bearer_auth(support::OPERATOR_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let r = http
        .delete(url(&format!("/provinces/{id}")))
        .bearer_auth(support::OPERATOR_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);

    server.finish(scratch).await;
}
