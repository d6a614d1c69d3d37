//! The crypto core's one error type.
//!
//! Variants name what went wrong without carrying secret values or foreign
//! error types, so callers can map them to API problems and logs safely.

use core::fmt;

/// Everything that can go wrong in the crypto core.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// Bytes that should encode a curve point do not (wrong length, not on
    /// the curve, or the point at infinity).
    InvalidPoint,
    /// Bytes that should encode a scalar do not (wrong length, zero, or not
    /// below the group order).
    InvalidScalar,
    /// A signature is malformed (bad DER, r or s out of range).
    MalformedSignature,
    /// A well-formed signature does not verify.
    BadSignature,
    /// A ciphertext is malformed or its integrity check (C3, GCM tag, CBC
    /// padding) fails.
    DecryptionFailed,
    /// A key or nonce has the wrong length.
    InvalidLength,
    /// A two-party step produced a degenerate value (r = 0, s = 0, r + s = n);
    /// the step must be restarted with fresh nonces.
    Degenerate,
    /// The phone's partial signature did not produce a valid signature: a
    /// wrong PIN, or a tampered message. Counts as a PIN failure.
    PartialSignatureRejected,
    /// The partial signature verifies only under a share the server had
    /// already replaced: it comes from a stale copy of the phone's storage.
    StaleCloneDetected,
    /// The phone's check of the jointly generated public key failed.
    KeyGenerationMismatch,
    /// A blinded decryption was attempted without a signature that
    /// authorizes exactly this request.
    NotAuthorized,
    /// A protocol message is malformed (bad hex, wrong field length).
    MalformedMessage,
    /// The operating system's random number generator failed.
    Rng,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Error::InvalidPoint => "invalid curve point",
            Error::InvalidScalar => "invalid scalar",
            Error::MalformedSignature => "malformed signature",
            Error::BadSignature => "signature does not verify",
            Error::DecryptionFailed => "decryption failed",
            Error::InvalidLength => "invalid key or nonce length",
            Error::Degenerate => "degenerate protocol value, restart with fresh nonces",
            Error::PartialSignatureRejected => "partial signature rejected",
            Error::StaleCloneDetected => "partial signature comes from a stale clone",
            Error::KeyGenerationMismatch => "joint public key does not match",
            Error::NotAuthorized => "operation not authorized by a verified signature",
            Error::MalformedMessage => "malformed protocol message",
            Error::Rng => "random number generator failure",
        })
    }
}

impl std::error::Error for Error {}

/// Result alias for the crypto core.
pub type Result<T> = core::result::Result<T, Error>;
