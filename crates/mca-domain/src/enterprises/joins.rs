//! Joining an enterprise (C1–C4): the query, the request with the admin's
//! details as proof of knowing them (every try counted, so the query is no
//! oracle), the admin's 确认并盖章 over the authorization letter, and the
//! activation when the staff member downloads the certificate.

use super::Enterprises;
use crate::certificates::CertificateInfo;
use crate::store::{
    Application, ApplicationKind, ApplicationState, ApplicationSubject, Authorization,
    AuthorizationState, Enterprise, EnterpriseState, MemberRole, MessageAction, MessageKind, Order,
    Permission, SendQuota,
};
use crate::{DomainError, EnterpriseId, Phone, Result, UserId};

/// Join tries per user (right or wrong): naming an admin is the proof of
/// knowing them, so guesses must be few.
pub const JOIN_TRIES: SendQuota = SendQuota {
    min_interval_secs: 0,
    per_hour: 5,
    per_day: 10,
};

/// A join request as the admin sees it (C3).
#[derive(Clone, Debug)]
pub struct JoinRequest {
    /// The authorization asked for (pending).
    pub authorization: Authorization,
    /// Its application (awaiting the admin once paid).
    pub application: Application,
    /// The applicant's verified name.
    pub applicant_name: String,
    /// The applicant's phone, masked.
    pub applicant_phone_masked: String,
}

/// What a join asks for (C2).
#[derive(Clone, Debug)]
pub struct JoinAsk<'a> {
    /// The admin's name, as the applicant knows it.
    pub admin_name: &'a str,
    /// The admin's phone.
    pub admin_phone: &'a Phone,
    /// The certificate info (its platform is the one authorized).
    pub info: CertificateInfo,
    /// The permissions wanted there.
    pub permissions: Vec<Permission>,
}

impl Enterprises {
    /// C1: the claimed enterprise with exactly this name and credit code;
    /// anything else is "not found". Says nothing about its admin.
    pub async fn lookup(
        &self,
        user: UserId,
        name: &str,
        code: &crate::CreditCode,
    ) -> Result<Enterprise> {
        self.identity.require_verified(user).await?;
        self.store
            .enterprise_by_credit_code(code)
            .await?
            .filter(|e| e.state == EnterpriseState::Claimed && e.name == name.trim())
            .ok_or(DomainError::NotFound("enterprise"))
    }

    /// A claimed enterprise `user` is not a member of yet (to join or
    /// accept an invitation to).
    pub(crate) async fn joinable(
        &self,
        user: UserId,
        enterprise: EnterpriseId,
    ) -> Result<Enterprise> {
        let e = self
            .store
            .enterprise(enterprise)
            .await?
            .filter(|e| e.state == EnterpriseState::Claimed)
            .ok_or(DomainError::NotFound("enterprise"))?;
        if self
            .store
            .memberships_of(user)
            .await?
            .iter()
            .any(|m| m.enterprise_id == enterprise)
        {
            return Err(DomainError::AlreadyMember);
        }
        Ok(e)
    }

    /// The enterprise's admin, if it has one.
    pub(crate) async fn admin_of(&self, enterprise: EnterpriseId) -> Result<Option<UserId>> {
        Ok(self
            .store
            .members_of(enterprise)
            .await?
            .into_iter()
            .find(|m| m.role == MemberRole::Admin)
            .map(|m| m.user_id))
    }

    /// Refuses anyone but the enterprise's admin.
    pub(crate) async fn require_admin(
        &self,
        user: UserId,
        enterprise: EnterpriseId,
    ) -> Result<Enterprise> {
        let e = self
            .store
            .enterprise(enterprise)
            .await?
            .ok_or(DomainError::NotFound("enterprise"))?;
        if self.admin_of(enterprise).await? != Some(user) {
            return Err(DomainError::NotEnterpriseAdmin);
        }
        Ok(e)
    }

    /// C2: asks to join `enterprise` with the admin's details, the
    /// certificate info and the permissions wanted: an agent application
    /// (pay it to send it to the admin) with a pending authorization and
    /// its letter. Every try takes one of [`JOIN_TRIES`] before the details
    /// are compared; a mismatch is `admin_mismatch`, too many tries
    /// `rate_limited`.
    pub async fn request_join(
        &self,
        user: UserId,
        enterprise: EnterpriseId,
        ask: JoinAsk<'_>,
    ) -> Result<(Application, Order)> {
        self.applications.check_can_apply(user, &ask.info).await?;
        let e = self.joinable(user, enterprise).await?;
        if ask.permissions.is_empty() {
            return Err(DomainError::InvalidInput("permissions"));
        }
        // One join at a time: a second would only add letters for the
        // admin (and tries to the quota).
        if self
            .store
            .authorizations_of_enterprise(enterprise)
            .await?
            .iter()
            .any(|a| a.user_id == user && a.state == AuthorizationState::Pending)
        {
            return Err(DomainError::ApplicationState);
        }
        let now = self.clock.now();
        let key = format!("join:{user}");
        if !self.store.take_send_quota(&key, now, &JOIN_TRIES).await? {
            let retry_after = self
                .store
                .send_quota(&key)
                .await?
                .map_or(3600, |q| q.retry_after(&JOIN_TRIES, now));
            return Err(DomainError::RateLimited { retry_after });
        }
        let admin = self
            .admin_of(enterprise)
            .await?
            .ok_or(DomainError::AdminMismatch)?;
        let admin_phone = self.store.user(admin).await?.map(|u| u.phone);
        let admin_name = self.store.identity(admin).await?.map(|i| i.name);
        let named = admin_name.is_some_and(|n| n.as_str() == ask.admin_name.trim());
        if !named || admin_phone.as_ref() != Some(ask.admin_phone) {
            self.log(user, "join_refused", enterprise, "admin mismatch")
                .await?;
            return Err(DomainError::AdminMismatch);
        }
        let created = self
            .ask_for_authorization(user, &e, ask.info, ask.permissions)
            .await?;
        self.log(
            user,
            "join_requested",
            enterprise,
            &format!("application:{}", created.0.id),
        )
        .await?;
        Ok(created)
    }

    /// After an enterprise application is paid and waits for the seal: its
    /// admin gets the request with the action to seal (C3: "加入企业申请";
    /// a renewal, a re-application, the admin's own new certificate).
    pub async fn notify_admin(&self, app: &Application) -> Result<()> {
        let (Some(enterprise), ApplicationState::AwaitingAdmin) = (app.enterprise_id, app.state)
        else {
            return Ok(());
        };
        let Some(admin) = self.admin_of(enterprise).await? else {
            return Ok(());
        };
        let a = self
            .store
            .authorization_of_application(app.id)
            .await?
            .ok_or(DomainError::NotFound("authorization"))?;
        let name = self
            .store
            .identity(app.user_id)
            .await?
            .map(|i| i.name.as_str().to_owned())
            .unwrap_or_default();
        let (title, body) = match (app.subject, app.kind) {
            (ApplicationSubject::Enterprise, _) => (
                "企业证书待盖章",
                "企业证书申请已支付，请查看授权书后用现有企业证书确认并盖章。".to_owned(),
            ),
            (_, ApplicationKind::Renewal) => (
                "企业证书续期申请",
                format!("{name}申请续期企业证书，请查看授权书后确认并盖章。"),
            ),
            (_, ApplicationKind::Reapplication) => (
                "企业证书重新申请",
                format!("{name}的企业证书已过期并申请重新办理，请查看授权书后确认并盖章。"),
            ),
            _ => (
                "加入企业申请",
                format!("{name}申请加入企业并使用企业证书，请查看授权书后确认并盖章。"),
            ),
        };
        self.messages
            .send(
                admin,
                MessageKind::JoinEnterpriseRequest,
                title,
                &body,
                Some(MessageAction {
                    name: "seal_authorization".into(),
                    target: a.id.to_string(),
                }),
            )
            .await?;
        Ok(())
    }

    /// C3: the enterprise's requests waiting for its admin's seal.
    pub async fn join_requests(
        &self,
        admin: UserId,
        enterprise: EnterpriseId,
    ) -> Result<Vec<JoinRequest>> {
        self.require_admin(admin, enterprise).await?;
        let mut out = Vec::new();
        for a in self.store.authorizations_of_enterprise(enterprise).await? {
            if a.state != AuthorizationState::Pending || a.seal_hash.is_some() {
                continue;
            }
            let Some(app) = self
                .store
                .application(a.application_id)
                .await?
                .filter(|app| app.state == ApplicationState::AwaitingAdmin)
            else {
                continue;
            };
            let name = self.store.identity(a.user_id).await?.map(|i| i.name);
            let phone = self.store.user(a.user_id).await?.map(|u| u.phone);
            out.push(JoinRequest {
                applicant_name: name.map(|n| n.as_str().to_owned()).unwrap_or_default(),
                applicant_phone_masked: phone.map(|p| p.masked()).unwrap_or_default(),
                application: app,
                authorization: a,
            });
        }
        Ok(out)
    }
}

/// C4: the holder downloaded the certificate of `app`: its authorization
/// is active and they are staff (the admin stays admin). A renewal's or a
/// re-application's supersedes the authorization of the certificate it
/// replaces (D5/D7, E3/E5), so one authorization serves per certificate
/// line. Idempotent.
pub(crate) async fn activate(
    store: &dyn crate::Store,
    audit: &crate::Audit,
    now: crate::Timestamp,
    app: &Application,
) -> Result<()> {
    if app.subject == ApplicationSubject::Person {
        return Ok(());
    }
    let Some(a) = store.authorization_of_application(app.id).await? else {
        return Ok(());
    };
    let actor = format!("user:{}", app.user_id);
    let target = format!("enterprise:{}", a.enterprise_id);
    if store.activate_authorization(a.id, now).await? {
        audit
            .append(
                &actor,
                "authorization_activated",
                &target,
                &format!("authorization:{}", a.id),
            )
            .await?;
    } else if a.state != AuthorizationState::Active {
        // Deleted meanwhile: it takes over nothing.
        return Ok(());
    }
    // Also on a repeated step 3: a crash between the two updates must not
    // leave two active authorizations on one line.
    let Some(previous) = app.previous_certificate_id else {
        return Ok(());
    };
    if let Some(old) = super::authorization_of_certificate(store, previous).await?
        && store
            .set_authorization_state(
                old.id,
                AuthorizationState::Active,
                AuthorizationState::Superseded,
                now,
            )
            .await?
    {
        audit
            .append(
                &actor,
                "authorization_superseded",
                &target,
                &format!("authorization:{} by {}", old.id, a.id),
            )
            .await?;
    }
    Ok(())
}
