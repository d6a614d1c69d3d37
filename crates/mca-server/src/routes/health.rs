//! Liveness and readiness probes for a load balancer.

use axum::Json;
use axum::extract::State;
use mca_domain::UserId;
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::{ApiError, Problem};
use crate::state::AppState;

/// A probe's answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// Always `ok` when answered with 200.
    pub status: &'static str,
}

/// Liveness: the process answers. Touches nothing else.
#[utoipa::path(get, path = "/healthz", tag = "health", responses((status = 200, body = Health)))]
pub async fn healthz() -> Json<Health> {
    Json(Health { status: "ok" })
}

/// Readiness: the database answers a query. A load balancer stops sending
/// requests to an instance whose database is gone.
#[utoipa::path(get, path = "/readyz", tag = "health",
    responses((status = 200, body = Health),
        (status = 503, description = "Database unreachable", body = Problem, content_type = "application/problem+json")))]
pub async fn readyz(State(state): State<AppState>) -> Result<Json<Health>, ApiError> {
    // A lookup of an id that cannot exist: one indexed query, no data read.
    match state.store.user(UserId::new()).await {
        Ok(_) => Ok(Json(Health { status: "ok" })),
        Err(e) => {
            tracing::warn!(error = %e, "readiness: database unreachable");
            Err(ApiError::new(
                axum::http::StatusCode::SERVICE_UNAVAILABLE,
                "not_ready",
                "服务暂不可用",
            ))
        }
    }
}
