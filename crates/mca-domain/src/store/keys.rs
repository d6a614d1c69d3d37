use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::StoreResult;
use super::applications::stored_enum;
use crate::{
    ApplicationId, DecryptionShareId, DeviceId, EncryptionKeyId, ReverificationId, SigningKeyId,
    SigningSessionId, Timestamp, UserId,
};

stored_enum!(
    /// Where a signing key stands.
    KeyState {
        /// Generated at download; its certificate is not issued yet.
        Pending => "pending",
        /// In use.
        Active => "active",
        /// Five wrong PINs in a row or a stale clone (§4, §6): refused
        /// until unlocked by SMS and real-name re-verification.
        Locked => "locked",
        /// Replaced (forgotten PIN, recovery, renewal): never used again.
        Retired => "retired",
    }
);

stored_enum!(
    /// Where a decryption share stands.
    ShareState {
        /// The device's current share.
        Active => "active",
        /// Replaced by a newer split (re-delivery, forgotten PIN) or
        /// reported lost with its device (G1).
        Lost => "lost",
    }
);

stored_enum!(
    /// What a signing session's signature is for; checked when it
    /// finishes, so a signature made for one purpose serves no other.
    SessionPurpose {
        /// The CSR at download (proof of possession, §1.1).
        Csr => "csr",
        /// A signature for the app (documents, logins).
        Sign => "sign",
        /// The authorization of one blinded decryption (§5).
        Decrypt => "decrypt",
        /// Proof of the old PIN before a PIN change (I3).
        PinCheck => "pin_check",
    }
);

/// The server's half of a two-party signing key. `sealed_share` is
/// `SigningKey::to_secret_bytes` sealed by the `KeyVault` with the AAD
/// `signing-key:<id>`.
#[derive(Clone, PartialEq, Eq)]
pub struct SigningKeyRecord {
    /// The key.
    pub id: SigningKeyId,
    /// Its owner.
    pub user_id: UserId,
    /// The device holding the phone's share.
    pub device_id: Option<DeviceId>,
    /// The application it was generated for.
    pub application_id: ApplicationId,
    /// P, SEC1 uncompressed.
    pub public_key: Vec<u8>,
    /// Sealed server share with its refresh state.
    pub sealed_share: Vec<u8>,
    /// State.
    pub state: KeyState,
    /// Consecutive wrong PINs.
    pub pin_failures: u32,
    /// Bumped on every share update (optimistic concurrency).
    pub version: i64,
    /// Created.
    pub created_at: Timestamp,
    /// Last change.
    pub updated_at: Timestamp,
}

impl std::fmt::Debug for SigningKeyRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKeyRecord")
            .field("id", &self.id)
            .field("user_id", &self.user_id)
            .field("state", &self.state)
            .field("pin_failures", &self.pin_failures)
            .field("version", &self.version)
            .finish_non_exhaustive()
    }
}

/// An escrowed encryption key (§1.2): `EncryptionKey::to_secret_bytes`
/// sealed with the AAD `escrow:<id>`.
#[derive(Clone, PartialEq, Eq)]
pub struct EncryptionKeyRecord {
    /// The key.
    pub id: EncryptionKeyId,
    /// Its owner.
    pub user_id: UserId,
    /// The application it was generated for.
    pub application_id: ApplicationId,
    /// P_e, SEC1 uncompressed.
    pub public_key: Vec<u8>,
    /// Sealed escrow.
    pub sealed_escrow: Vec<u8>,
    /// Created.
    pub created_at: Timestamp,
}

impl std::fmt::Debug for EncryptionKeyRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "EncryptionKeyRecord({:?})", self.id)
    }
}

/// The server's half d_es of one split, used together with the signing
/// key of the same device; sealed with the AAD `decryption-share:<id>`.
#[derive(Clone, PartialEq, Eq)]
pub struct DecryptionShareRecord {
    /// The share.
    pub id: DecryptionShareId,
    /// The escrowed key it was split from.
    pub encryption_key_id: EncryptionKeyId,
    /// The signing key whose signatures authorize its use (§5).
    pub signing_key_id: SigningKeyId,
    /// Sealed `DecryptionShare::to_secret_bytes`.
    pub sealed_share: Vec<u8>,
    /// State.
    pub state: ShareState,
    /// Created.
    pub created_at: Timestamp,
}

impl std::fmt::Debug for DecryptionShareRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DecryptionShareRecord({:?}, {:?})", self.id, self.state)
    }
}

/// An outstanding signing session: `SigningSession::to_secret_bytes`
/// (w_s and the message) sealed with the AAD
/// `signing-session:<key id>:<session id>`.
#[derive(Clone, PartialEq, Eq)]
pub struct SigningSessionRecord {
    /// The session.
    pub id: SigningSessionId,
    /// The key (at most one session each).
    pub key_id: SigningKeyId,
    /// What the signature is for.
    pub purpose: SessionPurpose,
    /// Sealed session.
    pub sealed: Vec<u8>,
    /// Created.
    pub created_at: Timestamp,
    /// After this a new begin may replace it.
    pub expires_at: Timestamp,
}

impl std::fmt::Debug for SigningSessionRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SigningSessionRecord({:?}, {:?})", self.id, self.purpose)
    }
}

/// A real-name re-verification: a face check opened with the provider.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reverification {
    /// The re-verification.
    pub id: ReverificationId,
    /// The user.
    pub user_id: UserId,
    /// The provider's session id.
    pub face_session: String,
    /// Opened.
    pub created_at: Timestamp,
    /// Used to unlock a key.
    pub used_at: Option<Timestamp>,
}

/// Signing keys, escrowed encryption keys, decryption shares, signing
/// sessions and re-verifications.
#[async_trait]
pub trait KeyStore: Send + Sync {
    /// Stores a signing key.
    async fn insert_signing_key(&self, k: &SigningKeyRecord) -> StoreResult<()>;
    /// The signing key with this id.
    async fn signing_key(&self, id: SigningKeyId) -> StoreResult<Option<SigningKeyRecord>>;
    /// The user's signing keys, oldest first.
    async fn signing_keys_of(&self, user: UserId) -> StoreResult<Vec<SigningKeyRecord>>;
    /// Keys still `Pending` (download unfinished) created before `at`,
    /// oldest first.
    async fn pending_keys_created_before(
        &self,
        at: Timestamp,
    ) -> StoreResult<Vec<SigningKeyRecord>>;
    /// Stores a new sealed share (and resets the PIN-failure counter) only
    /// if the stored version is still `k.version − 1`; `false` if another
    /// request updated it first.
    async fn update_signing_share(&self, k: &SigningKeyRecord) -> StoreResult<bool>;
    /// Counts one wrong PIN on an active key in one conditional `UPDATE`;
    /// the key becomes `Locked` when the count reaches `max`. Returns the
    /// new count and state, `None` if the key is not active.
    async fn record_pin_failure(
        &self,
        id: SigningKeyId,
        max: u32,
        at: Timestamp,
    ) -> StoreResult<Option<(u32, KeyState)>>;
    /// Moves a key from `from` to `to` (resetting the failure counter);
    /// `false` if it was not in `from`.
    async fn set_key_state(
        &self,
        id: SigningKeyId,
        from: KeyState,
        to: KeyState,
        at: Timestamp,
    ) -> StoreResult<bool>;

    /// Stores an escrowed encryption key.
    async fn insert_encryption_key(&self, k: &EncryptionKeyRecord) -> StoreResult<()>;
    /// The encryption key with this id.
    async fn encryption_key(&self, id: EncryptionKeyId)
    -> StoreResult<Option<EncryptionKeyRecord>>;
    /// The encryption keys of an application.
    async fn encryption_keys_of_application(
        &self,
        app: ApplicationId,
    ) -> StoreResult<Vec<EncryptionKeyRecord>>;
    /// The user's encryption keys, oldest first.
    async fn encryption_keys_of(&self, user: UserId) -> StoreResult<Vec<EncryptionKeyRecord>>;

    /// In one transaction: every active share of `share.signing_key_id`
    /// for the same encryption key becomes lost, and `share` is stored, so
    /// at most one split per (signing key, encryption key) is active.
    async fn replace_decryption_share(&self, share: &DecryptionShareRecord) -> StoreResult<()>;
    /// The active shares authorized by this signing key.
    async fn active_decryption_shares(
        &self,
        signing_key: SigningKeyId,
    ) -> StoreResult<Vec<DecryptionShareRecord>>;
    /// Marks every share authorized by this signing key lost; how many.
    async fn mark_shares_lost(&self, signing_key: SigningKeyId) -> StoreResult<u64>;

    /// Starts a session, replacing the key's outstanding one if any (one
    /// `INSERT … ON CONFLICT (key_id) DO UPDATE`): the primary key on
    /// `key_id` keeps at most one session per key on every instance, and
    /// the replaced session's id no longer finishes anything.
    async fn replace_signing_session(&self, s: &SigningSessionRecord) -> StoreResult<()>;
    /// Deletes and returns the key's session if it has this id (one
    /// `DELETE … RETURNING`, so a session is finished at most once and w_s
    /// is never reused).
    async fn take_signing_session(
        &self,
        key: SigningKeyId,
        id: SigningSessionId,
    ) -> StoreResult<Option<SigningSessionRecord>>;

    /// Stores a re-verification.
    async fn insert_reverification(&self, r: &Reverification) -> StoreResult<()>;
    /// The re-verification with this id.
    async fn reverification(&self, id: ReverificationId) -> StoreResult<Option<Reverification>>;
    /// Marks it used if it was not; `false` if already used.
    async fn use_reverification(&self, id: ReverificationId, at: Timestamp) -> StoreResult<bool>;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{
        ApplicationKind, ApplicationState, CertUsage, IntentState, OrderState, RevocationReason,
    };

    #[test]
    fn stored_enums_round_trip_and_refuse_unknown_text() {
        macro_rules! check {
            ($t:ty: $($v:ident),+) => {
                for v in [$(<$t>::$v),+] {
                    assert_eq!(<$t>::parse(v.as_str()), Some(v));
                }
                assert_eq!(<$t>::parse("bogus"), None);
                assert_eq!(<$t>::parse(""), None);
            };
        }
        check!(KeyState: Pending, Active, Locked, Retired);
        check!(ShareState: Active, Lost);
        check!(SessionPurpose: Csr, Sign, Decrypt, PinCheck);
        check!(ApplicationKind: New, Renewal, Reapplication);
        check!(ApplicationState: Draft, Submitted, Rejected, Approved, Issued);
        check!(OrderState: Pending, Paid, Failed);
        check!(CertUsage: Signing, Encryption);
        check!(IntentState: Intended, Issued, Abandoned);
        check!(RevocationReason: Unspecified, KeyCompromise, AffiliationChanged, Superseded, CessationOfOperation);
    }

    #[test]
    fn key_records_print_no_sealed_bytes() {
        let sealed = vec![0xAB; 40];
        let rec = SigningKeyRecord {
            id: SigningKeyId::new(),
            user_id: UserId::new(),
            device_id: None,
            application_id: ApplicationId::new(),
            public_key: vec![4; 65],
            sealed_share: sealed.clone(),
            state: KeyState::Active,
            pin_failures: 0,
            version: 1,
            created_at: Timestamp(0),
            updated_at: Timestamp(0),
        };
        let session = SigningSessionRecord {
            id: SigningSessionId::new(),
            key_id: rec.id,
            purpose: SessionPurpose::Sign,
            sealed: sealed.clone(),
            created_at: Timestamp(0),
            expires_at: Timestamp(0),
        };
        for text in [format!("{rec:?}"), format!("{session:?}")] {
            assert!(!text.to_lowercase().contains("ab, ab") && !text.contains("171"));
        }
    }
}
