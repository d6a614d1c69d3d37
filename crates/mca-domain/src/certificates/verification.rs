//! M7 verification for relying parties (no QR): an SM2 signature with its
//! certificate, a GM/T 0010 SignedData, a GB/T 38540 seal signature.
//!
//! A result is valid only if every check passes: the signature verifies,
//! the signer's certificate was issued by the issuing CA of one of our CA
//! organizations ([`Authorities`]), the store — the same source as OCSP —
//! knows it and has not revoked it, and it is within its validity now (and
//! at the signing time a SignedData or seal states). A failed check is an
//! answer (`valid: false` with the first reason), not an error; only input
//! that is not the structure it claims to be is refused.

use std::sync::Arc;

use mca_crypto::sm2::Signature;
use mca_pki::cert::Certificate;
use mca_pki::gmt0010::signed;
use mca_pki::seal::v4;
use serde::Serialize;

use super::Authorities;
use crate::store::Store;
use crate::{CaId, Clock, DomainError, Result, Timestamp};

/// Why a verification is not valid: the first check that failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Failure {
    /// The signature (or SignedData, or seal signature) does not verify
    /// over the data given.
    SignatureInvalid,
    /// The seal itself (its maker's signature, or its maker's certificate)
    /// is not one of ours, or the signer is not in its list.
    SealInvalid,
    /// The certificate was not issued by any of our CAs.
    UntrustedIssuer,
    /// Issued by our CA, but unknown to our records.
    CertificateUnknown,
    /// The certificate is revoked.
    CertificateRevoked,
    /// Not yet valid (now, or at the stated signing time).
    CertificateNotYetValid,
    /// Expired (now, or at the stated signing time).
    CertificateExpired,
}

/// The revocation status from the store.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CertStatus {
    /// Issued by us and not revoked.
    Good,
    /// Revoked.
    Revoked,
    /// Not issued by us, or not in our records.
    Unknown,
}

/// What the relying party learns about the signer's certificate.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CertificateSummary {
    /// Subject DN (RFC 4514 text).
    pub subject: String,
    /// Serial number, lower-case hex.
    pub serial: String,
    /// Validity start.
    pub not_before: Timestamp,
    /// Validity end.
    pub not_after: Timestamp,
    /// Issuer DN (RFC 4514 text).
    pub issuer: String,
}

/// The answer to one verification.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct VerificationReport {
    /// Every check passed.
    pub valid: bool,
    /// The first check that failed (`None` when valid).
    pub reason: Option<Failure>,
    /// The signer's certificate, when it could be found.
    pub certificate: Option<CertificateSummary>,
    /// Issued by the issuing CA of one of our CA organizations.
    pub chain_valid: bool,
    /// Revocation status.
    pub status: CertStatus,
    /// When it was revoked.
    pub revoked_at: Option<Timestamp>,
}

fn ts(t: der::DateTime) -> Timestamp {
    Timestamp(i64::try_from(t.unix_duration().as_secs()).unwrap_or(i64::MAX))
}

/// The verification service.
#[derive(Clone)]
pub struct Verification {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    cas: Arc<Authorities>,
}

impl Verification {
    /// Verification against the CAs in `cas`, statuses from `store`.
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>, cas: Arc<Authorities>) -> Self {
        Self { store, clock, cas }
    }

    /// The issuing CA certificates of every CA organization.
    fn issuing(&self) -> Vec<Certificate> {
        self.cas.iter().map(|(_, h)| h.issuing().clone()).collect()
    }

    /// The CA organization whose issuing CA issued `cert`.
    fn issuer_of(&self, cert: &Certificate) -> Option<CaId> {
        self.cas
            .iter()
            .find(|(_, h)| cert.verify_issued_by(h.issuing()).is_ok())
            .map(|(id, _)| id)
    }

    /// The report on `cert` given whether the signature verified
    /// (`signature`: `None` if it did, else why not) and the signing time
    /// the message states, if any.
    async fn report(
        &self,
        cert: &Certificate,
        signature: Option<Failure>,
        signed_at: Option<Timestamp>,
    ) -> Result<VerificationReport> {
        let (not_before, not_after) = cert.validity();
        let (not_before, not_after) = (ts(not_before), ts(not_after));
        let summary = CertificateSummary {
            subject: cert.subject().to_string(),
            serial: hex::encode(cert.serial()),
            not_before,
            not_after,
            issuer: cert.issuer().to_string(),
        };
        let ca = self.issuer_of(cert);
        let record = match ca {
            Some(ca) => self.store.certificate_by_serial(ca, cert.serial()).await?,
            None => None,
        }
        // Same issuer and serial but other bytes is not the certificate we
        // issued (cannot happen without the CA key; checked anyway).
        .filter(|r| r.der == cert.to_der());
        let (status, revoked_at) = match &record {
            None => (CertStatus::Unknown, None),
            Some(r) => match r.revoked_at {
                None => (CertStatus::Good, None),
                Some(at) => (CertStatus::Revoked, Some(at)),
            },
        };
        let now = self.clock.now();
        let time = [Some(now), signed_at].into_iter().flatten().find_map(|t| {
            if t < not_before {
                Some(Failure::CertificateNotYetValid)
            } else if t > not_after {
                Some(Failure::CertificateExpired)
            } else {
                None
            }
        });
        let reason = signature
            .or(ca.is_none().then_some(Failure::UntrustedIssuer))
            .or(match status {
                CertStatus::Good => None,
                CertStatus::Revoked => Some(Failure::CertificateRevoked),
                CertStatus::Unknown => Some(Failure::CertificateUnknown),
            })
            .or(time);
        Ok(VerificationReport {
            valid: reason.is_none(),
            reason,
            certificate: Some(summary),
            chain_valid: ca.is_some(),
            status,
            revoked_at,
        })
    }

    /// An SM2 signature (DER, with the standard ID's Z_A) over `data` by
    /// the key of `certificate` (DER).
    pub async fn signature(
        &self,
        certificate: &[u8],
        data: &[u8],
        signature: &[u8],
    ) -> Result<VerificationReport> {
        let cert = Certificate::from_der(certificate)
            .map_err(|_| DomainError::InvalidInput("certificate"))?;
        let ok = Signature::from_der(signature)
            .is_ok_and(|sig| cert.public_key().verify(data, &sig).is_ok());
        self.report(&cert, (!ok).then_some(Failure::SignatureInvalid), None)
            .await
    }

    /// A SignedData (DER ContentInfo), attached or with `content` given
    /// for a detached one. Every signer must verify; the report is on the
    /// first signer whose certificate is not valid, else the first.
    pub async fn signed_data(
        &self,
        der: &[u8],
        content: Option<&[u8]>,
    ) -> Result<VerificationReport> {
        let sd = signed::parse(der).map_err(|_| DomainError::InvalidInput("signed_data"))?;
        if sd.content_info.content.is_none() && content.is_none() {
            return Err(DomainError::InvalidInput("content"));
        }
        let mut carried = Vec::new();
        for c in sd.certificates.iter().flat_map(|s| s.0.iter()) {
            let der =
                der::Encode::to_der(c).map_err(|_| DomainError::InvalidInput("signed_data"))?;
            carried.push(
                Certificate::from_der(&der)
                    .map_err(|_| DomainError::InvalidInput("signed_data"))?,
            );
        }
        let signers: Vec<&Certificate> = sd
            .signer_infos
            .0
            .iter()
            .filter_map(|si| {
                carried
                    .iter()
                    .find(|c| si.issuer_and_serial_number.names(c))
            })
            .collect();
        if signers.is_empty() || signers.len() != sd.signer_infos.0.len() {
            // Without the signer's certificate nothing can be said of it.
            return Err(DomainError::InvalidInput("signed_data"));
        }
        // Every signer is checked against all our issuing CAs; a signer
        // outside them makes `verify` fail, and the report says why.
        let verified = signed::verify(der, content, &[], &self.issuing());
        let mut first = None;
        for (i, cert) in signers.iter().enumerate() {
            let (signature, signed_at) = match &verified {
                Ok(v) => (None, v.signers.get(i).and_then(|s| s.signing_time).map(ts)),
                Err(_) if self.issuer_of(cert).is_none() => (None, None),
                Err(_) => (Some(Failure::SignatureInvalid), None),
            };
            let report = self.report(cert, signature, signed_at).await?;
            if !report.valid {
                return Ok(report);
            }
            first.get_or_insert(report);
        }
        first.ok_or(DomainError::InvalidInput("signed_data"))
    }

    /// A seal signature (`SES_Signature` DER) over the document whose SM3
    /// digest is `document_sm3`; without it, over the digest the signature
    /// itself names (the relying party compares that with its document).
    /// The seal must be made by one of our seal makers and list the signer.
    pub async fn seal(
        &self,
        der: &[u8],
        document_sm3: Option<&[u8; 32]>,
    ) -> Result<VerificationReport> {
        let (tbs, seal, signer) =
            v4::parse_signature(der).map_err(|_| DomainError::InvalidInput("seal"))?;
        let named: [u8; 32] = tbs
            .data_hash
            .as_bytes()
            .and_then(|b| b.try_into().ok())
            .ok_or(DomainError::InvalidInput("seal"))?;
        let digest = document_sm3.unwrap_or(&named);
        let signed_at = tbs
            .time_info
            .to_date_time()
            .unix_duration()
            .as_secs()
            .try_into()
            .ok()
            .map(Timestamp);
        let signature = match v4::verify_signature_for_digest(der, digest) {
            Err(_) => Some(Failure::SignatureInvalid),
            Ok(_) if seal.verify_with_issuers(&self.issuing()).is_err() => {
                Some(Failure::SealInvalid)
            }
            Ok(_) => None,
        };
        self.report(&signer, signature, signed_at).await
    }
}
