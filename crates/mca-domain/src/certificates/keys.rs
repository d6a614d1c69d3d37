//! Use of the two-party keys (PROTOCOL.md §2–§6): signing sessions with at
//! most one outstanding per key (a new begin replaces it), PIN failures counted by the server and the
//! key locked after [`MAX_PIN_FAILURES`] in a row or at once on a stale
//! clone, unlock by SMS and a fresh real-name (face) check, blinded
//! decryption gated by a signature, and the PIN-change proof (I3).
//!
//! Server shares and sessions are stored only sealed by the [`KeyVault`]
//! with the row's identity as AAD; nothing secret reaches the audit log.

use std::sync::Arc;

use mca_crypto::sm2::Signature;
use mca_crypto::twoparty::messages::{
    BlindedPoint, BlindedResult, PartialSignature, ShareRefresh, SignChallenge,
};
use mca_crypto::twoparty::server::{
    DecryptionShare, SigningKey, SigningSession, decryption_authorization,
};

use crate::providers::{FaceOutcome, FaceSession, FaceVerifier};
use crate::store::{
    KeyState, MessageKind, Reverification, SessionPurpose, SigningKeyRecord, SigningSessionRecord,
    Store,
};
use crate::{
    Accounts, Audit, Caller, Clock, CodePurpose, DomainError, Identity, KeyVault, Messages, Result,
    ReverificationId, SealedSecret, SigningKeyId, SigningSessionId, SmsCode, UserId,
};

/// Wrong PINs in a row that lock a key (§4).
pub const MAX_PIN_FAILURES: u32 = 5;
/// An unfinished signing session blocks its key this long at most.
pub const SESSION_TTL_SECS: i64 = 300;
/// Longest message the app may ask to sign.
pub const MAX_MESSAGE_BYTES: usize = 64 * 1024;

/// A begun signing session: what goes to the phone.
#[derive(Clone, Debug)]
pub struct SignBegun {
    /// The session (to name in the finish request).
    pub session_id: SigningSessionId,
    /// Q_s and the exact bytes to sign.
    pub challenge: SignChallenge,
}

/// A finished signature with the share refresh for the phone (§6).
#[derive(Clone, Debug)]
pub struct SignFinished {
    /// The standard SM2 signature, verified under the key's P.
    pub signature: Signature,
    /// ρ, to be sealed to the phone.
    pub refresh: ShareRefresh,
}

pub(crate) fn key_aad(id: SigningKeyId) -> Vec<u8> {
    format!("signing-key:{id}").into_bytes()
}

fn session_aad(key: SigningKeyId, session: SigningSessionId) -> Vec<u8> {
    format!("signing-session:{key}:{session}").into_bytes()
}

pub(crate) fn share_aad(id: crate::DecryptionShareId) -> Vec<u8> {
    format!("decryption-share:{id}").into_bytes()
}

/// A crypto failure on input from the phone: never a panic, never details.
pub(crate) fn bad_proof(_: mca_crypto::Error) -> DomainError {
    DomainError::BadKeyProof
}

/// The key-use service.
#[derive(Clone)]
pub struct Keys {
    store: Arc<dyn Store>,
    vault: Arc<KeyVault>,
    clock: Arc<dyn Clock>,
    audit: Audit,
    messages: Messages,
    accounts: Accounts,
    identity: Identity,
    face: Arc<dyn FaceVerifier>,
}

impl Keys {
    /// The key-use service.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        store: Arc<dyn Store>,
        vault: Arc<KeyVault>,
        clock: Arc<dyn Clock>,
        audit: Audit,
        messages: Messages,
        accounts: Accounts,
        identity: Identity,
        face: Arc<dyn FaceVerifier>,
    ) -> Self {
        Self {
            store,
            vault,
            clock,
            audit,
            messages,
            accounts,
            identity,
            face,
        }
    }

    pub(crate) fn seal_key(&self, id: SigningKeyId, key: &SigningKey) -> Result<Vec<u8>> {
        Ok(self
            .vault
            .seal(&key_aad(id), &key.to_secret_bytes())?
            .as_bytes()
            .to_vec())
    }

    fn open_key(&self, rec: &SigningKeyRecord) -> Result<SigningKey> {
        let plain = self.vault.open(
            &key_aad(rec.id),
            &SealedSecret::from_bytes(rec.sealed_share.clone()),
        )?;
        SigningKey::from_secret_bytes(&plain).map_err(|_| DomainError::Internal("stored share"))
    }

    /// The user's signing key (another user's is "not found").
    pub async fn key(&self, user: UserId, id: SigningKeyId) -> Result<SigningKeyRecord> {
        self.store
            .signing_key(id)
            .await?
            .filter(|k| k.user_id == user)
            .ok_or(DomainError::NotFound("signing key"))
    }

    /// The caller's key, held by the calling device: protocol steps from
    /// any other device are refused (PROTOCOL.md §3).
    pub async fn key_of(&self, caller: Caller, id: SigningKeyId) -> Result<SigningKeyRecord> {
        let rec = self.key(caller.user, id).await?;
        if rec.device_id != Some(caller.device) {
            return Err(DomainError::WrongDevice);
        }
        Ok(rec)
    }

    async fn log(&self, user: UserId, action: &str, key: SigningKeyId, detail: &str) -> Result<()> {
        self.audit
            .append(
                &format!("user:{user}"),
                action,
                &format!("signing-key:{key}"),
                detail,
            )
            .await
            .map(|_| ())
    }

    /// Starts a session on `rec` for `message`, cancelling the key's
    /// outstanding one if any (§2): still at most one per key on every
    /// instance, and a finish naming the cancelled session is "not found".
    pub(crate) async fn begin(
        &self,
        rec: &SigningKeyRecord,
        purpose: SessionPurpose,
        id: SigningSessionId,
        message: &[u8],
    ) -> Result<SignBegun> {
        let usable = match rec.state {
            KeyState::Locked => return Err(DomainError::KeyLocked),
            KeyState::Pending => purpose == SessionPurpose::Csr,
            KeyState::Active => purpose != SessionPurpose::Csr,
            _ => false,
        };
        if !usable {
            return Err(DomainError::NotFound("signing key"));
        }
        if message.is_empty() || message.len() > MAX_MESSAGE_BYTES {
            return Err(DomainError::InvalidInput("message"));
        }
        let key = self.open_key(rec)?;
        let (session, challenge) = key
            .begin_sign(message)
            .map_err(|_| DomainError::Internal("random source"))?;
        let sealed = self
            .vault
            .seal(&session_aad(rec.id, id), &session.to_secret_bytes())?;
        let now = self.clock.now();
        let record = SigningSessionRecord {
            id,
            key_id: rec.id,
            purpose,
            sealed: sealed.as_bytes().to_vec(),
            created_at: now,
            expires_at: now.plus(SESSION_TTL_SECS),
        };
        // Only the key's device reaches here (`key_of`), so a new begin is
        // always the same phone asking again: it replaces a session left
        // open by a crash or a vanished phone instead of blocking the key.
        self.store.replace_signing_session(&record).await?;
        self.log(rec.user_id, "sign_begun", rec.id, purpose.as_str())
            .await?;
        Ok(SignBegun {
            session_id: id,
            challenge,
        })
    }

    /// Finishes a session: consumes it (w_s is never reused), finalizes and
    /// verifies the signature; counts a wrong PIN, locks on the fifth in a
    /// row or at once on a stale clone; on success persists the share's new
    /// refresh state and resets the counter.
    pub(crate) async fn finish(
        &self,
        caller: Caller,
        key_id: SigningKeyId,
        session_id: SigningSessionId,
        purpose: SessionPurpose,
        partial: &PartialSignature,
    ) -> Result<mca_crypto::twoparty::server::Signed> {
        let taken = self
            .store
            .take_signing_session(key_id, session_id)
            .await?
            .filter(|s| s.expires_at >= self.clock.now())
            .ok_or(DomainError::NotFound("signing session"))?;
        let mut rec = self.key_of(caller, key_id).await?;
        let user = caller.user;
        if taken.purpose != purpose {
            return Err(DomainError::InvalidInput("session"));
        }
        if rec.state == KeyState::Locked {
            self.log(user, "sign_refused_locked", key_id, "").await?;
            return Err(DomainError::KeyLocked);
        }
        let plain = self.vault.open(
            &session_aad(key_id, session_id),
            &SealedSecret::from_bytes(taken.sealed),
        )?;
        let session = SigningSession::from_secret_bytes(&plain)
            .map_err(|_| DomainError::Internal("stored session"))?;
        let mut key = self.open_key(&rec)?;
        match key.finish_sign(session, partial) {
            Ok(signed) => {
                rec.sealed_share = self.seal_key(rec.id, &key)?;
                rec.version += 1;
                rec.updated_at = self.clock.now();
                if !self.store.update_signing_share(&rec).await? {
                    // The refresh state did not persist: releasing ρ would
                    // desynchronize the shares.
                    return Err(DomainError::Internal("concurrent key update"));
                }
                self.log(user, "signed", key_id, purpose.as_str()).await?;
                Ok(signed)
            }
            Err(mca_crypto::Error::StaleCloneDetected) => {
                self.store
                    .set_key_state(key_id, rec.state, KeyState::Locked, self.clock.now())
                    .await?;
                self.log(user, "clone_detected", key_id, "key locked")
                    .await?;
                self.messages
                    .send(
                        user,
                        MessageKind::System,
                        "证书密钥已锁定",
                        "检测到您的证书密钥在另一台设备上被使用，密钥已锁定。请通过短信验证和实名认证解锁，如非本人操作请尽快挂失。",
                        None,
                    )
                    .await?;
                Err(DomainError::CloneDetected)
            }
            Err(mca_crypto::Error::PartialSignatureRejected) => {
                let counted = self
                    .store
                    .record_pin_failure(key_id, MAX_PIN_FAILURES, self.clock.now())
                    .await?;
                match counted {
                    Some((n, state)) => {
                        self.log(user, "pin_failed", key_id, &format!("{n} in a row"))
                            .await?;
                        if state == KeyState::Locked {
                            self.log(user, "key_locked", key_id, "too many wrong PINs")
                                .await?;
                            return Err(DomainError::KeyLocked);
                        }
                        Err(DomainError::WrongPin {
                            remaining: MAX_PIN_FAILURES.saturating_sub(n),
                        })
                    }
                    // A pending key (the CSR at download) is not counted:
                    // the PIN was set moments ago; the proof just fails.
                    None if rec.state == KeyState::Pending => Err(DomainError::BadKeyProof),
                    None => Err(DomainError::KeyLocked),
                }
            }
            Err(e) => Err(bad_proof(e)),
        }
    }

    async fn active_key(&self, caller: Caller, key: SigningKeyId) -> Result<SigningKeyRecord> {
        self.identity.require_verified(caller.user).await?;
        self.key_of(caller, key).await
    }

    /// The user's signing keys, oldest first (retired and lost ones too,
    /// so the app can show what happened to them).
    pub async fn list(&self, user: UserId) -> Result<Vec<SigningKeyRecord>> {
        self.identity.require_verified(user).await?;
        Ok(self.store.signing_keys_of(user).await?)
    }

    /// §2 step 1 for the app: a session on `message` (the exact bytes the
    /// phone shows and signs). Bytes beginning with a reserved domain tag
    /// are refused before anything is stored: the protocol's own messages
    /// (logins, receipts, decryption authorizations, PIN checks) are signed
    /// only through their own steps.
    pub async fn begin_sign(
        &self,
        caller: Caller,
        key: SigningKeyId,
        message: &[u8],
    ) -> Result<SignBegun> {
        if mca_crypto::domain::is_reserved(message) {
            return Err(DomainError::ReservedMessage);
        }
        self.begin_composed_sign(caller, key, message).await
    }

    /// §2 step 1 for bytes the domain composed itself: a relying party's
    /// login or receipt (domain-tagged by design) and the SignedData or
    /// seal it prepared. Never for bytes a caller supplied: raw data from a
    /// relying party is refused at session creation if reserved
    /// (`SessionContent::check`).
    pub(crate) async fn begin_composed_sign(
        &self,
        caller: Caller,
        key: SigningKeyId,
        message: &[u8],
    ) -> Result<SignBegun> {
        let rec = self.active_key(caller, key).await?;
        self.begin(&rec, SessionPurpose::Sign, SigningSessionId::new(), message)
            .await
    }

    /// §2 step 3: the verified signature and the refresh for the phone.
    pub async fn finish_sign(
        &self,
        caller: Caller,
        key: SigningKeyId,
        session: SigningSessionId,
        partial: &PartialSignature,
    ) -> Result<SignFinished> {
        let signed = self
            .finish(caller, key, session, SessionPurpose::Sign, partial)
            .await?;
        Ok(SignFinished {
            signature: *signed.signature.signature(),
            refresh: signed.refresh,
        })
    }

    /// §5 step 1: the phone sends T1; the session's message is
    /// `decryption_authorization(session id, T1)`, so its signature opens
    /// exactly this one blinded step.
    pub async fn begin_decrypt(
        &self,
        caller: Caller,
        key: SigningKeyId,
        t1: &BlindedPoint,
    ) -> Result<SignBegun> {
        let rec = self.active_key(caller, key).await?;
        let id = SigningSessionId::new();
        let message = decryption_authorization(id.to_string().as_bytes(), t1);
        self.begin(&rec, SessionPurpose::Decrypt, id, &message)
            .await
    }

    /// §5 step 2: T2 = d_es⁻¹·T1, only with a verified signature on the
    /// authorization of this session and T1 (a wrong PIN is counted and
    /// opens nothing). Also returns the signing share's refresh.
    pub async fn finish_decrypt(
        &self,
        caller: Caller,
        key: SigningKeyId,
        session: SigningSessionId,
        partial: &PartialSignature,
        t1: &BlindedPoint,
    ) -> Result<(BlindedResult, ShareRefresh)> {
        let signed = self
            .finish(caller, key, session, SessionPurpose::Decrypt, partial)
            .await?;
        let share = self
            .store
            .active_decryption_shares(key)
            .await?
            .into_iter()
            .next()
            .ok_or(DomainError::NotFound("decryption share"))?;
        let plain = self.vault.open(
            &share_aad(share.id),
            &SealedSecret::from_bytes(share.sealed_share),
        )?;
        let d = DecryptionShare::from_secret_bytes(&plain)
            .map_err(|_| DomainError::Internal("stored share"))?;
        let t2 = d
            .blind_decrypt(session.to_string().as_bytes(), t1, &signed.signature)
            .map_err(bad_proof)?;
        self.log(caller.user, "decrypted", key, "blinded").await?;
        Ok((t2, signed.refresh))
    }

    /// I3 change PIN, step 1: an SMS code of purpose
    /// [`CodePurpose::PinChange`] (used once, five tries), then a server
    /// challenge to sign with the old PIN. The key is checked before the
    /// code is spent; a wrong code is a code failure, never a PIN failure,
    /// and begins nothing.
    pub async fn begin_pin_change(
        &self,
        caller: Caller,
        key: SigningKeyId,
        code: &SmsCode,
    ) -> Result<SignBegun> {
        let rec = self.active_key(caller, key).await?;
        match rec.state {
            KeyState::Active => {}
            KeyState::Locked => return Err(DomainError::KeyLocked),
            _ => return Err(DomainError::NotFound("signing key")),
        }
        let phone = self.phone_of(caller.user).await?;
        self.accounts
            .verify_code(&phone, CodePurpose::PinChange, code)
            .await?;
        let nonce: [u8; 16] =
            mca_crypto::rand::bytes().map_err(|_| DomainError::Internal("random source"))?;
        let mut message = mca_crypto::domain::PIN_CHANGE_TAG.to_vec();
        message.extend_from_slice(format!("{key}\0").as_bytes());
        message.extend_from_slice(&nonce);
        self.begin(
            &rec,
            SessionPurpose::PinCheck,
            SigningSessionId::new(),
            &message,
        )
        .await
    }

    /// I3 change PIN, step 2: the old PIN is proven by a server-verified
    /// signature (a wrong one counts as a PIN failure); the phone then
    /// re-masks its share under the new PIN (c' = c·m_old⁻¹·m_new).
    pub async fn finish_pin_change(
        &self,
        caller: Caller,
        key: SigningKeyId,
        session: SigningSessionId,
        partial: &PartialSignature,
    ) -> Result<ShareRefresh> {
        let signed = self
            .finish(caller, key, session, SessionPurpose::PinCheck, partial)
            .await?;
        self.log(caller.user, "pin_changed", key, "").await?;
        Ok(signed.refresh)
    }

    /// §4 unlock, step 1: a fresh face check for the verified user.
    pub async fn start_reverification(
        &self,
        user: UserId,
    ) -> Result<(ReverificationId, FaceSession)> {
        self.identity.require_verified(user).await?;
        let id_number = self.identity.id_number(user).await?;
        let name = self
            .store
            .identity(user)
            .await?
            .ok_or(DomainError::IdentityNotVerified)?
            .name;
        let session = self.face.start(&name, &id_number).await?;
        let r = Reverification {
            id: ReverificationId::new(),
            user_id: user,
            face_session: session.id.clone(),
            created_at: self.clock.now(),
            used_at: None,
        };
        self.store.insert_reverification(&r).await?;
        Ok((r.id, session))
    }

    async fn phone_of(&self, user: UserId) -> Result<crate::Phone> {
        Ok(self
            .store
            .user(user)
            .await?
            .ok_or(DomainError::NotFound("user"))?
            .phone)
    }

    /// Checks an SMS code (purpose [`CodePurpose::CertificateKey`]) and a
    /// passed re-verification, using both up.
    pub(crate) async fn reverified(
        &self,
        user: UserId,
        reverification: ReverificationId,
        code: &SmsCode,
    ) -> Result<()> {
        let phone = self.phone_of(user).await?;
        self.accounts
            .verify_code(&phone, CodePurpose::CertificateKey, code)
            .await?;
        let r = self
            .store
            .reverification(reverification)
            .await?
            .filter(|r| r.user_id == user && r.used_at.is_none())
            .ok_or(DomainError::ReverificationRequired)?;
        match self.face.outcome(&r.face_session).await? {
            FaceOutcome::Passed => {}
            FaceOutcome::Pending => return Err(DomainError::FacePending),
            FaceOutcome::Failed => return Err(DomainError::FaceFailed),
        }
        if !self
            .store
            .use_reverification(r.id, self.clock.now())
            .await?
        {
            return Err(DomainError::ReverificationRequired);
        }
        Ok(())
    }

    /// §4 unlock, step 2: SMS code + passed re-verification → the locked
    /// key is active again with a zero failure count.
    pub async fn unlock(
        &self,
        user: UserId,
        key: SigningKeyId,
        reverification: ReverificationId,
        code: &SmsCode,
    ) -> Result<()> {
        let rec = self.key(user, key).await?;
        if rec.state != KeyState::Locked {
            return Err(DomainError::InvalidInput("key not locked"));
        }
        self.reverified(user, reverification, code).await?;
        if !self
            .store
            .set_key_state(key, KeyState::Locked, KeyState::Active, self.clock.now())
            .await?
        {
            return Err(DomainError::InvalidInput("key not locked"));
        }
        self.log(user, "key_unlocked", key, "sms + face").await
    }
}
