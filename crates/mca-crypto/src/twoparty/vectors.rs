//! Every value of `testdata/sm2.json` (a copy of the official GM/T 0003.5
//! Annex A/C vectors, SM3 vectors, and one run of this protocol that
//! reproduces them) recomputed from its inputs.

use serde_json::Value;
use sm2::elliptic_curve::group::Group as _;
use sm2::elliptic_curve::ops::Invert as _;
use sm2::{NonZeroScalar, ProjectivePoint};

use super::phone::{Decryption, Share};
use super::server::SigningKey;
use crate::sm2::encrypt::encrypt_with_nonce;
use crate::sm2::{Ciphertext, Point, SecretKey, Signature, digest, scalar, z_a};
use crate::sm3::sm3;

fn vectors() -> Value {
    serde_json::from_str(include_str!("../../testdata/sm2.json")).unwrap()
}

fn s(v: &Value, key: &str) -> String {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("{key} missing"))
        .to_string()
}

fn sc(v: &Value, key: &str) -> NonZeroScalar {
    scalar::nonzero_from_hex(&s(v, key)).unwrap()
}

fn pt(v: &Value, key: &str) -> Point {
    Point::from_hex(&s(v, key)).unwrap()
}

#[test]
fn sm3_vectors() {
    let v = &vectors()["sm3"];
    assert_eq!(hex::encode(sm3(b"abc")), s(v, "abc"));
    assert_eq!(hex::encode(sm3(&b"abcd".repeat(16))), s(v, "abcd*16"));
}

#[test]
fn official_signature_annex_a() {
    let v = &vectors()["official"];
    let key = SecretKey::from_bytes(&hex::decode(s(v, "dA")).unwrap()).unwrap();
    assert_eq!(key.public_key(), &pt(v, "PA"));
    let id = hex::decode(s(v, "ID_hex")).unwrap();
    assert_eq!(id, crate::sm2::DEFAULT_ID);
    assert_eq!(hex::encode_upper(z_a(&id, key.public_key())), s(v, "ZA"));
    let m = s(v, "M");
    let e = digest(key.public_key(), m.as_bytes());
    assert_eq!(hex::encode_upper(e), s(v, "e"));
    let sig = key.sign_digest_with_nonce(&e, &sc(v, "k")).unwrap();
    assert_eq!(hex::encode_upper(sig.r_bytes()), s(v, "r"));
    assert_eq!(hex::encode_upper(sig.s_bytes()), s(v, "s"));
    key.public_key().verify(m.as_bytes(), &sig).unwrap();
}

#[test]
fn official_encryption_annex_c() {
    let v = &vectors()["official"];
    let key = SecretKey::from_bytes(&hex::decode(s(v, "dA")).unwrap()).unwrap();
    let m = s(v, "enc_M");
    // Annex C uses the same k as Annex A on the recommended curve.
    let ct = encrypt_with_nonce(key.public_key(), m.as_bytes(), &sc(v, "k")).unwrap();
    assert_eq!(ct.c1, pt(v, "C1"));
    assert_eq!(hex::encode_upper(ct.c3), s(v, "C3"));
    assert_eq!(hex::encode_upper(&ct.c2), s(v, "C2"));
    let shared = Point::from_projective(&(ct.c1.projective() * *sc(v, "dA"))).unwrap();
    assert_eq!(shared, pt(v, "x2y2"));
    let parsed = Ciphertext::from_c1c3c2(&ct.to_c1c3c2()).unwrap();
    assert_eq!(&parsed.decrypt(&key).unwrap()[..], m.as_bytes());
}

#[test]
fn two_party_run_reproduces_the_official_values() {
    let all = vectors();
    let (v, off) = (&all["two_party"], &all["official"]);
    let (d_s, d_p) = (sc(v, "server_share_ds"), sc(v, "phone_share_dp"));

    // Key generation: P_p, P_s, and P = (d_s·d_p)⁻¹·G − G = the official PA.
    let p_p = Point::from_projective(&ProjectivePoint::mul_by_generator(&d_p.invert())).unwrap();
    assert_eq!(p_p, pt(v, "phone_partial_Pp=dp^-1*G"));
    let p_s = Point::from_projective(&ProjectivePoint::mul_by_generator(&d_s.invert())).unwrap();
    assert_eq!(p_s, pt(v, "server_partial_Ps=ds^-1*G"));
    let p =
        Point::from_projective(&(p_p.projective() * *d_s.invert() - ProjectivePoint::GENERATOR))
            .unwrap();
    assert_eq!(p, pt(off, "PA"));

    // Signing with the given nonces.
    let mut server = SigningKey::new(d_s, p);
    let (session, challenge) =
        SigningKey::begin_with_nonce(s(off, "M").as_bytes(), sc(v, "server_nonce_ws"));
    assert_eq!(challenge.nonce_point, pt(v, "server_nonce_point_Qs=ws*G"));
    let phone = share(d_p);
    let partial = phone
        .sign_with_nonce(&p, &challenge, &sc(v, "phone_nonce_wp"))
        .unwrap();
    assert_eq!(partial.r.to_hex().to_uppercase(), s(v, "r=e+x(Q)"));
    assert_eq!(partial.s1.to_hex().to_uppercase(), s(v, "s1=dp*(r+wp)"));
    let signed = server.finish_sign(session, &partial).unwrap();
    let sig: &Signature = signed.signature.signature();
    assert_eq!(hex::encode_upper(sig.s_bytes()), s(v, "s=ds*(s1+ws)-r"));
    assert_eq!(hex::encode_upper(sig.r_bytes()), s(off, "r"));
    assert_eq!(hex::encode_upper(sig.s_bytes()), s(off, "s"));

    // Blinded decryption of the official ciphertext with the same shares
    // used as the encryption key's split.
    let ct = Ciphertext {
        c1: pt(off, "C1"),
        c3: hex::decode(s(off, "C3")).unwrap().try_into().unwrap(),
        c2: hex::decode(s(off, "C2")).unwrap(),
    };
    let (state, blinded) =
        Decryption::start_with_blind(ct, sc(v, "decrypt_blind_w(phone)")).unwrap();
    assert_eq!(blinded.t1, pt(v, "decrypt_T1=w*C1(phone)"));
    let t2 = Point::from_projective(&(blinded.t1.projective() * *d_s.invert())).unwrap();
    assert_eq!(t2, pt(v, "decrypt_T2=ds^-1*T1(server)"));
    let x2y2 = t2.projective() * *scalar::invert(&(sc(v, "decrypt_blind_w(phone)") * d_p))
        - pt(off, "C1").projective();
    assert_eq!(
        Point::from_projective(&x2y2).unwrap(),
        pt(v, "decrypt_x2y2=(w*dp)^-1*T2-C1(phone)")
    );
    let plain = state
        .finish(&phone, &super::messages::BlindedResult { t2 })
        .unwrap();
    assert_eq!(&plain[..], s(off, "enc_M").as_bytes());
}

fn share(d: NonZeroScalar) -> Share {
    // The vectors give d_p in the clear; mask and unmask it as the phone would.
    let delivery = super::messages::ShareDelivery {
        share: super::messages::WireScalar(d),
        public_key: Point::from_projective(&ProjectivePoint::GENERATOR).unwrap(),
    };
    Share::from_delivery(&delivery)
}
