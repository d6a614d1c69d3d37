//! The Mobile CA relying-party SDK: what a platform's back end (a trading
//! platform, a bid-file tool, a bid-opening hall) links to use Mobile CA's
//! scan sessions and verification services.
//!
//! - A [`Client`] that signs every request to the RP API with the
//!   relying party's API secret and turns problem documents into
//!   [`Error::Refused`].
//! - [`QrFrames`]: the animated QR code, computed on the back end every
//!   second from the session's secret, and [`widget_frame`], the JSON the
//!   browser widget (`web/widget/mca-qr.js`) polls for. The secret never
//!   reaches the browser.
//! - [`Verifier`]: local checks of results that trust nothing but the CA
//!   chain the platform configured ([`TrustAnchors`]): the signed bytes are
//!   recomputed from the relying party's own id, session id and challenge.
//!   [`open_content_key`] opens the content keys of a decrypt session.
//! - [`verify_webhook`] for the optional push notifications.
//!
//! It depends on the crypto core and the PKI crate only, never on the
//! server's domain, storage or HTTP crates.
//!
//! # A scan-login, end to end
//!
//! ```no_run
//! use mca_rp_sdk::{
//!     ApiSecret, AuthPurpose, Client, Config, QrFrames, QrSecret, TrustAnchors,
//!     random_challenge, unix_now, widget_frame, widget_gone,
//! };
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! // At start-up: what `mca rp add` printed, and the CA chain fetched once
//! // from https://ca.example.cn/ca/{ca}/chain.pem.
//! let client = Client::new(Config {
//!     base_url: "https://ca.example.cn".into(),
//!     rp_id: "0194e1a2-7b3c-7def-8abc-0123456789ab".into(),
//!     key_id: "0194e1a2-7b3c-7def-8abc-ba9876543210".into(),
//!     secret: ApiSecret::from_hex(&std::env::var("MCA_RP_SECRET")?)?,
//! })?;
//! let verifier = client.verifier(TrustAnchors::from_pem(&std::fs::read_to_string("mca-chain.pem")?)?);
//!
//! // 1. The login page asks its back end for a session. Keep everything
//! //    below in the server-side page session, never in the browser.
//! let challenge = random_challenge()?;
//! let created = client
//!     .create_auth(AuthPurpose::Login, &challenge, Some("203.0.113.7"), None)
//!     .await?;
//! let (session_id, token, secret_hex, started) = (
//!     created.session_id.clone(),
//!     created.public_token.clone(),
//!     created.qr_secret.expose_hex(),
//!     created.received_at,
//! );
//!
//! // 2. Every second the widget GETs your frame URL; its handler answers
//! //    (with Cache-Control: no-store):
//! let frames = QrFrames::new(&token, QrSecret::from_hex(&secret_hex)?, started)?;
//! let json = match client.collect(&session_id, None, 0).await {
//!     Ok(view) => widget_frame(&view, &frames, unix_now()),
//!     Err(e) if e.is_gone() => widget_gone(),
//!     Err(e) => return Err(e.into()),
//! };
//! # let _ = json;
//!
//! // 3. When the widget reports `complete` + `ok` the page goes on; the
//! //    back end collects the result (or long-polls for it, here 25 s)
//! //    and checks it itself before logging anyone in.
//! let view = client.collect(&session_id, None, 25).await?;
//! if let Some(done) = view.ok_completion() {
//!     let user = verifier.verify_auth(done, &session_id, AuthPurpose::Login, &challenge)?;
//!     println!("{:?} logged in with certificate {}", user.common_name(), user.serial_hex());
//! }
//! # Ok(())
//! # }
//! ```
//!
//! # Wire notes
//! - Requests: the headers and MAC are described in [`client`]; the
//!   server allows ±300 s of clock difference and refuses a reused nonce.
//! - Times are unix seconds, as Mobile CA's `Timestamp` serializes (RFC
//!   3339 UTC text is read too).
//! - Unknown JSON fields are ignored; an unknown end result reads as
//!   [`EndResult::Other`] and the hint says what to show.
//!
//! # Layout
//! - [`client`]: [`Client`], [`Config`], the signed headers.
//! - [`sessions`]: requests ([`SessionRequest`], [`SignItem`],
//!   [`Envelope`]), [`Created`], [`SessionView`], [`Completion`].
//! - [`frames`]: [`QrFrames`], [`widget_frame`].
//! - [`trust`]: [`TrustAnchors`] and the user-certificate checks.
//! - [`verify`]: [`Verifier`], [`UserCertificate`], [`open_content_key`].
//! - [`report`]: [`VerificationReport`] of the server's M7 services.
//! - [`webhook`]: [`verify_webhook`] and the event it checks.
//! - [`envelope`]: GM/T 0010 bid-file envelopes (K3) and opening them with
//!   a returned content key (L2).
//! - [`secret`]: [`ApiSecret`], [`QrSecret`] (never printed, wiped on drop).
//! - [`display`]: what a page may show of a result: [`mask_id_number`],
//!   the [`SealPicture`] of a seal result.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod client;
pub mod display;
pub mod envelope;
mod error;
pub mod frames;
pub mod report;
pub mod secret;
pub mod sessions;
mod time;
pub mod trust;
pub mod verify;
pub mod webhook;

pub use client::{Client, Config, auth_headers};
pub use display::{SealPicture, mask_id_number};
pub use error::{Error, Result};
pub use frames::{QrFrames, widget_frame, widget_gone};
pub use report::{CertificateStatus, CertificateSummary, VerificationReport};
pub use secret::{ApiSecret, QrSecret};
pub use sessions::{
    AuthPurpose, Completion, Created, EndResult, Envelope, EnvelopeKind, ExpectedHolder, Hint,
    ItemResult, OpeningWindow, Operation, SessionRequest, SessionState, SessionView, SignItem,
    SignItemKind, random_challenge,
};
pub use time::{format_rfc3339, unix_now};
pub use trust::TrustAnchors;
pub use verify::{
    Signed, UserCertificate, VerifiedCert, Verifier, open_content_key, open_content_keys,
};
pub use webhook::{WebhookEvent, verify_webhook};
