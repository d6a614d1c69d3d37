//! The router: one module per group of routes.
//!
//! - [`health`]: `/healthz`, `/readyz`.
//! - [`accounts`], [`identity`], [`devices`], [`messages`], [`catalogue`]:
//!   the app API under `/api/app/v1`, documented in OpenAPI.
//! - [`operator`]: the operator API under `/api/operator/v1`.
//! - [`dev`]: development endpoints under `/api/dev`, development mode only.

pub mod accounts;
pub mod catalogue;
pub mod dev;
pub mod devices;
pub mod health;
pub mod identity;
pub mod messages;
pub mod operator;
