//! The GB/T 38540 seals made by the CA's seal maker (issue 13.2): one
//! line of versions per owner, the newest in use.

use async_trait::async_trait;

use super::StoreResult;
use crate::{CertificateId, EnterpriseId, Timestamp};

/// Whose seal a line of versions is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SealOwner {
    /// A personal certificate's own seal (its holder's signature picture).
    Certificate(CertificateId),
    /// An enterprise's seal (the picture found in its stamped claim form),
    /// usable by its certificates authorized to seal.
    Enterprise(EnterpriseId),
}

impl SealOwner {
    /// As stored: `certificate:<id>` or `enterprise:<id>`.
    pub fn key(&self) -> String {
        match self {
            SealOwner::Certificate(id) => format!("certificate:{id}"),
            SealOwner::Enterprise(id) => format!("enterprise:{id}"),
        }
    }
}

/// One version of a seal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SealRecord {
    /// The seal's identifier (`esID`), unique per seal maker.
    pub es_id: String,
    /// Whose it is.
    pub owner: SealOwner,
    /// 1, 2, …: the newest is in use.
    pub version: u32,
    /// The certificates it lists as allowed to use it.
    pub signers: Vec<CertificateId>,
    /// DER(`SES_Seal`).
    pub der: Vec<u8>,
    /// Made.
    pub created_at: Timestamp,
}

/// Seals.
#[async_trait]
pub trait SealStore: Send + Sync {
    /// Stores a new version; `false` (nothing written) if that owner has
    /// that version already — another instance made it first.
    async fn insert_seal(&self, seal: &SealRecord) -> StoreResult<bool>;
    /// The owner's newest version.
    async fn current_seal(&self, owner: SealOwner) -> StoreResult<Option<SealRecord>>;
}
