//! The command-line phone: a Mobile CA phone that keeps its state in a
//! directory and talks to the app API exactly as the real app does.
//!
//! The `mca phone …` commands and the server's integration tests use it, so
//! the tests exercise the same requests, headers and signatures a phone
//! sends.
//!
//! # Layout
//! - [`state`]: the state directory (device key, session, the masked key
//!   shares), files 0600.
//! - [`client`]: the HTTP client; signs every request after login with the
//!   device key and documents the request headers.
//! - [`phone`]: [`Phone`], one method per app operation (send a code, log
//!   in, set a password, verify identity, devices, messages, …).
//! - [`certificates`]: the personal-certificate operations of [`Phone`]
//!   (apply, download, sign, decrypt, PIN, unlock, re-key, recovery).
//! - [`rp`]: relying-party sessions of [`Phone`] (scan a QR frame,
//!   approve with a key and PIN, refuse).

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod certificates;
pub mod client;
pub mod phone;
pub mod rp;
pub mod state;

pub use certificates::CertificateInfo;
pub use client::{Client, Reply, Tamper};
pub use phone::Phone;
pub use rp::{Approved, Scanned, ScannedItem};
pub use state::{Session, StateDir, StoredKey};

/// Why a phone operation failed. Never holds a token, code or password.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PhoneError {
    /// The server could not be reached.
    #[error("cannot reach the server: {0}")]
    Http(String),
    /// The server refused, with its RFC 9457 problem.
    #[error("{title} ({code}, HTTP {status}){}", detail.as_deref().map(|d| format!(": {d}")).unwrap_or_default())]
    Refused {
        /// HTTP status.
        status: u16,
        /// The problem's stable code.
        code: String,
        /// The problem's user-facing title.
        title: String,
        /// The problem's detail, if any.
        detail: Option<String>,
        /// A wrong PIN's `attempts_left` before the key locks.
        attempts_left: Option<u32>,
    },
    /// The server answered something that is not JSON.
    #[error("the server answered HTTP {0} with a body that is not JSON")]
    Protocol(u16),
    /// The operation needs a login first.
    #[error("not logged in: run `mca phone login` first")]
    NotLoggedIn,
    /// The state directory is unusable.
    #[error("phone state: {0}")]
    State(String),
}

impl PhoneError {
    /// The error for a non-success reply carrying a problem document.
    pub fn from_problem(status: u16, body: &serde_json::Value) -> Self {
        let text = |k: &str| body.get(k).and_then(|v| v.as_str()).map(str::to_owned);
        PhoneError::Refused {
            status,
            code: text("code").unwrap_or_else(|| "unknown".into()),
            title: text("title").unwrap_or_else(|| "请求失败".into()),
            detail: text("detail"),
            attempts_left: body
                .get("attempts_left")
                .and_then(|v| v.as_u64())
                .and_then(|n| u32::try_from(n).ok()),
        }
    }

    /// A wrong PIN's attempts left, if the server said.
    pub fn attempts_left(&self) -> Option<u32> {
        match self {
            PhoneError::Refused { attempts_left, .. } => *attempts_left,
            _ => None,
        }
    }

    /// The problem's stable code, if the server refused.
    pub fn code(&self) -> Option<&str> {
        match self {
            PhoneError::Refused { code, .. } => Some(code),
            _ => None,
        }
    }
}
