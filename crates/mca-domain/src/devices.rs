//! Devices: each login registers the phone's ECDSA P-256 public key and
//! issues a bearer token bound to that device. Every later app request is
//! signed by the device key over `mca_crypto::device::request_payload`
//! with a timestamp and a nonce, so a stolen token alone does nothing and a
//! replayed request is refused.

use std::fmt;
use std::sync::Arc;

use mca_crypto::device::{DevicePublicKey, request_payload};
use serde::{Deserialize, Serialize};

use crate::store::{Device, Session, Store};
use crate::{Audit, Clock, DeviceId, DomainError, Result, UserId};

/// How far a request's timestamp may be from the server's clock.
pub const MAX_SKEW_SECS: i64 = 300;
/// Nonces are kept this long: a request is accepted while
/// `|now − timestamp| ≤ MAX_SKEW_SECS`, so a replay of a nonce first seen
/// at `t` can only pass the window until `t + 2·MAX_SKEW_SECS`.
pub const NONCE_RETENTION_SECS: i64 = 2 * MAX_SKEW_SECS;
/// How long a session token is valid.
pub const SESSION_TTL_SECS: i64 = 30 * 86_400;

/// What the phone sends at login to register itself.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct NewDevice {
    /// A label shown in the device list (1–64 characters).
    pub name: String,
    /// The device's P-256 public key (hex SEC1 in JSON).
    pub public_key: DevicePublicKey,
}

/// A bearer token (32 random bytes, lower-case hex). Only its SM3 hash is
/// stored; `Debug` is redacted.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionToken(String);

impl SessionToken {
    fn generate() -> Result<Self> {
        let bytes: [u8; 32] =
            mca_crypto::rand::bytes().map_err(|_| DomainError::Internal("random source"))?;
        Ok(Self(hex::encode(bytes)))
    }

    /// Wraps a token received from a client (checked by lookup).
    pub fn from_client(s: &str) -> Self {
        Self(s.to_owned())
    }

    /// The token, to hand to the phone once.
    pub fn expose(&self) -> &str {
        &self.0
    }

    fn hash(&self) -> [u8; 32] {
        mca_crypto::sm3::sm3_parts(&[b"MCA-TOKEN-V1", self.0.as_bytes()])
    }
}

impl fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SessionToken(<redacted>)")
    }
}

/// A signed app request, as the server's extractor collects it.
#[derive(Clone, Copy, Debug)]
pub struct SignedRequest<'a> {
    /// The bearer token.
    pub token: &'a SessionToken,
    /// The device the phone claims to be.
    pub device_id: DeviceId,
    /// HTTP method.
    pub method: &'a str,
    /// Path and query as sent.
    pub path_and_query: &'a str,
    /// Unix seconds the phone signed at.
    pub timestamp: i64,
    /// 16–64 characters of `[A-Za-z0-9_-]`, fresh per request.
    pub nonce: &'a str,
    /// The request body.
    pub body: &'a [u8],
    /// DER ECDSA signature over `request_payload(...)`.
    pub signature: &'a [u8],
}

/// The authenticated caller of an app request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Caller {
    /// The account.
    pub user: UserId,
    /// The device that signed.
    pub device: DeviceId,
}

/// Registers, authenticates, lists and removes devices.
#[derive(Clone)]
pub struct Devices {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    audit: Audit,
}

impl Devices {
    /// The device service on `store`.
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>, audit: Audit) -> Self {
        Self {
            store,
            clock,
            audit,
        }
    }

    /// Checks a device's name before anything is stored.
    pub(crate) fn check(new: &NewDevice) -> Result<()> {
        let n = new.name.chars().count();
        if !(1..=64).contains(&n) || new.name.chars().any(char::is_control) {
            return Err(DomainError::InvalidInput("device name"));
        }
        Ok(())
    }

    /// Registers `new` for `user` and issues its session token (called by
    /// [`Accounts`](crate::Accounts) at login).
    pub(crate) async fn register(
        &self,
        user: UserId,
        new: &NewDevice,
    ) -> Result<(DeviceId, SessionToken)> {
        Self::check(new)?;
        let now = self.clock.now();
        self.store.prune_sessions(now).await?;
        // The same device logging in again (its session expired) stays the
        // same device: the keys it holds are bound to its id, and would
        // otherwise need a re-key just because a session timed out. Only
        // the holder of the device key can use the session either way.
        let public_key = new.public_key.to_sec1();
        let known = self
            .store
            .devices_of(user)
            .await?
            .into_iter()
            // The newest: accounts from before may hold several rows of
            // one key, and the keys were downloaded on the latest.
            .rev()
            .find(|d| d.public_key == public_key);
        let (device, again) = match known {
            Some(d) => (d, true),
            None => {
                let device = Device {
                    id: DeviceId::new(),
                    user_id: user,
                    name: new.name.clone(),
                    public_key,
                    created_at: now,
                };
                self.store.insert_device(&device).await?;
                (device, false)
            }
        };
        let token = SessionToken::generate()?;
        self.store
            .insert_session(&Session {
                token_hash: token.hash(),
                user_id: user,
                device_id: device.id,
                created_at: now,
                expires_at: now.plus(SESSION_TTL_SECS),
            })
            .await?;
        self.audit
            .append(
                &format!("user:{user}"),
                if again {
                    "device_logged_in"
                } else {
                    "device_added"
                },
                &format!("device:{}", device.id),
                &device.name,
            )
            .await?;
        Ok((device.id, token))
    }

    /// Authenticates a signed app request: the token must be live and
    /// belong to `device_id`, the timestamp within ±300 s, the signature
    /// valid under the device's key, and the nonce unused by that device.
    /// The nonce is recorded only after the signature verifies, so
    /// unauthenticated traffic cannot burn a device's nonces.
    pub async fn authenticate(&self, req: &SignedRequest<'_>) -> Result<Caller> {
        let now = self.clock.now();
        let session = self
            .store
            .session(&req.token.hash())
            .await?
            .filter(|s| s.expires_at > now)
            .ok_or(DomainError::Unauthenticated)?;
        if session.device_id != req.device_id {
            return Err(DomainError::WrongDevice);
        }
        let device = self
            .store
            .device(req.device_id)
            .await?
            .ok_or(DomainError::Unauthenticated)?;
        if (now.secs() - req.timestamp).abs() > MAX_SKEW_SECS {
            return Err(DomainError::StaleRequest);
        }
        let nonce_ok = (16..=64).contains(&req.nonce.len())
            && req
                .nonce
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_');
        if !nonce_ok {
            return Err(DomainError::InvalidInput("nonce"));
        }
        let key = DevicePublicKey::from_sec1(&device.public_key).map_err(|_| {
            DomainError::Store(crate::StoreError::plain(
                crate::StoreErrorKind::Corrupt,
                "device public key",
            ))
        })?;
        let payload = request_payload(
            req.method,
            req.path_and_query,
            req.timestamp,
            req.nonce,
            req.body,
        );
        key.verify(&payload, req.signature)
            .map_err(|_| DomainError::BadSignature)?;
        if !self.store.record_nonce(device.id, req.nonce, now).await? {
            return Err(DomainError::Replay);
        }
        self.store
            .prune_nonces(now.plus(-NONCE_RETENTION_SECS))
            .await?;
        Ok(Caller {
            user: session.user_id,
            device: device.id,
        })
    }

    /// The user's devices, oldest first.
    pub async fn list(&self, user: UserId) -> Result<Vec<Device>> {
        Ok(self.store.devices_of(user).await?)
    }

    /// Removes one of the user's devices; its tokens stop working at once.
    pub async fn remove(&self, user: UserId, device: DeviceId) -> Result<()> {
        if !self.store.delete_device(user, device).await? {
            return Err(DomainError::NotFound("device"));
        }
        self.audit
            .append(
                &format!("user:{user}"),
                "device_removed",
                &format!("device:{device}"),
                "",
            )
            .await?;
        Ok(())
    }
}
