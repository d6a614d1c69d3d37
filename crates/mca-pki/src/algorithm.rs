//! The DER pieces every signed structure shares: the sm2-with-sm3
//! AlgorithmIdentifier, SM2 SubjectPublicKeyInfo, key identifiers, and the
//! `SEQUENCE { tbs, algorithm, BIT STRING signature }` envelope.

use der::asn1::{BitString, ObjectIdentifier};
use der::{Any, Decode, Encode};
use mca_crypto::sm2::{Point, Signature};
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};

use crate::error::malformed;
use crate::{Error, Result, oids};

/// sm2-with-sm3 with absent parameters (GM/T 0015; what OpenSSL emits).
pub fn sm2_with_sm3() -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned {
        oid: oids::SM2_WITH_SM3,
        parameters: None,
    }
}

/// An AlgorithmIdentifier with no parameters.
pub fn bare(oid: ObjectIdentifier) -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned {
        oid,
        parameters: None,
    }
}

/// Checks that a signature algorithm is SM2 (either OID in use); parameters,
/// if any, must be NULL.
pub fn require_sm2_signature(alg: &AlgorithmIdentifierOwned) -> Result<()> {
    if !oids::is_sm2_signature(&alg.oid) {
        return Err(Error::Unsupported(
            "signature algorithm (only SM2 with SM3)",
        ));
    }
    match &alg.parameters {
        None => Ok(()),
        Some(p) if p.is_null() => Ok(()),
        Some(_) => Err(Error::Unsupported("signature algorithm parameters")),
    }
}

/// SM2 public key as OpenSSL 3 and GmSSL write it: id-ecPublicKey with the
/// SM2 curve OID, uncompressed point.
pub fn spki(key: &Point) -> SubjectPublicKeyInfoOwned {
    SubjectPublicKeyInfoOwned {
        algorithm: AlgorithmIdentifierOwned {
            oid: oids::EC_PUBLIC_KEY,
            parameters: Some(Any::from(oids::SM2)),
        },
        subject_public_key: BitString::from_bytes(&key.to_sec1()).expect("65 bytes fit"),
    }
}

/// Reads an SM2 public key from an SPKI (id-ecPublicKey + sm2 curve, or the
/// bare SM2 OID some older CAs use).
pub fn point_from_spki(spki: &SubjectPublicKeyInfoOwned) -> Result<Point> {
    let curve_ok = match &spki.algorithm.parameters {
        Some(p) => p
            .decode_as::<ObjectIdentifier>()
            .map(|o| o == oids::SM2)
            .unwrap_or(false),
        None => false,
    };
    let alg_ok =
        (spki.algorithm.oid == oids::EC_PUBLIC_KEY && curve_ok) || spki.algorithm.oid == oids::SM2;
    if !alg_ok {
        return Err(Error::Unsupported("public key algorithm (only SM2)"));
    }
    let bytes = spki.subject_public_key.as_bytes().ok_or(Error::Malformed {
        what: "public key",
        reason: "unused bits".into(),
    })?;
    Ok(Point::from_sec1(bytes)?)
}

/// Key identifier: the leftmost 160 bits of SM3 over the public key bits
/// (RFC 7093 method 2 with SM3 in place of SHA-256).
pub fn key_identifier(key: &Point) -> Vec<u8> {
    mca_crypto::sm3::sm3(&key.to_sec1())[..20].to_vec()
}

/// The signature as it goes into a BIT STRING: DER `SEQUENCE { r, s }`.
pub fn signature_bits(signature: &Signature) -> BitString {
    BitString::from_bytes(&signature.to_der()).expect("DER signature fits a BIT STRING")
}

/// Reads a DER `SEQUENCE { r, s }` signature from a BIT STRING.
pub fn signature_from_bits(bits: &BitString) -> Result<Signature> {
    let bytes = bits.as_bytes().ok_or(Error::Malformed {
        what: "signature",
        reason: "unused bits".into(),
    })?;
    Signature::from_der(bytes).map_err(|_| Error::Malformed {
        what: "signature",
        reason: "not DER SEQUENCE{r,s}".into(),
    })
}

/// `SEQUENCE { tbs, sm2-with-sm3, BIT STRING }`: the shape of a certificate,
/// CRL and CSR. `tbs` is already DER.
pub fn signed_envelope(tbs: &[u8], signature: &Signature) -> Result<Vec<u8>> {
    let tbs = Any::from_der(tbs).map_err(malformed("to-be-signed structure"))?;
    let body = (tbs, sm2_with_sm3(), signature_bits(signature));
    encode_seq(&body)
}

/// DER of a tuple as a SEQUENCE.
fn encode_seq(body: &(Any, AlgorithmIdentifierOwned, BitString)) -> Result<Vec<u8>> {
    let mut inner = body.0.to_der().map_err(malformed("envelope"))?;
    inner.extend(body.1.to_der().map_err(malformed("envelope"))?);
    inner.extend(body.2.to_der().map_err(malformed("envelope"))?);
    wrap(der::Tag::Sequence, &inner)
}

/// A TLV around already-encoded content.
pub fn wrap(tag: der::Tag, content: &[u8]) -> Result<Vec<u8>> {
    Any::new(tag, content.to_vec())
        .and_then(|a| a.to_der())
        .map_err(malformed("envelope"))
}

/// Decodes one PEM block whose label must be `label`.
pub fn pem_decode(pem: &str, label: &str, what: &'static str) -> Result<Vec<u8>> {
    let (found, der) = der::pem::decode_vec(pem.as_bytes()).map_err(|e| Error::Malformed {
        what,
        reason: e.to_string(),
    })?;
    if found != label {
        return Err(Error::Malformed {
            what,
            reason: format!("label {found}"),
        });
    }
    Ok(der)
}

/// PEM text of DER bytes.
pub fn pem_encode(label: &str, der: &[u8]) -> String {
    der::pem::encode_string(label, der::pem::LineEnding::LF, der).expect("PEM of DER")
}

/// The current time, second precision, as an X.509 time.
pub fn now() -> Result<der::DateTime> {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_err(|_| Error::Unsupported("system clock before 1970"))?;
    der::DateTime::from_unix_duration(core::time::Duration::from_secs(secs.as_secs()))
        .map_err(|_| Error::Unsupported("system clock out of range"))
}

/// `t + days`.
pub fn add_days(t: der::DateTime, days: u32) -> Result<der::DateTime> {
    der::DateTime::from_unix_duration(
        t.unix_duration() + core::time::Duration::from_secs(u64::from(days) * 86_400),
    )
    .map_err(|_| Error::InvalidRequest("validity out of range".into()))
}

/// RFC 5280 time: UTCTime through 2049, GeneralizedTime after.
pub fn x509_time(t: der::DateTime) -> x509_cert::time::Time {
    if t.year() < 2050 {
        x509_cert::time::Time::UtcTime(der::asn1::UtcTime::from_date_time(t).expect("year checked"))
    } else {
        x509_cert::time::Time::GeneralTime(der::asn1::GeneralizedTime::from_date_time(t))
    }
}
