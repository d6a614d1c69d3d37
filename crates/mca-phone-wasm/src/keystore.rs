//! The stored keys in IndexedDB (record "keys"): the core's [`StoredKey`]
//! values as they are, which hold only masked shares, certificates, the
//! public key and ids (PROTOCOL.md §3).

use mca_phone_core::StoredKey;

use crate::browser;
use crate::error::PhoneError;

const KEYS: &str = "keys";

/// Every stored key.
pub async fn all() -> Result<Vec<StoredKey>, PhoneError> {
    Ok(browser::load::<Vec<StoredKey>>(KEYS)
        .await?
        .unwrap_or_default())
}

/// The stored key `key_id`.
pub async fn get(key_id: &str) -> Result<StoredKey, PhoneError> {
    all()
        .await?
        .into_iter()
        .find(|k| k.key_id == key_id)
        .ok_or_else(|| PhoneError::invalid_input("本机没有这个证书密钥"))
}

/// Saves `key`, replacing the stored key of the same id.
pub async fn save(key: StoredKey) -> Result<(), PhoneError> {
    let mut keys = all().await?;
    keys.retain(|k| k.key_id != key.key_id);
    keys.push(key);
    browser::save(KEYS, &keys).await
}

/// Forgets the key `key_id` (the old key after a re-key).
pub async fn forget(key_id: &str) -> Result<(), PhoneError> {
    let mut keys = all().await?;
    keys.retain(|k| k.key_id != key_id);
    browser::save(KEYS, &keys).await
}
