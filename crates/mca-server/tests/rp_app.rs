//! The phone's side of relying-party sessions over HTTP (contract C), with
//! the command-line phone and a relying party on the RP API: a user with
//! certificates from the issue-5 steps scans, approves or refuses every
//! kind of session, and the relying party checks the results with the
//! PKI verifiers. Also: stale frames, a second device, the opening
//! window, wrong PINs locking the key, a revoked certificate.

mod support;

use mca_crypto::rp::{auth_challenge, confirm_payload};
use mca_crypto::sm2::{Ciphertext, SecretKey, Signature};
use mca_domain::Clock;
use mca_phone::{CertificateInfo, Phone, PhoneError, StoredKey};
use mca_pki::cert::Certificate;
use mca_pki::gmt0010::{enveloped, signed};
use mca_pki::seal::v4;
use mca_store::scratch::{POSTGRES_URL_VAR, Scratch};
use reqwest::Method;
use serde_json::{Value, json};
use support::rp::Rp;
use support::{OPERATOR_TOKEN, TestServer};

const NUMBER: &str = "13600136000";
const OTHER_NUMBER: &str = "13600136001";
const PIN: &str = "246810";
const RP_NAME: &str = "浙江省公共资源交易平台";

/// The problem code of a refusal.
fn refusal<T: std::fmt::Debug>(result: Result<T, PhoneError>) -> String {
    match result {
        Err(e) => e.code().unwrap_or("not a refusal").to_owned(),
        Ok(v) => panic!("expected a refusal, got {v:?}"),
    }
}

fn png(w: u32, h: u32) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Rgba);
        enc.set_depth(png::BitDepth::Eight);
        let mut writer = enc.write_header().unwrap();
        let data: Vec<u8> = (0..w * h).flat_map(|_| [230, 220, 240, 255]).collect();
        writer.write_image_data(&data).unwrap();
    }
    out
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

/// A verified user's phone holding a downloaded key: apply, pay, approved
/// by a reviewer (operator and review APIs), downloaded with [`PIN`].
async fn certified_user(server: &TestServer) -> (Phone, StoredKey) {
    let phone = server.registered(NUMBER).await;
    phone
        .submit_identity("张三", "11010519491231002X")
        .await
        .unwrap();
    phone.verify_face(Some(true)).await.unwrap();
    let info = zjca(&phone).await;
    let app = phone.apply(&info, &png(600, 800), None).await.unwrap();
    let app_id = app["id"].as_str().unwrap().to_owned();
    phone.pay(&app_id).await.unwrap();
    let http = server.http();
    let r = http
        .post(format!("{}/api/operator/v1/reviewers", server.base))
        .bearer_auth(OPERATOR_TOKEN)
        .json(&json!({"ca_id": info.ca_id, "username": "zjca-rp", "display_name": "李审核", "password": "Review-2026"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let login: Value = http
        .post(format!("{}/api/review/v1/sessions", server.base))
        .json(&json!({"username": "zjca-rp", "password": "Review-2026"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let r = http
        .post(format!(
            "{}/api/review/v1/applications/{app_id}/approval",
            server.base
        ))
        .bearer_auth(login["token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    let key = phone.download(&app_id, PIN).await.unwrap();
    (phone, key)
}

fn cert(pem: &Option<String>) -> Certificate {
    Certificate::from_pem(pem.as_deref().unwrap()).unwrap()
}

fn item(view: &Value, i: usize, kind: &str) -> Vec<u8> {
    let it = &view["completion"]["items"][i];
    assert_eq!(it["kind"], kind, "{view}");
    hex::decode(it["der"].as_str().unwrap()).unwrap()
}

fn ended(view: &Value, result: &str) {
    assert_eq!(
        (view["state"].as_str(), view["result"].as_str()),
        (Some("complete"), Some(result)),
        "{view}"
    );
}

async fn story(scratch: Scratch) {
    let server = TestServer::start_with_cas(&scratch.db).await;
    let rp = Rp::register(&server, RP_NAME, None).await;
    let (phone, key) = certified_user(&server).await;
    let key_id = key.key_id.clone();
    let signing = cert(&key.signing_certificate);
    let encryption = cert(&key.encryption_certificate);
    let issuer = {
        let listed = phone.certificates().await.unwrap();
        let id = listed.as_array().unwrap()[0]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let detail = phone.certificate(&id).await.unwrap();
        Certificate::from_pem(detail["issuer_pem"].as_str().unwrap()).unwrap()
    };
    let pk = *signing.public_key();

    // Auth (login): the registered name is shown; the signature verifies
    // under the certificate over exactly the auth bytes, which the relying
    // party is told, and not over the bare challenge.
    let challenge = [0x5Au8; 32];
    let created = rp
        .create(json!({"operation": "auth", "purpose": "login", "challenge": hex::encode(challenge), "end_user_ip": "203.0.113.7"}))
        .await;
    let scanned = phone.scan(&rp.frame(&created)).await.unwrap();
    assert_eq!(scanned.relying_party, RP_NAME);
    assert_eq!(
        (scanned.operation.as_str(), scanned.purpose.as_deref()),
        ("auth", Some("login"))
    );
    assert_eq!(scanned.end_user_ip.as_deref(), Some("203.0.113.7"));
    assert_eq!(rp.view(&created).await["state"], "scanned");
    let done = phone.approve(&scanned, &key_id, PIN).await.unwrap();
    assert_eq!(
        (done.state.as_str(), done.result.as_deref()),
        ("complete", Some("ok"))
    );
    let view = rp.view(&created).await;
    ended(&view, "ok");
    let session_id = created["session_id"].as_str().unwrap();
    let expected = auth_challenge(&rp.id, session_id, &challenge, "auth:login");
    assert_eq!(view["signed_bytes"], hex::encode(&expected));
    assert_eq!(
        view["completion"]["certificates"][0],
        hex::encode(signing.to_der())
    );
    let sig = Signature::from_der(&item(&view, 0, "signature")).unwrap();
    pk.verify(&expected, &sig).unwrap();
    assert!(
        pk.verify(&challenge, &sig).is_err(),
        "not a signature of the raw challenge"
    );
    // Replayed as a document signature (a SignedData over the challenge,
    // or over the auth bytes as content), it does not verify.
    for content in [&challenge[..], &expected[..]] {
        let t = mca_pki::algorithm::now().unwrap();
        let prepared = signed::prepare(content, &signing, false, t).unwrap();
        assert!(mca_pki::signer::ToBeSigned::assemble(prepared, &sig).is_err());
    }
    // And no sign session can ask for auth bytes as raw data.
    let (status, problem) = rp
        .request(Method::POST, "/sessions", Some(&json!({"operation": "sign", "items": [{"label": "x", "kind": "raw_data", "data": hex::encode(&expected)}]})))
        .await;
    assert_eq!(status, 422, "{problem}");

    // A frame older than a few seconds is refused (photographed or
    // forwarded QR codes die).
    let created = rp
        .create(
            json!({"operation": "auth", "purpose": "bind", "challenge": hex::encode([1u8; 16])}),
        )
        .await;
    let old_frame = rp.frame(&created);
    server.clock.advance(10);
    assert_eq!(refusal(phone.scan(&old_frame).await), "qr_expired");
    assert_eq!(rp.view(&created).await["state"], "created");

    // A second device cannot claim a claimed session; the user refuses.
    let scanned = phone.scan(&rp.frame(&created)).await.unwrap();
    let other = server.registered(OTHER_NUMBER).await;
    other
        .submit_identity("李四", "330106199003071236")
        .await
        .unwrap();
    other.verify_face(Some(true)).await.unwrap();
    assert_eq!(
        refusal(other.scan(&rp.frame(&created)).await),
        "session_claimed"
    );
    let refused = phone.refuse(&scanned.session_id).await.unwrap();
    assert_eq!(refused.result.as_deref(), Some("user_refused"));
    ended(&rp.view(&created).await, "user_refused");
    assert_eq!(
        refusal(phone.approve(&scanned, &key_id, PIN).await),
        "session_finished"
    );

    // Sign a batch: raw data, detached and attached SignedData, a seal;
    // each verifies with the PKI verifiers (and the raw data with OpenSSL's
    // standard ID through our verifier).
    let bid = "投标文件：报价 1,234,567.00 元".as_bytes();
    let notice = "招标公告：某某工程施工招标".as_bytes();
    let record = "开标记录表".as_bytes();
    let created = rp
        .create(json!({"operation": "sign", "items": [
            {"label": "招标公告", "kind": "raw_data", "data": hex::encode(notice)},
            {"label": "投标文件", "kind": "signed_data_detached", "data": hex::encode(mca_crypto::sm3::sm3(bid))},
            {"label": "开标记录", "kind": "seal", "data": hex::encode(mca_crypto::sm3::sm3(record))},
            {"label": "澄清函", "kind": "signed_data_attached", "data": hex::encode(notice)},
        ]}))
        .await;
    let scanned = phone.scan(&rp.frame(&created)).await.unwrap();
    let labels: Vec<&str> = scanned.items.iter().map(|i| i.label.as_str()).collect();
    assert_eq!(labels, ["招标公告", "投标文件", "开标记录", "澄清函"]);
    let done = phone.approve(&scanned, &key_id, PIN).await.unwrap();
    assert_eq!(done.result.as_deref(), Some("ok"));
    let view = rp.view(&created).await;
    ended(&view, "ok");
    let sig = Signature::from_der(&item(&view, 0, "signature")).unwrap();
    pk.verify(notice, &sig).unwrap();
    let issuers = [issuer.clone()];
    let detached = item(&view, 1, "signed_data");
    let v = signed::verify(&detached, Some(bid), &[], &issuers).unwrap();
    assert_eq!(v.signers[0].certificate, signing);
    assert!(signed::verify(&detached, Some(notice), &[], &issuers).is_err());
    let seal = item(&view, 2, "seal");
    let v = v4::verify_signature(&seal, record).unwrap();
    assert_eq!(v.signer, signing);
    assert_eq!(v.seal.info.property.name, "张三");
    // The certificate's own seal (13.2), the one the app lists.
    let seals = phone.seals().await.unwrap();
    assert_eq!(seals[0]["es_id"], v.seal.info.es_id.as_str(), "{seals}");
    assert_eq!(seals[0]["kind"], "personal");
    assert!(v4::verify_signature(&seal, bid).is_err());
    let attached = item(&view, 3, "signed_data");
    assert_eq!(
        signed::verify(&attached, None, &[], &issuers)
            .unwrap()
            .content,
        notice
    );

    // Cert: both certificates and a signature over the cert bytes.
    let created = rp
        .create(json!({"operation": "cert", "challenge": hex::encode([9u8; 32])}))
        .await;
    let scanned = phone.scan(&rp.frame(&created)).await.unwrap();
    phone.approve(&scanned, &key_id, PIN).await.unwrap();
    let view = rp.view(&created).await;
    ended(&view, "ok");
    let certs = view["completion"]["certificates"].as_array().unwrap();
    assert_eq!(certs[0], hex::encode(signing.to_der()));
    assert_eq!(certs[1], hex::encode(encryption.to_der()));
    let sig = Signature::from_der(&item(&view, 0, "signature")).unwrap();
    let bytes = auth_challenge(
        &rp.id,
        created["session_id"].as_str().unwrap(),
        &[9u8; 32],
        "cert",
    );
    pk.verify(&bytes, &sig).unwrap();

    // Confirm an upload receipt.
    let file_hash = mca_crypto::sm3::sm3(bid);
    let created = rp
        .create(json!({"operation": "confirm", "file_name": "投标文件.zip", "file_hash": hex::encode(file_hash), "receipt_number": "R-2026-0001"}))
        .await;
    let scanned = phone.scan(&rp.frame(&created)).await.unwrap();
    assert_eq!(scanned.receipt_number.as_deref(), Some("R-2026-0001"));
    phone.approve(&scanned, &key_id, PIN).await.unwrap();
    let view = rp.view(&created).await;
    ended(&view, "ok");
    let sig = Signature::from_der(&item(&view, 0, "signature")).unwrap();
    let bytes = confirm_payload(
        &rp.id,
        created["session_id"].as_str().unwrap(),
        "投标文件.zip",
        &file_hash,
        "R-2026-0001",
    );
    pk.verify(&bytes, &sig).unwrap();

    // Decrypt inside the opening window: an SM2 ciphertext and an
    // EnvelopedData, each content key re-encrypted to the relying party's
    // ephemeral key (the server only relays ciphertext).
    let rp_key = SecretKey::generate().unwrap();
    let content_key = [0x42u8; 16];
    let sm2_envelope = mca_crypto::sm2::encrypt(encryption.public_key(), &content_key)
        .unwrap()
        .to_der();
    let bid_envelope = enveloped::seal(bid, &[&encryption]).unwrap();
    let now = server.clock.now().secs();
    let decrypt = |not_before: i64| {
        json!({"operation": "decrypt",
            "envelopes": [
                {"label": "某公司投标文件", "kind": "sm2_cipher", "data": hex::encode(&sm2_envelope)},
                {"label": "另一公司投标文件", "kind": "enveloped_data", "data": hex::encode(&bid_envelope)},
            ],
            "rp_public_key": hex::encode(rp_key.public_key().to_sec1()),
            "not_before": mca_domain::Timestamp(not_before).rfc3339(),
            "not_after": mca_domain::Timestamp(now + 3600).rfc3339()})
    };
    let created = rp.create(decrypt(now - 60)).await;
    let scanned = phone.scan(&rp.frame(&created)).await.unwrap();
    assert_eq!(scanned.envelopes.len(), 2);
    phone.approve(&scanned, &key_id, PIN).await.unwrap();
    let view = rp.view(&created).await;
    ended(&view, "ok");
    let first = Ciphertext::from_der(&item(&view, 0, "content_key")).unwrap();
    assert_eq!(first.decrypt(&rp_key).unwrap().as_slice(), content_key);
    let second = Ciphertext::from_der(&item(&view, 1, "content_key")).unwrap();
    let key2 = second.decrypt(&rp_key).unwrap();
    let parsed = enveloped::parse(&bid_envelope).unwrap();
    assert_eq!(parsed.decrypt_content(&key2).unwrap(), bid);
    // Outside the window (opening not yet started): refused.
    let created = rp.create(decrypt(now + 600)).await;
    assert_eq!(
        refusal(phone.scan(&rp.frame(&created)).await),
        "outside_opening_window"
    );
    assert_eq!(rp.view(&created).await["state"], "created");

    // A wrong PIN is retried within the session: the attempts left are
    // said, the platform keeps waiting, the right PIN completes it.
    let created = rp
        .create(
            json!({"operation": "auth", "purpose": "login", "challenge": hex::encode([2u8; 16])}),
        )
        .await;
    let scanned = phone.scan(&rp.frame(&created)).await.unwrap();
    let e = phone
        .approve(&scanned, &key_id, "000000")
        .await
        .unwrap_err();
    assert_eq!(
        (e.code(), e.attempts_left()),
        (Some("wrong_pin"), Some(4)),
        "{e}"
    );
    assert_eq!(rp.view(&created).await["state"], "confirming");
    phone.approve(&scanned, &key_id, PIN).await.unwrap();
    ended(&rp.view(&created).await, "ok");

    // J1 with the account's holder: another person's certificate ends the
    // session holder_mismatch before anything is signed; the holder's
    // own binds.
    for (holder, result) in [
        (json!({"name": "李四"}), "holder_mismatch"),
        (
            json!({"name": "张三", "credit_code": "91330100799655058B"}),
            "holder_mismatch",
        ),
        (json!({"name": "张三"}), "ok"),
    ] {
        let created = rp
            .create(json!({"operation": "auth", "purpose": "bind",
                "challenge": hex::encode([6u8; 16]), "expected_holder": holder}))
            .await;
        let scanned = phone.scan(&rp.frame(&created)).await.unwrap();
        let approved = phone.approve(&scanned, &key_id, PIN).await;
        if result == "ok" {
            approved.unwrap();
        } else {
            assert_eq!(refusal(approved), "holder_mismatch");
        }
        let view = rp.view(&created).await;
        ended(&view, result);
        if result != "ok" {
            assert_eq!(
                view["hint"]["message"],
                "证书持有人与当前账户不一致，请使用本人证书"
            );
        }
    }

    // Five wrong PINs: each counted, the fifth locks the key and ends the
    // session pin_locked.
    let created = rp
        .create(
            json!({"operation": "auth", "purpose": "login", "challenge": hex::encode([3u8; 16])}),
        )
        .await;
    let scanned = phone.scan(&rp.frame(&created)).await.unwrap();
    for left in (1..=4).rev() {
        let e = phone
            .approve(&scanned, &key_id, "000000")
            .await
            .unwrap_err();
        assert_eq!(
            (e.code(), e.attempts_left()),
            (Some("wrong_pin"), Some(left)),
            "{e}"
        );
        // The platform's page keeps waiting: the session goes on.
        let view = rp.view(&created).await;
        assert_eq!(
            (view["state"].as_str(), view["result"].as_str()),
            (Some("confirming"), None)
        );
    }
    assert_eq!(
        refusal(phone.approve(&scanned, &key_id, "000000").await),
        "key_locked"
    );
    let view = rp.view(&created).await;
    ended(&view, "pin_locked");
    assert_eq!(view["completion"], Value::Null);
    // A locked key ends the next session at its first step.
    let created = rp
        .create(
            json!({"operation": "auth", "purpose": "login", "challenge": hex::encode([4u8; 16])}),
        )
        .await;
    let scanned = phone.scan(&rp.frame(&created)).await.unwrap();
    assert_eq!(
        refusal(phone.approve(&scanned, &key_id, PIN).await),
        "key_locked"
    );
    ended(&rp.view(&created).await, "pin_locked");

    // A revoked certificate ends the session certificate_revoked.
    let listed = phone.certificates().await.unwrap();
    let signing_id = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["usage"] == "signing")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    phone.revoke(&signing_id, None).await.unwrap();
    let created = rp
        .create(
            json!({"operation": "auth", "purpose": "login", "challenge": hex::encode([5u8; 16])}),
        )
        .await;
    let scanned = phone.scan(&rp.frame(&created)).await.unwrap();
    assert_eq!(
        refusal(phone.approve(&scanned, &key_id, PIN).await),
        "certificate_revoked"
    );
    ended(&rp.view(&created).await, "certificate_revoked");

    let verify = server.operator_get("/audit/verify").await;
    assert_eq!(verify["status"], "intact", "{verify}");
    server.finish(scratch).await;
}

#[tokio::test]
async fn phone_approves_relying_party_sessions_on_sqlite() {
    story(Scratch::sqlite().await.unwrap()).await;
}

#[tokio::test]
async fn phone_approves_relying_party_sessions_on_postgres() {
    let Some(scratch) = Scratch::postgres_from_env().await.unwrap() else {
        eprintln!(
            "SKIPPED phone_approves_relying_party_sessions_on_postgres: {POSTGRES_URL_VAR} is not set"
        );
        return;
    };
    story(scratch).await;
}
