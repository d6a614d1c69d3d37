//! The command-line phone: a Mobile CA phone that keeps its state in a
//! directory and talks to the app API exactly as the real app does.
//!
//! It is a thin shell over [`mca_phone_core`], which holds every rule the
//! phone enforces: this crate only sends HTTP (reqwest), keeps files and
//! reads the clock, driving the core's machines in a loop.
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
//! - [`enterprises`]: claiming an enterprise (B1–B5), the user's
//!   enterprises.
//! - [`rp`]: relying-party sessions of [`Phone`] (scan a QR frame,
//!   approve with a key and PIN, refuse).

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod certificates;
pub mod client;
pub mod enterprises;
pub mod phone;
pub mod rp;
pub mod state;

pub use certificates::CertificateInfo;
pub use client::{Client, Reply, Tamper};
pub use enterprises::EnterpriseInfo;
pub use phone::Phone;
pub use rp::{Approved, Scanned, ScannedItem, kind_label};
pub use state::{Session, StateDir, StoredKey};

/// Why a phone operation failed. Never holds a token, code or password.
/// Displayed in Chinese, one line, as the person at the phone reads it; a
/// refusal keeps the problem's stable code and status for scripts.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PhoneError {
    /// The server could not be reached.
    #[error("无法连接服务器: {0}")]
    Http(String),
    /// The server refused, with its RFC 9457 problem.
    #[error("{title}{}（{code}，HTTP {status}）", detail.as_deref().filter(|d| d != title).map(|d| format!("：{d}")).unwrap_or_default())]
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
    #[error("服务器的回答不是 JSON（HTTP {0}）")]
    Protocol(u16),
    /// The operation needs a login first.
    #[error("尚未登录：请先运行 `mca phone login`")]
    NotLoggedIn,
    /// The state directory is unusable.
    #[error("手机状态目录出错: {0}")]
    State(String),
}

/// Why a local file operation failed, in Chinese: the command line's
/// errors are read by people who may not read the operating system's
/// English.
pub fn io_reason(e: &std::io::Error) -> String {
    use std::io::ErrorKind::*;
    let reason = match e.kind() {
        NotFound => "文件或目录不存在",
        PermissionDenied => "没有访问权限",
        AlreadyExists => "文件已存在",
        IsADirectory => "这是一个目录，不是文件",
        NotADirectory => "路径中有一项不是目录",
        StorageFull => "磁盘空间不足",
        ReadOnlyFilesystem => "文件系统只读",
        InvalidData => "内容无效",
        UnexpectedEof => "内容不完整",
        _ => return format!("系统错误（{e}）"),
    };
    reason.to_owned()
}

impl From<mca_phone_core::CoreError> for PhoneError {
    fn from(e: mca_phone_core::CoreError) -> Self {
        match e {
            mca_phone_core::CoreError::Refused {
                status,
                code,
                title,
                detail,
                attempts_left,
            } => PhoneError::Refused {
                status,
                code,
                title,
                detail,
                attempts_left,
            },
            other => PhoneError::State(other.to_string()),
        }
    }
}

impl PhoneError {
    /// The error for a non-success reply carrying a problem document (the
    /// phone core's reading of it).
    pub fn from_problem(status: u16, body: &serde_json::Value) -> Self {
        mca_phone_core::CoreError::from_problem(status, body).into()
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
