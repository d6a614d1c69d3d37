//! The phone's state directory: what a real phone keeps in its app storage.
//!
//! ```text
//! <dir>/            0700
//!   device.key      0600  the device's P-256 private key, hex
//!   pin.secret      0600  the device secret mixed into the PIN mask (§3), hex
//!   session.json    0600  server URL, phone number, device id, bearer token
//!   keys/<id>.json  0600  one two-party key: the PIN-masked signing and
//!                         encryption shares, P, the certificates
//! ```
//!
//! Files are written to a temporary name and renamed, so a crash never
//! leaves half a key behind.

use std::fs;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use mca_crypto::device::DeviceKey;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::PhoneError;

/// A logged-in session, as stored in `session.json`.
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Session {
    /// Base URL of the server, e.g. `http://127.0.0.1:8080`.
    pub server: String,
    /// The phone number the session belongs to.
    pub phone: String,
    /// The user's id.
    pub user_id: String,
    /// This device's id, sent with every request.
    pub device_id: String,
    /// The bearer token (secret).
    pub token: String,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("server", &self.server)
            .field("phone", &self.phone)
            .field("user_id", &self.user_id)
            .field("device_id", &self.device_id)
            .finish_non_exhaustive()
    }
}

/// An opened state directory.
#[derive(Debug, Clone)]
pub struct StateDir {
    dir: PathBuf,
}

const DEVICE_KEY: &str = "device.key";
const PIN_SECRET: &str = "pin.secret";
const SESSION: &str = "session.json";
const KEYS: &str = "keys";

/// One two-party key as the phone keeps it (PROTOCOL.md §3), defined by
/// the phone core.
pub use mca_phone_core::StoredKey;

impl StateDir {
    /// Opens `dir`, creating it (mode 0700) if it does not exist.
    pub fn open(dir: impl Into<PathBuf>) -> Result<Self, PhoneError> {
        let dir = dir.into();
        if !dir.exists() {
            fs::create_dir_all(&dir).map_err(|e| io_error(&dir, e))?;
            fs::set_permissions(&dir, fs::Permissions::from_mode(0o700))
                .map_err(|e| io_error(&dir, e))?;
        }
        Ok(StateDir { dir })
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// The device key, generated and stored on first use.
    pub fn device_key(&self) -> Result<DeviceKey, PhoneError> {
        let path = self.dir.join(DEVICE_KEY);
        match fs::read_to_string(&path) {
            Ok(text) => {
                let bytes = Zeroizing::new(
                    hex::decode(text.trim())
                        .map_err(|_| PhoneError::State(format!("{} 已损坏", path.display())))?,
                );
                DeviceKey::from_bytes(&bytes)
                    .map_err(|_| PhoneError::State(format!("{} 已损坏", path.display())))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let key = DeviceKey::generate().map_err(|e| PhoneError::State(e.to_string()))?;
                let text = Zeroizing::new(hex::encode(&key.to_bytes()[..]));
                self.write_private(DEVICE_KEY, text.as_bytes())?;
                Ok(key)
            }
            Err(e) => Err(io_error(&path, e)),
        }
    }

    /// The device secret mixed into the PIN mask, generated on first use.
    /// Kept apart from the masked shares, as a phone keeps it in its
    /// keystore.
    pub fn pin_secret(&self) -> Result<Zeroizing<Vec<u8>>, PhoneError> {
        let path = self.dir.join(PIN_SECRET);
        match fs::read_to_string(&path) {
            Ok(text) => hex::decode(text.trim())
                .ok()
                .filter(|b| b.len() == 32)
                .map(Zeroizing::new)
                .ok_or_else(|| PhoneError::State(format!("{} 已损坏", path.display()))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let secret = Zeroizing::new(
                    mca_crypto::rand::bytes::<32>()
                        .map_err(|e| PhoneError::State(e.to_string()))?
                        .to_vec(),
                );
                let text = Zeroizing::new(hex::encode(&secret[..]));
                self.write_private(PIN_SECRET, text.as_bytes())?;
                Ok(secret)
            }
            Err(e) => Err(io_error(&path, e)),
        }
    }

    fn key_name(key_id: &str) -> Result<String, PhoneError> {
        if key_id.is_empty() || !key_id.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-') {
            return Err(PhoneError::State(format!("不是密钥编号: {key_id}")));
        }
        Ok(format!("{KEYS}/{key_id}.json"))
    }

    /// Stores (or replaces) a key.
    pub fn save_key(&self, key: &StoredKey) -> Result<(), PhoneError> {
        let keys = self.dir.join(KEYS);
        if !keys.exists() {
            fs::create_dir_all(&keys).map_err(|e| io_error(&keys, e))?;
            fs::set_permissions(&keys, fs::Permissions::from_mode(0o700))
                .map_err(|e| io_error(&keys, e))?;
        }
        let json = Zeroizing::new(
            serde_json::to_vec_pretty(key).map_err(|e| PhoneError::State(e.to_string()))?,
        );
        self.write_private(&Self::key_name(&key.key_id)?, &json)
    }

    /// The stored key `key_id`.
    pub fn key(&self, key_id: &str) -> Result<StoredKey, PhoneError> {
        let path = self.dir.join(Self::key_name(key_id)?);
        let bytes = fs::read(&path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => PhoneError::State(format!("本机没有密钥 {key_id}")),
            _ => io_error(&path, e),
        })?;
        serde_json::from_slice(&bytes)
            .map_err(|_| PhoneError::State(format!("{} 已损坏", path.display())))
    }

    /// Every stored key.
    pub fn keys(&self) -> Result<Vec<StoredKey>, PhoneError> {
        let dir = self.dir.join(KEYS);
        let entries = match fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(io_error(&dir, e)),
        };
        let mut out = Vec::new();
        for entry in entries {
            let name = entry.map_err(|e| io_error(&dir, e))?.file_name();
            if let Some(id) = name.to_str().and_then(|n| n.strip_suffix(".json")) {
                out.push(self.key(id)?);
            }
        }
        out.sort_by(|a, b| a.key_id.cmp(&b.key_id));
        Ok(out)
    }

    /// Forgets a key (replaced after a forgotten PIN).
    pub fn remove_key(&self, key_id: &str) -> Result<(), PhoneError> {
        let path = self.dir.join(Self::key_name(key_id)?);
        match fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(io_error(&path, e)),
            _ => Ok(()),
        }
    }

    /// The stored session, if logged in.
    pub fn session(&self) -> Result<Option<Session>, PhoneError> {
        let path = self.dir.join(SESSION);
        match fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|_| PhoneError::State(format!("{} 已损坏", path.display()))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io_error(&path, e)),
        }
    }

    /// Stores the session after a login.
    pub fn save_session(&self, session: &Session) -> Result<(), PhoneError> {
        let json = Zeroizing::new(
            serde_json::to_vec_pretty(session).map_err(|e| PhoneError::State(e.to_string()))?,
        );
        self.write_private(SESSION, &json)
    }

    /// Forgets the session (logout, or this device was removed).
    pub fn clear_session(&self) -> Result<(), PhoneError> {
        let path = self.dir.join(SESSION);
        match fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(io_error(&path, e)),
            _ => Ok(()),
        }
    }

    /// Writes `name` with mode 0600 from the start (never world-readable,
    /// not even briefly), through a temporary file and a rename.
    fn write_private(&self, name: &str, bytes: &[u8]) -> Result<(), PhoneError> {
        let path = self.dir.join(name);
        let file_name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("file")
            .to_owned();
        let tmp = path.with_file_name(format!(".{file_name}.tmp"));
        let _ = fs::remove_file(&tmp);
        let mut file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)
            .map_err(|e| io_error(&tmp, e))?;
        file.write_all(bytes)
            .and_then(|()| file.sync_all())
            .map_err(|e| io_error(&tmp, e))?;
        fs::rename(&tmp, &path).map_err(|e| io_error(&path, e))
    }
}

fn io_error(path: &Path, e: std::io::Error) -> PhoneError {
    PhoneError::State(format!("{}: {}", path.display(), crate::io_reason(&e)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("mca-phone-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        dir
    }

    fn mode(path: &Path) -> u32 {
        fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn device_key_is_created_once_and_private() {
        let dir = temp_dir("key");
        let state = StateDir::open(&dir).unwrap();
        let key = state.device_key().unwrap();
        assert_eq!(state.device_key().unwrap().public_key(), key.public_key());
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&dir.join(DEVICE_KEY)), 0o600);
    }

    #[test]
    fn session_round_trip_private_and_redacted() {
        let dir = temp_dir("session");
        let state = StateDir::open(&dir).unwrap();
        assert!(state.session().unwrap().is_none());
        let session = Session {
            server: "http://127.0.0.1:1".into(),
            phone: "13800138000".into(),
            user_id: "u".into(),
            device_id: "d".into(),
            token: "secret-token".into(),
        };
        state.save_session(&session).unwrap();
        assert_eq!(state.session().unwrap().as_ref(), Some(&session));
        assert_eq!(mode(&dir.join(SESSION)), 0o600);
        assert!(!format!("{session:?}").contains("secret-token"));
        state.clear_session().unwrap();
        assert!(state.session().unwrap().is_none());
    }

    #[test]
    fn corrupt_files_are_clear_errors_not_panics() {
        let dir = temp_dir("corrupt");
        let state = StateDir::open(&dir).unwrap();
        fs::write(dir.join(DEVICE_KEY), "zz").unwrap();
        assert!(matches!(state.device_key(), Err(PhoneError::State(_))));
        fs::write(dir.join(SESSION), "{").unwrap();
        assert!(matches!(state.session(), Err(PhoneError::State(_))));
    }
}
