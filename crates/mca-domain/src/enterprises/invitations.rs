//! D1 人员管理 新增: the admin invites a person by name and phone. The
//! invitation waits for that phone's login (the app lists it); with it the
//! invitee, once verified under that name, asks for an enterprise
//! certificate without proving they know the admin. It then goes the way
//! of every request: pay, the admin seals, the CA reviews, download.

use super::Enterprises;
use crate::certificates::CertificateInfo;
use crate::store::{
    Application, EnterpriseState, Invitation, InvitationState, MessageAction, MessageKind, Order,
    Permission,
};
use crate::{DomainError, EnterpriseId, InvitationId, PersonName, Phone, Result, UserId};

impl Enterprises {
    /// D1: invites `name` (`phone`) to the enterprise (admin only). Told
    /// at once by inbox message if the phone has an account; otherwise the
    /// invitation waits for its first login. The invitation and the
    /// enterprise's name.
    pub async fn invite(
        &self,
        admin: UserId,
        enterprise: EnterpriseId,
        name: &PersonName,
        phone: &Phone,
    ) -> Result<(Invitation, String)> {
        let e = self.require_admin(admin, enterprise).await?;
        let invitee = self.store.user_by_phone(phone).await?;
        if let Some(u) = &invitee
            && self
                .store
                .members_of(enterprise)
                .await?
                .iter()
                .any(|m| m.user_id == u.id)
        {
            return Err(DomainError::AlreadyMember);
        }
        let now = self.clock.now();
        let invitation = Invitation {
            id: InvitationId::new(),
            enterprise_id: enterprise,
            name: name.clone(),
            phone: phone.clone(),
            invited_by: admin,
            state: InvitationState::Open,
            created_at: now,
            updated_at: now,
        };
        if !self.store.insert_invitation(&invitation).await? {
            return Err(DomainError::AlreadyExists);
        }
        if let Some(u) = invitee {
            self.messages
                .send(
                    u.id,
                    MessageKind::System,
                    "企业邀请",
                    &format!(
                        "{}邀请您加入企业，请在“加入企业”中接受邀请并申请企业证书。",
                        e.name
                    ),
                    Some(MessageAction {
                        name: "accept_invitation".into(),
                        target: invitation.id.to_string(),
                    }),
                )
                .await?;
        }
        self.log(admin, "member_invited", enterprise, &phone.masked())
            .await?;
        Ok((invitation, e.name))
    }

    /// The open invitations of the user's phone, with their enterprise's
    /// name.
    pub async fn invitations(&self, user: UserId) -> Result<Vec<(Invitation, String)>> {
        let phone = self
            .store
            .user(user)
            .await?
            .ok_or(DomainError::NotFound("user"))?
            .phone;
        let mut out = Vec::new();
        for i in self.store.open_invitations_for(&phone).await? {
            if let Some(e) = self
                .store
                .enterprise(i.enterprise_id)
                .await?
                .filter(|e| e.state == EnterpriseState::Claimed)
            {
                out.push((i, e.name));
            }
        }
        Ok(out)
    }

    /// Accepts an invitation of the user's phone with the certificate info
    /// and permissions wanted: the application to pay. The user's verified
    /// name must be the invited name; another's invitation is not found.
    pub async fn accept_invitation(
        &self,
        user: UserId,
        id: InvitationId,
        info: CertificateInfo,
        permissions: Vec<Permission>,
    ) -> Result<(Application, Order)> {
        self.applications.check_can_apply(user, &info).await?;
        let phone = self.store.user(user).await?.map(|u| u.phone);
        let name = self.store.identity(user).await?.map(|i| i.name);
        let invitation = self
            .store
            .invitation(id)
            .await?
            .filter(|i| Some(&i.phone) == phone.as_ref() && Some(&i.name) == name.as_ref())
            .filter(|i| i.state == InvitationState::Open)
            .ok_or(DomainError::NotFound("invitation"))?;
        let e = self.joinable(user, invitation.enterprise_id).await?;
        if !self.store.accept_invitation(id, self.clock.now()).await? {
            return Err(DomainError::NotFound("invitation"));
        }
        let created = self
            .ask_for_authorization(user, &e, info, permissions)
            .await?;
        self.log(
            user,
            "invitation_accepted",
            e.id,
            &format!("application:{}", created.0.id),
        )
        .await?;
        Ok(created)
    }
}
