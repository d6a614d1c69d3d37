//! PKCS#10 certification requests (RFC 2986) with SM2 keys: parsing with
//! proof of possession, and two-step creation so a split key (the
//! two-party protocol) can sign its own request.

use der::asn1::SetOfVec;
use der::{Decode, Encode};
use mca_crypto::sm2::{Point, Signature};
use x509_cert::name::Name;
use x509_cert::request::{CertReq, CertReqInfo, Version};

use crate::Result;
use crate::algorithm::{self, point_from_spki};
use crate::cert::RawSigned;
use crate::error::malformed;
use crate::signer::{ToBeSigned, check};

const PEM_LABEL: &str = "CERTIFICATE REQUEST";

/// A request whose signature verified under its own key.
#[derive(Clone, Debug)]
pub struct VerifiedCsr {
    /// The requested subject (informational: the profile sets the real one).
    pub subject: Name,
    /// The key, proven to be held by the requester.
    pub public_key: Point,
}

/// Parses a DER CSR and checks its signature with the key it carries.
pub fn verify(der: &[u8]) -> Result<VerifiedCsr> {
    let req = CertReq::from_der(der).map_err(malformed("certification request"))?;
    let public_key = point_from_spki(&req.info.public_key)?;
    RawSigned::parse(der, "certification request")?.verify(&public_key)?;
    Ok(VerifiedCsr {
        subject: req.info.subject,
        public_key,
    })
}

/// Parses a PEM CSR and checks it.
pub fn verify_pem(pem: &str) -> Result<VerifiedCsr> {
    verify(&algorithm::pem_decode(pem, PEM_LABEL, "PEM request")?)
}

/// DER `CertificationRequestInfo`, ready for the key holder's signature.
#[derive(Debug)]
pub struct PreparedCsr {
    info: Vec<u8>,
    key: Point,
}

/// Step 1: the request info for `subject` and `key`, no attributes.
pub fn prepare(subject: Name, key: &Point) -> Result<PreparedCsr> {
    let info = CertReqInfo {
        version: Version::V1,
        subject,
        public_key: algorithm::spki(key),
        attributes: SetOfVec::new(),
    };
    Ok(PreparedCsr {
        info: info.to_der().map_err(malformed("request info"))?,
        key: *key,
    })
}

impl ToBeSigned for PreparedCsr {
    /// DER `CertificationRequest`.
    type Output = Vec<u8>;

    fn message(&self) -> &[u8] {
        &self.info
    }

    fn signer_key(&self) -> &Point {
        &self.key
    }

    fn assemble(self, signature: &Signature) -> Result<Vec<u8>> {
        check(&self.key, &self.info, signature)?;
        algorithm::signed_envelope(&self.info, signature)
    }
}

/// PEM text of a DER request.
pub fn to_pem(der: &[u8]) -> String {
    algorithm::pem_encode(PEM_LABEL, der)
}
