//! Malformed DER never panics: every parser runs over byte flips,
//! truncations and random multi-byte mutations of real samples (the
//! stable-toolchain stand-in for the `cargo fuzz` targets in `fuzz/`).

mod common;

use common::*;
use mca_crypto::sm2::SecretKey;
use mca_pki::cert::Certificate;
use mca_pki::gmt0010::{enveloped, signed};
use mca_pki::profile::Usage;
use mca_pki::seal::{v1, v4};
use mca_pki::signer::{Signer, sign_with};
use mca_pki::{crl, csr, ocsp};

/// Deterministic xorshift, so a failure reproduces.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Up to `budget` mutants of `sample`: truncations, single-byte flips
/// spread over the whole input, then random 1–4 byte rewrites (lengths and
/// tags included).
fn mutants(sample: &[u8], budget: usize) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let step = (sample.len() / (budget / 3)).max(1);
    for cut in (0..sample.len()).step_by(step) {
        out.push(sample[..cut].to_vec());
    }
    for i in (0..sample.len()).step_by(step) {
        for mask in [0x01, 0x80, 0xff] {
            let mut m = sample.to_vec();
            m[i] ^= mask;
            out.push(m);
        }
    }
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ sample.len() as u64);
    while out.len() < budget {
        let mut m = sample.to_vec();
        for _ in 0..1 + rng.below(4) {
            let i = rng.below(m.len());
            m[i] = rng.next() as u8;
        }
        out.push(m);
    }
    out
}

fn run(name: &str, sample: &[u8], parse: impl Fn(&[u8])) {
    parse(sample);
    let all = mutants(sample, 3000);
    for m in &all {
        parse(m);
    }
    // Hand-made pathological inputs: empty, huge lengths, deep nesting.
    let mut deep = Vec::new();
    for _ in 0..200 {
        deep.splice(0..0, [0x30, 0x80]);
    }
    for m in [
        &[][..],
        &[0x30],
        &[0x30, 0x84, 0xff, 0xff, 0xff, 0xff],
        &[0x30, 0x80, 0x00, 0x00],
        &deep,
    ] {
        parse(m);
    }
    eprintln!("{name}: {} inputs, no panic", all.len() + 5);
}

#[test]
fn x509_parsers_never_panic() {
    let ca = test_ca();
    let key = SecretKey::generate().unwrap();
    let cert = issue_for(&ca, person(), *key.public_key(), Usage::Signing);
    let issuing_key = *ca.issuing().public_key();
    run("certificate", cert.to_der(), |b| {
        let _ = Certificate::from_der(b).map(|c| c.verify_signature(&issuing_key));
    });
    let signer = mca_pki::signer::SoftwareSigner::new(key);
    let req = sign_with(
        csr::prepare(cert.subject().clone(), &signer.public_key()).unwrap(),
        &signer,
    )
    .unwrap();
    run("csr", &req, |b| {
        let _ = csr::verify(b);
    });
    let t = mca_pki::algorithm::now().unwrap();
    let revoked = [crl::Revocation {
        serial: cert.serial().to_vec(),
        revoked_at: t,
        reason: x509_cert::ext::pkix::CrlReason::KeyCompromise,
    }];
    let list = sign_with(
        crl::prepare(
            &ca.issuer(),
            1,
            t,
            mca_pki::algorithm::add_days(t, 1).unwrap(),
            &revoked,
        )
        .unwrap(),
        ca.issuing_signer(),
    )
    .unwrap();
    run("crl", list.to_der(), |b| {
        let _ = crl::Crl::from_der(b).map(|c| (c.verify(&issuing_key), c.lookup(&[1])));
    });
    let req = ocsp::request(
        vec![ocsp::cert_id(&ca.issuer(), cert.serial()).unwrap()],
        Some(b"nonce"),
    )
    .unwrap();
    run("ocsp request", &req, |b| {
        let _ = ocsp::OcspRequest::from_der(b).map(|r| {
            let _ = r.nonce();
            for x in &r.tbs_request.request_list {
                let _ = ocsp::matches_issuer(&x.req_cert, &ca.issuer());
            }
        });
    });
    let parsed = ocsp::OcspRequest::from_der(&req).unwrap();
    let resp = sign_with(
        ocsp::prepare(
            &parsed,
            &ca.issuer(),
            t,
            mca_pki::algorithm::add_days(t, 1).unwrap(),
            |_| ocsp::Status::Good,
        )
        .unwrap(),
        ca.issuing_signer(),
    )
    .unwrap();
    run("ocsp response", &resp, |b| {
        let _ = ocsp::verify_response(b, &issuing_key);
    });
}

#[test]
fn gmt0010_parsers_never_panic() {
    let ca = test_ca();
    let key = SecretKey::generate().unwrap();
    let cert = issue_for(&ca, person(), *key.public_key(), Usage::Signing);
    let signer = mca_pki::signer::SoftwareSigner::new(key);
    let sd = signed::sign(b"bid", &cert, true, &signer).unwrap();
    let issuers = [ca.issuing().clone()];
    run("signed data", &sd, |b| {
        let _ = signed::verify(b, None, &[], &issuers);
        let _ = signed::verify(b, Some(b"bid"), &[], &issuers);
    });
    let enc_key = SecretKey::generate().unwrap();
    let enc_cert = issue_for(&ca, person(), *enc_key.public_key(), Usage::Encryption);
    let env = enveloped::seal(b"bid", &[&enc_cert]).unwrap();
    run("enveloped data", &env, |b| {
        let _ = enveloped::open(b, &enc_cert, &enc_key);
    });
}

#[test]
fn seal_parsers_never_panic() {
    run("seal v4", &testdata("UserV4.esl"), |b| {
        let _ = v4::Seal::from_der(b).map(|s| s.verify());
    });
    run("seal v1", &testdata("UserV1.esl"), |b| {
        let _ = v1::parse_any(b).map(|s| s.verify());
    });
    run("vendor seal", &testdata("SESealData.DER"), |b| {
        let _ = v4::Seal::from_der(b);
    });
    let doc = testdata("SESV4Signature.xml");
    run("SES_Signature", &testdata("SESV4SignedValue.dat"), |b| {
        let _ = v4::verify_signature(b, &doc);
    });
}
