//! The PKI crate's one error type.
//!
//! Variants say what went wrong without carrying key material or foreign
//! error types; DER decoding errors are flattened to their message.

/// Everything that can go wrong while building, parsing or verifying PKI
/// structures.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Bytes that should hold a DER/BER structure do not.
    #[error("malformed {what}: {reason}")]
    Malformed {
        /// Which structure was being read.
        what: &'static str,
        /// The decoder's reason (positions, tags; never secret bytes).
        reason: String,
    },
    /// A structure uses an algorithm or version we do not support.
    #[error("unsupported {0}")]
    Unsupported(&'static str),
    /// A signature is well-formed but does not verify, or a digest does not
    /// match.
    #[error("signature does not verify: {0}")]
    BadSignature(&'static str),
    /// An issuance request is invalid (bad identity number, empty name…).
    #[error("invalid request: {0}")]
    InvalidRequest(String),
    /// The to-be-signed certificate breaks the profile; nothing was signed.
    #[error("certificate lint failed: {0}")]
    Lint(String),
    /// A crypto-core operation failed.
    #[error("crypto: {0}")]
    Crypto(#[from] mca_crypto::Error),
    /// A signer (software key, HSM, two-party protocol) could not sign.
    #[error("signer failed: {0}")]
    Signer(String),
    /// A key file could not be decrypted: wrong passphrase or corrupted file.
    #[error("wrong passphrase or corrupted key file")]
    KeyDecryption,
    /// None of the enveloped data's recipients matches the given key.
    #[error("no recipient matches this key")]
    NoRecipient,
    /// Reading or writing a CA directory failed.
    #[error("{path}: {reason}")]
    Io {
        /// The file involved.
        path: String,
        /// The operating system's reason.
        reason: String,
    },
}

/// Shorthand for results in this crate.
pub type Result<T> = core::result::Result<T, Error>;

/// Maps a DER error to [`Error::Malformed`] naming the structure.
pub(crate) fn malformed(what: &'static str) -> impl FnOnce(der::Error) -> Error {
    move |e| Error::Malformed {
        what,
        reason: e.to_string(),
    }
}
