//! CRLs (RFC 5280 v2) per issuing CA, with reason codes, the CRL number and
//! the authority key identifier.

use der::asn1::{ObjectIdentifier, Uint};
use der::{DateTime, Decode, Encode};
use mca_crypto::sm2::{Point, Signature};
use x509_cert::Version;
use x509_cert::crl::{CertificateList, RevokedCert, TbsCertList};
use x509_cert::ext::pkix::{CrlNumber, CrlReason};
use x509_cert::serial_number::SerialNumber;

use crate::algorithm::{self, x509_time};
use crate::cert::RawSigned;
use crate::error::malformed;
use crate::issue::Issuer;
use crate::profile::{self, raw_extension};
use crate::signer::{ToBeSigned, check};
use crate::{Error, Result, oids};

/// A revoked certificate as the CA's store records it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Revocation {
    /// Serial number bytes of the revoked certificate.
    pub serial: Vec<u8>,
    /// When it was revoked.
    pub revoked_at: DateTime,
    /// Why (RFC 5280 reason code).
    pub reason: CrlReason,
}

/// Step 1: the TBSCertList.
pub fn prepare(
    issuer: &Issuer,
    crl_number: u64,
    this_update: DateTime,
    next_update: DateTime,
    revoked: &[Revocation],
) -> Result<PreparedCrl> {
    if next_update <= this_update {
        return Err(Error::InvalidRequest(
            "nextUpdate must follow thisUpdate".into(),
        ));
    }
    let mut entries: Vec<RevokedCert> = Vec::with_capacity(revoked.len());
    for r in revoked {
        let reason = raw_extension(
            oids::EXT_CRL_REASON,
            false,
            r.reason.to_der().map_err(malformed("reason"))?,
        );
        entries.push(RevokedCert {
            serial_number: SerialNumber::new(&r.serial).map_err(malformed("serial number"))?,
            revocation_date: x509_time(r.revoked_at),
            crl_entry_extensions: Some(vec![reason]),
        });
    }
    let number = CrlNumber(Uint::new(&crl_number.to_be_bytes()).map_err(malformed("CRL number"))?);
    let tbs: TbsCertList = TbsCertList {
        version: Version::V2,
        signature: algorithm::sm2_with_sm3(),
        issuer: issuer.name.clone(),
        this_update: x509_time(this_update),
        next_update: Some(x509_time(next_update)),
        revoked_certificates: if entries.is_empty() {
            None
        } else {
            Some(entries)
        },
        crl_extensions: Some(vec![
            profile::authority_key_id(&issuer.key)?,
            raw_extension(
                oids::EXT_CRL_NUMBER,
                false,
                number.to_der().map_err(malformed("CRL number"))?,
            ),
        ]),
    };
    Ok(PreparedCrl {
        tbs: tbs.to_der().map_err(malformed("TBSCertList"))?,
        key: issuer.key,
    })
}

/// A TBSCertList waiting for the CA's signature.
#[derive(Debug)]
pub struct PreparedCrl {
    tbs: Vec<u8>,
    key: Point,
}

impl ToBeSigned for PreparedCrl {
    type Output = Crl;

    fn message(&self) -> &[u8] {
        &self.tbs
    }

    fn signer_key(&self) -> &Point {
        &self.key
    }

    fn assemble(self, signature: &Signature) -> Result<Crl> {
        check(&self.key, &self.tbs, signature)?;
        Crl::from_der(&algorithm::signed_envelope(&self.tbs, signature)?)
    }
}

/// A parsed CRL.
#[derive(Clone, Debug)]
pub struct Crl {
    der: Vec<u8>,
    inner: CertificateList,
}

impl Crl {
    /// Parses DER.
    pub fn from_der(der: &[u8]) -> Result<Self> {
        Ok(Crl {
            der: der.to_vec(),
            inner: CertificateList::from_der(der).map_err(malformed("CRL"))?,
        })
    }

    /// DER bytes.
    pub fn to_der(&self) -> &[u8] {
        &self.der
    }

    /// PEM text (`X509 CRL`).
    pub fn to_pem(&self) -> String {
        algorithm::pem_encode("X509 CRL", &self.der)
    }

    /// Checks the signature under the issuing CA's key.
    pub fn verify(&self, issuer_key: &Point) -> Result<()> {
        RawSigned::parse(&self.der, "CRL")?.verify(issuer_key)
    }

    /// The x509-cert view.
    pub fn x509(&self) -> &CertificateList {
        &self.inner
    }

    /// The cRLNumber, if present and at most 64 bits.
    pub fn number(&self) -> Option<u64> {
        let ext = self
            .inner
            .tbs_cert_list
            .crl_extensions
            .iter()
            .flatten()
            .find(|x| x.extn_id == oids::EXT_CRL_NUMBER)?;
        let n = Uint::from_der(ext.extn_value.as_bytes()).ok()?;
        let bytes = n.as_bytes();
        (bytes.len() <= 8).then(|| bytes.iter().fold(0, |a, b| (a << 8) | u64::from(*b)))
    }

    /// The entry for `serial`, if revoked: (time, reason; unspecified when
    /// the entry has no reason code).
    pub fn lookup(&self, serial: &[u8]) -> Option<(DateTime, CrlReason)> {
        let entries = self.inner.tbs_cert_list.revoked_certificates.as_ref()?;
        let e = entries
            .iter()
            .find(|e| e.serial_number.as_bytes() == serial)?;
        let reason = e
            .crl_entry_extensions
            .iter()
            .flatten()
            .find(|x| x.extn_id == reason_oid())
            .and_then(|x| CrlReason::from_der(x.extn_value.as_bytes()).ok())
            .unwrap_or(CrlReason::Unspecified);
        Some((e.revocation_date.to_date_time(), reason))
    }
}

fn reason_oid() -> ObjectIdentifier {
    oids::EXT_CRL_REASON
}
