use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::StoreResult;
use crate::Timestamp;

/// One audit-log entry (M4), chained to the previous one by SM3 (see
/// [`crate::audit`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Position in the chain, from 1, without gaps.
    pub seq: i64,
    /// When it happened; RFC 3339 in JSON (the operator's audit view).
    #[serde(with = "crate::time::rfc3339")]
    pub at: Timestamp,
    /// Who: `user:<id>`, `operator`, `system`.
    pub actor: String,
    /// What, snake_case ("login", "code_failed", "device_removed", …).
    pub action: String,
    /// On what: `user:<id>`, `device:<id>`, ….
    pub subject: String,
    /// Details without secrets (masked phone, reason).
    pub detail: String,
    /// The previous entry's hash (zeros for the first).
    #[serde(with = "hex")]
    pub prev_hash: [u8; 32],
    /// SM3(prev_hash ‖ canonical bytes of this entry).
    #[serde(with = "hex")]
    pub hash: [u8; 32],
}

/// The append-only audit log.
#[async_trait]
pub trait AuditStore: Send + Sync {
    /// The entry with the highest `seq`.
    async fn last_audit_entry(&self) -> StoreResult<Option<AuditEntry>>;

    /// Inserts an entry; `false` if its `seq` is already taken (another
    /// instance appended first: re-read the head and retry). The primary
    /// key on `seq` keeps the chain linear across instances.
    async fn insert_audit_entry(&self, e: &AuditEntry) -> StoreResult<bool>;

    /// Up to `limit` entries with `seq > after`, in order.
    async fn audit_entries(&self, after: i64, limit: u32) -> StoreResult<Vec<AuditEntry>>;
}
