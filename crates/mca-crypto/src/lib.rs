//! The Mobile CA crypto core: SM2, SM3, SM4 and the two-party SM2 protocol
//! that splits each user's private key between the phone and the server.
//!
//! No I/O, no async, no `unsafe`: the same code runs in the server, in the
//! `mca` command-line phone, and compiled to WebAssembly in the phone web app.
//!
//! # Layout
//! - [`sm3`]: SM3, HMAC-SM3, the GB/T 32918.4 KDF and PBKDF2-HMAC-SM3.
//! - [`sm4`]: SM4-CBC (digital envelopes) and SM4-GCM (at rest, end to end).
//! - [`sm2`]: validated [`sm2::Point`]s, one-piece keys, signatures with the
//!   standard ID, encryption in the three ciphertext encodings.
//! - [`twoparty`]: the key-splitting protocol of `PROTOCOL.md`, one module
//!   per role (`phone`, `server`, `kmc`) so code only ever holds its own
//!   share, and `messages` with the wire types both sides exchange.
//! - [`seal`]: ECIES-style sealing (SM2 + SM3-KDF + SM4-GCM) for protocol
//!   messages that must be end-to-end encrypted between phone and server.
//! - [`device`]: the phone's device key (ECDSA P-256, the one curve every
//!   secure element and WebCrypto offer) and the canonical bytes it signs for
//!   every app request.
//! - [`rp`]: relying-party messages: request and webhook MACs, animated QR
//!   frames, and the bytes the phone signs for login and confirm sessions.
//! - [`domain`]: the domain tags of every message Mobile CA signs and the
//!   one test ([`domain::is_reserved`]) that keeps user-chosen bytes apart.
//! - [`rand`]: the only source of randomness.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod device;
pub mod domain;
mod error;
pub mod rand;
pub mod rp;
pub mod seal;
pub mod sm2;
pub mod sm3;
pub mod sm4;
pub mod twoparty;

pub use error::{Error, Result};
