use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::StoreResult;
use super::applications::stored_enum;
use crate::{DeviceId, PlatformId, RelyingPartyId, RpKeyId, RpSessionId, Timestamp, UserId};

stored_enum!(
    /// What a relying party may ask of a user (RP-API.md, "Sessions").
    RpOperation {
        /// Scan-login and scan-bind (J1, J2, L1).
        Auth => "auth",
        /// Sign or seal one or a batch of items (J3, K2).
        Sign => "sign",
        /// Hand over the encryption certificate with a signature (K1, K3).
        Cert => "cert",
        /// Re-encrypt content keys to the relying party (L2).
        Decrypt => "decrypt",
        /// Confirm an upload receipt (K4).
        Confirm => "confirm",
    }
);

stored_enum!(
    /// Where a session stands: `Created` → `Scanned` → `Confirming` →
    /// `Complete`, or straight to `Complete` (cancel, timeout, refusal).
    /// `Complete` never changes.
    RpSessionState {
        /// Waiting for a phone to scan the QR code.
        Created => "created",
        /// Claimed by one device; the user sees what is asked.
        Scanned => "scanned",
        /// The user is entering the PIN; the key operation runs.
        Confirming => "confirming",
        /// Finished with an [`RpEndResult`].
        Complete => "complete",
    }
);

stored_enum!(
    /// How a session ended.
    RpEndResult {
        /// Done; the results are stored.
        Ok => "ok",
        /// The user declined on the phone.
        UserRefused => "user_refused",
        /// Staff acting for an enterprise without an authorization for
        /// this trading platform (D2).
        NotAuthorized => "not_authorized",
        /// The certificate is revoked.
        CertificateRevoked => "certificate_revoked",
        /// The certificate has expired.
        CertificateExpired => "certificate_expired",
        /// The key is locked (wrong PINs, clone).
        PinLocked => "pin_locked",
        /// Not scanned or not finished in time.
        Timeout => "timeout",
        /// The relying party cancelled it.
        Cancelled => "cancelled",
        /// The phone and server could not complete the protocol.
        ProtocolFailure => "protocol_failure",
        /// The certificate does not name the holder the relying party
        /// expected (J1 binding another person's certificate).
        HolderMismatch => "holder_mismatch",
    }
);

/// A registered relying party (业务系统). The display name is the
/// operator's, never one a caller supplies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RelyingPartyRecord {
    /// The relying party.
    pub id: RelyingPartyId,
    /// What the app shows the user.
    pub display_name: String,
    /// The trading platform it is, if it is one (for D2 authorizations).
    pub platform_id: Option<PlatformId>,
    /// The operations it may request (no duplicates).
    pub allowed_operations: Vec<RpOperation>,
    /// Where webhooks may be delivered.
    pub callback_urls: Vec<String>,
    /// Registered.
    pub created_at: Timestamp,
    /// Disabled (every request refused) since.
    pub disabled_at: Option<Timestamp>,
}

/// An API credential: a key id and a 32-byte HMAC-SM3 secret, sealed by
/// the `KeyVault` with the AAD `rp-key:<key id>:<relying party id>`.
#[derive(Clone, PartialEq, Eq)]
pub struct RpCredentialRecord {
    /// The key id the relying party names in each request.
    pub key_id: RpKeyId,
    /// Whose key.
    pub rp_id: RelyingPartyId,
    /// The sealed secret.
    pub sealed_secret: Vec<u8>,
    /// Issued.
    pub created_at: Timestamp,
    /// Refused from this instant on (set when the key is rotated away).
    pub expires_at: Option<Timestamp>,
}

impl std::fmt::Debug for RpCredentialRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RpCredentialRecord")
            .field("key_id", &self.key_id)
            .field("rp_id", &self.rp_id)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// One QR session. `sealed_secret` is the QR frame secret sealed with the
/// AAD `rp-session:<id>`; `content` and `results` are the JSON of the
/// domain's `SessionContent` and `Completion`.
#[derive(Clone, PartialEq, Eq)]
pub struct RpSessionRecord {
    /// The session.
    pub id: RpSessionId,
    /// The relying party that created it.
    pub rp_id: RelyingPartyId,
    /// What it asks.
    pub operation: RpOperation,
    /// Where it stands.
    pub state: RpSessionState,
    /// How it ended (`Some` exactly when `Complete`).
    pub result: Option<RpEndResult>,
    /// The relying party's Idempotency-Key, unique per relying party.
    pub idempotency_key: Option<String>,
    /// SM3 of the creation request, to tell a retry from a reused key.
    pub request_hash: [u8; 32],
    /// The token the QR frames carry (unique).
    pub public_token: String,
    /// The sealed QR frame secret.
    pub sealed_secret: Vec<u8>,
    /// What is asked (JSON).
    pub content: Vec<u8>,
    /// What came back (JSON), when it ended `Ok`.
    pub results: Option<Vec<u8>>,
    /// The user whose device claimed it.
    pub user_id: Option<UserId>,
    /// The device that claimed it.
    pub device_id: Option<DeviceId>,
    /// Created.
    pub created_at: Timestamp,
    /// Unclaimed at this instant, it times out.
    pub claim_deadline: Timestamp,
    /// Unfinished at this instant, it times out.
    pub expires_at: Timestamp,
    /// Claimed.
    pub scanned_at: Option<Timestamp>,
    /// Finished.
    pub completed_at: Option<Timestamp>,
}

impl std::fmt::Debug for RpSessionRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RpSessionRecord")
            .field("id", &self.id)
            .field("rp_id", &self.rp_id)
            .field("operation", &self.operation)
            .field("state", &self.state)
            .field("result", &self.result)
            .finish_non_exhaustive()
    }
}

/// Which sessions a finishing `UPDATE` may move to `Complete`. Each is one
/// conditional statement, so of two racing finishes exactly one wins and a
/// complete session never changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RpFinish {
    /// Any unfinished session (the relying party cancels).
    Unfinished,
    /// A session claimed by `device`, scanned or confirming (the phone
    /// refuses, or the key operation fails).
    ClaimedBy(DeviceId),
    /// A session `device` is confirming, before its `expires_at` (success).
    ConfirmingBy(DeviceId),
    /// An unfinished session past its `expires_at`, or unclaimed past its
    /// `claim_deadline` (timeout).
    Overdue,
}

/// Relying parties, their credentials and nonces, and their sessions.
#[async_trait]
pub trait RelyingPartyStore: Send + Sync {
    /// Stores a relying party with its first credential, in one
    /// transaction.
    async fn insert_relying_party(
        &self,
        rp: &RelyingPartyRecord,
        credential: &RpCredentialRecord,
    ) -> StoreResult<()>;
    /// The relying party with this id.
    async fn relying_party(&self, id: RelyingPartyId) -> StoreResult<Option<RelyingPartyRecord>>;
    /// Every relying party, oldest first.
    async fn relying_parties(&self) -> StoreResult<Vec<RelyingPartyRecord>>;
    /// Disables it if it was enabled; `false` if unknown or already disabled.
    async fn disable_relying_party(&self, id: RelyingPartyId, at: Timestamp) -> StoreResult<bool>;

    /// In one transaction: every credential of `new.rp_id` still valid at
    /// `old_expire_at` is made to expire then, and `new` is stored.
    async fn rotate_rp_credential(
        &self,
        new: &RpCredentialRecord,
        old_expire_at: Timestamp,
    ) -> StoreResult<()>;
    /// The credential with this key id.
    async fn rp_credential(&self, key_id: RpKeyId) -> StoreResult<Option<RpCredentialRecord>>;
    /// The relying party's credentials, oldest first.
    async fn rp_credentials_of(&self, rp: RelyingPartyId) -> StoreResult<Vec<RpCredentialRecord>>;

    /// Records that `rp` used `nonce`: an insert guarded by the primary key
    /// (relying party, nonce). `false` if already recorded (a replay).
    async fn record_rp_nonce(
        &self,
        rp: RelyingPartyId,
        nonce: &str,
        at: Timestamp,
    ) -> StoreResult<bool>;
    /// Forgets nonces recorded before `before`.
    async fn prune_rp_nonces(&self, before: Timestamp) -> StoreResult<u64>;

    /// Stores a new session unless the relying party already has one with
    /// the same idempotency key (`false` then, on any instance).
    async fn insert_rp_session(&self, s: &RpSessionRecord) -> StoreResult<bool>;
    /// The session with this id.
    async fn rp_session(&self, id: RpSessionId) -> StoreResult<Option<RpSessionRecord>>;
    /// The session whose QR frames carry this token.
    async fn rp_session_by_token(&self, token: &str) -> StoreResult<Option<RpSessionRecord>>;
    /// The relying party's session created with this idempotency key.
    async fn rp_session_by_idempotency_key(
        &self,
        rp: RelyingPartyId,
        key: &str,
    ) -> StoreResult<Option<RpSessionRecord>>;
    /// Claims a created session for `user`'s `device` by one conditional
    /// `UPDATE` (created, before its claim deadline and expiry): `false` if
    /// another device was first, or it is no longer claimable.
    async fn claim_rp_session(
        &self,
        id: RpSessionId,
        user: UserId,
        device: DeviceId,
        at: Timestamp,
    ) -> StoreResult<bool>;
    /// Moves a session `device` claimed from `Scanned` to `Confirming`
    /// (before its expiry); `false` otherwise.
    async fn confirm_rp_session(
        &self,
        id: RpSessionId,
        device: DeviceId,
        at: Timestamp,
    ) -> StoreResult<bool>;
    /// Completes a session with `result` (and `results` for `Ok`) if
    /// `finish` allows it at `at`; `false` if it does not (already
    /// complete, another device, not yet overdue, …).
    async fn finish_rp_session(
        &self,
        id: RpSessionId,
        finish: RpFinish,
        result: RpEndResult,
        results: Option<&[u8]>,
        at: Timestamp,
    ) -> StoreResult<bool>;
    /// Deletes sessions completed before `before`, and unfinished ones that
    /// expired before it; how many.
    async fn prune_rp_sessions(&self, before: Timestamp) -> StoreResult<u64>;
}
