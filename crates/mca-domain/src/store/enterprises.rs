use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::StoreResult;
use super::applications::stored_enum;
use crate::{
    ApplicationId, AuthorizationId, CreditCode, EnterpriseId, InvitationId, PersonName, Phone,
    PlatformId, Timestamp, UserId,
};

stored_enum!(
    /// Where an enterprise stands. `Claiming` while its claim (B1–B5) is
    /// open; `Claimed` once the claimant downloaded the enterprise
    /// certificate (B6) and became its admin.
    EnterpriseState {
        /// A claim is open: nobody else may claim this credit code.
        Claiming => "claiming",
        /// Claimed: it has an admin; others may only ask to join (C).
        Claimed => "claimed",
    }
);

stored_enum!(
    /// A member's role in an enterprise.
    MemberRole {
        /// 管理员 (D): claimed the enterprise.
        Admin => "admin",
        /// 办事人员 (E): joined it.
        Staff => "staff",
    }
);

stored_enum!(
    /// Where an authorization (D2) stands.
    AuthorizationState {
        /// Asked for (a join, C2): waiting for the admin's seal, the CA's
        /// review and the holder's download.
        Pending => "pending",
        /// In force: the holder's enterprise certificate serves its
        /// platform.
        Active => "active",
        /// Deleted by the admin (or with the person): serves nothing.
        Deleted => "deleted",
        /// Replaced by the authorization of its certificate's renewal or
        /// re-application (D5/D7, E3/E5) once that one is downloaded:
        /// serves nothing, and ends with it.
        Superseded => "superseded",
    }
);

stored_enum!(
    /// What an authorization lets its holder do on its platform.
    Permission {
        /// 登录.
        Login => "login",
        /// 签名.
        Sign => "sign",
        /// 签章.
        Seal => "seal",
        /// 加密.
        Encrypt => "encrypt",
        /// 解密 (开标).
        Decrypt => "decrypt",
    }
);

impl Permission {
    /// Every permission, in the order they are shown.
    pub const ALL: [Permission; 5] = [
        Permission::Login,
        Permission::Sign,
        Permission::Seal,
        Permission::Encrypt,
        Permission::Decrypt,
    ];

    /// The Chinese label (授权事项 on the letter).
    pub fn label(self) -> &'static str {
        match self {
            Permission::Login => "登录",
            Permission::Sign => "签名",
            Permission::Seal => "签章",
            Permission::Encrypt => "加密",
            Permission::Decrypt => "解密",
        }
    }
}

/// An authorization (D2): the enterprise lets `user` act for it on one
/// trading platform. A join (C) or an admin's grant creates it pending
/// with its letter; the admin seals the letter; it is active from the
/// holder's download of the certificate it belongs to. The admin's own
/// (the claim's platform) is active from the claim and has no letter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Authorization {
    /// The authorization.
    pub id: AuthorizationId,
    /// The enterprise granting it.
    pub enterprise_id: EnterpriseId,
    /// Its holder.
    pub user_id: UserId,
    /// The trading platform it covers.
    pub platform_id: PlatformId,
    /// What it allows there.
    pub permissions: Vec<Permission>,
    /// The application of the holder's enterprise certificate.
    pub application_id: ApplicationId,
    /// Pending, active or deleted.
    pub state: AuthorizationState,
    /// SM3 of the letter (授权书 PDF), if it has one.
    pub letter_hash: Option<[u8; 32]>,
    /// SM3 of the admin's seal over the letter (GM/T 0010 SignedData).
    pub seal_hash: Option<[u8; 32]>,
    /// Created.
    pub created_at: Timestamp,
    /// Last change.
    pub updated_at: Timestamp,
}

stored_enum!(
    /// Where an invitation (D1) stands.
    InvitationState {
        /// Waiting for the invitee.
        Open => "open",
        /// The invitee asked for their certificate with it.
        Accepted => "accepted",
    }
);

/// D1: the admin invites a person by name and phone; the invitation waits
/// for that phone's login and lets its holder ask for an enterprise
/// certificate without proving they know the admin.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invitation {
    /// The invitation.
    pub id: InvitationId,
    /// The enterprise inviting.
    pub enterprise_id: EnterpriseId,
    /// The invitee's name, as the admin gave it.
    pub name: PersonName,
    /// The invitee's phone.
    pub phone: Phone,
    /// The admin who invited.
    pub invited_by: UserId,
    /// Open or accepted.
    pub state: InvitationState,
    /// Created.
    pub created_at: Timestamp,
    /// Last change.
    pub updated_at: Timestamp,
}

/// An enterprise (B1) as claimed or being claimed. The legal
/// representative's ID number is stored only sealed by the `KeyVault`
/// (AAD `enterprise-legal-rep:<id>`), plus a masked copy for display.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Enterprise {
    /// The enterprise.
    pub id: EnterpriseId,
    /// 统一社会信用代码: unique among enterprises.
    pub credit_code: CreditCode,
    /// 企业名称.
    pub name: String,
    /// 法定代表人.
    pub legal_rep_name: PersonName,
    /// The legal representative's ID number, masked.
    pub legal_rep_id_masked: String,
    /// The legal representative's ID number, sealed.
    pub legal_rep_id_sealed: Vec<u8>,
    /// SM3 of the photographed business licence (营业执照).
    pub licence_hash: [u8; 32],
    /// Claiming or claimed.
    pub state: EnterpriseState,
    /// Who claims it, and once claimed its admin.
    pub claimant_id: UserId,
    /// Created (the claim).
    pub created_at: Timestamp,
    /// Last change.
    pub updated_at: Timestamp,
}

/// A user's membership of an enterprise.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Membership {
    /// The enterprise.
    pub enterprise_id: EnterpriseId,
    /// The member.
    pub user_id: UserId,
    /// Admin or staff.
    pub role: MemberRole,
    /// Since.
    pub created_at: Timestamp,
}

/// Enterprises and their members (B–E).
#[async_trait]
pub trait EnterpriseStore: Send + Sync {
    /// Stores a new enterprise being claimed; `false` (nothing written) if
    /// an enterprise with its credit code exists (claimed, or a claim is
    /// open), decided by a unique index so two claims racing on two
    /// instances cannot both be written.
    async fn insert_enterprise(&self, e: &Enterprise) -> StoreResult<bool>;
    /// The enterprise with this id.
    async fn enterprise(&self, id: EnterpriseId) -> StoreResult<Option<Enterprise>>;
    /// The enterprise with this credit code.
    async fn enterprise_by_credit_code(&self, code: &CreditCode)
    -> StoreResult<Option<Enterprise>>;
    /// Replaces the claim's details (B5 重新申请 edits everything) while it
    /// is still `Claiming` by the same claimant; `false` if it moved. A new
    /// credit code taken by another enterprise is a `Conflict`.
    async fn update_claim(&self, e: &Enterprise) -> StoreResult<bool>;
    /// Releases a claim that is given up: its application (still in
    /// `expected`) becomes `Withdrawn` without its enterprise and the
    /// enterprise row (still claiming) is deleted, in one transaction, so
    /// the credit code may be claimed again; `false` (nothing written) if
    /// either moved meanwhile.
    async fn release_claim(
        &self,
        enterprise: EnterpriseId,
        application: ApplicationId,
        expected: super::ApplicationState,
        now: Timestamp,
    ) -> StoreResult<bool>;
    /// B6: the claim completes: `Claiming → Claimed`, the claimant's admin
    /// membership and their authorization (the claim's platform, active),
    /// in one transaction; `false` (nothing written) if it was not
    /// claiming by the authorization's user (done already, on any
    /// instance).
    async fn complete_claim(&self, admin: &Authorization) -> StoreResult<bool>;
    /// The user's memberships, oldest first.
    async fn memberships_of(&self, user: UserId) -> StoreResult<Vec<Membership>>;
    /// The enterprise's members, oldest first.
    async fn members_of(&self, enterprise: EnterpriseId) -> StoreResult<Vec<Membership>>;
    /// Removes a staff member (never the admin); `false` if they were
    /// none.
    async fn remove_staff(&self, enterprise: EnterpriseId, user: UserId) -> StoreResult<bool>;

    /// Stores a new authorization.
    async fn insert_authorization(&self, a: &Authorization) -> StoreResult<()>;
    /// The authorization with this id.
    async fn authorization(&self, id: AuthorizationId) -> StoreResult<Option<Authorization>>;
    /// The authorization of an application, if it has one.
    async fn authorization_of_application(
        &self,
        application: ApplicationId,
    ) -> StoreResult<Option<Authorization>>;
    /// The enterprise's authorizations (every state: the history), oldest
    /// first.
    async fn authorizations_of_enterprise(
        &self,
        enterprise: EnterpriseId,
    ) -> StoreResult<Vec<Authorization>>;
    /// Records the admin's seal of a pending authorization's letter, once,
    /// and sends its application on to review (`AwaitingAdmin →
    /// Submitted`, one more submission), in one transaction; `false`
    /// (nothing written) if the authorization is not pending or is sealed
    /// already, or the application is not awaiting the admin.
    async fn seal_authorization(
        &self,
        id: AuthorizationId,
        seal_hash: &[u8; 32],
        now: Timestamp,
    ) -> StoreResult<bool>;
    /// A rejected agent application goes back to its admin: the
    /// authorization (pending) loses its seal and the application moves
    /// `Rejected → AwaitingAdmin` without its reason, in one transaction;
    /// `false` (nothing written) if either moved meanwhile.
    async fn reopen_authorization(
        &self,
        id: AuthorizationId,
        application: ApplicationId,
        now: Timestamp,
    ) -> StoreResult<bool>;
    /// The holder downloaded its certificate: `Pending → Active` and the
    /// holder's staff membership (kept if they are a member already), in
    /// one transaction; `false` if it was not pending.
    async fn activate_authorization(
        &self,
        id: AuthorizationId,
        now: Timestamp,
    ) -> StoreResult<bool>;
    /// Moves an authorization from `from` to `to` (deleted, superseded);
    /// `false` if it was not in `from`.
    async fn set_authorization_state(
        &self,
        id: AuthorizationId,
        from: AuthorizationState,
        to: AuthorizationState,
        now: Timestamp,
    ) -> StoreResult<bool>;

    /// Stores an open invitation; `false` (nothing written) if the
    /// enterprise has one open for this phone already.
    async fn insert_invitation(&self, i: &Invitation) -> StoreResult<bool>;
    /// The invitation with this id.
    async fn invitation(&self, id: InvitationId) -> StoreResult<Option<Invitation>>;
    /// The open invitations of a phone, oldest first.
    async fn open_invitations_for(&self, phone: &Phone) -> StoreResult<Vec<Invitation>>;
    /// `Open → Accepted`, once; `false` if it was not open.
    async fn accept_invitation(&self, id: InvitationId, now: Timestamp) -> StoreResult<bool>;
}
