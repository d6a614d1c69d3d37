use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::StoreResult;
use super::applications::stored_enum;
use crate::{RpSessionId, SigningKeyId, SigningSessionId, Timestamp};

stored_enum!(
    /// Where one step of an approval stands: `Begun` (a signing session
    /// is open) → `Done`; a decrypt step passes `Signed` (the blinded
    /// result went to the phone, the re-encrypted content key is due).
    RpStepState {
        /// The two-party signing session of the step is open.
        Begun => "begun",
        /// Decrypt only: the authorization was signed and T2 released.
        Signed => "signed",
        /// The step's result is stored.
        Done => "done",
    }
);

/// One step of approving a relying-party session with the user's key:
/// item `index` (0-based) of the session. The steps of a session are the
/// truth about which item comes next, so any instance can continue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RpStepRecord {
    /// The session.
    pub session_id: RpSessionId,
    /// Which item (0-based).
    pub index: u32,
    /// The signing key used (every step of a session uses the same).
    pub key_id: SigningKeyId,
    /// The two-party signing session of the step.
    pub signing_session_id: SigningSessionId,
    /// Where it stands.
    pub state: RpStepState,
    /// When the signed structure was prepared (its signing time), so the
    /// same bytes can be rebuilt to assemble the result.
    pub prepared_at: Timestamp,
    /// What else the rebuild needs (a seal step's `SES_Seal`), if anything.
    pub prepared: Option<Vec<u8>>,
    /// The result (JSON of the domain's `ItemResult`), when `Done`.
    pub result: Option<Vec<u8>>,
}

/// The steps of approving relying-party sessions.
#[async_trait]
pub trait RpStepStore: Send + Sync {
    /// The session's steps, by index.
    async fn rp_steps(&self, session: RpSessionId) -> StoreResult<Vec<RpStepRecord>>;
    /// Stores a begun step, replacing one at the same index that is not
    /// `Done` (the phone began it again); `false` if that step is done.
    async fn put_rp_step(&self, step: &RpStepRecord) -> StoreResult<bool>;
    /// Moves the step from `from` to `to` (with its result) if it is still
    /// in `from` with this signing session: one conditional `UPDATE`, so of
    /// two racing finishes one wins. `false` otherwise.
    async fn advance_rp_step(
        &self,
        session: RpSessionId,
        index: u32,
        signing_session: SigningSessionId,
        from: RpStepState,
        to: RpStepState,
        result: Option<&[u8]>,
    ) -> StoreResult<bool>;
}
