use async_trait::async_trait;

use super::StoreResult;
use crate::{CodeId, CodePurpose, Phone, Timestamp};

/// One SMS code sent. Only the SM3 hash of the code is stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodeRecord {
    /// This code.
    pub id: CodeId,
    /// The phone it was sent to.
    pub phone: Phone,
    /// What it may be used for.
    pub purpose: CodePurpose,
    /// SM3 over the code id, phone, purpose and digits.
    pub code_hash: [u8; 32],
    /// The client address that asked for it (for rate limits).
    pub client_ip: String,
    /// When it was sent.
    pub created_at: Timestamp,
    /// When it stops being accepted.
    pub expires_at: Timestamp,
    /// Verification attempts claimed so far (right or wrong).
    pub attempts: u32,
    /// When it was used, if it was.
    pub consumed_at: Option<Timestamp>,
}

/// SMS codes.
#[async_trait]
pub trait CodeStore: Send + Sync {
    /// Records a sent code.
    async fn insert_code(&self, code: &CodeRecord) -> StoreResult<()>;

    /// The most recently sent code for this phone and purpose.
    async fn latest_code(
        &self,
        phone: &Phone,
        purpose: CodePurpose,
    ) -> StoreResult<Option<CodeRecord>>;

    /// How many codes were sent to `phone` at or after `since` (any purpose).
    async fn count_codes_to_phone(&self, phone: &Phone, since: Timestamp) -> StoreResult<u32>;

    /// How many codes `client_ip` asked for at or after `since`.
    async fn count_codes_from_ip(&self, client_ip: &str, since: Timestamp) -> StoreResult<u32>;

    /// Atomically claims one verification attempt: increments `attempts`
    /// only if it is below `max_attempts` and the code is unused, in one
    /// conditional `UPDATE`. `false` means no attempt is left. Because the
    /// attempt is claimed *before* the comparison, parallel guesses on
    /// several instances still get at most `max_attempts` comparisons.
    async fn claim_code_attempt(&self, id: CodeId, max_attempts: u32) -> StoreResult<bool>;

    /// Atomically marks the code used, only if it was not; `false` if
    /// another request used it first (single use across instances).
    async fn consume_code(&self, id: CodeId, at: Timestamp) -> StoreResult<bool>;

    /// Deletes codes that expired before `before`; returns how many.
    async fn prune_codes(&self, before: Timestamp) -> StoreResult<u64>;
}
