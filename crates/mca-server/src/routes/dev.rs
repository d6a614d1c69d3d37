//! Development-mode endpoints (`/api/dev/…`), mounted only when the server
//! runs in development mode: every path here is a 404 otherwise.
//!
//! - `GET /api/dev/sms-codes/{phone}`: the latest code the development SMS
//!   provider "sent" to a phone, so a person (or `mca phone`) can log in
//!   without a real SMS gateway.
//! - `POST /api/dev/face-sessions/{id}`: decides a development face
//!   verification (`{"outcome": "passed" | "failed"}`), standing in for the
//!   person scanning their face at the provider.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use mca_domain::Phone;
use mca_domain::providers::FaceOutcome;
use serde::{Deserialize, Serialize};

use crate::error::ApiError;
use crate::extract::{AppJson, AppPath};
use crate::state::AppState;

/// The development routes, to nest under `/api/dev`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/sms-codes/{phone}", get(latest_code))
        .route("/face-sessions/{id}", post(decide_face))
}

#[derive(Serialize)]
struct LatestCode {
    phone: String,
    purpose: &'static str,
    code: String,
}

async fn latest_code(
    State(state): State<AppState>,
    AppPath(phone): AppPath<String>,
) -> Result<Json<LatestCode>, ApiError> {
    let dev = state.dev.as_ref().ok_or_else(ApiError::not_found)?;
    let phone = Phone::parse(&phone)?;
    let (purpose, code) = dev.sms.latest(&phone).ok_or_else(ApiError::not_found)?;
    Ok(Json(LatestCode {
        phone: phone.as_str().to_owned(),
        purpose: purpose.as_str(),
        code: code.expose().to_owned(),
    }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Decision {
    outcome: FaceOutcome,
}

async fn decide_face(
    State(state): State<AppState>,
    AppPath(id): AppPath<String>,
    AppJson(decision): AppJson<Decision>,
) -> Result<StatusCode, ApiError> {
    let dev = state.dev.as_ref().ok_or_else(ApiError::not_found)?;
    dev.face.decide(&id, decision.outcome);
    Ok(StatusCode::NO_CONTENT)
}
