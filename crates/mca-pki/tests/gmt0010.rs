//! GM/T 0010 SignedData and EnvelopedData (bid files: J3, K2; M7).

mod common;

use common::*;
use der::{Decode, Encode};
use mca_crypto::sm2::SecretKey;
use mca_crypto::twoparty::{kmc, phone, server};
use mca_pki::gmt0010::{ContentInfo, enveloped, signed};
use mca_pki::profile::Usage;
use mca_pki::signer::{Signer, SoftwareSigner, sign_with};
use mca_pki::{Error, oids};

const BID: &[u8] = "投标文件：某某工程施工总承包 第一标段 报价 12,345,678.00 元".as_bytes();

#[test]
fn signed_data_attached_and_detached_round_trip_with_two_party_signer() {
    let ca = test_ca();
    let signer = TwoPartySigner::generate();
    let cert = issue_for(&ca, enterprise(), signer.public_key(), Usage::Signing);
    let t = mca_pki::algorithm::now().unwrap();

    let attached = sign_with(signed::prepare(BID, &cert, true, t).unwrap(), &signer).unwrap();
    let v = signed::verify(&attached, None, &[], &[ca.issuing().clone()]).unwrap();
    assert_eq!(v.content, BID);
    assert_eq!(v.signers[0].certificate, cert);
    assert_eq!(v.signers[0].signing_time, Some(t));

    let detached = sign_with(signed::prepare(BID, &cert, false, t).unwrap(), &signer).unwrap();
    assert_eq!(
        signed::verify(&detached, Some(BID), &[], &[ca.issuing().clone()])
            .unwrap()
            .content,
        BID
    );
    assert!(matches!(
        signed::verify(&detached, Some(b"other"), &[], &[ca.issuing().clone()]),
        Err(Error::BadSignature(_))
    ));
    assert!(signed::verify(&detached, None, &[], &[ca.issuing().clone()]).is_err());
    assert!(signed::verify(&attached, Some(b"other"), &[], &[ca.issuing().clone()]).is_err());

    // The independent checker: gmssl over the signed attributes, SM3 digest.
    python_check(&serde_json::json!([
        {"kind": "signed-data", "der": hex::encode(&attached), "key": signer.public_key().to_hex(), "content": hex::encode(BID)},
        {"kind": "signed-data", "der": hex::encode(&detached), "key": signer.public_key().to_hex(), "content": hex::encode(BID)},
    ]));
    let dir = scratch("cms");
    write(&dir, "sd.der", &attached);
    openssl(&dir, &["asn1parse", "-inform", "DER", "-in", "sd.der"]);

    // Flipping any byte makes verification fail (or parsing).
    for i in 0..attached.len() {
        let mut bad = attached.clone();
        bad[i] ^= 0x01;
        assert!(
            signed::verify(&bad, None, &[], &[ca.issuing().clone()]).is_err(),
            "flip at {i} accepted"
        );
    }
}

#[test]
fn signed_data_over_the_content_itself_verifies_here_and_in_gmssl() {
    let ca = test_ca();
    let signer = TwoPartySigner::generate();
    let cert = issue_for(&ca, enterprise(), signer.public_key(), Usage::Signing);
    let signature = signer.sign(BID).unwrap();
    let der = signed::over_content(BID, &cert, &signature).unwrap();
    let v = signed::verify(&der, None, &[], &[ca.issuing().clone()]).unwrap();
    assert_eq!(v.content, BID);
    assert_eq!(v.signers[0].signing_time, None);
    // A signature over other bytes is refused before anything is built.
    let other = signer.sign(b"other").unwrap();
    assert!(signed::over_content(BID, &cert, &other).is_err());
    python_check(&serde_json::json!([
        {"kind": "signed-data", "der": hex::encode(&der), "key": signer.public_key().to_hex(), "content": hex::encode(BID)},
    ]));
}

#[test]
fn detached_signed_data_from_a_digest_verifies_over_the_content() {
    let ca = test_ca();
    let signer = TwoPartySigner::generate();
    let cert = issue_for(&ca, enterprise(), signer.public_key(), Usage::Signing);
    let t = mca_pki::algorithm::now().unwrap();
    let digest = mca_crypto::sm3::sm3(BID);
    let prepared = signed::prepare_for_digest(&digest, &cert, t).unwrap();
    let from_content = signed::prepare(BID, &cert, false, t).unwrap();
    assert_eq!(
        mca_pki::signer::ToBeSigned::message(&prepared),
        mca_pki::signer::ToBeSigned::message(&from_content),
        "the same signed attributes as from the content"
    );
    let der = sign_with(prepared, &signer).unwrap();
    let issuers = [ca.issuing().clone()];
    assert_eq!(
        signed::verify(&der, Some(BID), &[], &issuers)
            .unwrap()
            .content,
        BID
    );
    assert!(signed::verify(&der, Some(&digest), &[], &issuers).is_err());
}

#[test]
fn signed_data_from_other_implementations_shapes_verifies() {
    // Other implementations put sm2-with-sm3 (…501) instead of sm2-1 in
    // digestEncryptionAlgorithm, use the PKCS#7 OIDs, or sign the content
    // without signed attributes. Re-encode ours in those shapes.
    let ca = test_ca();
    let key = SoftwareSigner::generate().unwrap();
    let cert = issue_for(&ca, enterprise(), key.public_key(), Usage::Signing);
    let der = signed::sign(BID, &cert, true, &key).unwrap();
    let mut sd = signed::parse(&der).unwrap();
    sd.signer_infos.0[0].digest_encryption_algorithm.oid = oids::SM2_WITH_SM3;
    let rewrap = |sd: &signed::SignedData, oid| {
        ContentInfo {
            content_type: oid,
            content: Some(der::Any::encode_from(sd).unwrap()),
        }
        .to_der()
        .unwrap()
    };
    let verify_gm = |sd: &signed::SignedData| {
        signed::verify(
            &rewrap(sd, oids::GM_SIGNED_DATA),
            None,
            &[],
            &[ca.issuing().clone()],
        )
    };
    verify_gm(&sd).unwrap();
    let pkcs7 = der::asn1::ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");
    signed::verify(&rewrap(&sd, pkcs7), None, &[], &[ca.issuing().clone()]).unwrap();

    // No signed attributes: the signature covers the content itself.
    sd.signer_infos.0[0].authenticated_attributes = None;
    sd.signer_infos.0[0].encrypted_digest =
        der::asn1::OctetString::new(key.sign(BID).unwrap().to_der()).unwrap();
    verify_gm(&sd).unwrap();
    // …and the certificate may come from the caller instead of the message.
    sd.certificates = None;
    let bare = rewrap(&sd, oids::GM_SIGNED_DATA);
    assert!(signed::verify(&bare, None, &[], &[ca.issuing().clone()]).is_err());
    signed::verify(&bare, None, &[cert], &[ca.issuing().clone()]).unwrap();
    // A signer certificate from an untrusted CA is refused.
    assert!(signed::verify(&der, None, &[], &[ca.root().clone()]).is_err());
    // An unsupported digest algorithm is refused, not ignored.
    sd.signer_infos.0[0].digest_algorithm.oid =
        der::asn1::ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
    assert!(matches!(
        signed::verify(
            &rewrap(&sd, oids::GM_SIGNED_DATA),
            None,
            &[],
            &[ca.issuing().clone()]
        ),
        Err(Error::Unsupported(_))
    ));
}

#[test]
fn enveloped_data_to_two_recipients_and_two_party_decryption() {
    let ca = test_ca();
    let a = SecretKey::generate().unwrap();
    let cert_a = issue_for(&ca, enterprise(), *a.public_key(), Usage::Encryption);
    // Recipient B's encryption key is escrowed and split (§1.2).
    let escrow = kmc::EncryptionKey::generate().unwrap();
    let (server_share, delivery) = escrow.split().unwrap();
    let phone_share = phone::Share::from_delivery(&delivery);
    let cert_b = issue_for(&ca, enterprise(), *escrow.public_key(), Usage::Encryption);
    let outsider = issue_for(
        &ca,
        enterprise(),
        *SecretKey::generate().unwrap().public_key(),
        Usage::Encryption,
    );

    let env = enveloped::seal(BID, &[&cert_a, &cert_b]).unwrap();
    assert_eq!(enveloped::open(&env, &cert_a, &a).unwrap(), BID);
    assert_eq!(
        enveloped::open(&env, &cert_a, escrow.secret_key()).unwrap_err(),
        Error::NoRecipient
    );
    let parsed = enveloped::parse(&env).unwrap();
    assert_eq!(
        parsed.encrypted_key_for(&outsider).unwrap_err(),
        Error::NoRecipient
    );

    // B decrypts with the two-party protocol: the phone blinds C1, the
    // server answers only under a signature authorizing this request.
    let signer = TwoPartySigner::generate();
    let ct = parsed.encrypted_key_for(&cert_b).unwrap();
    let (state, blinded) = phone::Decryption::start(ct).unwrap();
    let auth = signer.sign_verified(&server::decryption_authorization(b"session-1", &blinded));
    let result = server_share
        .blind_decrypt(b"session-1", &blinded, &auth)
        .unwrap();
    let content_key = state.finish(&phone_share, &result).unwrap();
    assert_eq!(parsed.decrypt_content(&content_key).unwrap(), BID);

    // Key transport from implementations that write raw C1‖C3‖C2.
    let mut data = parsed.data.clone();
    let raw = parsed.encrypted_key_for(&cert_a).unwrap().to_c1c3c2();
    let idx = data
        .recipient_infos
        .0
        .iter()
        .position(|r| r.issuer_and_serial_number.names(&cert_a))
        .unwrap();
    data.recipient_infos.0[idx].encrypted_key = der::asn1::OctetString::new(raw).unwrap();
    data.recipient_infos.0[idx].key_encryption_algorithm.oid = oids::SM2;
    let other = ContentInfo {
        content_type: oids::GM_ENVELOPED_DATA,
        content: Some(der::Any::encode_from(&data).unwrap()),
    }
    .to_der()
    .unwrap();
    assert_eq!(enveloped::open(&other, &cert_a, &a).unwrap(), BID);

    // Bad input never panics; a damaged key transport always errors out
    // (SM2's C3 check). CBC itself has no integrity: bid files are signed
    // (SignedData) before they are enveloped.
    let key_der = parsed.encrypted_key_for(&cert_a).unwrap().to_der();
    let start = env
        .windows(key_der.len())
        .position(|w| w == key_der.as_slice())
        .unwrap();
    for i in 0..env.len() {
        let mut bad = env.clone();
        bad[i] ^= 0x01;
        let result = enveloped::open(&bad, &cert_a, &a);
        if (start..start + key_der.len()).contains(&i) {
            assert!(result.is_err(), "flip in the encrypted key at {i} accepted");
        }
    }
    assert!(enveloped::seal(BID, &[]).is_err());
    assert!(enveloped::parse(&[0x30, 0x00]).is_err());
    assert!(ContentInfo::from_der(&env).is_ok());
}

#[test]
fn signed_and_enveloped_data_made_by_python_gmssl_verify_and_decrypt() {
    // Another implementation (Python gmssl + its own DER writer) produces
    // both structures in the shapes seen elsewhere; we verify and decrypt.
    let ca = test_ca();
    let signer_key = SecretKey::generate().unwrap();
    let signer_cert = issue_for(&ca, enterprise(), *signer_key.public_key(), Usage::Signing);
    let enc_key = SecretKey::generate().unwrap();
    let enc_cert = issue_for(&ca, enterprise(), *enc_key.public_key(), Usage::Encryption);
    let dir = scratch("py-gmt0010");
    let input = serde_json::json!({
        "signer_key": hex::encode(*signer_key.to_bytes()),
        "signer_cert": hex::encode(signer_cert.to_der()),
        "recipient_cert": hex::encode(enc_cert.to_der()),
        "content": hex::encode(BID),
    });
    write(&dir, "in.json", serde_json::to_vec(&input).unwrap());
    let script =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop/make_gmt0010.py");
    let out = std::process::Command::new("python3")
        .arg(script)
        .arg(dir.join("in.json"))
        .arg(dir.join("out.json"))
        .output()
        .expect("python3 with interop/requirements.txt");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let made: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("out.json")).unwrap()).unwrap();
    let field = |k: &str| hex::decode(made[k].as_str().unwrap()).unwrap();

    let sd = field("signed_data");
    let v = signed::verify(&sd, None, &[], &[ca.issuing().clone()]).unwrap();
    assert_eq!(v.content, BID);
    assert_eq!(v.signers[0].certificate, signer_cert);
    assert_eq!(v.signers[0].signing_time, None);
    let mut bad = sd.clone();
    let at = sd.windows(BID.len()).position(|w| w == BID).unwrap();
    bad[at] ^= 1;
    assert!(signed::verify(&bad, None, &[], &[ca.issuing().clone()]).is_err());

    let env = field("enveloped_data");
    assert_eq!(enveloped::open(&env, &enc_cert, &enc_key).unwrap(), BID);
    let parsed = enveloped::parse(&env).unwrap();
    assert_eq!(parsed.decrypt_content(&field("sm4_key")).unwrap(), BID);
}
