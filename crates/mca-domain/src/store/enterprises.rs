use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::StoreResult;
use super::applications::stored_enum;
use crate::{CreditCode, EnterpriseId, PersonName, Timestamp, UserId};

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
    /// B6: the claim completes: `Claiming → Claimed` and the claimant's
    /// admin membership, in one transaction; `false` (nothing written) if
    /// it was not claiming by `admin` (done already, on any instance).
    async fn complete_claim(
        &self,
        id: EnterpriseId,
        admin: UserId,
        now: Timestamp,
    ) -> StoreResult<bool>;
    /// The user's memberships, oldest first.
    async fn memberships_of(&self, user: UserId) -> StoreResult<Vec<Membership>>;
    /// The enterprise's members, oldest first.
    async fn members_of(&self, enterprise: EnterpriseId) -> StoreResult<Vec<Membership>>;
}
