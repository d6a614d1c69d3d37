use async_trait::async_trait;

use super::StoreResult;
use crate::{PersonName, Timestamp, UserId};

/// Where a user's real-name verification (A3) stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum IdentityState {
    /// Name and ID number accepted; face verification not started.
    Submitted,
    /// Face verification started with the provider.
    FacePending,
    /// The provider refused the face; the user may start again.
    FaceFailed,
    /// Verified: certificate and scan operations are allowed.
    Verified,
}

impl IdentityState {
    /// The stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Submitted => "submitted",
            Self::FacePending => "face_pending",
            Self::FaceFailed => "face_failed",
            Self::Verified => "verified",
        }
    }

    /// Parses the stored form.
    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::Submitted,
            Self::FacePending,
            Self::FaceFailed,
            Self::Verified,
        ]
        .into_iter()
        .find(|v| v.as_str() == s)
    }
}

/// A user's real-name record. The ID number is stored sealed by the
/// [`KeyVault`](crate::KeyVault) (AAD: the user id) plus a masked copy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdentityRecord {
    /// The user.
    pub user_id: UserId,
    /// The legal name.
    pub name: PersonName,
    /// `3301**********123X`.
    pub id_number_masked: String,
    /// [`SealedSecret`](crate::SealedSecret) bytes of the full number.
    pub id_number_sealed: Vec<u8>,
    /// The state.
    pub state: IdentityState,
    /// The provider's session id while face verification runs.
    pub face_session: Option<String>,
    /// Last change.
    pub updated_at: Timestamp,
}

/// Real-name verification records.
#[async_trait]
pub trait IdentityStore: Send + Sync {
    /// Inserts or replaces the user's record.
    async fn put_identity(&self, record: &IdentityRecord) -> StoreResult<()>;

    /// The user's record.
    async fn identity(&self, user: UserId) -> StoreResult<Option<IdentityRecord>>;

    /// In one transaction: the record becomes `Verified` and the user's
    /// `verified_at` is set. `false` if there is no record.
    async fn mark_identity_verified(&self, user: UserId, at: Timestamp) -> StoreResult<bool>;
}
