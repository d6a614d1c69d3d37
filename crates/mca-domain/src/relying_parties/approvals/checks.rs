//! The checks before a key is used for a relying party: the key is the
//! caller's device's, its certificate neither revoked nor expired and
//! naming the holder the relying party expects, the key not locked, the D2
//! rule holds. A failed check ends the session with its end result.

use mca_pki::cert::Certificate;
use mca_pki::{name, oids};

use super::Approvals;
use crate::relying_parties::authorization::ActingFor;
use crate::store::{ApplicationSubject, CertUsage, CertificateRecord, KeyState, RpEndResult};
use crate::{Caller, DomainError, Result, RpSessionId, SigningKeyId};

impl Approvals {
    /// The newest signing certificate of `key`.
    pub(super) async fn signing_certificate(
        &self,
        caller: Caller,
        key: SigningKeyId,
    ) -> Result<CertificateRecord> {
        let key = key.to_string();
        self.store
            .certificates_of(caller.user)
            .await?
            .into_iter()
            .rev()
            .find(|c| c.usage == CertUsage::Signing && c.key_id == key)
            .ok_or(DomainError::NotFound("certificate"))
    }

    /// The newest unrevoked encryption certificate issued with `signing`.
    pub(super) async fn encryption_certificate(
        &self,
        caller: Caller,
        signing: &CertificateRecord,
    ) -> Result<CertificateRecord> {
        self.store
            .certificates_of(caller.user)
            .await?
            .into_iter()
            .rev()
            .find(|c| {
                c.usage == CertUsage::Encryption
                    && c.application_id == signing.application_id
                    && c.revoked_at.is_none()
            })
            .ok_or(DomainError::NotFound("encryption certificate"))
    }

    /// The checks before any key use: the key is the caller's device's,
    /// its certificate neither revoked nor expired, the key not locked, the
    /// D2 rule holds. A failed check ends the session.
    pub(super) async fn check_key(
        &self,
        caller: Caller,
        id: RpSessionId,
        key: SigningKeyId,
    ) -> Result<CertificateRecord> {
        let session = self.sessions.claimed(caller, id).await?;
        let rec = self.keys.key_of(caller, key).await?;
        // The certificate first: a revoked or expired one is the lasting
        // reason, whatever the key's lock says.
        let cert = self.signing_certificate(caller, key).await?;
        if cert.revoked_at.is_some() {
            return self
                .end(
                    caller,
                    id,
                    RpEndResult::CertificateRevoked,
                    DomainError::CertificateRevoked,
                )
                .await;
        }
        if self.clock.now() > cert.not_after {
            return self
                .end(
                    caller,
                    id,
                    RpEndResult::CertificateExpired,
                    DomainError::CertificateExpired,
                )
                .await;
        }
        // Before the lock: another person's certificate is the lasting
        // reason, whatever the key's lock says.
        if let Some(expected) = session.content.expected_holder() {
            let parsed = Certificate::from_der(&cert.der)
                .map_err(|_| DomainError::Internal("stored certificate"))?;
            let subject = parsed.subject();
            let common_name = name::attribute(subject, oids::AT_COMMON_NAME);
            let credit_code = name::attribute(subject, oids::AT_SERIAL_NUMBER);
            if !expected.matches(common_name.as_deref(), credit_code.as_deref()) {
                return self
                    .end(
                        caller,
                        id,
                        RpEndResult::HolderMismatch,
                        DomainError::HolderMismatch,
                    )
                    .await;
            }
        }
        if rec.state == KeyState::Locked {
            return self
                .end(caller, id, RpEndResult::PinLocked, DomainError::KeyLocked)
                .await;
        }
        let acting_for = self.acting_for(&cert).await?;
        self.sessions
            .check_platform_authorization(caller, id, &acting_for)
            .await?;
        Ok(cert)
    }

    /// For whom a certificate acts, from the application it was issued for
    /// (our record, not the certificate's text): an enterprise certificate
    /// (the admin's or an agent's) under that application's authorization.
    pub(super) async fn acting_for(&self, cert: &CertificateRecord) -> Result<ActingFor> {
        let app = self
            .store
            .application(cert.application_id)
            .await?
            .ok_or(DomainError::NotFound("application"))?;
        Ok(if app.subject == ApplicationSubject::Person {
            ActingFor::Person
        } else {
            ActingFor::Enterprise(app.id)
        })
    }
}
