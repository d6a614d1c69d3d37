//! 确认并盖章 (C3, E1, D2): the admin seals an authorization letter's exact
//! bytes with the enterprise certificate's two-party key; the seal is kept
//! as GM/T 0010 SignedData and the application goes to CA review. Also who
//! may see an authorization and its letter.

use mca_crypto::sm2::Signature;
use mca_pki::cert::Certificate;
use mca_pki::gmt0010::signed;

use super::Enterprises;
use crate::store::Application;
use crate::store::{
    ApplicationState, ApplicationSubject, Authorization, AuthorizationState, Blob, CertUsage,
};
use crate::{
    ApplicationId, AuthorizationId, Caller, DomainError, EnterpriseId, Result, SigningKeyId, UserId,
};

impl Enterprises {
    /// An authorization its enterprise's admin or its holder may see.
    pub async fn authorization(&self, user: UserId, id: AuthorizationId) -> Result<Authorization> {
        let a = self
            .store
            .authorization(id)
            .await?
            .ok_or(DomainError::NotFound("authorization"))?;
        if a.user_id != user && self.admin_of(a.enterprise_id).await? != Some(user) {
            return Err(DomainError::NotFound("authorization"));
        }
        Ok(a)
    }

    /// The letter of an authorization (PDF), for its admin or holder.
    pub async fn letter_of(&self, user: UserId, id: AuthorizationId) -> Result<Vec<u8>> {
        let a = self.authorization(user, id).await?;
        let hash = a.letter_hash.ok_or(DomainError::NotFound("letter"))?;
        Ok(self.applications.blob(&hash).await?.bytes)
    }

    /// C3 确认并盖章: the admin's two-party signature (DER) over the
    /// letter's exact bytes with the enterprise certificate of `key`,
    /// kept as GM/T 0010 SignedData; the application goes to CA review.
    /// The signature must verify under the certificate, which must be this
    /// enterprise's, valid and unrevoked.
    pub async fn seal(
        &self,
        caller: Caller,
        id: AuthorizationId,
        key: SigningKeyId,
        signature: &[u8],
    ) -> Result<Authorization> {
        let a = self
            .store
            .authorization(id)
            .await?
            .ok_or(DomainError::NotFound("authorization"))?;
        self.require_admin(caller.user, a.enterprise_id).await?;
        let app = self
            .store
            .application(a.application_id)
            .await?
            .ok_or(DomainError::NotFound("application"))?;
        if a.state != AuthorizationState::Pending
            || a.seal_hash.is_some()
            || app.state != ApplicationState::AwaitingAdmin
        {
            return Err(DomainError::ApplicationState);
        }
        let cert = self
            .enterprise_certificate(caller, a.enterprise_id, key)
            .await?;
        let letter = self.letter_of(caller.user, id).await?;
        let signature =
            Signature::from_der(signature).map_err(|_| DomainError::InvalidInput("signature"))?;
        let sealed = signed::over_content(&letter, &cert, &signature)
            .map_err(|_| DomainError::InvalidInput("signature"))?;
        let now = self.clock.now();
        let blob = Blob {
            hash: mca_crypto::sm3::sm3(&sealed),
            content_type: "application/pkcs7-signature".into(),
            bytes: sealed,
            created_at: now,
        };
        self.store.put_blob(&blob).await?;
        // The seal and the move to review are one transaction: a crash
        // between them cannot strand a sealed letter.
        if !self.store.seal_authorization(id, &blob.hash, now).await? {
            return Err(DomainError::ApplicationState);
        }
        self.log(
            caller.user,
            "authorization_sealed",
            a.enterprise_id,
            &format!("authorization:{id}"),
        )
        .await?;
        Ok(Authorization {
            seal_hash: Some(blob.hash),
            ..a
        })
    }

    /// The caller's valid, unrevoked signing certificate of `key` that
    /// names `enterprise` (its own enterprise certificate, B6).
    async fn enterprise_certificate(
        &self,
        caller: Caller,
        enterprise: EnterpriseId,
        key: SigningKeyId,
    ) -> Result<Certificate> {
        let key = key.to_string();
        let now = self.clock.now();
        for rec in self
            .store
            .certificates_of(caller.user)
            .await?
            .into_iter()
            .rev()
        {
            if rec.usage != CertUsage::Signing || rec.key_id != key {
                continue;
            }
            if rec.revoked_at.is_some() {
                return Err(DomainError::CertificateRevoked);
            }
            if now > rec.not_after {
                return Err(DomainError::CertificateExpired);
            }
            let app = self.store.application(rec.application_id).await?;
            let ours = app.is_some_and(|a| {
                a.subject == ApplicationSubject::Enterprise && a.enterprise_id == Some(enterprise)
            });
            if !ours {
                return Err(DomainError::NotEnterpriseAdmin);
            }
            return Certificate::from_der(&rec.der)
                .map_err(|_| DomainError::Internal("stored certificate"));
        }
        Err(DomainError::NotFound("certificate"))
    }

    /// After "证书申请失败" on an application the admin sealed (a join, a
    /// grant, an E1 request, a D3 or a renewal): its holder sends it back to the admin, who reads the
    /// reason with the request and seals again (or deletes it).
    pub async fn resubmit_to_admin(&self, user: UserId, id: ApplicationId) -> Result<Application> {
        let app = self.applications.get(user, id).await?;
        if !app.sealed_by_admin() || app.state != ApplicationState::Rejected {
            return Err(DomainError::ApplicationState);
        }
        let a = match self.store.authorization_of_application(app.id).await? {
            Some(a) if a.state == AuthorizationState::Pending => a,
            Some(_) => return Err(DomainError::AuthorizationEnded),
            // A claim: it has its own resubmission.
            None => return Err(DomainError::ApplicationState),
        };
        let now = self.clock.now();
        if !self.store.reopen_authorization(a.id, app.id, now).await? {
            return Err(DomainError::ApplicationState);
        }
        let reopened = Application {
            state: ApplicationState::AwaitingAdmin,
            reject_reason: None,
            updated_at: now,
            ..app
        };
        self.notify_admin(&reopened).await?;
        self.log(
            user,
            "request_resubmitted",
            a.enterprise_id,
            &format!("authorization:{}", a.id),
        )
        .await?;
        Ok(reopened)
    }
}
