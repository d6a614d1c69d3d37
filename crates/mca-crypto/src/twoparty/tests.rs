//! Properties of the two-party protocol that PROTOCOL.md's rules rest on.

use sm2::dsa::signature::Verifier as _;
use sm2::elliptic_curve::group::Group as _;
use sm2::elliptic_curve::ops::Invert as _;
use sm2::{NonZeroScalar, ProjectivePoint, Scalar};

use super::kmc::EncryptionKey;
use super::messages::*;
use super::phone::{Decryption, KeyGeneration, MaskedShare, Share};
use super::server::{SigningKey, decryption_authorization, generate_signing_key};
use crate::Error;
use crate::sm2::{Ciphertext, Point, encrypt, scalar};

const DEVICE: &[u8] = b"device-secret-0123456789abcdef";

/// A phone and a server that have run key generation.
fn enrolled(pin: &[u8]) -> (MaskedShare, SigningKey, Point) {
    let (keygen, request) = KeyGeneration::start().unwrap();
    let (server, response) = generate_signing_key(&request).unwrap();
    let (masked, p) = keygen.finish(&response, pin, DEVICE).unwrap();
    assert_eq!(&p, server.public_key());
    (masked, server, p)
}

fn sign_once(
    masked: &MaskedShare,
    pin: &[u8],
    server: &mut SigningKey,
    p: &Point,
    msg: &[u8],
) -> crate::Result<super::server::Signed> {
    let (session, challenge) = server.begin_sign(msg).unwrap();
    let partial = masked
        .unmask(pin, DEVICE)
        .unwrap()
        .sign(p, &challenge)
        .unwrap();
    server.finish_sign(session, &partial)
}

fn crate_verifier(p: &Point) -> sm2::dsa::VerifyingKey {
    sm2::dsa::VerifyingKey::from_sec1_bytes("1234567812345678", &p.to_sec1()).unwrap()
}

#[test]
fn a_thousand_two_party_signatures_verify_with_the_sm2_crate() {
    let mut count = 0;
    for k in 0..10 {
        let (mut masked, mut server, p) = enrolled(b"123456");
        let theirs = crate_verifier(&p);
        for i in 0..100 {
            let msg = format!("bid {k}-{i}");
            let signed = sign_once(&masked, b"123456", &mut server, &p, msg.as_bytes()).unwrap();
            let sig = signed.signature.signature();
            let their_sig = sm2::dsa::Signature::from_bytes(&sig.to_raw().into()).unwrap();
            theirs.verify(msg.as_bytes(), &their_sig).unwrap();
            p.verify(msg.as_bytes(), sig).unwrap();
            // The phone applies every refresh; the next signature proves it.
            masked.apply_refresh(&signed.refresh);
            count += 1;
        }
    }
    assert_eq!(count, 1000);
}

#[test]
fn keygen_rejects_a_wrong_server_answer() {
    let (keygen, request) = KeyGeneration::start().unwrap();
    let (_, mut response) = generate_signing_key(&request).unwrap();
    response.public_key = Point::from_projective(&ProjectivePoint::GENERATOR).unwrap();
    assert_eq!(
        keygen.finish(&response, b"1", DEVICE).err(),
        Some(Error::KeyGenerationMismatch)
    );
}

#[test]
fn a_wrong_pin_unmasks_but_the_server_rejects_the_partial_signature() {
    let (masked, mut server, p) = enrolled(b"123456");
    // Unmasking cannot fail, whatever the PIN: nothing on the phone can tell.
    for pin in [&b"000000"[..], b"123457", b"", b"a very long wrong pin"] {
        assert!(masked.unmask(pin, DEVICE).is_ok());
    }
    let err = sign_once(&masked, b"654321", &mut server, &p, b"m").unwrap_err();
    assert_eq!(err, Error::PartialSignatureRejected);
    // The right PIN still works afterwards.
    sign_once(&masked, b"123456", &mut server, &p, b"m").unwrap();
    // So does nothing else: a wrong device secret is as good as a wrong PIN.
    let (session, challenge) = server.begin_sign(b"m").unwrap();
    let partial = masked
        .unmask(b"123456", b"another-device-secret")
        .unwrap()
        .sign(&p, &challenge)
        .unwrap();
    assert_eq!(
        server.finish_sign(session, &partial).unwrap_err(),
        Error::PartialSignatureRejected
    );
}

#[test]
fn a_server_share_swap_or_tampered_message_is_rejected() {
    let (masked, mut server, p) = enrolled(b"1");
    let (session, mut challenge) = server.begin_sign(b"pay 100").unwrap();
    challenge.message = b"pay 999".to_vec();
    let partial = masked
        .unmask(b"1", DEVICE)
        .unwrap()
        .sign(&p, &challenge)
        .unwrap();
    // The phone signed what it was shown; the server checks its own e.
    assert_eq!(
        server.finish_sign(session, &partial).unwrap_err(),
        Error::PartialSignatureRejected
    );
}

#[test]
fn change_pin_remasks() {
    let (masked, mut server, p) = enrolled(b"111111");
    let remasked = masked.remask(b"111111", b"222222", DEVICE).unwrap();
    assert_ne!(remasked, masked);
    sign_once(&remasked, b"222222", &mut server, &p, b"x").unwrap();
    assert_eq!(
        sign_once(&remasked, b"111111", &mut server, &p, b"x").unwrap_err(),
        Error::PartialSignatureRejected
    );
}

#[test]
fn refresh_keeps_p_and_a_stale_clone_is_detected() {
    let (mut masked, mut server, p) = enrolled(b"1234");
    let clone = masked.clone();

    let signed = sign_once(&masked, b"1234", &mut server, &p, b"one").unwrap();
    masked.apply_refresh(&signed.refresh);
    assert_ne!(masked, clone, "the stored share changed");
    assert_eq!(server.public_key(), &p, "P is unchanged by refresh");

    // The phone's next success confirms the refresh and retires the old share.
    let signed = sign_once(&masked, b"1234", &mut server, &p, b"two").unwrap();
    p.verify(b"two", signed.signature.signature()).unwrap();
    masked.apply_refresh(&signed.refresh);

    // The clone's partial signature fails under the current share and
    // verifies under the previous one.
    assert_eq!(
        sign_once(&clone, b"1234", &mut server, &p, b"three").unwrap_err(),
        Error::StaleCloneDetected
    );
    // The real phone is unaffected (locking is the caller's policy).
    sign_once(&masked, b"1234", &mut server, &p, b"four").unwrap();
}

#[test]
fn an_unapplied_refresh_is_resent_not_punished() {
    let (masked, mut server, p) = enrolled(b"1234");
    let first = sign_once(&masked, b"1234", &mut server, &p, b"one").unwrap();
    // The phone never got ρ: its old share still signs, and ρ comes again.
    let second = sign_once(&masked, b"1234", &mut server, &p, b"two").unwrap();
    assert_eq!(first.refresh, second.refresh);
    let mut masked = masked;
    masked.apply_refresh(&second.refresh);
    let third = sign_once(&masked, b"1234", &mut server, &p, b"three").unwrap();
    assert_ne!(third.refresh, second.refresh);
}

#[test]
fn server_state_survives_serialization() {
    let (mut masked, mut server, p) = enrolled(b"9");
    let signed = sign_once(&masked, b"9", &mut server, &p, b"a").unwrap();
    masked.apply_refresh(&signed.refresh);
    let mut restored = SigningKey::from_secret_bytes(&server.to_secret_bytes()).unwrap();
    sign_once(&masked, b"9", &mut restored, &p, b"b").unwrap();
    let (session, challenge) = restored.begin_sign(b"c").unwrap();
    let session =
        super::server::SigningSession::from_secret_bytes(&session.to_secret_bytes()).unwrap();
    let partial = masked
        .unmask(b"9", DEVICE)
        .unwrap()
        .sign(&p, &challenge)
        .unwrap();
    // The phone has not applied b's refresh, so the restored state must
    // still hold the share it signs with, and resend the same ρ.
    let signed = restored.finish_sign(session, &partial).unwrap();
    p.verify(b"c", signed.signature.signature()).unwrap();
}

#[test]
fn malformed_server_state_is_an_error() {
    assert!(SigningKey::from_secret_bytes(&[]).is_err());
    assert!(SigningKey::from_secret_bytes(&[1u8; 100]).is_err());
    assert!(super::server::SigningSession::from_secret_bytes(&[0u8; 40]).is_err());
    assert!(super::server::DecryptionShare::from_secret_bytes(&[0u8; 97]).is_err());
}

#[test]
fn received_points_and_scalars_are_validated_in_messages() {
    let g = Point::from_projective(&ProjectivePoint::GENERATOR)
        .unwrap()
        .to_hex();
    let mut off = g.clone();
    off.replace_range(128..130, if &g[128..130] == "00" { "01" } else { "00" });
    for bad in [off.as_str(), "00", "04", ""] {
        let json = format!(r#"{{"phone_point":"{bad}"}}"#);
        assert!(
            serde_json::from_str::<KeygenRequest>(&json).is_err(),
            "{bad}"
        );
        let json = format!(r#"{{"nonce_point":"{bad}","message":"00"}}"#);
        assert!(serde_json::from_str::<SignChallenge>(&json).is_err());
        let json = format!(r#"{{"t1":"{bad}"}}"#);
        assert!(serde_json::from_str::<BlindedPoint>(&json).is_err());
    }
    let zero = "0".repeat(64);
    let n = "fffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123";
    let one = format!("{:064x}", 1);
    for (r, s1) in [
        (&zero[..], &one[..]),
        (&one[..], &zero[..]),
        (n, &one[..]),
        ("xyz", &one[..]),
    ] {
        let json = format!(r#"{{"r":"{r}","s1":"{s1}"}}"#);
        assert!(serde_json::from_str::<PartialSignature>(&json).is_err());
    }
    let json = format!(r#"{{"r":"{one}","s1":"{one}"}}"#);
    assert!(serde_json::from_str::<PartialSignature>(&json).is_ok());
}

#[test]
fn degenerate_finalization_is_an_error_not_a_panic() {
    let (_, mut server, _) = enrolled(b"1");
    // Choose s1 so that s = d_s·(s1 + w_s) − r comes out as 0, and as −r
    // (r + s = n). We know neither d_s nor w_s from outside, so build the
    // server state from known values instead.
    let d_s = crate::rand::nonzero_scalar().unwrap();
    let w_s = crate::rand::nonzero_scalar().unwrap();
    let p = Point::from_projective(&ProjectivePoint::mul_by_generator(
        &crate::rand::nonzero_scalar().unwrap(),
    ))
    .unwrap();
    let mut key = SigningKey::new(d_s, p);
    let r = crate::rand::nonzero_scalar().unwrap();
    // s = 0  ⇔  s1 = r·d_s⁻¹ − w_s
    let s1_zero = *r * *d_s.invert() - *w_s;
    // s = −r ⇔  s1 = −w_s
    let s1_neg_r = -*w_s;
    for s1 in [s1_zero, s1_neg_r] {
        let (session, _) = SigningKey::begin_with_nonce(b"m", w_s);
        let partial = PartialSignature {
            r: WireScalar(r),
            s1: WireScalar(nz(s1)),
        };
        assert_eq!(
            key.finish_sign(session, &partial).unwrap_err(),
            Error::PartialSignatureRejected
        );
    }
    // r = 0 cannot even be expressed: the wire type refuses it.
    assert!(WireScalar::from_hex(&"0".repeat(64)).is_err());
    let _ = &mut server;
}

fn nz(s: Scalar) -> NonZeroScalar {
    Option::from(NonZeroScalar::new(s)).unwrap()
}

#[test]
fn blinded_decryption_recovers_the_plaintext() {
    let (masked, mut server, p) = enrolled(b"246810");
    let kmc_key = EncryptionKey::generate().unwrap();
    let (server_share, delivery) = kmc_key.split().unwrap();
    let enc_masked =
        MaskedShare::mask(&Share::from_delivery(&delivery), b"246810", DEVICE).unwrap();

    let ct = encrypt(kmc_key.public_key(), b"SM4 content key!").unwrap();
    let (state, blinded) = Decryption::start(Ciphertext::from_der(&ct.to_der()).unwrap()).unwrap();
    assert_ne!(blinded.t1, ct.c1, "the server sees T1, not C1");

    // The server answers only against a verified signature on this request.
    let session_id = b"decrypt-session-1";
    let auth_msg = decryption_authorization(session_id, &blinded);
    let signed = sign_once(&masked, b"246810", &mut server, &p, &auth_msg).unwrap();
    let result = server_share
        .blind_decrypt(session_id, &blinded, &signed.signature)
        .unwrap();

    let share = enc_masked.unmask(b"246810", DEVICE).unwrap();
    assert_eq!(
        &state.finish(&share, &result).unwrap()[..],
        b"SM4 content key!"
    );
}

#[test]
fn blinded_decryption_needs_an_authorization_for_this_request() {
    let (masked, mut server, p) = enrolled(b"1");
    let kmc_key = EncryptionKey::generate().unwrap();
    let (server_share, _) = kmc_key.split().unwrap();
    let ct = encrypt(kmc_key.public_key(), b"k").unwrap();
    let (_, blinded) = Decryption::start(ct.clone()).unwrap();
    let (_, other) = Decryption::start(ct).unwrap();
    let signed = sign_once(
        &masked,
        b"1",
        &mut server,
        &p,
        &decryption_authorization(b"s1", &other),
    )
    .unwrap();
    assert_eq!(
        server_share
            .blind_decrypt(b"s1", &blinded, &signed.signature)
            .unwrap_err(),
        Error::NotAuthorized
    );
    let signed = sign_once(
        &masked,
        b"1",
        &mut server,
        &p,
        &decryption_authorization(b"s2", &blinded),
    )
    .unwrap();
    assert_eq!(
        server_share
            .blind_decrypt(b"s1", &blinded, &signed.signature)
            .unwrap_err(),
        Error::NotAuthorized
    );
}

#[test]
fn a_wrong_pin_cannot_decrypt() {
    let kmc_key = EncryptionKey::generate().unwrap();
    let (server_share, delivery) = kmc_key.split().unwrap();
    let enc_masked = MaskedShare::mask(&Share::from_delivery(&delivery), b"right", DEVICE).unwrap();
    let ct = encrypt(kmc_key.public_key(), b"content").unwrap();
    let (state, blinded) = Decryption::start(ct).unwrap();
    // Bypass the authorization to look at the math alone.
    let t2 = Point::from_projective(
        &(blinded.t1.projective() * *server_share_scalar(&server_share).invert()),
    )
    .unwrap();
    let wrong = enc_masked.unmask(b"wrong", DEVICE).unwrap();
    assert_eq!(
        state.finish(&wrong, &BlindedResult { t2 }).unwrap_err(),
        Error::DecryptionFailed
    );
}

fn server_share_scalar(share: &super::server::DecryptionShare) -> NonZeroScalar {
    let bytes = share.to_secret_bytes();
    scalar::nonzero_from_bytes(&bytes[65..]).unwrap()
}

#[test]
fn resplitting_the_escrowed_key_keeps_old_envelopes_readable() {
    let kmc_key = EncryptionKey::generate().unwrap();
    let escrow = kmc_key.to_secret_bytes();
    let ct = encrypt(kmc_key.public_key(), b"bid opened after recovery").unwrap();
    let recovered = EncryptionKey::from_secret_bytes(&escrow[..]).unwrap();
    let (s1, d1) = kmc_key.split().unwrap();
    let (s2, d2) = recovered.split().unwrap();
    assert_ne!(d1.share, d2.share, "a re-split gives a new phone share");
    for (server_share, delivery) in [(s1, d1), (s2, d2)] {
        let (state, blinded) = Decryption::start(ct.clone()).unwrap();
        let t2 = Point::from_projective(
            &(blinded.t1.projective() * *server_share_scalar(&server_share).invert()),
        )
        .unwrap();
        let plain = state
            .finish(&Share::from_delivery(&delivery), &BlindedResult { t2 })
            .unwrap();
        assert_eq!(&plain[..], b"bid opened after recovery");
    }
}

#[test]
fn wire_encoding_is_stable() {
    let g = Point::from_projective(&ProjectivePoint::GENERATOR).unwrap();
    let req = KeygenRequest { phone_point: g };
    assert_eq!(
        serde_json::to_string(&req).unwrap(),
        r#"{"phone_point":"0432c4ae2c1f1981195f9904466a39c9948fe30bbff2660be1715a4589334c74c7bc3736a2f4f6779c59bdcee36b692153d0a9877cc62a474002df32e52139f0a0"}"#
    );
    let partial = PartialSignature {
        r: WireScalar(scalar::one()),
        s1: WireScalar(scalar::one()),
    };
    let one = format!("{:064x}", 1);
    assert_eq!(
        serde_json::to_string(&partial).unwrap(),
        format!(r#"{{"r":"{one}","s1":"{one}"}}"#)
    );
    let ch = SignChallenge {
        nonce_point: g,
        message: b"hi".to_vec(),
    };
    assert!(
        serde_json::to_string(&ch)
            .unwrap()
            .ends_with(r#","message":"6869"}"#)
    );
    assert_eq!(
        format!("{:?}", partial.r),
        "WireScalar(..)",
        "secrets never print"
    );
}
