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

/// How often one key (a phone, a client address) may be sent a code: at
/// most one per `min_interval_secs`, `per_hour` per hour window and
/// `per_day` per day window (windows start at their first send).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SendQuota {
    /// Minimum seconds between two sends.
    pub min_interval_secs: i64,
    /// Sends per hour window.
    pub per_hour: u32,
    /// Sends per day window.
    pub per_day: u32,
}

/// A quota row as stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QuotaState {
    /// The last send.
    pub last_at: Timestamp,
    /// Start of the current hour window.
    pub hour_start: Timestamp,
    /// Sends in it.
    pub hour_count: u32,
    /// Start of the current day window.
    pub day_start: Timestamp,
    /// Sends in it.
    pub day_count: u32,
}

impl QuotaState {
    /// Seconds until `quota` would allow a send at `now` (0 if it would).
    pub fn retry_after(&self, quota: &SendQuota, now: Timestamp) -> i64 {
        let wait = |until: Timestamp| (until.0 - now.0).max(0);
        let mut retry = wait(self.last_at.plus(quota.min_interval_secs));
        if self.hour_count >= quota.per_hour {
            retry = retry.max(wait(self.hour_start.plus(3600)));
        }
        if self.day_count >= quota.per_day {
            retry = retry.max(wait(self.day_start.plus(86_400)));
        }
        retry
    }
}

/// SMS codes and their send quotas.
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

    /// Takes one send from the quota named `key` ("phone:…", "ip:…") if
    /// `quota` allows it at `now`, in one conditional `UPDATE` (the row is
    /// created on first use): `false` if refused. Atomic per key, so the
    /// limits hold across server instances.
    async fn take_send_quota(
        &self,
        key: &str,
        now: Timestamp,
        quota: &SendQuota,
    ) -> StoreResult<bool>;

    /// The quota row named `key`, to tell a refused caller when to retry.
    async fn send_quota(&self, key: &str) -> StoreResult<Option<QuotaState>>;

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
