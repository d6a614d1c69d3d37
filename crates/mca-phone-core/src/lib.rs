//! The sans-I/O phone core of Mobile CA: every rule the phone enforces,
//! with no HTTP, files, clock or async. Two shells drive it: the
//! command-line phone (`mca-phone`: reqwest, a state directory, the system
//! clock) and the browser app (`mca-phone-wasm`: fetch, IndexedDB,
//! WebCrypto).
//!
//! # Shape
//!
//! Each operation is a state machine, in the manner of quinn-proto or
//! rustls' unbuffered API:
//!
//! ```text
//! let (mut machine, mut request) = Download::start(application_id)?;
//! loop {
//!     let answer: Answer = shell.send(&request)?;            // the shell's HTTP
//!     let next = machine.on_answer(answer, &Secrets::new(pin, &device_secret))?;
//!     if let Some(key) = next.store { shell.save(key) }       // the shell's storage
//!     if let Some(id) = next.forget { shell.forget(id) }
//!     ui.progress(next.progress.as_str());                   // keygen, possession, …
//!     match next.then { Then::Send(r) => request = r, Then::Done(out) => break out }
//! }
//! ```
//!
//! - [`Request`] `{ method, path, body: Option<Value> }` is sent signed by
//!   the device: [`DeviceRequest`] gives the bytes to sign and the headers.
//!   [`Request::body_bytes`] are the exact bytes to send.
//! - [`Answer`] `{ status, body }`: every answer goes back to the machine,
//!   problems too; a problem becomes [`CoreError::Refused`] (code, title,
//!   detail, attempts_left).
//! - [`Secrets`] (PIN, device secret, a PIN change's new PIN) are passed
//!   into each `on_answer` and never kept by a machine.
//! - [`Next`] `{ progress, store, forget, then: Send(Request) | Done(T) }`.
//!
//! Machines (all `start(...) -> (Machine, Request)`, `on_answer(Answer,
//! &Secrets) -> Result<Next<T>, CoreError>`):
//!
//! | machine | start | output |
//! |---|---|---|
//! | [`Download`] | `start(application_id)`, `resume(key)`, `rekey(old_key_id, reverification_id, code, recovery_order)` | [`StoredKey`] |
//! | [`Signing`] | `start(key, message)` | DER signature |
//! | [`Decryption`] | `start(key, ciphertext)` | plaintext |
//! | [`Envelope`] | `start(key, der)` (may first GET the user's certificates) | content |
//! | [`PinChange`] | `start(key, code)` (`secrets.pin` old, `secrets.new_pin` new) | `()` |
//! | [`Approval`] | `start(scanned, key)` | [`Approved`] |
//!
//! One-shot helpers: [`scan_request`] (accepts `mca://qr?t=&s=&m=` and
//! `https://<server>/app/#/scan?link=<urlencoded>`), [`Scanned::from_json`],
//! [`Scanned::view`] (labels in 简体中文), [`refusal_request`],
//! [`Approved::from_json`], [`only_key`], [`StoredKey::summary`], the input
//! checks in [`checks`] (`None` or a Chinese message).
//!
//! # Layout
//! - [`wire`]: [`Request`], [`Answer`], [`Method`], the app API prefix.
//! - [`error`]: [`CoreError`], why an operation stopped.
//! - [`stored`]: [`StoredKey`] (what may be stored), [`Secrets`], [`only_key`].
//! - [`next`]: [`Next`], [`Then`], [`Progress`].
//! - [`device_request`]: the device signature payload and headers.
//! - [`checks`]: input checks as typed.
//! - [`link`]: scanned-link parsing.
//! - [`scanned`]: what a relying-party session shows, and what it signs.
//! - `step`: the shared two-party signature step (challenge check, partial
//!   signature, sealing, refresh).
//! - [`download`], [`signing`], [`decryption`], [`pin_change`],
//!   [`approval`]: the machines.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod approval;
pub mod checks;
pub mod decryption;
pub mod device_request;
pub mod download;
pub mod error;
pub mod link;
pub mod next;
pub mod pin_change;
pub mod scanned;
pub mod signing;
mod step;
pub mod stored;
pub mod wire;

#[cfg(test)]
mod tests;

pub use approval::{Approval, Approved, refusal_request, scan_request};
pub use checks::{
    check_credit_code, check_enterprise_name, check_id_number, check_name, check_password,
    check_phone, check_pin, check_sms_code,
};
pub use decryption::{Decryption, Envelope};
pub use device_request::DeviceRequest;
pub use download::Download;
pub use error::CoreError;
pub use link::parse_scan_link;
pub use next::{Machine, Next, Progress, Then};
pub use pin_change::PinChange;
pub use scanned::{ItemView, Scanned, ScannedItem, ScannedView, kind_label, operation_label};
pub use signing::Signing;
pub use stored::{KeySummary, Secrets, StoredKey, only_key};
pub use wire::{APP, Answer, Method, Request};

/// The crates the shells need for the types in this API.
pub use mca_crypto;
