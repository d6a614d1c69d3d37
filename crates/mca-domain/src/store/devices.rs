use async_trait::async_trait;

use super::StoreResult;
use crate::{DeviceId, Timestamp, UserId};

/// A phone registered to an account, with its ECDSA P-256 public key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Device {
    /// The device.
    pub id: DeviceId,
    /// Its owner.
    pub user_id: UserId,
    /// A label the phone chose ("iPhone 15").
    pub name: String,
    /// SEC1-encoded P-256 public key.
    pub public_key: Vec<u8>,
    /// When it was registered.
    pub created_at: Timestamp,
}

/// A bearer token's stored form, bound to one device.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    /// SM3 of the token (the token itself is never stored).
    pub token_hash: [u8; 32],
    /// The account.
    pub user_id: UserId,
    /// The only device that may use the token.
    pub device_id: DeviceId,
    /// When it was issued.
    pub created_at: Timestamp,
    /// When it stops being accepted.
    pub expires_at: Timestamp,
}

/// Devices, their sessions and the nonces they used.
#[async_trait]
pub trait DeviceStore: Send + Sync {
    /// Registers a device.
    async fn insert_device(&self, device: &Device) -> StoreResult<()>;

    /// The device with this id.
    async fn device(&self, id: DeviceId) -> StoreResult<Option<Device>>;

    /// The user's devices, oldest first.
    async fn devices_of(&self, user: UserId) -> StoreResult<Vec<Device>>;

    /// Deletes the user's device with its sessions and nonces (the schema
    /// cascades); `false` if the user has no such device.
    async fn delete_device(&self, user: UserId, id: DeviceId) -> StoreResult<bool>;

    /// Stores a session.
    async fn insert_session(&self, session: &Session) -> StoreResult<()>;

    /// The session with this token hash.
    async fn session(&self, token_hash: &[u8; 32]) -> StoreResult<Option<Session>>;

    /// Deletes sessions that expired before `before`; returns how many.
    async fn prune_sessions(&self, before: Timestamp) -> StoreResult<u64>;

    /// Records that `device` used `nonce`: an insert guarded by the primary
    /// key (device, nonce). `false` if it was already recorded — a replay,
    /// whichever instance saw the first use.
    async fn record_nonce(&self, device: DeviceId, nonce: &str, at: Timestamp)
    -> StoreResult<bool>;

    /// Forgets nonces recorded before `before` (they are outside the
    /// timestamp window, so a replay of them is refused as stale anyway).
    async fn prune_nonces(&self, before: Timestamp) -> StoreResult<u64>;
}
