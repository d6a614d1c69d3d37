//! The SDK's one error type.
//!
//! Messages never carry a secret, a MAC or a request body: they name what
//! went wrong, and for a refusal they carry Mobile CA's own problem text.

/// Everything a call or a check of this crate can fail with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Mobile CA answered with an RFC 9457 problem document.
    #[error("Mobile CA refused ({status} {code}): {title}")]
    Refused {
        /// HTTP status.
        status: u16,
        /// Stable machine-readable code (e.g. `session_gone`, `replay`).
        code: String,
        /// Short text (简体中文).
        title: String,
        /// More detail, if the server gave any.
        detail: Option<String>,
    },
    /// The request did not get an answer (connection, TLS, timeout).
    #[error("HTTP transport: {0}")]
    Http(String),
    /// The server answered something this SDK does not understand (not
    /// JSON, wrong shape, a failure status without a problem document).
    #[error("unexpected answer: {0}")]
    Protocol(String),
    /// An argument was refused before anything was sent.
    #[error("invalid {0}")]
    InvalidInput(&'static str),
    /// The random source or the crypto core failed.
    #[error("crypto: {0}")]
    Crypto(&'static str),
    /// A session result, certificate or webhook did not pass a local
    /// check; nothing in it may be trusted.
    #[error("verification failed: {0}")]
    Verification(String),
}

impl Error {
    /// The problem code of a refusal (`None` for other errors).
    pub fn code(&self) -> Option<&str> {
        match self {
            Error::Refused { code, .. } => Some(code),
            _ => None,
        }
    }

    /// Whether the session is gone (finished and past retention, 410).
    pub fn is_gone(&self) -> bool {
        matches!(self, Error::Refused { status: 410, .. })
    }

    pub(crate) fn verification(what: impl Into<String>) -> Self {
        Error::Verification(what.into())
    }
}

/// Shorthand for results of this crate.
pub type Result<T> = core::result::Result<T, Error>;
