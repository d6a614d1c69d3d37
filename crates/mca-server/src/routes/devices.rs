//! The user's devices: list, remove (its tokens die with it).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use mca_domain::{DeviceId, DomainError};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::{ApiError, Problem};
use crate::extract::{AppPath, Signed};
use crate::state::AppState;

/// One registered device.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeviceView {
    /// Device id.
    pub id: String,
    /// Label given at login.
    pub name: String,
    /// The device's P-256 public key, SEC1 hex.
    pub public_key: String,
    /// Registered at, RFC 3339 (UTC), e.g. `2026-11-24T08:30:00Z`.
    pub created_at: String,
    /// Whether this is the device making the request.
    pub current: bool,
}

/// The account's devices, oldest first.
#[utoipa::path(get, path = "/api/app/v1/me/devices", tag = "devices", security(("device" = [])),
    responses((status = 200, body = Vec<DeviceView>)))]
pub async fn list(
    State(state): State<AppState>,
    req: Signed<()>,
) -> Result<Json<Vec<DeviceView>>, ApiError> {
    let devices = state.services.devices.list(req.caller.user).await?;
    Ok(Json(
        devices
            .into_iter()
            .map(|d| DeviceView {
                current: d.id == req.caller.device,
                id: d.id.to_string(),
                name: d.name,
                public_key: hex::encode(&d.public_key),
                created_at: d.created_at.rfc3339(),
            })
            .collect(),
    ))
}

/// Removes one of the account's devices; its requests are refused from now on.
#[utoipa::path(delete, path = "/api/app/v1/me/devices/{id}", tag = "devices", security(("device" = [])),
    params(("id" = String, Path, description = "Device id")),
    responses((status = 204, description = "Removed"),
        (status = 404, description = "No such device of this account", body = Problem, content_type = "application/problem+json")))]
pub async fn remove(
    State(state): State<AppState>,
    AppPath(id): AppPath<String>,
    req: Signed<()>,
) -> Result<StatusCode, ApiError> {
    let device = DeviceId::parse(&id).ok_or(DomainError::NotFound("device"))?;
    state
        .services
        .devices
        .remove(req.caller.user, device)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
