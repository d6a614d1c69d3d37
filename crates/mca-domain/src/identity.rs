//! Real-name verification (A3): name + resident ID number, then face
//! verification through a [`FaceVerifier`]. Until verified, certificate and
//! scan operations answer "尚未实名认证，无法操作" ([`Identity::require_verified`]).
//!
//! The full ID number is stored only sealed by the [`KeyVault`] with the
//! user id as AAD; screens and logs get the masked form.

use std::sync::Arc;

use serde::Serialize;

use crate::providers::{FaceOutcome, FaceSession, FaceVerifier};
use crate::store::{IdentityRecord, IdentityState, MessageKind, Store};
use crate::{
    Audit, Clock, DomainError, IdNumber, KeyVault, Messages, PersonName, Result, SealedSecret,
    UserId,
};

/// What the app shows about a user's verification.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct IdentityStatus {
    /// `not_started`, `submitted`, `face_pending`, `face_failed` or `verified`.
    pub state: &'static str,
    /// `张*`, once submitted.
    pub name_masked: Option<String>,
    /// `3301**********123X`, once submitted.
    pub id_number_masked: Option<String>,
}

/// The real-name verification service.
#[derive(Clone)]
pub struct Identity {
    store: Arc<dyn Store>,
    face: Arc<dyn FaceVerifier>,
    vault: Arc<KeyVault>,
    clock: Arc<dyn Clock>,
    audit: Audit,
    messages: Messages,
}

fn aad(user: UserId) -> Vec<u8> {
    format!("identity:{user}").into_bytes()
}

impl Identity {
    /// The identity service.
    pub fn new(
        store: Arc<dyn Store>,
        face: Arc<dyn FaceVerifier>,
        vault: Arc<KeyVault>,
        clock: Arc<dyn Clock>,
        audit: Audit,
        messages: Messages,
    ) -> Self {
        Self {
            store,
            face,
            vault,
            clock,
            audit,
            messages,
        }
    }

    /// Step 1: validates the name and the ID number (checksum, region,
    /// plausible birth date) and stores them; refused once verified.
    pub async fn submit(
        &self,
        user: UserId,
        name: &str,
        id_number: &str,
    ) -> Result<IdentityStatus> {
        let name = PersonName::parse(name)?;
        let id_number = IdNumber::parse(id_number, self.clock.now())?;
        if let Some(r) = self.store.identity(user).await?
            && r.state == IdentityState::Verified
        {
            return Err(DomainError::IdentityAlreadyVerified);
        }
        let sealed = self.vault.seal(&aad(user), id_number.expose().as_bytes())?;
        let record = IdentityRecord {
            user_id: user,
            name,
            id_number_masked: id_number.masked(),
            id_number_sealed: sealed.as_bytes().to_vec(),
            state: IdentityState::Submitted,
            face_session: None,
            updated_at: self.clock.now(),
        };
        self.store.put_identity(&record).await?;
        self.audit
            .append(
                &format!("user:{user}"),
                "identity_submitted",
                &format!("user:{user}"),
                &record.id_number_masked,
            )
            .await?;
        Ok(status(Some(&record)))
    }

    async fn record(&self, user: UserId) -> Result<IdentityRecord> {
        let r = self
            .store
            .identity(user)
            .await?
            .ok_or(DomainError::IdentityNotSubmitted)?;
        if r.state == IdentityState::Verified {
            return Err(DomainError::IdentityAlreadyVerified);
        }
        Ok(r)
    }

    /// Step 2: opens a face-verification session with the provider.
    pub async fn start_face(&self, user: UserId) -> Result<FaceSession> {
        let mut r = self.record(user).await?;
        let plain = self.vault.open(
            &aad(user),
            &SealedSecret::from_bytes(r.id_number_sealed.clone()),
        )?;
        let text = std::str::from_utf8(&plain).map_err(|_| DomainError::InvalidIdNumber)?;
        let id_number = IdNumber::parse(text, self.clock.now())?;
        let session = self.face.start(&r.name, &id_number).await?;
        r.state = IdentityState::FacePending;
        r.face_session = Some(session.id.clone());
        r.updated_at = self.clock.now();
        self.store.put_identity(&r).await?;
        Ok(session)
    }

    /// Step 3: asks the provider for the result; on success the user is
    /// verified, gets a 实名认证通过 message, and the event is audited.
    pub async fn complete_face(&self, user: UserId) -> Result<IdentityStatus> {
        let mut r = self.record(user).await?;
        let session = r.face_session.clone().ok_or(DomainError::FaceNotStarted)?;
        match self.face.outcome(&session).await? {
            FaceOutcome::Pending => Err(DomainError::FacePending),
            FaceOutcome::Failed => {
                r.state = IdentityState::FaceFailed;
                r.face_session = None;
                r.updated_at = self.clock.now();
                self.store.put_identity(&r).await?;
                self.audit
                    .append(
                        &format!("user:{user}"),
                        "identity_face_failed",
                        &format!("user:{user}"),
                        "",
                    )
                    .await?;
                Err(DomainError::FaceFailed)
            }
            FaceOutcome::Passed => {
                let now = self.clock.now();
                self.store.mark_identity_verified(user, now).await?;
                self.audit
                    .append(
                        &format!("user:{user}"),
                        "identity_verified",
                        &format!("user:{user}"),
                        &r.id_number_masked,
                    )
                    .await?;
                self.messages
                    .send(
                        user,
                        MessageKind::IdentityVerified,
                        "实名认证通过",
                        "您已完成实名认证，可以申请证书或扫码使用。",
                        None,
                    )
                    .await?;
                r.state = IdentityState::Verified;
                Ok(status(Some(&r)))
            }
        }
    }

    /// The user's verification status.
    pub async fn status(&self, user: UserId) -> Result<IdentityStatus> {
        Ok(status(self.store.identity(user).await?.as_ref()))
    }

    /// The gate of certificate and scan operations (A3): "尚未实名认证，无法操作".
    pub async fn require_verified(&self, user: UserId) -> Result<()> {
        let u = self
            .store
            .user(user)
            .await?
            .ok_or(DomainError::NotFound("user"))?;
        if u.verified_at.is_none() {
            return Err(DomainError::IdentityNotVerified);
        }
        Ok(())
    }

    /// The full ID number of a verified user, for the certificate's
    /// IdentityCode extension (never for display).
    pub async fn id_number(&self, user: UserId) -> Result<IdNumber> {
        let r = self
            .store
            .identity(user)
            .await?
            .ok_or(DomainError::IdentityNotVerified)?;
        if r.state != IdentityState::Verified {
            return Err(DomainError::IdentityNotVerified);
        }
        let plain = self
            .vault
            .open(&aad(user), &SealedSecret::from_bytes(r.id_number_sealed))?;
        let text = std::str::from_utf8(&plain).map_err(|_| DomainError::InvalidIdNumber)?;
        IdNumber::parse(text, self.clock.now())
    }
}

fn status(r: Option<&IdentityRecord>) -> IdentityStatus {
    IdentityStatus {
        state: r.map_or("not_started", |r| r.state.as_str()),
        name_masked: r.map(|r| r.name.masked()),
        id_number_masked: r.map(|r| r.id_number_masked.clone()),
    }
}
