//! Relying parties (issue 6, RP-API.md): business systems such as trading
//! platforms, bid-file tools and bid-opening halls (J, K, L, M7) that
//! create QR sessions which a user's phone claims and approves.
//!
//! # Layout
//! - [`registry`]: [`Registry`], the operator's register of relying
//!   parties and their API credentials (sealed by the [`KeyVault`]).
//! - [`requests`]: [`Requests`], authentication of their API calls
//!   (HMAC-SM3, ±300 s, nonces used once).
//! - [`content`]: what a session asks ([`SessionContent`]); [`results`]:
//!   what comes back ([`Completion`]).
//! - [`sessions`]: [`Sessions`], the QR session state machine.
//! - [`authorization`]: the D2 rule for enterprise certificates.
//! - [`approvals`]: [`Approvals`], the phone's steps with the user's key
//!   that complete a claimed session (it needs the key services, so the
//!   server wires it next to [`RelyingParties`]).
//!
//! [`RelyingParties`] wires them on the store and services of [`Services`];
//! the HTTP routes and the phone's key operations call them.

use std::sync::Arc;

use crate::{KeyVault, Services, Store};

pub mod approvals;
pub mod authorization;
pub mod content;
pub mod registry;
pub mod requests;
pub mod results;
pub mod sessions;

pub use approvals::{Approvals, SignStepFinished, Step, StepKind};
pub use authorization::{ActingFor, NoAuthorizations, PlatformAuthorizations, needed};
pub use content::{
    AuthPurpose, Envelope, EnvelopeKind, ExpectedHolder, SessionContent, SignItem, SignItemKind,
};
pub use registry::{ApiSecret, IssuedCredential, NewRelyingParty, Registry};
pub use requests::{Requests, RpCaller, RpRequest};
pub use results::{Completion, ItemResult};
pub use sessions::{CreatedSession, Hint, NewSession, QrSecret, RpSession, Scanned, Sessions};

/// Every relying-party service, wired on one store.
#[derive(Clone)]
pub struct RelyingParties {
    /// Registration, rotation, disabling.
    pub registry: Registry,
    /// API request authentication.
    pub requests: Requests,
    /// QR sessions.
    pub sessions: Sessions,
}

impl RelyingParties {
    /// The relying-party services next to `services` (same store, clock,
    /// audit log and identity gate), sealing with `vault`, with the source
    /// of enterprise platform authorizations (the server's:
    /// `enterprises::StoreAuthorizations`).
    pub fn new(
        services: &Services,
        store: Arc<dyn Store>,
        vault: Arc<KeyVault>,
        authorizations: Arc<dyn PlatformAuthorizations>,
    ) -> Self {
        let registry = Registry::new(
            store.clone(),
            vault.clone(),
            services.clock.clone(),
            services.audit.clone(),
        );
        Self {
            requests: Requests::new(store.clone(), services.clock.clone(), registry.clone()),
            sessions: Sessions::new(
                store,
                vault,
                services.clock.clone(),
                services.audit.clone(),
                services.identity.clone(),
                registry.clone(),
                authorizations,
            ),
            registry,
        }
    }
}
