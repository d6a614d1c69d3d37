//! Revocation (M1): a certificate's status, reason and time in the store;
//! what the server publishes from it — a CRL per issuing CA
//! (`mca_pki::crl`, numbered by one atomic counter per CA) and OCSP
//! answers (`mca_pki::ocsp`) signed by the issuing CA.
//!
//! A CRL is signed when it is published, never per request: after every
//! revocation through [`Revocation::revoke`], and by the sweep
//! ([`Revocation::publish_due`]) when none is published yet, the published
//! one is older than the refresh interval, or it lists fewer revocations
//! than the store holds (a re-key supersedes certificates without this
//! service). The published DER is stored, so every instance serves the same
//! CRL.

use std::collections::HashMap;
use std::sync::Arc;

use mca_pki::crl::{self, Crl};
use mca_pki::ocsp::{self, OcspRequest, ResponseStatus, Status};
use mca_pki::signer::sign_with;
use x509_cert::ext::pkix::CrlReason;

use super::Authorities;
use super::issuance::{der_time, pki};
use crate::store::{CertificateRecord, PublishedCrl, RevocationReason, Store};
use crate::{Audit, CaId, CertificateId, Clock, DomainError, Result, UserId};

/// How long a CRL or an OCSP answer is valid (nextUpdate − thisUpdate).
pub const PUBLICATION_SECS: i64 = 86_400;

/// How long a published CRL is served before the sweep re-signs it, unless
/// configured ([`Revocation::with_crl_refresh`]).
pub const CRL_REFRESH_SECS: i64 = 3_600;

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
    crl_refresh: i64,
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
            crl_refresh: CRL_REFRESH_SECS,
        }
    }

    /// Re-signs a published CRL once it is `secs` old (less than
    /// [`PUBLICATION_SECS`], so a new one is out before nextUpdate).
    pub fn with_crl_refresh(mut self, secs: i64) -> Self {
        self.crl_refresh = secs.clamp(1, PUBLICATION_SECS - 1);
        self
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
        // Published at once so the next CRL fetch lists it. Should this
        // fail, the revocation stands and the next sweep publishes it.
        if let Some(c) = self.store.certificate(cert).await?
            && let Err(e) = self.publish(c.ca_id).await
        {
            tracing::warn!(error = %e, "publishing the CRL after a revocation failed");
        }
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

    /// The CA's published CRL. Signed here only when none is published or
    /// the published one is past its nextUpdate (no sweep has run): a
    /// request never costs a signature or a CRL number otherwise.
    pub async fn crl(&self, ca: CaId) -> Result<PublishedCrl> {
        self.cas.get(ca)?;
        match self.store.published_crl(ca).await? {
            Some(c) if self.clock.now() < c.next_update => Ok(c),
            _ => self.publish(ca).await,
        }
    }

    /// When the published CRL `c` is due to be re-signed by schedule.
    pub fn refresh_at(&self, c: &PublishedCrl) -> crate::Timestamp {
        c.this_update.plus(self.crl_refresh)
    }

    /// How many more seconds a cache may keep `c` (HTTP `max-age`): until
    /// it is due to be re-signed, never past its nextUpdate.
    pub fn fresh_for(&self, c: &PublishedCrl) -> i64 {
        let until = self.refresh_at(c).0.min(c.next_update.0);
        (until - self.clock.now().0).max(0)
    }

    /// Publishes the CRLs that are due (see the module doc); how many.
    pub async fn publish_due(&self) -> Result<usize> {
        let now = self.clock.now();
        let mut published = 0;
        for (ca, _) in self.cas.iter() {
            let due = match self.store.published_crl(ca).await? {
                None => true,
                Some(c) => {
                    now >= self.refresh_at(&c)
                        || c.revoked_count
                            != revocations(&self.store.revoked_certificates(ca).await?)?.len()
                                as i64
                }
            };
            if due {
                self.publish(ca).await?;
                published += 1;
            }
        }
        Ok(published)
    }

    /// Signs a new CRL of a CA listing every stored revocation, valid for
    /// [`PUBLICATION_SECS`], and publishes it; if another instance
    /// published a higher number meanwhile, that one stays and is returned.
    pub async fn publish(&self, ca: CaId) -> Result<PublishedCrl> {
        let h = self.cas.get(ca)?;
        // The number is taken before the revocations are read, so the
        // higher-numbered of two racing CRLs read the store later.
        let number = self.store.next_crl_number(ca).await?;
        let revoked = revocations(&self.store.revoked_certificates(ca).await?)?;
        let now = self.clock.now();
        let next_update = now.plus(PUBLICATION_SECS);
        let prepared = crl::prepare(
            &h.issuer(),
            u64::try_from(number).map_err(|_| DomainError::Internal("CRL number"))?,
            der_time(now)?,
            der_time(next_update)?,
            &revoked,
        )
        .map_err(pki)?;
        let crl: Crl = sign_with(prepared, h.issuing_signer()).map_err(pki)?;
        let published = PublishedCrl {
            ca_id: ca,
            crl_number: number,
            this_update: now,
            next_update,
            revoked_count: revoked.len() as i64,
            der: crl.to_der().to_vec(),
        };
        if self.store.publish_crl(&published).await? {
            return Ok(published);
        }
        self.store
            .published_crl(ca)
            .await?
            .ok_or(DomainError::Internal("published CRL"))
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

/// The CRL entries of a CA's revoked certificates.
fn revocations(certs: &[CertificateRecord]) -> Result<Vec<crl::Revocation>> {
    let mut revoked = Vec::new();
    for c in certs {
        if let Some(at) = c.revoked_at {
            revoked.push(crl::Revocation {
                serial: c.serial.clone(),
                revoked_at: der_time(at)?,
                reason: crl_reason(c.revocation_reason.unwrap_or(RevocationReason::Unspecified)),
            });
        }
    }
    Ok(revoked)
}
