//! M1: CRLs and OCSP, checked by OpenSSL and the independent checker.

mod common;

use common::*;
use mca_crypto::sm2::SecretKey;
use mca_pki::algorithm::{add_days, now};
use mca_pki::crl::{self, Crl, Revocation};
use mca_pki::ocsp::{self, CertStatus, OcspRequest, Status};
use mca_pki::profile::Usage;
use mca_pki::signer::sign_with;
use x509_cert::ext::pkix::CrlReason;

fn new_key() -> mca_crypto::sm2::Point {
    *SecretKey::generate().unwrap().public_key()
}

#[test]
fn crl_with_reason_codes_parses_in_openssl_and_verifies_in_gmssl() {
    let ca = test_ca();
    let (a, b, good) = (
        issue_for(&ca, person(), new_key(), Usage::Signing),
        issue_for(&ca, person(), new_key(), Usage::Signing),
        issue_for(&ca, person(), new_key(), Usage::Signing),
    );
    let t = now().unwrap();
    let revoked = vec![
        Revocation {
            serial: a.serial().to_vec(),
            revoked_at: t,
            reason: CrlReason::KeyCompromise,
        },
        Revocation {
            serial: b.serial().to_vec(),
            revoked_at: t,
            reason: CrlReason::Superseded,
        },
    ];
    let prepared = crl::prepare(&ca.issuer(), 7, t, add_days(t, 1).unwrap(), &revoked).unwrap();
    let crl = sign_with(prepared, ca.issuing_signer()).unwrap();
    crl.verify(ca.issuing().public_key()).unwrap();
    assert!(crl.verify(ca.root().public_key()).is_err());
    assert_eq!(crl.lookup(a.serial()).unwrap().1, CrlReason::KeyCompromise);
    assert_eq!(crl.lookup(b.serial()).unwrap().1, CrlReason::Superseded);
    assert!(crl.lookup(good.serial()).is_none());

    let dir = scratch("crl");
    write(&dir, "crl.pem", crl.to_pem());
    let text = openssl(&dir, &["crl", "-in", "crl.pem", "-noout", "-text"]);
    for needle in [
        "Key Compromise",
        "Superseded",
        "X509v3 CRL Number",
        "7",
        "X509v3 Authority Key Identifier",
        "SM2-with-SM3",
    ] {
        assert!(text.contains(needle), "missing {needle}:\n{text}");
    }
    python_check(&serde_json::json!([{
        "kind": "crl", "der": hex::encode(crl.to_der()), "key": ca.issuing().public_key().to_hex(),
        "revoked": [{"serial": hex::encode(a.serial()), "reason": "keyCompromise"},
                    {"serial": hex::encode(b.serial()), "reason": "superseded"}]
    }]));

    // An empty CRL is valid too; bad inputs are refused.
    let empty = sign_with(
        crl::prepare(&ca.issuer(), 8, t, add_days(t, 1).unwrap(), &[]).unwrap(),
        ca.issuing_signer(),
    )
    .unwrap();
    empty.verify(ca.issuing().public_key()).unwrap();
    assert!(crl::prepare(&ca.issuer(), 9, t, t, &[]).is_err());
    let der = crl.to_der().to_vec();
    for i in 0..der.len() {
        let mut bad = der.clone();
        bad[i] ^= 0x04;
        assert!(
            Crl::from_der(&bad)
                .and_then(|c| c.verify(ca.issuing().public_key()))
                .is_err(),
            "flip {i} accepted"
        );
    }
}

#[test]
fn ocsp_answers_good_revoked_unknown_and_signs_with_the_issuing_ca() {
    let ca = test_ca();
    let issuer = ca.issuer();
    let (good, revoked) = (
        issue_for(&ca, person(), new_key(), Usage::Signing),
        issue_for(&ca, person(), new_key(), Usage::Signing),
    );
    let other_ca = test_ca();
    let foreign = issue_for(&other_ca, person(), new_key(), Usage::Signing);
    let t = now().unwrap();
    let ids = vec![
        ocsp::cert_id(&issuer, good.serial()).unwrap(),
        ocsp::cert_id(&issuer, revoked.serial()).unwrap(),
        ocsp::cert_id(&issuer, &[0x11; 16]).unwrap(),
        ocsp::cert_id(&other_ca.issuer(), foreign.serial()).unwrap(),
    ];
    let req_der = ocsp::request(ids, Some(b"nonce-0123456789")).unwrap();
    let req = OcspRequest::from_der(&req_der).unwrap();
    let lookup = |serial: &[u8]| {
        if serial == good.serial() {
            Status::Good
        } else if serial == revoked.serial() {
            Status::Revoked(t, CrlReason::KeyCompromise)
        } else {
            Status::Unknown
        }
    };
    let prepared = ocsp::prepare(&req, &issuer, t, add_days(t, 1).unwrap(), lookup).unwrap();
    let resp = sign_with(prepared, ca.issuing_signer()).unwrap();
    let data = ocsp::verify_response(&resp, ca.issuing().public_key()).unwrap();
    assert!(matches!(data.responses[0].cert_status, CertStatus::Good(_)));
    assert!(matches!(
        data.responses[1].cert_status,
        CertStatus::Revoked(_)
    ));
    assert!(matches!(
        data.responses[2].cert_status,
        CertStatus::Unknown(_)
    ));
    // Another CA's certificate is unknown here even if the serial exists.
    assert!(matches!(
        data.responses[3].cert_status,
        CertStatus::Unknown(_)
    ));
    assert_eq!(
        data.response_extensions.unwrap()[0],
        req.nonce().unwrap().clone()
    );
    assert!(ocsp::verify_response(&resp, ca.root().public_key()).is_err());
    // Flipping any byte of the response makes verification fail.
    for i in 0..resp.len() {
        let mut bad = resp.clone();
        bad[i] ^= 0x01;
        let ok = ocsp::verify_response(&bad, ca.issuing().public_key());
        assert!(ok.is_err(), "flip at {i} accepted");
    }

    let dir = scratch("ocsp");
    write(&dir, "req.der", &req_der);
    write(&dir, "resp.der", &resp);
    let text = openssl(&dir, &["ocsp", "-reqin", "req.der", "-req_text"]);
    assert!(
        text.contains("Request Single Extensions") || text.contains("OCSP Nonce"),
        "{text}"
    );
    let text = openssl(
        &dir,
        &["ocsp", "-respin", "resp.der", "-resp_text", "-noverify"],
    );
    for needle in [
        "Cert Status: good",
        "Cert Status: revoked",
        "Cert Status: unknown",
        "keyCompromise",
        "SM2-with-SM3",
    ] {
        assert!(text.contains(needle), "missing {needle}:\n{text}");
    }
    let key = ca.issuing().public_key().to_hex();
    let single = |serial: &[u8], status: Status| {
        let id = ocsp::cert_id(&issuer, serial).unwrap();
        let r = OcspRequest::from_der(&ocsp::request(vec![id], None).unwrap()).unwrap();
        sign_with(
            ocsp::prepare(&r, &issuer, t, add_days(t, 1).unwrap(), |_| status).unwrap(),
            ca.issuing_signer(),
        )
        .unwrap()
    };
    python_check(&serde_json::json!([
        {"kind": "ocsp", "der": hex::encode(single(good.serial(), Status::Good)), "key": key, "status": "good", "serial": hex::encode(good.serial())},
        {"kind": "ocsp", "der": hex::encode(single(revoked.serial(), Status::Revoked(t, CrlReason::Superseded))), "key": key, "status": "revoked", "serial": hex::encode(revoked.serial())},
        {"kind": "ocsp", "der": hex::encode(single(&[0x22; 16], Status::Unknown)), "key": key, "status": "unknown", "serial": hex::encode([0x22; 16])},
    ]));
}

#[test]
fn ocsp_parses_openssl_requests_and_rejects_garbage() {
    let ca = test_ca();
    let cert = issue_for(&ca, person(), new_key(), Usage::Signing);
    let dir = scratch("ocsp-openssl");
    write(&dir, "issuing.pem", ca.issuing().to_pem());
    write(&dir, "cert.pem", cert.to_pem());
    openssl(
        &dir,
        &[
            "ocsp",
            "-sm3",
            "-issuer",
            "issuing.pem",
            "-cert",
            "cert.pem",
            "-reqout",
            "req.der",
        ],
    );
    let der = std::fs::read(dir.join("req.der")).unwrap();
    let req = OcspRequest::from_der(&der).unwrap();
    let id = &req.tbs_request.request_list[0].req_cert;
    assert_eq!(id.serial_number.as_bytes(), cert.serial());
    // OpenSSL hashes the key bits and the DER name with SM3, as we do.
    assert!(ocsp::matches_issuer(id, &ca.issuer()).unwrap());
    assert!(req.nonce().is_some());

    assert!(OcspRequest::from_der(&[]).is_err());
    assert!(OcspRequest::from_der(&[0x30, 0x03, 0x30, 0x01, 0x30]).is_err());
    for i in 0..der.len() {
        let mut bad = der.clone();
        bad[i] ^= 0xff;
        let _ = OcspRequest::from_der(&bad); // must not panic
    }
    let err = ocsp::error_response(ocsp::ResponseStatus::MalformedRequest);
    assert_eq!(err, [0x30, 0x03, 0x0a, 0x01, 0x01]);
    assert!(ocsp::verify_response(&err, ca.issuing().public_key()).is_err());
}
