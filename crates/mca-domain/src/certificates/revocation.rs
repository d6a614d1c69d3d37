//! Revocation (M1): a certificate's status, reason and time in the store;
//! what the server publishes from it — a CRL per issuing CA
//! (`mca_pki::crl`, numbered by one atomic counter per CA) and OCSP
//! answers (`mca_pki::ocsp`) signed by the issuing CA.

use std::collections::HashMap;
use std::sync::Arc;

use mca_pki::crl::{self, Crl};
use mca_pki::ocsp::{self, OcspRequest, ResponseStatus, Status};
use mca_pki::signer::sign_with;
use x509_cert::ext::pkix::CrlReason;

use super::Authorities;
use super::issuance::{der_time, pki};
use crate::store::{CertificateRecord, RevocationReason, Store};
use crate::{Audit, CaId, CertificateId, Clock, DomainError, Result, UserId};

/// How long a CRL or an OCSP answer is valid (nextUpdate − thisUpdate).
pub const PUBLICATION_SECS: i64 = 86_400;

fn crl_reason(r: RevocationReason) -> CrlReason {
    match r {
        RevocationReason::KeyCompromise => CrlReason::KeyCompromise,
        RevocationReason::AffiliationChanged => CrlReason::AffiliationChanged,
        RevocationReason::Superseded => CrlReason::Superseded,
        RevocationReason::CessationOfOperation => CrlReason::CessationOfOperation,
        _ => CrlReason::Unspecified,
    }
}

/// The revocation service.
#[derive(Clone)]
pub struct Revocation {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    audit: Audit,
    cas: Arc<Authorities>,
}

impl Revocation {
    /// The revocation service for the CAs in `cas`.
    pub fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        audit: Audit,
        cas: Arc<Authorities>,
    ) -> Self {
        Self {
            store,
            clock,
            audit,
            cas,
        }
    }

    /// Revokes a certificate; `actor` is `user:<id>`, `reviewer:<id>`,
    /// `operator` or `system`. Revoking twice is refused.
    pub async fn revoke(
        &self,
        actor: &str,
        cert: CertificateId,
        reason: RevocationReason,
    ) -> Result<()> {
        if !self
            .store
            .revoke_certificate(cert, self.clock.now(), reason)
            .await?
        {
            return match self.store.certificate(cert).await? {
                Some(_) => Err(DomainError::CertificateRevoked),
                None => Err(DomainError::NotFound("certificate")),
            };
        }
        self.audit
            .append(
                actor,
                "certificate_revoked",
                &format!("certificate:{cert}"),
                reason.as_str(),
            )
            .await?;
        Ok(())
    }

    /// The holder revokes one of their certificates.
    pub async fn revoke_own(
        &self,
        user: UserId,
        cert: CertificateId,
        reason: RevocationReason,
    ) -> Result<()> {
        self.certificate(user, cert).await?;
        self.revoke(&format!("user:{user}"), cert, reason).await
    }

    /// The user's certificate (another user's is "not found").
    pub async fn certificate(&self, user: UserId, id: CertificateId) -> Result<CertificateRecord> {
        self.store
            .certificate(id)
            .await?
            .filter(|c| c.user_id == user)
            .ok_or(DomainError::NotFound("certificate"))
    }

    /// The user's certificates, oldest first.
    pub async fn certificates(&self, user: UserId) -> Result<Vec<CertificateRecord>> {
        Ok(self.store.certificates_of(user).await?)
    }

    /// A fresh CRL of a CA, signed by its issuing CA, valid for a day.
    pub async fn crl(&self, ca: CaId) -> Result<Crl> {
        let h = self.cas.get(ca)?;
        let mut revoked = Vec::new();
        for c in self.store.revoked_certificates(ca).await? {
            if let (Some(at), reason) = (c.revoked_at, c.revocation_reason) {
                revoked.push(crl::Revocation {
                    serial: c.serial,
                    revoked_at: der_time(at)?,
                    reason: crl_reason(reason.unwrap_or(RevocationReason::Unspecified)),
                });
            }
        }
        let number = self.store.next_crl_number(ca).await?;
        let now = self.clock.now();
        let prepared = crl::prepare(
            &h.issuer(),
            u64::try_from(number).map_err(|_| DomainError::Internal("CRL number"))?,
            der_time(now)?,
            der_time(now.plus(PUBLICATION_SECS))?,
            &revoked,
        )
        .map_err(pki)?;
        sign_with(prepared, h.issuing_signer()).map_err(pki)
    }

    /// The DER OCSP response to a DER request: statuses from the store,
    /// signed by the issuing CA the request's CertIDs name; `unknown` for
    /// serials we never issued, an unsigned `malformedRequest` for bytes
    /// that are not a request and `unauthorized` for CAs we do not run.
    pub async fn ocsp(&self, request: &[u8]) -> Result<Vec<u8>> {
        let Ok(req) = OcspRequest::from_der(request) else {
            return Ok(ocsp::error_response(ResponseStatus::MalformedRequest));
        };
        let Some(first) = req.tbs_request.request_list.first() else {
            return Ok(ocsp::error_response(ResponseStatus::MalformedRequest));
        };
        let mut found = None;
        for (id, h) in self.cas.iter() {
            if ocsp::matches_issuer(&first.req_cert, &h.issuer()).map_err(pki)? {
                found = Some((id, h));
                break;
            }
        }
        let Some((ca, h)) = found else {
            return Ok(ocsp::error_response(ResponseStatus::Unauthorized));
        };
        let mut statuses = HashMap::new();
        for r in &req.tbs_request.request_list {
            let serial = r.req_cert.serial_number.as_bytes().to_vec();
            let status = match self.store.certificate_by_serial(ca, &serial).await? {
                None => Status::Unknown,
                Some(c) => match c.revoked_at {
                    None => Status::Good,
                    Some(at) => Status::Revoked(
                        der_time(at)?,
                        crl_reason(c.revocation_reason.unwrap_or(RevocationReason::Unspecified)),
                    ),
                },
            };
            statuses.insert(serial, status);
        }
        let now = self.clock.now();
        let prepared = ocsp::prepare(
            &req,
            &h.issuer(),
            der_time(now)?,
            der_time(now.plus(PUBLICATION_SECS))?,
            |serial| statuses.get(serial).copied().unwrap_or(Status::Unknown),
        )
        .map_err(pki)?;
        sign_with(prepared, h.issuing_signer()).map_err(pki)
    }
}
