//! Joining an enterprise (C1–C4): the query, the request with the admin's
//! details as proof of knowing them (every try counted, so the query is no
//! oracle), the admin's 确认并盖章 over the authorization letter, and the
//! activation when the staff member downloads the certificate.

use mca_crypto::sm2::Signature;
use mca_pki::cert::Certificate;
use mca_pki::gmt0010::signed;

use super::Enterprises;
use crate::certificates::CertificateInfo;
use crate::store::{
    Application, ApplicationKind, ApplicationState, ApplicationSubject, Authorization,
    AuthorizationState, Blob, CertUsage, Enterprise, EnterpriseState, MemberRole, MessageAction,
    MessageKind, Order, Permission, SendQuota,
};
use crate::{
    AuthorizationId, Caller, DomainError, EnterpriseId, Phone, Result, SigningKeyId, UserId,
};

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

    /// The enterprise's admin, if it has one.
    async fn admin_of(&self, enterprise: EnterpriseId) -> Result<Option<UserId>> {
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
        if ask.permissions.is_empty() {
            return Err(DomainError::InvalidInput("permissions"));
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
        let letter = self.letter(user, &e, &ask).await?;
        let letter = Blob {
            hash: mca_crypto::sm3::sm3(&letter),
            content_type: "application/pdf".into(),
            bytes: letter,
            created_at: now,
        };
        self.store.put_blob(&letter).await?;
        let (app, order) = self
            .applications
            .create(
                user,
                ApplicationKind::New,
                None,
                (ApplicationSubject::Agent, Some(enterprise)),
                ask.info,
                (letter.hash, letter.hash),
            )
            .await?;
        let authorization = Authorization {
            id: AuthorizationId::new(),
            enterprise_id: enterprise,
            user_id: user,
            platform_id: ask.info.platform_id,
            permissions: ask.permissions,
            application_id: app.id,
            state: AuthorizationState::Pending,
            letter_hash: Some(letter.hash),
            seal_hash: None,
            created_at: now,
            updated_at: now,
        };
        self.store.insert_authorization(&authorization).await?;
        self.log(
            user,
            "join_requested",
            enterprise,
            &format!("authorization:{}", authorization.id),
        )
        .await?;
        Ok((app, order))
    }

    /// The authorization letter (授权书) for `holder` and what they ask.
    async fn letter(&self, holder: UserId, e: &Enterprise, ask: &JoinAsk<'_>) -> Result<Vec<u8>> {
        let identity = self
            .store
            .identity(holder)
            .await?
            .ok_or(DomainError::IdentityNotVerified)?;
        let id_number = self.identity.id_number(holder).await?;
        let phone = self
            .store
            .user(holder)
            .await?
            .ok_or(DomainError::NotFound("user"))?
            .phone;
        let (years, _) = self.applications.price(&ask.info).await?;
        let catalogue_name = |found: Option<String>, what| found.ok_or(DomainError::NotFound(what));
        let platform = catalogue_name(
            self.store
                .platforms()
                .await?
                .into_iter()
                .find(|p| p.id == ask.info.platform_id)
                .map(|p| p.name),
            "platform",
        )?;
        let ca = catalogue_name(
            self.store
                .ca_organizations()
                .await?
                .into_iter()
                .find(|c| c.id == ask.info.ca_id)
                .map(|c| c.name),
            "ca",
        )?;
        let (year, month, day) = self.clock.now().china_date();
        let number: String = holder
            .to_string()
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .take(8)
            .collect();
        let letter = mca_forms::authorization_letter::AuthorizationLetter {
            letter_number: format!("MCA-AUTH-{year:04}{month:02}{day:02}-{number}"),
            date: mca_forms::application_form::FormDate {
                year: year as u16,
                month: month as u8,
                day: day as u8,
            },
            enterprise_name: e.name.clone(),
            credit_code: e.credit_code.as_str().to_owned(),
            holder_name: identity.name.as_str().to_owned(),
            holder_id_number: id_number.expose().to_owned(),
            holder_phone: phone.as_str().to_owned(),
            trading_platform: platform,
            ca_organization: ca,
            permissions: ask
                .permissions
                .iter()
                .map(|p| p.label().to_owned())
                .collect(),
            validity_years: years,
        };
        mca_forms::authorization_letter::render(&letter)
            .map_err(|_| DomainError::Internal("letter"))
    }

    /// After an agent application is paid: its admin gets "加入企业申请"
    /// with the action to seal (C3).
    pub async fn notify_admin(&self, app: &Application) -> Result<()> {
        let (ApplicationSubject::Agent, Some(enterprise), ApplicationState::AwaitingAdmin) =
            (app.subject, app.enterprise_id, app.state)
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
        self.messages
            .send(
                admin,
                MessageKind::JoinEnterpriseRequest,
                "加入企业申请",
                &format!("{name}申请加入企业并使用企业证书，请查看授权书后确认并盖章。"),
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
        if !self.store.seal_authorization(id, &blob.hash, now).await? {
            return Err(DomainError::ApplicationState);
        }
        let mut next = app.clone();
        next.state = ApplicationState::Submitted;
        next.submissions += 1;
        next.updated_at = now;
        self.applications.replace(&next, app.state).await?;
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
}

/// C4: the holder downloaded the certificate of `app`: its authorization
/// is active and they are staff. Idempotent.
pub(crate) async fn activate(
    store: &dyn crate::Store,
    audit: &crate::Audit,
    now: crate::Timestamp,
    app: &Application,
) -> Result<()> {
    if app.subject != ApplicationSubject::Agent {
        return Ok(());
    }
    let Some(a) = store.authorization_of_application(app.id).await? else {
        return Ok(());
    };
    if store.activate_authorization(a.id, now).await? {
        audit
            .append(
                &format!("user:{}", app.user_id),
                "authorization_activated",
                &format!("enterprise:{}", a.enterprise_id),
                &format!("authorization:{}", a.id),
            )
            .await?;
    }
    Ok(())
}
