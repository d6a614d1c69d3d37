//! What the admin does with people and authorizations (D1, D2): the
//! members and the authorizations with their history, deleting an
//! authorization (its certificate is revoked and its keys retired at
//! once), deleting a person (all their authorizations end so).

use super::Enterprises;
use crate::store::{
    ApplicationSubject, Authorization, AuthorizationState, KeyState, MemberRole, Membership,
    RevocationReason,
};
use crate::{AuthorizationId, DomainError, EnterpriseId, Result, UserId};

/// A member as the admin sees them.
#[derive(Clone, Debug)]
pub struct Member {
    /// The membership.
    pub membership: Membership,
    /// Their verified name.
    pub name: String,
    /// Their phone, masked.
    pub phone_masked: String,
}

impl Enterprises {
    /// D1: the enterprise's people (admin only).
    pub async fn members(&self, admin: UserId, enterprise: EnterpriseId) -> Result<Vec<Member>> {
        self.require_admin(admin, enterprise).await?;
        let mut out = Vec::new();
        for m in self.store.members_of(enterprise).await? {
            let name = self.store.identity(m.user_id).await?.map(|i| i.name);
            let phone = self.store.user(m.user_id).await?.map(|u| u.phone);
            out.push(Member {
                name: name.map(|n| n.as_str().to_owned()).unwrap_or_default(),
                phone_masked: phone.map(|p| p.masked()).unwrap_or_default(),
                membership: m,
            });
        }
        Ok(out)
    }

    /// D2: every authorization of the enterprise, deleted ones too (the
    /// history), oldest first (admin only).
    pub async fn authorizations(
        &self,
        admin: UserId,
        enterprise: EnterpriseId,
    ) -> Result<Vec<Authorization>> {
        self.require_admin(admin, enterprise).await?;
        Ok(self.store.authorizations_of_enterprise(enterprise).await?)
    }

    /// D2: deletes an authorization (pending or active): its certificate
    /// is revoked and its keys retired (see `end_authorization`), and a
    /// pending one is never approved or downloaded. The admin's own cannot
    /// be deleted.
    pub async fn delete_authorization(&self, admin: UserId, id: AuthorizationId) -> Result<()> {
        let a = self
            .store
            .authorization(id)
            .await?
            .ok_or(DomainError::NotFound("authorization"))?;
        self.require_admin(admin, a.enterprise_id).await?;
        if a.user_id == admin {
            return Err(DomainError::InvalidInput("authorization"));
        }
        self.end_authorization(admin, &a).await
    }

    /// Ends an authorization and everything issued under it: the
    /// certificates of its application are revoked (affiliationChanged) and
    /// its keys retired, so nothing signs or decrypts for the enterprise
    /// under it any more, through a relying party or the app's own routes.
    /// The authorizations it superseded (the certificates it renewed, D5/E3)
    /// end with it, and so do the pending renewals of its certificates: a
    /// renewal must not leave the old certificate usable, nor renew a line
    /// that ended.
    async fn end_authorization(&self, admin: UserId, a: &Authorization) -> Result<()> {
        let now = self.clock.now();
        let mut ended = false;
        for from in [
            AuthorizationState::Active,
            AuthorizationState::Pending,
            AuthorizationState::Superseded,
        ] {
            ended |= self
                .store
                .set_authorization_state(a.id, from, AuthorizationState::Deleted, now)
                .await?;
        }
        if !ended {
            return Err(DomainError::ApplicationState);
        }
        self.revoke_under(admin, a).await?;
        self.end_pending_renewals(a).await?;
        self.log(
            admin,
            "authorization_deleted",
            a.enterprise_id,
            &format!("authorization:{}", a.id),
        )
        .await?;
        let mut application = a.application_id;
        while let Some(previous) = self.previous_authorization(application).await? {
            application = previous.application_id;
            let superseded = AuthorizationState::Superseded;
            if self
                .store
                .set_authorization_state(previous.id, superseded, AuthorizationState::Deleted, now)
                .await?
            {
                self.revoke_under(admin, &previous).await?;
                self.log(
                    admin,
                    "authorization_deleted",
                    a.enterprise_id,
                    &format!("authorization:{} (renewed by {})", previous.id, a.id),
                )
                .await?;
            }
        }
        Ok(())
    }

    /// The authorization of the certificate `application` renewed or
    /// re-applied for, if any.
    async fn previous_authorization(
        &self,
        application: crate::ApplicationId,
    ) -> Result<Option<Authorization>> {
        let previous = self
            .store
            .application(application)
            .await?
            .and_then(|app| app.previous_certificate_id);
        match previous {
            Some(cert) => super::authorization_of_certificate(&*self.store, cert).await,
            None => Ok(None),
        }
    }

    /// Deletes the pending renewals and re-applications of `a`'s
    /// certificates: a line that ended cannot be renewed.
    async fn end_pending_renewals(&self, a: &Authorization) -> Result<()> {
        let certs: Vec<_> = self
            .store
            .certificates_of_application(a.application_id)
            .await?
            .into_iter()
            .map(|c| c.id)
            .collect();
        let now = self.clock.now();
        for b in self
            .store
            .authorizations_of_enterprise(a.enterprise_id)
            .await?
        {
            if b.state != AuthorizationState::Pending {
                continue;
            }
            let renews = self
                .store
                .application(b.application_id)
                .await?
                .and_then(|app| app.previous_certificate_id)
                .is_some_and(|c| certs.contains(&c));
            if renews {
                self.store
                    .set_authorization_state(
                        b.id,
                        AuthorizationState::Pending,
                        AuthorizationState::Deleted,
                        now,
                    )
                    .await?;
            }
        }
        Ok(())
    }

    /// Revokes the certificates of `a`'s application and retires its keys.
    async fn revoke_under(&self, admin: UserId, a: &Authorization) -> Result<()> {
        let now = self.clock.now();
        for cert in self
            .store
            .certificates_of_application(a.application_id)
            .await?
        {
            if cert.revoked_at.is_none() {
                self.revocation
                    .revoke(
                        &format!("user:{admin}"),
                        cert.id,
                        RevocationReason::AffiliationChanged,
                    )
                    .await?;
            }
        }
        for k in self.store.signing_keys_of(a.user_id).await? {
            if k.application_id != a.application_id {
                continue;
            }
            for from in [KeyState::Pending, KeyState::Active, KeyState::Locked] {
                self.store
                    .set_key_state(k.id, from, KeyState::Retired, now)
                    .await?;
            }
            self.store.mark_shares_lost(k.id).await?;
        }
        Ok(())
    }

    /// D1: deletes a person: their authorizations end, their enterprise
    /// certificates are revoked (affiliationChanged) and they are no
    /// longer staff. Their personal certificates are theirs and stay.
    pub async fn remove_member(
        &self,
        admin: UserId,
        enterprise: EnterpriseId,
        user: UserId,
    ) -> Result<()> {
        self.require_admin(admin, enterprise).await?;
        let member = self
            .store
            .members_of(enterprise)
            .await?
            .into_iter()
            .find(|m| m.user_id == user)
            .ok_or(DomainError::NotFound("member"))?;
        if member.role == MemberRole::Admin {
            return Err(DomainError::InvalidInput("user_id"));
        }
        for a in self.store.authorizations_of_enterprise(enterprise).await? {
            let live = matches!(
                a.state,
                AuthorizationState::Active | AuthorizationState::Pending
            );
            if a.user_id == user && live {
                self.end_authorization(admin, &a).await?;
            }
        }
        for cert in self.store.certificates_of(user).await? {
            if cert.revoked_at.is_some() {
                continue;
            }
            let app = self.store.application(cert.application_id).await?;
            let agent = app.is_some_and(|a| {
                a.subject == ApplicationSubject::Agent && a.enterprise_id == Some(enterprise)
            });
            if agent {
                self.revocation
                    .revoke(
                        &format!("user:{admin}"),
                        cert.id,
                        RevocationReason::AffiliationChanged,
                    )
                    .await?;
            }
        }
        self.store.remove_staff(enterprise, user).await?;
        self.log(admin, "member_removed", enterprise, &format!("user:{user}"))
            .await
    }
}
