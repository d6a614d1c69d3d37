//! Asking for an authorization (D2) and the certificate it belongs to: the
//! letter (授权书) every request stores for the admin to seal, a staff
//! member's request for another enterprise certificate (E1), the admin's
//! grant to a staff member (D2 新增授权). Joins (C2) end here too.

use super::Enterprises;
use crate::certificates::CertificateInfo;
use crate::store::{
    Application, ApplicationKind, ApplicationSubject, Authorization, AuthorizationState, Blob,
    Enterprise, MemberRole, MessageAction, MessageKind, Order, Permission,
};
use crate::{AuthorizationId, CertificateId, DomainError, EnterpriseId, Result, UserId};

/// What kind of enterprise application a request makes.
pub(crate) struct Ask {
    /// An agent's (staff) or the enterprise's own (the admin's).
    pub subject: ApplicationSubject,
    /// New, renewal or re-application.
    pub kind: ApplicationKind,
    /// The certificate renewed or re-applied for.
    pub previous: Option<CertificateId>,
    /// D7: the photographed stamped letter, checked, in place of a seal.
    pub letter_photo: Option<Blob>,
}

impl Ask {
    /// A staff member's new certificate (C2, E1, D2).
    pub(crate) const NEW_AGENT: Ask = Ask {
        subject: ApplicationSubject::Agent,
        kind: ApplicationKind::New,
        previous: None,
        letter_photo: None,
    };
}

impl Enterprises {
    /// E1: a staff member asks for another enterprise certificate (another
    /// platform, other permissions); like a join it goes to the admin
    /// first, but a member needs no proof of knowing the admin.
    pub async fn request_certificate(
        &self,
        user: UserId,
        enterprise: EnterpriseId,
        info: CertificateInfo,
        permissions: Vec<Permission>,
    ) -> Result<(Application, Order)> {
        self.applications.check_can_apply(user, &info).await?;
        let e = self
            .store
            .enterprise(enterprise)
            .await?
            .ok_or(DomainError::NotFound("enterprise"))?;
        let staff = self
            .store
            .members_of(enterprise)
            .await?
            .iter()
            .any(|m| m.user_id == user && m.role == MemberRole::Staff);
        if !staff {
            return Err(DomainError::NotFound("enterprise"));
        }
        let created = self
            .ask_for_authorization(user, &e, info, permissions)
            .await?;
        self.log(
            user,
            "certificate_requested",
            enterprise,
            &format!("application:{}", created.0.id),
        )
        .await?;
        Ok(created)
    }

    /// D2 新增授权: the admin authorizes one of the enterprise's staff on a
    /// platform. The staff member gets the application to pay (the fee is
    /// the certificate's); paid, it comes back to the admin to seal.
    pub async fn grant(
        &self,
        admin: UserId,
        enterprise: EnterpriseId,
        holder: UserId,
        info: CertificateInfo,
        permissions: Vec<Permission>,
    ) -> Result<(Application, Order)> {
        let e = self.require_admin(admin, enterprise).await?;
        let staff = self
            .store
            .members_of(enterprise)
            .await?
            .iter()
            .any(|m| m.user_id == holder && m.role == MemberRole::Staff);
        if !staff {
            return Err(DomainError::NotFound("member"));
        }
        self.applications.check_can_apply(holder, &info).await?;
        let created = self
            .ask_for_authorization(holder, &e, info, permissions)
            .await?;
        self.messages
            .send(
                holder,
                MessageKind::System,
                "企业新增授权",
                &format!(
                    "{}为您新增了交易平台授权，请支付证书费用；支付后由管理员盖章并提交审核。",
                    e.name
                ),
                Some(MessageAction {
                    name: "pay_application".into(),
                    target: created.0.id.to_string(),
                }),
            )
            .await?;
        self.log(
            admin,
            "authorization_granted",
            enterprise,
            &format!("application:{}", created.0.id),
        )
        .await?;
        Ok(created)
    }

    /// The agent application of `holder` for `info` and its pending
    /// authorization with the letter to seal.
    pub(crate) async fn ask_for_authorization(
        &self,
        holder: UserId,
        e: &Enterprise,
        info: CertificateInfo,
        permissions: Vec<Permission>,
    ) -> Result<(Application, Order)> {
        self.ask(holder, e, info, permissions, Ask::NEW_AGENT).await
    }

    /// The application `ask` describes, of `holder` for `info`, and its
    /// pending authorization with the letter to seal. The application's
    /// form is the letter, or the photographed stamped letter if given.
    pub(crate) async fn ask(
        &self,
        holder: UserId,
        e: &Enterprise,
        info: CertificateInfo,
        permissions: Vec<Permission>,
        ask: Ask,
    ) -> Result<(Application, Order)> {
        if permissions.is_empty() {
            return Err(DomainError::InvalidInput("permissions"));
        }
        let now = self.clock.now();
        let letter = self.letter(holder, e, &info, &permissions).await?;
        let letter = Blob {
            hash: mca_crypto::sm3::sm3(&letter),
            content_type: "application/pdf".into(),
            bytes: letter,
            created_at: now,
        };
        self.store.put_blob(&letter).await?;
        let form = match &ask.letter_photo {
            Some(photo) => {
                self.store.put_blob(photo).await?;
                photo.hash
            }
            None => letter.hash,
        };
        let (app, order) = self
            .applications
            .create(
                holder,
                ask.kind,
                ask.previous,
                (ask.subject, Some(e.id)),
                info,
                (form, letter.hash),
            )
            .await?;
        let authorization = Authorization {
            id: AuthorizationId::new(),
            enterprise_id: e.id,
            user_id: holder,
            platform_id: info.platform_id,
            permissions,
            application_id: app.id,
            state: AuthorizationState::Pending,
            letter_hash: Some(letter.hash),
            seal_hash: None,
            created_at: now,
            updated_at: now,
        };
        self.store.insert_authorization(&authorization).await?;
        Ok((app, order))
    }

    /// The authorization letter (授权书) for `holder` and what they ask.
    pub(crate) async fn letter(
        &self,
        holder: UserId,
        e: &Enterprise,
        info: &CertificateInfo,
        permissions: &[Permission],
    ) -> Result<Vec<u8>> {
        let p = self.applications.printed(holder, info).await?;
        let letter = mca_forms::authorization_letter::AuthorizationLetter {
            letter_number: format!("MCA-AUTH-{}", p.number),
            date: p.date,
            enterprise_name: e.name.clone(),
            credit_code: e.credit_code.as_str().to_owned(),
            holder_name: p.name,
            holder_id_number: p.id_number,
            holder_phone: p.phone,
            trading_platform: p.platform,
            ca_organization: p.ca,
            permissions: permissions.iter().map(|p| p.label().to_owned()).collect(),
            validity_years: p.years,
        };
        mca_forms::authorization_letter::render(&letter)
            .map_err(|_| DomainError::Internal("letter"))
    }
}
