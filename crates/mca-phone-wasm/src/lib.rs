//! The browser shell of the Mobile CA phone (issue 11): the web app's
//! `Phone` over the sans-I/O phone core (`mca-phone-core`), compiled to
//! WebAssembly with wasm-bindgen. Every rule the phone enforces is the
//! core's; this crate only moves its requests, answers and keys between
//! the core and the browser. The JS API is in this crate's README.
//!
//! # Layout
//! - `js/browser.js`: the only JavaScript: IndexedDB, WebCrypto (the
//!   non-extractable device key and PIN-mask key), fetch,
//!   `navigator.storage.persist()`. I/O only, no protocol or checks.
//! - [`browser`]: that module's imports behind typed Rust functions.
//! - [`error`]: `PhoneError`, the plain object every promise rejects with.
//! - [`client`]: the app API client; device-signs every request.
//! - [`keystore`]: the stored keys in IndexedDB.
//! - [`machines`]: drives the core's state machines over fetch and
//!   IndexedDB.
//! - [`phone`]: `Phone`: opening, session, accounts, real-name verification.
//! - [`certificates`]: catalogue, applications, messages, certificates.
//! - [`enterprises`]: claims, joins, people, authorizations, invitations.
//! - [`keys`]: download, sign, envelopes, PIN change, unlock, re-key.
//! - [`rp`]: relying-party sessions: scan, approve, refuse.
//! - [`checks`]: the core's input checks as `checkX(text)`.

#![forbid(unsafe_code)]

pub mod browser;
pub mod certificates;
pub mod checks;
pub mod client;
pub mod enterprises;
pub mod error;
pub mod keys;
pub mod keystore;
pub mod machines;
pub mod phone;
pub mod rp;

pub use error::PhoneError;
pub use phone::Phone;
