//! What a phone does with its key over HTTP (issue 10): the app's own
//! signing endpoint refuses the protocol's reserved messages; a new begin
//! cancels the phone's own outstanding session; a PIN change needs an SMS
//! code as well as the old PIN; a recovery order is not paid twice.

mod support;

use mca_crypto::twoparty::messages::{BlindedPoint, PartialSignature};
use mca_crypto::twoparty::transport;
use mca_phone::phone::{APP, Purpose};
use mca_phone::{Phone, PhoneError};
use mca_store::scratch::Scratch;
use reqwest::Method;
use serde_json::{Value, json};
use support::TestServer;
use support::certified::certified;

const PIN: &str = "246810";
const NEW_PIN: &str = "135791";

fn refusal<T: std::fmt::Debug>(result: Result<T, PhoneError>) -> (u16, String) {
    match result {
        Err(PhoneError::Refused { status, code, .. }) => (status, code),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// The server's view of the phone's key.
async fn key_view(phone: &Phone, key_id: &str) -> Value {
    let keys = phone.keys().await.unwrap();
    keys.as_array()
        .unwrap()
        .iter()
        .find(|k| k["id"] == key_id)
        .cloned()
        .unwrap()
}

/// A fresh SMS code for `purpose`, a minute after the last one (one code a
/// minute per number).
async fn code_for(
    server: &TestServer,
    phone: &mut Phone,
    offset: &mut i64,
    number: &str,
    purpose: Purpose,
) -> String {
    server.clock.advance(61);
    *offset += 61;
    phone.set_clock_offset(*offset);
    phone.send_code(number, purpose).await.unwrap();
    phone.dev_code(number).await.unwrap()
}

async fn start() -> (Scratch, TestServer) {
    let scratch = Scratch::sqlite().await.unwrap();
    let server = TestServer::start_with_cas(&scratch.db).await;
    (scratch, server)
}

#[tokio::test]
async fn the_apps_signing_endpoint_refuses_every_reserved_prefix() {
    let (scratch, server) = start().await;
    let (phone, key) = certified(&server, "13700137101", PIN).await;
    let t1 = BlindedPoint { t1: key.public_key };
    let reserved: Vec<Vec<u8>> = vec![
        mca_crypto::rp::auth_challenge("rp", "session", &[7; 16], "auth:login"),
        mca_crypto::rp::confirm_payload("rp", "session", "投标文件.zip", &[1; 32], "R-1"),
        mca_crypto::twoparty::server::decryption_authorization(b"session", &t1),
        [mca_crypto::domain::PIN_CHANGE_TAG, key.key_id.as_bytes()].concat(),
        b"MCA-ANY-FUTURE-TAG".to_vec(),
    ];
    for message in &reserved {
        let (status, code) = refusal(phone.sign(&key.key_id, PIN, message).await);
        assert_eq!((status, code.as_str()), (422, "reserved_message"));
    }
    // The problem names the reason in Chinese; nothing was begun or counted.
    let path = format!("{APP}/me/keys/{}/signatures", key.key_id);
    let e = phone
        .call(
            Method::POST,
            &path,
            Some(json!({"message": hex::encode(b"MCA-")})),
        )
        .await
        .unwrap_err();
    assert!(e.to_string().contains("MCA-"), "{e}");
    assert_eq!(key_view(&phone, &key.key_id).await["pin_failures"], 0);
    // Ordinary bytes, even ones containing the tag later on, still sign.
    phone
        .sign(&key.key_id, PIN, b"bid: MCA-RP-AUTH-V1")
        .await
        .unwrap();
    server.finish(scratch).await;
}

#[tokio::test]
async fn a_new_begin_cancels_the_phones_outstanding_session() {
    let (scratch, server) = start().await;
    let (phone, key) = certified(&server, "13700137102", PIN).await;
    // The phone begins and vanishes before finishing.
    let path = format!("{APP}/me/keys/{}/signatures", key.key_id);
    let first = phone
        .call(Method::POST, &path, Some(json!({"message": "00"})))
        .await
        .unwrap();
    // Back again: no five-minute wait, the next signature goes through.
    phone.sign(&key.key_id, PIN, b"again").await.unwrap();
    // The cancelled session finishes nothing, cleanly: 404, no PIN counted.
    let stored = phone.state_dir().key(&key.key_id).unwrap();
    let secret = phone.state_dir().pin_secret().unwrap();
    let share = stored.signing.unmask(PIN.as_bytes(), &secret).unwrap();
    let session = first["session_id"].as_str().unwrap();
    let challenge = serde_json::from_value(first["challenge"].clone()).unwrap();
    let partial: PartialSignature = share.sign(&stored.public_key, &challenge).unwrap();
    let transport_key = serde_json::from_value(first["transport_key"].clone()).unwrap();
    let reply = mca_crypto::sm2::SecretKey::generate().unwrap();
    let body = json!({
        "session_id": session,
        "partial": transport::seal(&transport_key, session, &partial).unwrap(),
        "reply_key": reply.public_key(),
    });
    let finished = phone
        .call(Method::POST, &format!("{path}/finish"), Some(body))
        .await;
    assert_eq!(refusal(finished), (404, "not_found".to_owned()));
    assert_eq!(key_view(&phone, &key.key_id).await["pin_failures"], 0);
    phone.sign(&key.key_id, PIN, b"still fine").await.unwrap();
    server.finish(scratch).await;
}

#[tokio::test]
async fn a_pin_change_needs_an_sms_code_as_well_as_the_old_pin() {
    let (scratch, server) = start().await;
    let number = "13700137103";
    let (mut phone, key) = certified(&server, number, PIN).await;
    let mut offset = 0;
    // Without a code, with a wrong one, with one sent for another purpose:
    // refused before any session; the PIN, the key and the counter stay.
    let path = format!("{APP}/me/keys/{}/pin-change", key.key_id);
    let e = phone.call(Method::POST, &path, None).await;
    assert_eq!(refusal(e), (400, "malformed_body".to_owned()));
    let right = code_for(&server, &mut phone, &mut offset, number, Purpose::PinChange).await;
    let wrong = format!("{:06}", (right.parse::<u32>().unwrap() + 1) % 1_000_000);
    assert_eq!(
        refusal(phone.change_pin(&key.key_id, &wrong, PIN, NEW_PIN).await),
        (422, "wrong_code".to_owned())
    );
    let other = code_for(
        &server,
        &mut phone,
        &mut offset,
        number,
        Purpose::CertificateKey,
    )
    .await;
    assert_eq!(
        refusal(phone.change_pin(&key.key_id, &other, PIN, NEW_PIN).await).0,
        422
    );
    let view = key_view(&phone, &key.key_id).await;
    assert_eq!(
        (view["pin_failures"].clone(), view["state"].clone()),
        (json!(0), json!("active"))
    );
    phone
        .sign(&key.key_id, PIN, b"old PIN still")
        .await
        .unwrap();

    // A right code with a wrong old PIN: counted as a PIN failure; the code
    // is spent.
    let code = code_for(&server, &mut phone, &mut offset, number, Purpose::PinChange).await;
    assert_eq!(
        refusal(
            phone
                .change_pin(&key.key_id, &code, "999999", NEW_PIN)
                .await
        ),
        (403, "wrong_pin".to_owned())
    );
    assert_eq!(key_view(&phone, &key.key_id).await["pin_failures"], 1);
    assert_eq!(
        refusal(phone.change_pin(&key.key_id, &code, PIN, NEW_PIN).await).1,
        "code_used"
    );
    // A fresh code and the right PIN: changed.
    let code = code_for(&server, &mut phone, &mut offset, number, Purpose::PinChange).await;
    phone
        .change_pin(&key.key_id, &code, PIN, NEW_PIN)
        .await
        .unwrap();
    assert_eq!(
        refusal(phone.sign(&key.key_id, PIN, b"old").await).1,
        "wrong_pin"
    );
    phone.sign(&key.key_id, NEW_PIN, b"new").await.unwrap();
    server.finish(scratch).await;
}

#[tokio::test]
async fn a_recovery_order_is_made_once_while_it_is_open() {
    let (scratch, server) = start().await;
    let (phone, _key) = certified(&server, "13700137104", PIN).await;
    let first = phone.pay_recovery().await.unwrap();
    assert_eq!(
        phone.pay_recovery().await.unwrap(),
        first,
        "paid, unused: the same order"
    );
    // Two at once (two taps, two instances behind a balancer): one order.
    let (a, b) = tokio::join!(phone.pay_recovery(), phone.pay_recovery());
    assert_eq!((a.unwrap(), b.unwrap()), (first.clone(), first.clone()));
    let order = server
        .store
        .order(first.parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (order.purpose.as_str(), order.state.as_str()),
        ("recovery", "paid")
    );
    // Spent on a recovery: the next payment is a new order.
    assert!(
        server
            .store
            .use_order(first.parse().unwrap())
            .await
            .unwrap()
    );
    let second = phone.pay_recovery().await.unwrap();
    assert_ne!(second, first);
    assert_eq!(phone.pay_recovery().await.unwrap(), second);
    // A declined payment is not an open order: the next try pays anew.
    assert!(
        server
            .store
            .use_order(second.parse().unwrap())
            .await
            .unwrap()
    );
    server.dev.as_ref().unwrap().payments.decline_next(1);
    assert_eq!(refusal(phone.pay_recovery().await).1, "payment_failed");
    let third = phone.pay_recovery().await.unwrap();
    assert!(third != first && third != second);
    server.finish(scratch).await;
}
