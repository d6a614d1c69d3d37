//! X.509 certificates: our own `TBSCertificate` type (x509-cert 0.3 keeps
//! its fields private and its builder applies CA/Browser rules), the
//! prepared/assembled signing steps, and a parsed [`Certificate`].

use der::asn1::BitString;
use der::{Any, Decode, Encode, Sequence};
use mca_crypto::sm2::{Point, Signature};
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use x509_cert::ext::Extension;
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::Validity;

use crate::algorithm::{self, point_from_spki, require_sm2_signature, signature_from_bits};
use crate::error::malformed;
use crate::signer::{ToBeSigned, check};
use crate::{Error, Result};

/// RFC 5280 `TBSCertificate`, v3 only (no unique identifiers).
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct TbsCertificate {
    /// 2 (v3).
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT")]
    pub version: u8,
    /// Positive, 8–16 random bytes.
    pub serial_number: SerialNumber,
    /// sm2-with-sm3.
    pub signature: AlgorithmIdentifierOwned,
    /// The issuing CA's subject.
    pub issuer: Name,
    /// notBefore / notAfter.
    pub validity: Validity,
    /// The holder.
    pub subject: Name,
    /// The certified SM2 key.
    pub subject_public_key_info: SubjectPublicKeyInfoOwned,
    /// Extensions.
    #[asn1(context_specific = "3", tag_mode = "EXPLICIT", optional = "true")]
    pub extensions: Option<Vec<Extension>>,
}

/// `SEQUENCE { tbs, signatureAlgorithm, signature }` with the to-be-signed
/// part kept as raw bytes, so signatures are checked over exactly what was
/// signed (certificates, CRLs, CSRs share this shape).
#[derive(Clone, Debug, Sequence)]
pub(crate) struct RawSigned {
    pub tbs: Any,
    pub algorithm: AlgorithmIdentifierOwned,
    pub signature: BitString,
}

impl RawSigned {
    pub fn parse(der: &[u8], what: &'static str) -> Result<Self> {
        RawSigned::from_der(der).map_err(malformed(what))
    }

    /// Checks the SM2 signature over the raw TBS bytes.
    pub fn verify(&self, key: &Point) -> Result<()> {
        require_sm2_signature(&self.algorithm)?;
        let sig = signature_from_bits(&self.signature)?;
        let tbs = self.tbs.to_der().map_err(malformed("signed structure"))?;
        key.verify(&tbs, &sig)
            .map_err(|_| Error::BadSignature("SM2 signature"))
    }
}

/// A TBSCertificate that passed the lint, ready for its signature.
#[derive(Debug)]
pub struct PreparedCertificate {
    tbs_der: Vec<u8>,
    issuer_key: Point,
}

impl PreparedCertificate {
    /// Encodes a linted TBS (only `issue` makes these, after the lint).
    pub(crate) fn new(tbs: &TbsCertificate, issuer_key: Point) -> Result<Self> {
        Ok(PreparedCertificate {
            tbs_der: tbs.to_der().map_err(malformed("TBSCertificate"))?,
            issuer_key,
        })
    }
}

impl ToBeSigned for PreparedCertificate {
    type Output = Certificate;

    fn message(&self) -> &[u8] {
        &self.tbs_der
    }

    fn signer_key(&self) -> &Point {
        &self.issuer_key
    }

    fn assemble(self, signature: &Signature) -> Result<Certificate> {
        check(&self.issuer_key, &self.tbs_der, signature)?;
        Certificate::from_der(&algorithm::signed_envelope(&self.tbs_der, signature)?)
    }
}

/// A parsed certificate with an SM2 public key, keeping its DER.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Certificate {
    der: Vec<u8>,
    inner: x509_cert::Certificate,
    public_key: Point,
}

const PEM_LABEL: &str = "CERTIFICATE";

impl Certificate {
    /// Parses DER; the key must be SM2.
    pub fn from_der(der: &[u8]) -> Result<Self> {
        let inner = x509_cert::Certificate::from_der(der).map_err(malformed("certificate"))?;
        let public_key = point_from_spki(inner.tbs_certificate().subject_public_key_info())?;
        Ok(Certificate {
            der: der.to_vec(),
            inner,
            public_key,
        })
    }

    /// Parses one PEM certificate.
    pub fn from_pem(pem: &str) -> Result<Self> {
        Certificate::from_der(&algorithm::pem_decode(pem, PEM_LABEL, "PEM certificate")?)
    }

    /// DER bytes.
    pub fn to_der(&self) -> &[u8] {
        &self.der
    }

    /// PEM text.
    pub fn to_pem(&self) -> String {
        algorithm::pem_encode(PEM_LABEL, &self.der)
    }

    /// The x509-cert view, for reading fields.
    pub fn x509(&self) -> &x509_cert::Certificate {
        &self.inner
    }

    /// The certified SM2 public key.
    pub fn public_key(&self) -> &Point {
        &self.public_key
    }

    /// The subject DN.
    pub fn subject(&self) -> &Name {
        self.inner.tbs_certificate().subject()
    }

    /// The issuer DN.
    pub fn issuer(&self) -> &Name {
        self.inner.tbs_certificate().issuer()
    }

    /// Serial number bytes (big-endian, as encoded).
    pub fn serial(&self) -> &[u8] {
        self.inner.tbs_certificate().serial_number().as_bytes()
    }

    /// notBefore, notAfter.
    pub fn validity(&self) -> (der::DateTime, der::DateTime) {
        let v = self.inner.tbs_certificate().validity();
        (v.not_before.to_date_time(), v.not_after.to_date_time())
    }

    /// Checks this certificate's signature under `issuer_key`.
    pub fn verify_signature(&self, issuer_key: &Point) -> Result<()> {
        RawSigned::parse(&self.der, "certificate")?.verify(issuer_key)
    }

    /// Checks that `issuer` issued this certificate: names chain and the
    /// signature verifies under the issuer's key.
    pub fn verify_issued_by(&self, issuer: &Certificate) -> Result<()> {
        if self.issuer() != issuer.subject() {
            return Err(Error::BadSignature("issuer name does not match"));
        }
        self.verify_signature(issuer.public_key())
    }
}

/// Parses every certificate in a PEM bundle.
pub fn parse_pem_bundle(pem: &str) -> Result<Vec<Certificate>> {
    let mut out = Vec::new();
    let mut rest = pem;
    while let Some(start) = rest.find("-----BEGIN CERTIFICATE-----") {
        let end_marker = "-----END CERTIFICATE-----";
        let end = rest[start..].find(end_marker).ok_or(Error::Malformed {
            what: "PEM bundle",
            reason: "unterminated".into(),
        })? + start
            + end_marker.len();
        out.push(Certificate::from_pem(&rest[start..end])?);
        rest = &rest[end..];
    }
    Ok(out)
}
