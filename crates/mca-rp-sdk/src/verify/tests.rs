//! The local checks against a tiny CA made here: one-piece SM2 user keys
//! (the two-party protocol yields the same standard signatures).

use std::sync::OnceLock;

use mca_crypto::rp::auth_challenge;
use mca_crypto::sm2::SecretKey;
use mca_pki::ca::{CaConfig, CaHierarchy, Lifetimes};
use mca_pki::cert::Certificate;
use mca_pki::profile::Holder;
use mca_pki::seal::{png, v4};
use mca_pki::signer::{SoftwareSigner, sign_with};

use super::*;

const RP: &str = "0194e1a2-7b3c-7def-8abc-0123456789ab";
const SESSION: &str = "0194e1a2-7b3c-7def-8abc-00000000000a";
const CHALLENGE: &[u8] = &[0x5A; 32];

struct Fixture {
    ca: CaHierarchy,
    key: SecretKey,
    signing: Certificate,
    encryption: Certificate,
    /// A user of a CA the platform does not trust.
    stranger_key: SecretKey,
    stranger: Certificate,
}

fn ca(organization: &str) -> CaHierarchy {
    CaHierarchy::create(
        CaConfig {
            organization: organization.into(),
            crl_url: None,
            ocsp_url: None,
        },
        Lifetimes::default(),
    )
    .unwrap()
}

fn holder() -> Holder {
    Holder::Agent {
        name: "张三".into(),
        resident_id: "11010519491231002X".into(),
        enterprise: "某某建设有限公司".into(),
        credit_code: "91350100M000100Y43".into(),
    }
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let ca = ca("测试CA机构");
        let key = SecretKey::generate().unwrap();
        let enc = SecretKey::generate().unwrap();
        let (signing, encryption) = mca_pki::issue::issue_pair(
            holder(),
            *key.public_key(),
            *enc.public_key(),
            30,
            &ca.issuer(),
            ca.issuing_signer(),
        )
        .unwrap();
        let other = self::ca("别的CA机构");
        let stranger_key = SecretKey::generate().unwrap();
        let (stranger, _) = mca_pki::issue::issue_pair(
            holder(),
            *stranger_key.public_key(),
            *SecretKey::generate().unwrap().public_key(),
            30,
            &other.issuer(),
            other.issuing_signer(),
        )
        .unwrap();
        Fixture {
            ca,
            key,
            signing,
            encryption,
            stranger_key,
            stranger,
        }
    })
}

fn anchors() -> TrustAnchors {
    let pem: String = fixture().ca.chain().iter().map(|c| c.to_pem()).collect();
    TrustAnchors::from_pem(&pem).unwrap()
}

fn verifier() -> Verifier {
    Verifier::new(RP, anchors())
}

fn signature(key: &SecretKey, message: &[u8]) -> ItemResult {
    ItemResult::Signature(key.sign(message).unwrap().to_der())
}

fn completion(certs: &[&Certificate], items: Vec<ItemResult>) -> Completion {
    Completion {
        certificates: certs.iter().map(|c| c.to_der().to_vec()).collect(),
        items,
    }
}

fn login(key: &SecretKey, cert: &Certificate) -> Completion {
    let message = auth_challenge(RP, SESSION, CHALLENGE, "auth:login");
    completion(&[cert], vec![signature(key, &message)])
}

#[test]
fn a_login_verifies_and_names_the_user() {
    let f = fixture();
    let user = verifier()
        .verify_auth(
            &login(&f.key, &f.signing),
            SESSION,
            AuthPurpose::Login,
            CHALLENGE,
        )
        .unwrap();
    assert_eq!(user.certificate(), &f.signing);
    assert_eq!(user.common_name().as_deref(), Some("张三"));
    assert_eq!(user.organization().as_deref(), Some("某某建设有限公司"));
    assert_eq!(user.credit_code().as_deref(), Some("91350100M000100Y43"));
    assert_eq!(user.resident_id().as_deref(), Some("11010519491231002X"));
    assert_eq!(user.serial_hex(), hex::encode(f.signing.serial()));
}

#[test]
fn a_login_is_bound_to_its_relying_party_session_challenge_and_purpose() {
    let f = fixture();
    let done = login(&f.key, &f.signing);
    let v = verifier();
    assert!(
        v.verify_auth(
            &done,
            "0194e1a2-7b3c-7def-8abc-00000000000b",
            AuthPurpose::Login,
            CHALLENGE
        )
        .is_err()
    );
    assert!(
        v.verify_auth(&done, SESSION, AuthPurpose::Login, &[0x5B; 32])
            .is_err()
    );
    assert!(
        v.verify_auth(&done, SESSION, AuthPurpose::Bind, CHALLENGE)
            .is_err()
    );
    let other_rp = Verifier::new("0194e1a2-7b3c-7def-8abc-ffffffffffff", anchors());
    assert!(
        other_rp
            .verify_auth(&done, SESSION, AuthPurpose::Login, CHALLENGE)
            .is_err()
    );
    // Nor is it a cert session's signature.
    assert!(
        v.verify_cert(
            &completion(&[&f.signing, &f.encryption], done.items.clone()),
            SESSION,
            CHALLENGE
        )
        .is_err()
    );
}

#[test]
fn only_a_current_signing_certificate_of_a_trusted_ca_counts() {
    let f = fixture();
    let v = verifier();
    // Another CA's user, correctly signed.
    let stranger = login(&f.stranger_key, &f.stranger);
    let e = v
        .verify_auth(&stranger, SESSION, AuthPurpose::Login, CHALLENGE)
        .unwrap_err();
    assert!(e.to_string().contains("trusted CA"), "{e}");
    // The right signature under another certificate's key.
    let swapped = Completion {
        certificates: vec![f.stranger.to_der().to_vec()],
        ..login(&f.key, &f.signing)
    };
    assert!(
        v.verify_auth(&swapped, SESSION, AuthPurpose::Login, CHALLENGE)
            .is_err()
    );
    // The encryption certificate presented as the signer.
    let enc_signer = login(&f.key, &f.encryption);
    let e = v
        .verify_auth(&enc_signer, SESSION, AuthPurpose::Login, CHALLENGE)
        .unwrap_err();
    assert!(e.to_string().contains("signing certificate"), "{e}");
    // The issuing CA's own certificate as the "user".
    let ca_cert = login(&f.key, f.ca.issuing());
    assert!(
        v.verify_auth(&ca_cert, SESSION, AuthPurpose::Login, CHALLENGE)
            .is_err()
    );
    // Expired (31 days on) and not yet valid.
    let (from, until) = f.signing.validity();
    let secs = |t: std::time::Duration| t.as_secs() as i64;
    let done = login(&f.key, &f.signing);
    for at in [
        secs(until.unix_duration()) + 1,
        secs(from.unix_duration()) - 1,
    ] {
        let e = v
            .clone()
            .at(at)
            .verify_auth(&done, SESSION, AuthPurpose::Login, CHALLENGE)
            .unwrap_err();
        assert!(e.to_string().contains("not valid now"), "{e}");
    }
    assert!(
        v.clone()
            .at(secs(until.unix_duration()))
            .verify_auth(&done, SESSION, AuthPurpose::Login, CHALLENGE)
            .is_ok()
    );
}

#[test]
fn malformed_results_are_refused_not_trusted() {
    let f = fixture();
    let v = verifier();
    let good = login(&f.key, &f.signing);
    let mut flipped = good.clone();
    if let ItemResult::Signature(der) = &mut flipped.items[0] {
        let last = der.len() - 1;
        der[last] ^= 1;
    }
    let no_cert = Completion {
        certificates: vec![],
        ..good.clone()
    };
    let two = Completion {
        items: vec![good.items[0].clone(), good.items[0].clone()],
        ..good.clone()
    };
    let wrong_kind = Completion {
        items: vec![ItemResult::SignedData(vec![0x30, 0])],
        ..good.clone()
    };
    let garbage_cert = Completion {
        certificates: vec![vec![0x30, 0x03, 1, 2, 3]],
        ..good.clone()
    };
    for bad in [flipped, no_cert, two, wrong_kind, garbage_cert] {
        assert!(matches!(
            v.verify_auth(&bad, SESSION, AuthPurpose::Login, CHALLENGE),
            Err(Error::Verification(_))
        ));
    }
}

#[test]
fn a_login_signature_is_no_document_signature_and_vice_versa() {
    let f = fixture();
    let v = verifier();
    let login_bytes = auth_challenge(RP, SESSION, CHALLENGE, "auth:login");
    let done = login(&f.key, &f.signing);
    // Presented as a signed "document" whose bytes are the login challenge.
    let as_document = [Signed {
        kind: SignItemKind::RawData,
        content: &login_bytes,
    }];
    let e = v.verify_sign(&done, &as_document).unwrap_err();
    assert!(e.to_string().contains("MCA-"), "{e}");

    // A real document signature is no login, whatever the document says.
    let document = b"%PDF-1.7 tender notice";
    let signed_doc = completion(&[&f.signing], vec![signature(&f.key, document)]);
    let items = [Signed {
        kind: SignItemKind::RawData,
        content: document,
    }];
    assert_eq!(
        v.verify_sign(&signed_doc, &items).unwrap().certificate(),
        &f.signing
    );
    assert!(
        v.verify_auth(&signed_doc, SESSION, AuthPurpose::Login, CHALLENGE)
            .is_err()
    );
    assert!(
        v.verify_auth(&signed_doc, SESSION, AuthPurpose::Login, document)
            .is_err()
    );
}

#[test]
fn cert_and_confirm_sessions_verify() {
    let f = fixture();
    let v = verifier();
    let cert_msg = auth_challenge(RP, SESSION, CHALLENGE, "cert");
    let done = completion(
        &[&f.signing, &f.encryption],
        vec![signature(&f.key, &cert_msg)],
    );
    let got = v.verify_cert(&done, SESSION, CHALLENGE).unwrap();
    assert_eq!(got.encryption.certificate(), &f.encryption);
    // Without the encryption certificate, or with a signing one in its place.
    let short = completion(&[&f.signing], done.items.clone());
    assert!(v.verify_cert(&short, SESSION, CHALLENGE).is_err());
    let doubled = completion(&[&f.signing, &f.signing], done.items.clone());
    assert!(v.verify_cert(&doubled, SESSION, CHALLENGE).is_err());

    let hash = mca_crypto::sm3::sm3(b"bid.zip bytes");
    let receipt = mca_crypto::rp::confirm_payload(RP, SESSION, "bid.zip", &hash, "R-2026-0001");
    let done = completion(&[&f.signing], vec![signature(&f.key, &receipt)]);
    v.verify_confirm(&done, SESSION, "bid.zip", &hash, "R-2026-0001")
        .unwrap();
    assert!(
        v.verify_confirm(&done, SESSION, "bid.zip", &hash, "R-2026-0002")
            .is_err()
    );
    assert!(
        v.verify_auth(&done, SESSION, AuthPurpose::Login, CHALLENGE)
            .is_err()
    );
}

#[test]
fn signed_data_and_seals_verify_over_the_relying_partys_own_bytes() {
    let f = fixture();
    let v = verifier();
    let user = SoftwareSigner::new(SecretKey::from_bytes(&*f.key.to_bytes()).unwrap());
    let content = b"tender file, chapter 3".as_slice();
    let attached = mca_pki::gmt0010::signed::sign(content, &f.signing, true, &user).unwrap();
    let detached = mca_pki::gmt0010::signed::sign(content, &f.signing, false, &user).unwrap();

    let now = mca_pki::algorithm::now().unwrap();
    let spec = v4::SealSpec {
        es_id: "MCA-0001".into(),
        seal_type: 1,
        name: "某某建设有限公司 投标专用章".into(),
        signer_certs: vec![f.signing.clone()],
        valid_start: now,
        valid_end: mca_pki::algorithm::add_days(now, 365).unwrap(),
        picture_type: "PNG".into(),
        picture: png::circular_seal(60),
        size_mm: (40, 40),
    };
    let seal = sign_with(
        v4::prepare_seal(&spec, f.ca.seal_maker(), now).unwrap(),
        f.ca.seal_signer(),
    )
    .unwrap();
    let document = b"%PDF-1.7 bid document".as_slice();
    let digest = mca_crypto::sm3::sm3(document);
    let sealed = sign_with(
        v4::prepare_signature_for_digest(&seal, &digest, "/Doc_0/Signs/Sign_0", &f.signing, now)
            .unwrap(),
        &user,
    )
    .unwrap();

    let done = completion(
        &[&f.signing],
        vec![
            signature(&f.key, b"raw bytes"),
            ItemResult::SignedData(attached.clone()),
            ItemResult::SignedData(detached.clone()),
            ItemResult::Seal(sealed.clone()),
        ],
    );
    let items = [
        Signed {
            kind: SignItemKind::RawData,
            content: b"raw bytes",
        },
        Signed {
            kind: SignItemKind::SignedDataAttached,
            content,
        },
        Signed {
            kind: SignItemKind::SignedDataDetached,
            content,
        },
        Signed {
            kind: SignItemKind::Seal,
            content: document,
        },
    ];
    assert_eq!(
        v.verify_sign(&done, &items).unwrap().certificate(),
        &f.signing
    );

    // Other bytes than the relying party's, results out of order, or fewer.
    let mut other = items;
    other[2].content = b"tender file, chapter 4";
    assert!(v.verify_sign(&done, &other).is_err());
    let mut other = items;
    other[3].content = b"%PDF-1.7 another document";
    assert!(v.verify_sign(&done, &other).is_err());
    let mut swapped = done.clone();
    swapped.items.swap(1, 3);
    assert!(v.verify_sign(&swapped, &items).is_err());
    assert!(v.verify_sign(&done, &items[..3]).is_err());
    assert_eq!(
        v.verify_seal_digest(&sealed, &digest)
            .unwrap()
            .certificate(),
        &f.signing
    );
    assert!(
        v.verify_seal_digest(&sealed, &mca_crypto::sm3::sm3(b"other"))
            .is_err()
    );

    // A platform trusting another CA accepts none of it.
    let foreign: String = ca("别的CA机构")
        .chain()
        .iter()
        .map(|c| c.to_pem())
        .collect();
    let strict = Verifier::new(RP, TrustAnchors::from_pem(&foreign).unwrap());
    assert!(strict.verify_signed_data(&attached, content).is_err());
    assert!(strict.verify_seal(&sealed, document).is_err());
}

#[test]
fn trust_anchors_hold_ca_certificates_only() {
    let f = fixture();
    assert_eq!(anchors().certificates().len(), 2);
    assert!(TrustAnchors::from_pem(&f.signing.to_pem()).is_err());
    assert!(TrustAnchors::from_pem("no certificate here").is_err());
    assert!(
        TrustAnchors::from_pem("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
            .is_err()
    );
    let mut two = anchors();
    two.add_pem(&f.ca.root().to_pem()).unwrap();
    assert_eq!(two.certificates().len(), 2, "no duplicates");
}

#[test]
fn content_keys_open_with_the_relying_partys_ephemeral_key() {
    let rp_key = SecretKey::generate().unwrap();
    let content_key = [0x11u8; 16];
    let item = ItemResult::ContentKey(
        mca_crypto::sm2::encrypt(rp_key.public_key(), &content_key)
            .unwrap()
            .to_der(),
    );
    assert_eq!(
        open_content_key(&rp_key, &item).unwrap().as_slice(),
        &content_key
    );
    let done = completion(&[], vec![item.clone(), item.clone()]);
    assert_eq!(open_content_keys(&rp_key, &done).unwrap().len(), 2);
    let other = SecretKey::generate().unwrap();
    assert!(open_content_key(&other, &item).is_err());
    assert!(open_content_key(&rp_key, &ItemResult::Signature(vec![0x30])).is_err());
}
