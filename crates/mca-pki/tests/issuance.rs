//! M1/M6: CA hierarchy, dual certificates, the issuance pipeline and its
//! lint, checked by OpenSSL 3 and the independent Python checker.

mod common;

use common::*;
use mca_crypto::sm2::SecretKey;
use mca_pki::ca::CaHierarchy;
use mca_pki::cert::Certificate;
use mca_pki::issue::{self, Kind, Request};
use mca_pki::profile::{Holder, Usage};
use mca_pki::signer::{Signer, SoftwareSigner, ToBeSigned, sign_with};
use mca_pki::{Error, csr, keystore, name};

fn agent() -> Holder {
    Holder::Agent {
        name: "李四".into(),
        resident_id: "11010519491231002X".into(),
        enterprise: "某某建设有限公司".into(),
        credit_code: "91350100M000100Y43".into(),
    }
}

fn key() -> mca_crypto::sm2::Point {
    *SecretKey::generate().unwrap().public_key()
}

#[test]
fn dual_certificates_share_subject_differ_in_serial_and_usage() {
    let ca = test_ca();
    for holder in [person(), enterprise(), agent()] {
        let (sign, enc) =
            issue::issue_pair(holder, key(), key(), 365, &ca.issuer(), ca.issuing_signer())
                .unwrap();
        assert_eq!(sign.subject(), enc.subject());
        assert_ne!(sign.serial(), enc.serial());
        for c in [&sign, &enc] {
            c.verify_issued_by(ca.issuing()).unwrap();
            let n = c.serial();
            assert!((8..=16).contains(&n.len()) && n[0] & 0x80 == 0 && n[0] != 0);
        }
    }
}

#[test]
fn openssl_verifies_chains_and_shows_extensions() {
    let ca = test_ca();
    let signer = TwoPartySigner::generate();
    let (sign, enc) = issue::issue_pair(
        agent(),
        signer.public_key(),
        key(),
        365,
        &ca.issuer(),
        ca.issuing_signer(),
    )
    .unwrap();
    let dir = scratch("openssl");
    write(&dir, "root.pem", ca.root().to_pem());
    write(&dir, "issuing.pem", ca.issuing().to_pem());
    write(&dir, "sign.pem", sign.to_pem());
    write(&dir, "enc.pem", enc.to_pem());
    write(&dir, "seal.pem", ca.seal_maker().to_pem());
    // OpenSSL 3.0 applies -vfyopt distid only to the certificate being
    // verified, so each link is checked as a leaf (see docs/pki.md).
    let sm2id = ["-vfyopt", "distid:1234567812345678"];
    openssl(
        &dir,
        &[
            &["verify"][..],
            &sm2id,
            &["-CAfile", "root.pem", "issuing.pem"],
        ]
        .concat(),
    );
    for leaf in ["sign.pem", "enc.pem", "seal.pem"] {
        openssl(
            &dir,
            &[
                &["verify"][..],
                &sm2id,
                &["-partial_chain", "-CAfile", "issuing.pem", leaf],
            ]
            .concat(),
        );
    }
    // Without the standard ID OpenSSL must fail: the check can fail.
    assert!(!openssl_ok(
        &dir,
        &[
            "verify",
            "-partial_chain",
            "-CAfile",
            "issuing.pem",
            "sign.pem"
        ]
    ));

    let text = openssl(&dir, &["x509", "-in", "sign.pem", "-noout", "-text"]);
    for needle in [
        "Digital Signature, Non Repudiation",
        "X509v3 Subject Key Identifier",
        "X509v3 Authority Key Identifier",
        "URI:http://ca.example.cn/crl/issuing.crl",
        "OCSP - URI:http://ca.example.cn/ocsp",
        "1.2.156.10260.4.1.1",
        "1.2.156.10260.4.1.4",
        "SM2-with-SM3",
        "ASN1 OID: SM2",
    ] {
        assert!(text.contains(needle), "missing {needle} in\n{text}");
    }
    assert!(
        !text.contains("Basic Constraints"),
        "end-entity must not carry basicConstraints"
    );
    let text = openssl(&dir, &["x509", "-in", "enc.pem", "-noout", "-text"]);
    assert!(text.contains("Key Encipherment, Data Encipherment"));
    let text = openssl(&dir, &["x509", "-in", "issuing.pem", "-noout", "-text"]);
    assert!(text.contains("CA:TRUE, pathlen:0"));

    let items = serde_json::json!([
        {"kind": "cert", "der": hex::encode(ca.root().to_der()), "key": ca.root().public_key().to_hex(), "ca": true},
        {"kind": "cert", "der": hex::encode(ca.issuing().to_der()), "key": ca.root().public_key().to_hex(), "ca": true},
        {"kind": "cert", "der": hex::encode(sign.to_der()), "key": ca.issuing().public_key().to_hex(), "ca": false,
         "resident_id": "11010519491231002X", "credit_code": "91350100M000100Y43"},
        {"kind": "cert", "der": hex::encode(enc.to_der()), "key": ca.issuing().public_key().to_hex(), "ca": false},
    ]);
    python_check(&items);
}

#[test]
fn lint_rejects_bad_tbs_before_signing() {
    let ca = test_ca();
    let issuer = ca.issuer();
    let req = Request {
        holder: person(),
        usage: Usage::Signing,
        public_key: key(),
        validity_days: 365,
    };
    let v = issue::validate(req).unwrap();
    let now = mca_pki::algorithm::now().unwrap();
    let good = issue::apply_profile(&v, &issuer, now).unwrap();
    issue::lint(&good, Kind::EndEntity(Usage::Signing), &issuer).unwrap();
    // Wrong usage for the key usage bits.
    assert!(matches!(
        issue::lint(&good, Kind::EndEntity(Usage::Encryption), &issuer),
        Err(Error::Lint(_))
    ));
    // A CA lint on an end-entity TBS.
    assert!(matches!(
        issue::lint(&good, Kind::Ca, &issuer),
        Err(Error::Lint(_))
    ));
    // Short serial.
    let mut bad = good.clone();
    bad.serial_number = x509_cert::serial_number::SerialNumber::new(&[1, 2, 3]).unwrap();
    assert!(matches!(
        issue::prepare(&bad, Kind::EndEntity(Usage::Signing), &issuer),
        Err(Error::Lint(_))
    ));
    // BasicConstraints on an end-entity certificate.
    let mut bad = good.clone();
    bad.extensions
        .as_mut()
        .unwrap()
        .push(mca_pki::profile::ca_constraints(None).unwrap());
    assert!(matches!(
        issue::lint(&bad, Kind::EndEntity(Usage::Signing), &issuer),
        Err(Error::Lint(_))
    ));
    // Outliving the issuing CA.
    let mut bad = good.clone();
    let far = mca_pki::algorithm::add_days(now, 20 * 365).unwrap();
    bad.validity.not_after = mca_pki::algorithm::x509_time(far);
    assert!(matches!(
        issue::lint(&bad, Kind::EndEntity(Usage::Signing), &issuer),
        Err(Error::Lint(_))
    ));
    // Wrong issuer name, empty subject, duplicate extension.
    let mut bad = good.clone();
    bad.issuer = name::ca_name("别的CA", "别的CA").unwrap();
    assert!(issue::lint(&bad, Kind::EndEntity(Usage::Signing), &issuer).is_err());
    let mut bad = good.clone();
    bad.subject = Default::default();
    assert!(issue::lint(&bad, Kind::EndEntity(Usage::Signing), &issuer).is_err());
    let mut bad = good.clone();
    let dup = bad.extensions.as_ref().unwrap()[1].clone();
    bad.extensions.as_mut().unwrap().push(dup);
    assert!(issue::lint(&bad, Kind::EndEntity(Usage::Signing), &issuer).is_err());
    // An authorityKeyIdentifier naming another CA's key.
    let mut bad = good.clone();
    let other = mca_pki::profile::authority_key_id(&key()).unwrap();
    for e in bad.extensions.as_mut().unwrap() {
        if e.extn_id == other.extn_id {
            *e = other.clone();
        }
    }
    assert!(matches!(
        issue::lint(&bad, Kind::EndEntity(Usage::Signing), &issuer),
        Err(Error::Lint(m)) if m.contains("authorityKeyIdentifier")
    ));
}

#[test]
fn validation_rejects_bad_identity_and_validity() {
    let bad_holders = [
        Holder::Person {
            name: "张三".into(),
            resident_id: "110105194912310021".into(),
        },
        Holder::Person {
            name: " ".into(),
            resident_id: "11010519491231002X".into(),
        },
        Holder::Enterprise {
            name: "公司".into(),
            credit_code: "91350100M000100Y44".into(),
        },
    ];
    for holder in bad_holders {
        let req = Request {
            holder,
            usage: Usage::Signing,
            public_key: key(),
            validity_days: 365,
        };
        assert!(matches!(
            issue::validate(req),
            Err(Error::InvalidRequest(_))
        ));
    }
    for days in [0, 3651] {
        let req = Request {
            holder: person(),
            usage: Usage::Signing,
            public_key: key(),
            validity_days: days,
        };
        assert!(issue::validate(req).is_err());
    }
}

#[test]
fn assemble_rejects_a_wrong_signature() {
    let ca = test_ca();
    let req = Request {
        holder: person(),
        usage: Usage::Signing,
        public_key: key(),
        validity_days: 30,
    };
    let v = issue::validate(req).unwrap();
    let tbs = issue::apply_profile(&v, &ca.issuer(), mca_pki::algorithm::now().unwrap()).unwrap();
    let prepared = issue::prepare(&tbs, Kind::EndEntity(Usage::Signing), &ca.issuer()).unwrap();
    let other = SoftwareSigner::generate().unwrap();
    let sig = other.sign(prepared.message()).unwrap();
    assert!(matches!(
        prepared.assemble(&sig),
        Err(Error::BadSignature(_))
    ));
    // sign_with refuses a signer whose key is not the issuer's.
    let prepared = issue::prepare(&tbs, Kind::EndEntity(Usage::Signing), &ca.issuer()).unwrap();
    assert!(sign_with(prepared, &other).is_err());
}

#[test]
fn two_party_csr_is_proof_of_possession_and_openssl_accepts_it() {
    let signer = TwoPartySigner::generate();
    let subject =
        name::build(&[(mca_pki::oids::AT_COMMON_NAME, name::Text::Utf8("张三"))]).unwrap();
    let der = sign_with(
        csr::prepare(subject, &signer.public_key()).unwrap(),
        &signer,
    )
    .unwrap();
    let v = csr::verify(&der).unwrap();
    assert_eq!(v.public_key, signer.public_key());
    let pem = csr::to_pem(&der);
    assert_eq!(
        csr::verify_pem(&pem).unwrap().public_key,
        signer.public_key()
    );
    let dir = scratch("csr");
    write(&dir, "req.pem", &pem);
    let text = openssl(&dir, &["req", "-in", "req.pem", "-noout", "-text"]);
    assert!(text.contains("SM2-with-SM3"));
    // Flipping any byte breaks parsing or the proof of possession.
    for i in 0..der.len() {
        let mut bad = der.clone();
        bad[i] ^= 0x01;
        assert!(csr::verify(&bad).is_err(), "byte {i} flip accepted");
    }
    python_check(
        &serde_json::json!([{ "kind": "csr", "der": hex::encode(&der), "key": signer.public_key().to_hex() }]),
    );
}

#[test]
fn two_party_signed_certificate_verifies() {
    // A CA key that is itself split (the signer interface fits the
    // interactive protocol): issue with it and check with OpenSSL.
    let ca_signer = TwoPartySigner::generate();
    let ca = test_ca();
    let mut issuer = ca.issuer();
    issuer.key = ca_signer.public_key();
    let req = Request {
        holder: enterprise(),
        usage: Usage::Signing,
        public_key: key(),
        validity_days: 30,
    };
    let cert = issue::issue(req, &issuer, &ca_signer).unwrap();
    cert.verify_signature(&ca_signer.public_key()).unwrap();
    assert!(cert.verify_signature(ca.issuing().public_key()).is_err());
    python_check(
        &serde_json::json!([{ "kind": "cert", "der": hex::encode(cert.to_der()), "key": ca_signer.public_key().to_hex(), "ca": false }]),
    );
}

#[test]
fn hierarchy_saves_loads_and_refuses_overwrite_and_wrong_passphrase() {
    let ca = test_ca();
    let dir = scratch("ca").join("org");
    ca.save(&dir, b"passphrase-123456", 1000).unwrap();
    let loaded = CaHierarchy::load(&dir, b"passphrase-123456").unwrap();
    assert_eq!(loaded.root(), ca.root());
    assert_eq!(
        loaded.issuing_signer().public_key(),
        *ca.issuing().public_key()
    );
    assert_eq!(
        CaHierarchy::load(&dir, b"wrong").unwrap_err(),
        Error::KeyDecryption
    );
    let before = std::fs::read(dir.join("issuing.key.json")).unwrap();
    assert!(matches!(
        ca.save(&dir, b"other", 1000),
        Err(Error::Io { .. })
    ));
    assert_eq!(
        std::fs::read(dir.join("issuing.key.json")).unwrap(),
        before,
        "existing key overwritten"
    );
    // A certificate swapped for another CA's is refused at load.
    let other = test_ca();
    std::fs::write(dir.join("issuing.pem"), other.issuing().to_pem()).unwrap();
    assert!(CaHierarchy::load(&dir, b"passphrase-123456").is_err());
    assert!(CaHierarchy::load(&dir.join("missing"), b"x").is_err());
    let _ = keystore::DEFAULT_ROUNDS;
}

#[test]
fn certificate_parser_rejects_garbage_and_flips() {
    let ca = test_ca();
    let der = ca.issuing().to_der().to_vec();
    assert!(Certificate::from_der(&[]).is_err());
    assert!(Certificate::from_der(&der[..der.len() - 1]).is_err());
    assert!(Certificate::from_pem("not pem").is_err());
    for i in 0..der.len() {
        let mut bad = der.clone();
        bad[i] ^= 0x80;
        let ok =
            Certificate::from_der(&bad).and_then(|c| c.verify_signature(ca.root().public_key()));
        assert!(ok.is_err(), "byte {i} flip accepted");
    }
}

#[test]
fn openssl_made_csr_and_certificate_parse_and_verify() {
    // OpenSSL 3 as the other implementation: an SM2 key, a CSR and a
    // self-signed certificate signed with the standard ID.
    let dir = scratch("openssl-csr");
    openssl(&dir, &["genpkey", "-algorithm", "SM2", "-out", "k.pem"]);
    let id = ["-sm3", "-sigopt", "distid:1234567812345678"];
    openssl(
        &dir,
        &[
            &[
                "req",
                "-new",
                "-utf8",
                "-key",
                "k.pem",
                "-subj",
                "/CN=测试/O=某某公司",
                "-out",
                "std.pem",
            ][..],
            &id,
        ]
        .concat(),
    );
    openssl(
        &dir,
        &[
            &[
                "req", "-x509", "-new", "-key", "k.pem", "-subj", "/CN=root", "-out", "crt.pem",
            ][..],
            &id,
        ]
        .concat(),
    );
    // Without -sigopt OpenSSL 3.0 signs with the empty ID: we must refuse.
    openssl(
        &dir,
        &[
            "req",
            "-new",
            "-key",
            "k.pem",
            "-subj",
            "/CN=x",
            "-sm3",
            "-out",
            "empty.pem",
        ],
    );
    let read = |f: &str| std::fs::read_to_string(dir.join(f)).unwrap();

    let v = csr::verify_pem(&read("std.pem")).unwrap();
    assert_eq!(
        name::attribute(&v.subject, mca_pki::oids::AT_COMMON_NAME).as_deref(),
        Some("测试")
    );
    assert!(matches!(
        csr::verify_pem(&read("empty.pem")),
        Err(Error::BadSignature(_))
    ));
    let cert = Certificate::from_pem(&read("crt.pem")).unwrap();
    assert_eq!(cert.public_key(), &v.public_key);
    cert.verify_signature(cert.public_key()).unwrap();

    // …and OpenSSL checks the proof of possession in a CSR we made.
    let signer = TwoPartySigner::generate();
    let subject =
        name::build(&[(mca_pki::oids::AT_COMMON_NAME, name::Text::Utf8("李四"))]).unwrap();
    let der = sign_with(
        csr::prepare(subject, &signer.public_key()).unwrap(),
        &signer,
    )
    .unwrap();
    write(&dir, "ours.pem", csr::to_pem(&der));
    let out = openssl(
        &dir,
        &[
            "req",
            "-in",
            "ours.pem",
            "-noout",
            "-verify",
            "-vfyopt",
            "distid:1234567812345678",
        ],
    );
    assert!(out.contains("verify OK"), "{out}");
}
