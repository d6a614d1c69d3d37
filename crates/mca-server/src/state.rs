//! [`AppState`]: what every handler can reach — the domain services, the
//! certificate services, the development providers (only in development
//! mode), the relying-party services and the few settings the HTTP layer itself needs.

use std::sync::Arc;

use mca_crypto::sm2::SecretKey;
use mca_domain::certificates::Certificates;
use mca_domain::relying_parties::{Approvals, RelyingParties};
use mca_domain::store::Store;
use mca_domain::{DevProviders, Services};

use crate::config::Secret;

/// Shared state of the router; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// The domain services.
    pub services: Services,
    /// The certificate services (issue 5).
    pub certs: Certificates,
    /// The relying-party services (issue 6): registry, request
    /// authentication, QR sessions.
    pub rp: RelyingParties,
    /// The phone's approval of relying-party sessions with its keys.
    pub approvals: Approvals,
    /// The store, for the readiness probe only; handlers go through services.
    pub store: Arc<dyn Store>,
    /// The development providers; `Some` exactly in development mode, and
    /// then the `/api/dev/…` routes exist.
    pub dev: Option<DevProviders>,
    /// The server's transport key (PROTOCOL.md §7): s1 arrives sealed to it.
    pub transport: Arc<SecretKey>,
    /// The font for signatures generated from the name, if it could be read.
    pub signature_font: Option<Arc<Vec<u8>>>,
    /// The recovery fee (G1), in fen.
    pub recovery_fee_fen: i64,
    /// Bearer token of the operator API (`None`: operator API refuses all).
    pub operator_token: Option<Secret>,
    /// Largest accepted request body, in bytes.
    pub max_body_bytes: usize,
    /// Largest accepted body of a request carrying pictures, in bytes.
    pub max_upload_bytes: usize,
    /// Header carrying the client address from a trusted load balancer.
    pub client_ip_header: Option<String>,
}
