//! The browser shell of the Mobile CA phone (issue 11): the web app's
//! `Phone` over the sans-I/O phone core, compiled to WebAssembly with
//! wasm-bindgen. The JS API is documented in this crate's README.
//!
//! # Layout
//! - `js/browser.js`: the only JavaScript: IndexedDB, WebCrypto (the
//!   non-extractable device key and PIN-mask key), fetch,
//!   `navigator.storage.persist()`. I/O only, no protocol or checks.
//! - [`browser`]: that module's imports behind typed Rust functions.
//! - [`error`]: `PhoneError`, the plain object every promise rejects with.
//! - [`client`]: the app API client; device-signs every request.
//! - [`phone`]: `Phone`: opening, session, accounts, real-name verification.
//! - [`certificates`]: catalogue, applications, messages, certificates.

#![forbid(unsafe_code)]

pub mod browser;
pub mod certificates;
pub mod client;
pub mod error;
pub mod phone;

pub use error::PhoneError;
pub use phone::Phone;
