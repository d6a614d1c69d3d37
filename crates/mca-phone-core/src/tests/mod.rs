//! The machines driven to their end against mca-crypto's server side and
//! a throwaway CA, with no HTTP (the server is in [`server`]).

mod server;

use mca_crypto::sm2::SecretKey;
use serde_json::{Value, json};

use crate::*;
use server::*;

#[test]
fn a_download_runs_keygen_possession_certificates_and_stores_only_masked_shares() {
    let mut server = Server::new();
    let (m, r) = Download::start(APP_ID).unwrap();
    assert_eq!(m.progress(), Progress::Keygen);
    let done = run(&mut server, m, r, secrets()).unwrap();
    assert_eq!(done.progress, ["possession", "certificates", "done"]);
    let key = done.output;
    assert_eq!(done.stored.as_ref(), Some(&key));
    assert_eq!(key.key_id, KEY_ID);
    assert_eq!(&key.public_key, server.key.as_ref().unwrap().public_key());
    assert!(key.encryption.is_some() && key.encryption_certificate.is_some());
    let summary = key.summary();
    assert!(summary.has_certificates && summary.serial.is_some() && summary.not_after.is_some());
    // The stored form has exactly the allowed fields, shares only masked.
    let json = serde_json::to_value(&key).unwrap();
    let mut fields: Vec<_> = json.as_object().unwrap().keys().cloned().collect();
    fields.sort();
    assert_eq!(
        fields,
        [
            "application_id",
            "encryption",
            "encryption_certificate",
            "key_id",
            "public_key",
            "signing",
            "signing_certificate"
        ]
    );
    for share in ["signing", "encryption"] {
        let mut inner: Vec<_> = json[share].as_object().unwrap().keys().cloned().collect();
        inner.sort();
        assert_eq!(inner, ["c", "salt"]);
    }
    // Not even the masked share is printed.
    assert!(!format!("{key:?}").contains(json["signing"]["c"].as_str().unwrap()));
    let text = json.to_string();
    assert!(!text.contains(PIN));
    assert!(!text.contains(&hex::encode(DEVICE_SECRET)));
}

#[test]
fn a_server_p_that_does_not_match_is_refused_before_anything_is_stored() {
    let mut server = Server::new();
    server.bad.wrong_public_key = true;
    let (mut m, r) = Download::start(APP_ID).unwrap();
    let refused = m.on_answer(server.handle(&r), &secrets()).unwrap_err();
    assert_eq!(refused, CoreError::Protocol("public key".into()));
}

#[test]
fn a_csr_that_does_not_carry_p_is_not_signed() {
    let mut server = Server::new();
    server.bad.other_message = Some(b"a bid, not a CSR".to_vec());
    let (m, r) = Download::start(APP_ID).unwrap();
    let refused = run(&mut server, m, r, secrets()).err().unwrap();
    assert_eq!(refused, CoreError::Protocol("challenge message".into()));
}

#[test]
fn a_certificate_for_another_key_is_refused() {
    let mut server = Server::new();
    server.bad.foreign_certificate = true;
    let (m, r) = Download::start(APP_ID).unwrap();
    let refused = run(&mut server, m, r, secrets()).err().unwrap();
    assert_eq!(refused, CoreError::Protocol("certificate keys".into()));
}

#[test]
fn a_new_pin_must_be_six_digits() {
    let mut server = Server::new();
    let (mut m, r) = Download::start(APP_ID).unwrap();
    let refused = m
        .on_answer(server.handle(&r), &Secrets::new("12345", DEVICE_SECRET))
        .unwrap_err();
    assert_eq!(refused, CoreError::Input("证书PIN码应为6位数字".into()));
}

#[test]
fn signatures_verify_under_p_and_follow_each_refresh() {
    let mut server = Server::new();
    let mut key = downloaded(&mut server);
    for message in [b"bid one".as_slice(), b"bid two"] {
        let (m, r) = Signing::start(key.clone(), message);
        let done = run(&mut server, m, r, secrets()).unwrap();
        let signature = mca_crypto::sm2::Signature::from_der(&done.output).unwrap();
        key.public_key.verify(message, &signature).unwrap();
        key = done.stored.unwrap();
    }
}

#[test]
fn a_wrong_pin_gives_another_share_which_the_server_rejects() {
    let mut server = Server::new();
    let key = downloaded(&mut server);
    let (m, r) = Signing::start(key, b"bid");
    let refused = run(&mut server, m, r, Secrets::new("135790", DEVICE_SECRET))
        .err()
        .unwrap();
    assert_eq!(refused.code(), "wrong_pin");
    assert_eq!(refused.attempts_left(), Some(4));
}

#[test]
fn a_challenge_for_other_bytes_is_not_signed() {
    let mut server = Server::new();
    let key = downloaded(&mut server);
    server.bad.other_message = Some(b"transfer everything".to_vec());
    let (m, r) = Signing::start(key.clone(), b"bid");
    let refused = run(&mut server, m, r, secrets()).err().unwrap();
    assert_eq!(refused, CoreError::Protocol("challenge message".into()));
    assert!(!server.log.iter().any(|p| p.ends_with("/finish")));
    // A PIN change must be for this key's PIN check, not other bytes.
    let (m, r) = PinChange::start(key, "123456");
    let refused = run(&mut server, m, r, secrets().with_new_pin("135790"))
        .err()
        .unwrap();
    assert_eq!(refused, CoreError::Protocol("challenge message".into()));
}

#[test]
fn blinded_decryption_opens_ciphertexts_and_envelopes() {
    let mut server = Server::new();
    let key = downloaded(&mut server);
    let ct = mca_crypto::sm2::encrypt(server.kmc.public_key(), b"content key").unwrap();
    let (m, r) = Decryption::start(key.clone(), ct).unwrap();
    let done = run(&mut server, m, r, secrets()).unwrap();
    assert_eq!(&done.output[..], b"content key");
    let key = done.stored.unwrap();

    let cert = key.encryption_cert().unwrap();
    let der = mca_pki::gmt0010::enveloped::seal(b"tender", &[&cert]).unwrap();
    let (m, r) = Envelope::start(key.clone(), &der).unwrap();
    let done = run(&mut server, m, r, secrets()).unwrap();
    assert_eq!(done.output, b"tender");
    let key = done.stored.unwrap();

    // An envelope for an earlier certificate of the same key (before a
    // renewal): the phone looks it up among the user's certificates.
    let (_, earlier) = server.issue(key.public_key);
    let earlier = mca_pki::cert::Certificate::from_pem(&earlier).unwrap();
    let der = mca_pki::gmt0010::enveloped::seal(b"old tender", &[&earlier]).unwrap();
    let (m, r) = Envelope::start(key.clone(), &der).unwrap();
    let done = run(&mut server, m, r, secrets()).unwrap();
    assert_eq!(done.output, b"old tender");
    assert!(server.log.contains(&"/me/certificates".to_owned()));

    // An envelope for some other key is not sent anywhere.
    let stranger = SecretKey::generate().unwrap();
    let (other_sign, other_enc) = mca_pki::issue::issue_pair(
        holder(),
        *stranger.public_key(),
        *stranger.public_key(),
        365,
        &server.ca.issuer(),
        server.ca.issuing_signer(),
    )
    .unwrap();
    drop(other_sign);
    let der = mca_pki::gmt0010::enveloped::seal(b"x", &[&other_enc]).unwrap();
    let (m, r) = Envelope::start(done.stored.unwrap(), &der).unwrap();
    let refused = run(&mut server, m, r, secrets()).err().unwrap();
    assert_eq!(
        refused,
        CoreError::State("该数字信封不是发给此加密密钥的".into())
    );
}

#[test]
fn a_decryption_authorization_for_another_t1_is_not_signed() {
    let mut server = Server::new();
    let key = downloaded(&mut server);
    server.bad.other_t1 = true;
    let ct = mca_crypto::sm2::encrypt(server.kmc.public_key(), b"k").unwrap();
    let (m, r) = Decryption::start(key, ct).unwrap();
    let refused = run(&mut server, m, r, secrets()).err().unwrap();
    assert_eq!(refused, CoreError::Protocol("challenge message".into()));
}

#[test]
fn a_pin_change_remasks_both_shares() {
    let mut server = Server::new();
    let key = downloaded(&mut server);
    let (m, r) = PinChange::start(key, "123456");
    let bad_new = run(&mut server, m, r, secrets().with_new_pin("1357"))
        .err()
        .unwrap();
    assert_eq!(bad_new.code(), "invalid_input");
    let key = server_key_after_pin_change(&mut server);
    let (m, r) = Signing::start(key.clone(), b"with the new PIN");
    run(&mut server, m, r, Secrets::new("135790", DEVICE_SECRET)).unwrap();
    let (m, r) = Signing::start(key.clone(), b"with the old PIN");
    let refused = run(&mut server, m, r, secrets()).err().unwrap();
    assert_eq!(refused.code(), "wrong_pin");
    let ct = mca_crypto::sm2::encrypt(server.kmc.public_key(), b"k").unwrap();
    let (m, r) = Decryption::start(key, ct).unwrap();
    let done = run(&mut server, m, r, Secrets::new("135790", DEVICE_SECRET)).unwrap();
    assert_eq!(&done.output[..], b"k");
}

fn server_key_after_pin_change(server: &mut Server) -> StoredKey {
    let key = downloaded(server);
    let (m, r) = PinChange::start(key, "123456");
    run(server, m, r, secrets().with_new_pin("135790"))
        .unwrap()
        .stored
        .unwrap()
}

#[test]
fn a_rekey_forgets_the_old_key() {
    let mut server = Server::new();
    let (m, r) = Download::rekey("0190-0old", "rv-1", "123456", None).unwrap();
    let done = run(&mut server, m, r, secrets()).unwrap();
    assert_eq!(done.forgot.as_deref(), Some("0190-0old"));
    assert!(server.log[0].ends_with("/me/keys/0190-0old/rekey"));
    assert!(done.output.encryption.is_some());
}

fn scanned_sign(items: &[&[u8]]) -> Scanned {
    let items: Vec<Value> = items
        .iter()
        .map(|d| json!({"label": "投标文件", "kind": "raw_data", "sm3": hex::encode(mca_crypto::sm3::sm3(d))}))
        .collect();
    Scanned::from_json(&json!({
        "session_id": "rp-s", "relying_party": "某交易平台", "relying_party_id": "rp-1",
        "operation": "sign", "state": "scanned", "items": items,
    }))
    .unwrap()
}

#[test]
fn an_approval_signs_each_item_shown_and_nothing_else() {
    let mut server = Server::new();
    let key = downloaded(&mut server);
    server.rp_items = vec![b"doc one".to_vec(), b"doc two".to_vec()];
    let scanned = scanned_sign(&[b"doc one", b"doc two"]);
    let (m, r) = Approval::start(scanned.clone(), key.clone()).unwrap();
    let done = run(&mut server, m, r, secrets()).unwrap();
    assert_eq!(
        done.output,
        Approved {
            state: "complete".into(),
            result: Some("ok".into())
        }
    );
    // The server asks for a document the user was not shown.
    let mut server_lying = Server::new();
    let key = downloaded(&mut server_lying);
    server_lying.rp_items = vec![b"another document".to_vec()];
    let (m, r) = Approval::start(scanned_sign(&[b"doc one"]), key).unwrap();
    let refused = run(&mut server_lying, m, r, secrets()).err().unwrap();
    assert_eq!(refused, CoreError::Protocol("step message".into()));
}

#[test]
fn scanning_sends_the_canonical_link_only() {
    let link = format!("mca://qr?t=abcdefghijklmnop&s=3&m={}", "ab".repeat(32));
    let same_device = format!(
        "https://ca.example.cn/app/#/scan?link={}",
        link.replace(':', "%3A")
            .replace('/', "%2F")
            .replace('?', "%3F")
            .replace('&', "%26")
            .replace('=', "%3D")
    );
    let request = scan_request(&same_device).unwrap();
    assert_eq!(request.path, format!("{APP}/rp-sessions/scan"));
    assert_eq!(request.body, Some(json!({ "link": link })));
    assert_eq!(
        scan_request("https://evil.example/").unwrap_err().code(),
        "invalid_input"
    );
    assert_eq!(
        refusal_request("rp-s").path,
        format!("{APP}/rp-sessions/rp-s/refusal")
    );
}

#[test]
fn a_finished_machine_refuses_more_answers_and_the_only_key_is_chosen() {
    let mut server = Server::new();
    let key = downloaded(&mut server);
    let (mut m, r) = Signing::start(key.clone(), b"x");
    let a = server.handle(&r);
    let Then::Send(r) = m.on_answer(a, &secrets()).unwrap().then else {
        panic!("a finish request")
    };
    let a = server.handle(&r);
    let _ = m.on_answer(a.clone(), &secrets()).unwrap();
    assert_eq!(m.on_answer(a, &secrets()).unwrap_err(), CoreError::Finished);
    assert_eq!(only_key(std::slice::from_ref(&key)).unwrap(), KEY_ID);
    assert!(only_key(&[]).is_err());
    let mut other = key.clone();
    other.key_id = "0190-bb02".into();
    let several = only_key(&[key.clone(), other]).unwrap_err().to_string();
    assert!(
        several.contains("2个") && several.contains(KEY_ID),
        "{several}"
    );
    let mut uncertified = key;
    uncertified.signing_certificate = None;
    assert!(only_key(&[uncertified]).is_err());
}

#[test]
fn a_decrypt_approval_resumes_at_the_next_envelope_and_hands_keys_only_to_the_rp() {
    let mut server = Server::new();
    let key = downloaded(&mut server);
    let envelope = |content: &[u8]| {
        let ct = mca_crypto::sm2::encrypt(server.kmc.public_key(), content).unwrap();
        json!({"label": "投标文件", "kind": "sm2_cipher", "data": hex::encode(ct.to_der())})
    };
    let envelopes = [envelope(b"key one"), envelope(b"key two")];
    let scanned = Scanned::from_json(&json!({
        "session_id": "rp-s", "relying_party": "某交易平台", "relying_party_id": "rp-1",
        "operation": "decrypt", "state": "scanned", "envelopes": envelopes,
        "rp_public_key": hex::encode(server.rp_key.public_key().to_sec1()),
    }))
    .unwrap();
    // An earlier approval was interrupted after the first envelope.
    server.rp_envelopes = 2;
    server.rp_done = 1;
    let (m, r) = Approval::start(scanned, key).unwrap();
    let done = run(&mut server, m, r, secrets()).unwrap();
    assert_eq!(done.output.state, "complete");
    assert_eq!(server.rp_received, [b"key two".to_vec()]);
    assert!(done.progress.contains(&"delivering"));
}
