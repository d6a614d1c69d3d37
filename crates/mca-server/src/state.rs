//! [`AppState`]: what every handler can reach — the domain services, the
//! development providers (only in development mode) and the few settings
//! the HTTP layer itself needs.

use std::sync::Arc;

use mca_domain::store::Store;
use mca_domain::{DevProviders, Services};

use crate::config::{Config, Secret};

/// Shared state of the router; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// The domain services.
    pub services: Services,
    /// The store, for the readiness probe only; handlers go through services.
    pub store: Arc<dyn Store>,
    /// The development providers; `Some` exactly in development mode, and
    /// then the `/api/dev/…` routes exist.
    pub dev: Option<DevProviders>,
    /// Bearer token of the operator API (`None`: operator API refuses all).
    pub operator_token: Option<Secret>,
    /// Largest accepted request body, in bytes.
    pub max_body_bytes: usize,
    /// Header carrying the client address from a trusted load balancer.
    pub client_ip_header: Option<String>,
}

impl AppState {
    /// State from wired services. `dev` must be `Some` only in development
    /// mode: it switches the development endpoints on.
    pub fn new(
        services: Services,
        store: Arc<dyn Store>,
        dev: Option<DevProviders>,
        config: &Config,
    ) -> Self {
        AppState {
            services,
            store,
            dev: if config.dev_mode { dev } else { None },
            operator_token: config.operator_token.clone(),
            max_body_bytes: config.max_body_bytes,
            client_ip_header: config.client_ip_header.clone(),
        }
    }
}
