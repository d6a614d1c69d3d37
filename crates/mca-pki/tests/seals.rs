//! GB/T 38540 / GM/T 0031 electronic seals (J3, K2, C3, D2): real seals
//! from another implementation (ofdrw samples, see testdata/README.md),
//! and our own seals and signatures.

mod common;

use common::*;
use mca_pki::Error;
use mca_pki::issue::{self, Request};
use mca_pki::profile::{Holder, Usage};
use mca_pki::seal::{png, v1, v4};
use mca_pki::signer::{Signer, sign_with};

#[test]
fn real_version_4_seal_parses_and_verifies() {
    let seal = v4::Seal::from_der(&testdata("UserV4.esl")).unwrap();
    assert_eq!(seal.info.header.version, 4);
    assert_eq!(seal.info.property.name, "OFD R&W 测试用印章");
    assert_eq!(seal.info.picture.picture_type.as_str(), "PNG");
    seal.verify().unwrap();
    assert!(matches!(
        v1::parse_any(&testdata("UserV4.esl")).unwrap(),
        v1::AnySeal::V4(_)
    ));
}

#[test]
fn real_version_1_seal_parses_and_verifies() {
    let any = v1::parse_any(&testdata("UserV1.esl")).unwrap();
    let v1::AnySeal::V1(seal) = &any else {
        panic!("not v1")
    };
    assert_eq!(seal.info.property.name, "OFDRW测试用印章");
    any.verify().unwrap();
    assert!(v4::Seal::from_der(&testdata("UserV1.esl")).is_err());
}

#[test]
fn vendor_seal_with_non_der_boolean_parses() {
    let der = testdata("SESealData.DER");
    let seal = v4::Seal::from_der(&der).unwrap();
    assert_eq!(seal.info.picture.picture_type.as_str(), "GIF");
    let ext = seal.info.ext_datas.as_ref().unwrap();
    assert_eq!(ext.len(), 3);
    assert_eq!(ext[0].critical, Some(false), "explicit BOOLEAN FALSE kept");
    assert_eq!(seal.info.property.cert_list.len(), 2);
    // Its maker signature verifies under neither rule (README of the samples).
    assert!(matches!(seal.verify(), Err(Error::BadSignature(_))));
}

#[test]
fn real_ses_signature_from_an_ofd_verifies() {
    let sig = testdata("SESV4SignedValue.dat");
    let doc = testdata("SESV4Signature.xml");
    let v = v4::verify_signature(&sig, &doc).unwrap();
    assert_eq!(v.seal.to_der(), testdata("SESV4Seal.esl"));
    assert_eq!(
        v.tbs.property_info.as_str(),
        "/Doc_0/Signs/Sign_0/Signature.xml"
    );
    assert!(matches!(
        v4::verify_signature(&sig, b"another document"),
        Err(Error::BadSignature(_))
    ));
}

#[test]
fn a_seal_signature_over_a_digest_verifies_over_the_document() {
    let Fixture {
        signer, cert, seal, ..
    } = fixture();
    let doc = "开标记录表".as_bytes();
    let digest = mca_crypto::sm3::sm3(doc);
    let now = mca_pki::algorithm::now().unwrap();
    let prepared = v4::prepare_signature_for_digest(&seal, &digest, "x", &cert, now).unwrap();
    let sig = sign_with(prepared, &signer).unwrap();
    assert_eq!(v4::verify_signature(&sig, doc).unwrap().signer, cert);
    assert!(v4::verify_signature(&sig, &digest).is_err());
    // A relying party holding only the digest verifies by the digest.
    assert_eq!(
        v4::verify_signature_for_digest(&sig, &digest)
            .unwrap()
            .signer,
        cert
    );
    let other = mca_crypto::sm3::sm3(b"another document");
    assert!(matches!(
        v4::verify_signature_for_digest(&sig, &other),
        Err(Error::BadSignature(_))
    ));
}

struct Fixture {
    ca: mca_pki::ca::CaHierarchy,
    signer: TwoPartySigner,
    cert: mca_pki::cert::Certificate,
    seal: v4::Seal,
}

fn fixture() -> Fixture {
    let ca = test_ca();
    let signer = TwoPartySigner::generate();
    let holder = Holder::Enterprise {
        name: "某某建设有限公司".into(),
        credit_code: "91350100M000100Y43".into(),
    };
    let req = Request {
        holder,
        usage: Usage::Signing,
        public_key: signer.public_key(),
        validity_days: 365,
    };
    let cert = issue::issue(req, &ca.issuer(), ca.issuing_signer()).unwrap();
    let now = mca_pki::algorithm::now().unwrap();
    let spec = v4::SealSpec {
        es_id: "MCA-0001".into(),
        seal_type: 1,
        name: "某某建设有限公司 投标专用章".into(),
        signer_certs: vec![cert.clone()],
        valid_start: now,
        valid_end: mca_pki::algorithm::add_days(now, 365).unwrap(),
        picture_type: "PNG".into(),
        picture: png::circular_seal(120),
        size_mm: (40, 40),
    };
    let seal = sign_with(
        v4::prepare_seal(&spec, ca.seal_maker(), now).unwrap(),
        ca.seal_signer(),
    )
    .unwrap();
    Fixture {
        ca,
        signer,
        cert,
        seal,
    }
}

#[test]
fn our_seal_and_two_party_signature_round_trip_and_verify_independently() {
    let Fixture {
        ca,
        signer,
        cert,
        seal,
    } = fixture();
    seal.verify().unwrap();
    seal.verify_with_issuers(&[ca.issuing().clone()]).unwrap();
    assert!(seal.verify_with_issuers(&[ca.root().clone()]).is_err());
    assert_eq!(seal.maker().unwrap(), *ca.seal_maker());
    let again = v4::Seal::from_der(seal.to_der()).unwrap();
    assert_eq!(again.info, seal.info);
    assert!(seal.allows(&cert));
    assert!(!seal.allows(ca.seal_maker()));

    let doc = "招标公告：某某工程".as_bytes();
    let now = mca_pki::algorithm::now().unwrap();
    let prepared =
        v4::prepare_signature(&seal, doc, "/Doc_0/Signs/Sign_0/Signature.xml", &cert, now).unwrap();
    let sig = sign_with(prepared, &signer).unwrap();
    let v = v4::verify_signature(&sig, doc).unwrap();
    assert_eq!(v.signer, cert);
    // Only certificates on the seal's list may sign with it.
    let outsider = mca_pki::signer::SoftwareSigner::generate().unwrap();
    assert!(v4::prepare_signature(&seal, doc, "x", ca.seal_maker(), now).is_err());
    let _ = outsider.public_key();

    python_check(&serde_json::json!([
        {"kind": "seal", "der": hex::encode(seal.to_der()), "key": ca.seal_maker().public_key().to_hex()},
        {"kind": "ses-signature", "der": hex::encode(&sig), "key": signer.public_key().to_hex(), "document": hex::encode(doc)},
    ]));
    let dir = scratch("seal");
    write(&dir, "seal.der", seal.to_der());
    write(&dir, "sig.der", &sig);
    openssl(&dir, &["asn1parse", "-inform", "DER", "-in", "seal.der"]);
    openssl(&dir, &["asn1parse", "-inform", "DER", "-in", "sig.der"]);

    // Flipping any byte of the seal or the signature makes verification fail.
    let seal_der = seal.to_der().to_vec();
    for i in 0..seal_der.len() {
        let mut bad = seal_der.clone();
        bad[i] ^= 0x01;
        let ok =
            v4::Seal::from_der(&bad).and_then(|s| s.verify_with_issuers(&[ca.issuing().clone()]));
        assert!(ok.is_err(), "seal flip at {i} accepted");
    }
    for i in 0..sig.len() {
        let mut bad = sig.clone();
        bad[i] ^= 0x01;
        let ok = v4::verify_signature(&bad, doc)
            .and_then(|v| v.seal.verify_with_issuers(&[ca.issuing().clone()]));
        assert!(ok.is_err(), "signature flip at {i} accepted");
    }
}

#[test]
fn seal_picture_is_a_valid_png() {
    let png = png::circular_seal(96);
    let dir = scratch("png");
    write(&dir, "seal.png", &png);
    // Python's zlib and the PNG structure: an independent decoder.
    let script = r#"
import struct, sys, zlib
d = open(sys.argv[1], 'rb').read()
assert d[:8] == b'\x89PNG\r\n\x1a\n'
pos, idat, size = 8, b'', None
while pos < len(d):
    n, = struct.unpack('>I', d[pos:pos+4]); kind = d[pos+4:pos+8]; body = d[pos+8:pos+8+n]
    crc, = struct.unpack('>I', d[pos+8+n:pos+12+n])
    assert zlib.crc32(kind + body) == crc, kind
    if kind == b'IHDR': size = struct.unpack('>II', body[:8])
    if kind == b'IDAT': idat += body
    pos += 12 + n
raw = zlib.decompress(idat)
row = (size[0] + 7) // 8 + 1
assert len(raw) == size[1] * row
red = sum(bin(raw[i]).count('1') for i in range(len(raw)) if i % row)
assert 500 < red < size[0] * size[1] // 2, red
print('png ok', size)
"#;
    let out = std::process::Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(dir.join("seal.png"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn seal_inputs_are_checked() {
    let Fixture { ca, cert, .. } = fixture();
    let now = mca_pki::algorithm::now().unwrap();
    let spec = v4::SealSpec {
        es_id: "x".into(),
        seal_type: 1,
        name: " ".into(),
        signer_certs: vec![cert],
        valid_start: now,
        valid_end: now,
        picture_type: "PNG".into(),
        picture: vec![],
        size_mm: (40, 40),
    };
    assert!(v4::prepare_seal(&spec, ca.seal_maker(), now).is_err());
    assert!(v4::Seal::from_der(&[]).is_err());
    assert!(v1::parse_any(&[0x30, 0x00]).is_err());
    assert!(v4::verify_signature(&[0x30, 0x03, 0x02, 0x01, 0x04], b"").is_err());
}
