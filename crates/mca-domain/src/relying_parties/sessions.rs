//! QR sessions (RP-API.md): created by a relying party, claimed by the one
//! device that scans a fresh frame of the animated QR code, confirmed on
//! the phone, and completed with one end result that never changes.
//!
//! Every state change is one conditional `UPDATE` in the store, so two
//! phones (or a phone and a timeout, or a phone and a cancel) racing on
//! any number of server instances leave exactly one winner. Timeouts are
//! computed from the injected [`Clock`] whenever a session is read.

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::authorization::PlatformAuthorizations;
use super::content::SessionContent;
use super::results::Completion;
use super::{Registry, RpCaller};
use crate::store::{RpEndResult, RpFinish, RpOperation, RpSessionRecord, RpSessionState, Store};
use crate::{
    Audit, Clock, DeviceId, DomainError, Identity, KeyVault, RelyingPartyId, Result, RpSessionId,
    SealedSecret, Timestamp, UserId,
};

mod phone;

/// An unclaimed session times out this long after creation.
pub const CLAIM_TTL_SECS: i64 = 180;
/// An unfinished session times out this long after creation.
pub const SESSION_TTL_SECS: i64 = 300;
/// A finished session can be collected this long, then it is gone.
pub const RETENTION_SECS: i64 = 300;
/// Finished and expired sessions are deleted this long after (the
/// Idempotency-Key is remembered as long).
pub const PRUNE_AFTER_SECS: i64 = 86_400;
/// A QR frame older than this is refused (photographed or forwarded).
pub const FRAME_MAX_AGE_SECS: i64 = 5;
/// A QR frame may claim to be this far ahead of the server (the relying
/// party counts from when it received the session, a little later).
pub const FRAME_MAX_AHEAD_SECS: i64 = 2;

/// The AAD of a sealed QR secret.
fn secret_aad(id: RpSessionId) -> Vec<u8> {
    format!("rp-session:{id}").into_bytes()
}

/// What a relying party sends to create a session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewSession {
    /// What is asked.
    pub content: SessionContent,
    /// The Idempotency-Key header (1–64 printable ASCII characters).
    pub idempotency_key: Option<String>,
    /// The browser's address, to show its city on the phone.
    pub end_user_ip: Option<String>,
}

/// What is stored as a session's `content`.
#[derive(Serialize, Deserialize)]
struct StoredRequest {
    content: SessionContent,
    end_user_ip: Option<String>,
}

/// The QR frame secret: only the relying party's back end holds it, to
/// make frames with `mca_crypto::rp::QrLink::new`. Wiped on drop, never
/// printed.
#[derive(Clone, PartialEq, Eq)]
pub struct QrSecret(Zeroizing<[u8; 32]>);

impl QrSecret {
    /// The key bytes.
    pub fn expose(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Debug for QrSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("QrSecret(<redacted>)")
    }
}

/// What the web page shows for a session's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Hint {
    /// Stable code: the state while unfinished, the end result after.
    pub code: &'static str,
    /// 简体中文 text for the page.
    pub message: &'static str,
}

/// A session as its relying party and the claiming phone see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RpSession {
    /// The session.
    pub id: RpSessionId,
    /// Its relying party.
    pub rp_id: RelyingPartyId,
    /// What is asked.
    pub content: SessionContent,
    /// The requesting browser's address, if the relying party gave it.
    pub end_user_ip: Option<String>,
    /// Where it stands.
    pub state: RpSessionState,
    /// How it ended.
    pub result: Option<RpEndResult>,
    /// The results, when it ended `Ok`.
    pub completion: Option<Completion>,
    /// Who claimed it.
    pub user_id: Option<UserId>,
    /// With which device.
    pub device_id: Option<DeviceId>,
    /// Created.
    pub created_at: Timestamp,
    /// Claimed.
    pub scanned_at: Option<Timestamp>,
    /// Finished.
    pub completed_at: Option<Timestamp>,
    /// Times out if unclaimed at this instant.
    pub claim_deadline: Timestamp,
    /// Times out if unfinished at this instant.
    pub expires_at: Timestamp,
}

impl RpSession {
    /// The operation.
    pub fn operation(&self) -> RpOperation {
        self.content.operation()
    }

    /// The hint for the relying party's web page.
    pub fn hint(&self) -> Hint {
        let (code, message) = match (self.state, self.result) {
            (RpSessionState::Created, _) => ("outstanding", "请使用移动CA App扫描二维码"),
            (RpSessionState::Scanned, _) => ("scanned", "已扫描，请在手机上确认"),
            (RpSessionState::Confirming, _) => ("confirming", "请在手机上输入证书PIN码"),
            (_, Some(r)) => (
                r.as_str(),
                match r {
                    RpEndResult::Ok => "操作已完成",
                    RpEndResult::UserRefused => "用户已在手机上拒绝",
                    RpEndResult::NotAuthorized => "该证书未获得此交易平台的授权",
                    RpEndResult::CertificateRevoked => "证书已吊销",
                    RpEndResult::CertificateExpired => "证书已过期",
                    RpEndResult::PinLocked => "证书密钥已锁定",
                    RpEndResult::HolderMismatch => "证书持有人与当前账户不一致，请使用本人证书",
                    RpEndResult::Timeout => "操作超时，请刷新二维码",
                    RpEndResult::Cancelled => "操作已取消",
                    _ => "操作失败，请重试",
                },
            ),
            (_, None) => ("protocol_failure", "操作失败，请重试"),
        };
        Hint { code, message }
    }

    /// The exact bytes the phone signs for an auth, cert or confirm session.
    pub fn signed_bytes(&self) -> Option<Vec<u8>> {
        self.content.signed_bytes(self.rp_id, self.id)
    }

    fn is_complete(&self) -> bool {
        self.state == RpSessionState::Complete
    }
}

/// A new session as handed to its relying party.
#[derive(Clone, Debug)]
pub struct CreatedSession {
    /// The session.
    pub session: RpSession,
    /// The token the QR frames carry.
    pub public_token: String,
    /// The QR frame secret: returned by creation only (and by a retry
    /// with the same Idempotency-Key, which is the same creation).
    pub qr_secret: QrSecret,
    /// Whether this answers a retry with the same Idempotency-Key.
    pub replayed: bool,
}

/// What the phone shows after a successful scan.
#[derive(Clone, Debug)]
pub struct Scanned {
    /// The session, claimed by the caller.
    pub session: RpSession,
    /// The relying party's registered name (never a caller's text).
    pub relying_party: String,
}

/// The QR session service.
#[derive(Clone)]
pub struct Sessions {
    store: Arc<dyn Store>,
    vault: Arc<KeyVault>,
    clock: Arc<dyn Clock>,
    audit: Audit,
    identity: Identity,
    registry: Registry,
    authorizations: Arc<dyn PlatformAuthorizations>,
}

fn random<const N: usize>() -> Result<[u8; N]> {
    mca_crypto::rand::bytes().map_err(|_| DomainError::Internal("random source"))
}

fn idempotency_key_ok(key: &str) -> bool {
    (1..=64).contains(&key.len()) && key.bytes().all(|c| c.is_ascii_graphic())
}

impl Sessions {
    /// The session service.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        store: Arc<dyn Store>,
        vault: Arc<KeyVault>,
        clock: Arc<dyn Clock>,
        audit: Audit,
        identity: Identity,
        registry: Registry,
        authorizations: Arc<dyn PlatformAuthorizations>,
    ) -> Self {
        Self {
            store,
            vault,
            clock,
            audit,
            identity,
            registry,
            authorizations,
        }
    }

    async fn log(&self, actor: &str, action: &str, id: RpSessionId, detail: &str) -> Result<()> {
        self.audit
            .append(actor, action, &format!("rp-session:{id}"), detail)
            .await
            .map(|_| ())
    }

    fn view(rec: &RpSessionRecord) -> Result<RpSession> {
        let corrupt = |_| DomainError::Internal("stored relying-party session");
        let stored: StoredRequest = serde_json::from_slice(&rec.content).map_err(corrupt)?;
        let completion = rec
            .results
            .as_deref()
            .map(serde_json::from_slice::<Completion>)
            .transpose()
            .map_err(corrupt)?;
        Ok(RpSession {
            id: rec.id,
            rp_id: rec.rp_id,
            content: stored.content,
            end_user_ip: stored.end_user_ip,
            state: rec.state,
            result: rec.result,
            completion,
            user_id: rec.user_id,
            device_id: rec.device_id,
            created_at: rec.created_at,
            scanned_at: rec.scanned_at,
            completed_at: rec.completed_at,
            claim_deadline: rec.claim_deadline,
            expires_at: rec.expires_at,
        })
    }

    fn open_secret(&self, rec: &RpSessionRecord) -> Result<QrSecret> {
        let plain = self.vault.open(
            &secret_aad(rec.id),
            &SealedSecret::from_bytes(rec.sealed_secret.clone()),
        )?;
        let bytes: [u8; 32] = plain
            .as_slice()
            .try_into()
            .map_err(|_| DomainError::Internal("stored QR secret"))?;
        Ok(QrSecret(Zeroizing::new(bytes)))
    }

    /// The session as it stands now: an overdue one is first timed out.
    async fn current(&self, id: RpSessionId) -> Result<Option<RpSession>> {
        let Some(rec) = self.store.rp_session(id).await? else {
            return Ok(None);
        };
        let now = self.clock.now();
        let overdue = rec.state != RpSessionState::Complete
            && (now >= rec.expires_at
                || (rec.state == RpSessionState::Created && now >= rec.claim_deadline));
        if !overdue {
            return Self::view(&rec).map(Some);
        }
        if self
            .store
            .finish_rp_session(id, RpFinish::Overdue, RpEndResult::Timeout, None, now)
            .await?
        {
            self.log("system", "rp_session_timeout", id, rec.state.as_str())
                .await?;
        }
        self.store
            .rp_session(id)
            .await?
            .as_ref()
            .map(Self::view)
            .transpose()
    }

    /// Creates a session for the calling relying party. With an
    /// Idempotency-Key already used for the same request, answers the
    /// session created then (`replayed`); for another request, refuses.
    pub async fn create(&self, caller: &RpCaller, new: NewSession) -> Result<CreatedSession> {
        let now = self.clock.now();
        let rp = self.registry.get(caller.rp).await?;
        if rp.disabled_at.is_some() {
            return Err(DomainError::RelyingPartyDisabled);
        }
        if !rp.allowed_operations.contains(&new.content.operation()) {
            return Err(DomainError::OperationNotAllowed);
        }
        new.content.check(now)?;
        let operation = new.content.operation();
        if let Some(ip) = &new.end_user_ip {
            ip.parse::<std::net::IpAddr>()
                .map_err(|_| DomainError::InvalidInput("end_user_ip"))?;
        }
        if let Some(key) = &new.idempotency_key
            && !idempotency_key_ok(key)
        {
            return Err(DomainError::InvalidInput("idempotency_key"));
        }
        let content = serde_json::to_vec(&StoredRequest {
            content: new.content,
            end_user_ip: new.end_user_ip,
        })
        .map_err(|_| DomainError::Internal("encode session"))?;
        let request_hash = mca_crypto::sm3::sm3_parts(&[b"MCA-RP-IDEMPOTENCY-V1", &content]);

        self.store
            .prune_rp_sessions(now.plus(-PRUNE_AFTER_SECS))
            .await?;
        let id = RpSessionId::new();
        let secret = QrSecret(Zeroizing::new(random::<32>()?));
        let public_token = hex::encode(random::<16>()?);
        let rec = RpSessionRecord {
            id,
            rp_id: rp.id,
            operation,
            state: RpSessionState::Created,
            result: None,
            idempotency_key: new.idempotency_key.clone(),
            request_hash,
            public_token: public_token.clone(),
            sealed_secret: self
                .vault
                .seal(&secret_aad(id), secret.expose())?
                .as_bytes()
                .to_vec(),
            content,
            results: None,
            user_id: None,
            device_id: None,
            created_at: now,
            claim_deadline: now.plus(CLAIM_TTL_SECS),
            expires_at: now.plus(SESSION_TTL_SECS),
            scanned_at: None,
            completed_at: None,
        };
        if self.store.insert_rp_session(&rec).await? {
            self.log(
                &format!("rp:{}", rp.id),
                "rp_session_created",
                id,
                rec.operation.as_str(),
            )
            .await?;
            return Ok(CreatedSession {
                session: Self::view(&rec)?,
                public_token,
                qr_secret: secret,
                replayed: false,
            });
        }
        // The Idempotency-Key is taken: the earlier creation, if it asked
        // exactly the same.
        let key = new.idempotency_key.as_deref().unwrap_or_default();
        let earlier = self
            .store
            .rp_session_by_idempotency_key(rp.id, key)
            .await?
            .ok_or(DomainError::Internal("idempotent session vanished"))?;
        if earlier.request_hash != request_hash {
            return Err(DomainError::IdempotencyKeyReused);
        }
        let session = self
            .current(earlier.id)
            .await?
            .ok_or(DomainError::Internal("idempotent session vanished"))?;
        Ok(CreatedSession {
            session,
            public_token: earlier.public_token.clone(),
            qr_secret: self.open_secret(&earlier)?,
            replayed: true,
        })
    }

    /// The session for its relying party (another's is "not found"); a
    /// session finished more than [`RETENTION_SECS`] ago is gone.
    pub async fn collect(&self, caller: &RpCaller, id: RpSessionId) -> Result<RpSession> {
        let s = self
            .current(id)
            .await?
            .filter(|s| s.rp_id == caller.rp)
            .ok_or(DomainError::NotFound("session"))?;
        let gone = s
            .completed_at
            .is_some_and(|t| self.clock.now() >= t.plus(RETENTION_SECS));
        if gone {
            return Err(DomainError::SessionGone);
        }
        Ok(s)
    }

    /// The relying party cancels an unfinished session.
    pub async fn cancel(&self, caller: &RpCaller, id: RpSessionId) -> Result<RpSession> {
        let s = self.collect(caller, id).await?;
        let now = self.clock.now();
        let done = self
            .store
            .finish_rp_session(id, RpFinish::Unfinished, RpEndResult::Cancelled, None, now)
            .await?;
        if !done {
            return Err(DomainError::SessionFinished);
        }
        self.log(
            &format!("rp:{}", caller.rp),
            "rp_session_cancelled",
            id,
            s.state.as_str(),
        )
        .await?;
        self.collect(caller, id).await
    }
}
