//! Real-name verification (A3).

use axum::Json;
use axum::extract::State;
use mca_domain::identity::IdentityStatus;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{ApiError, Problem};
use crate::extract::Signed;
use crate::state::AppState;

/// `POST /me/identity`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IdentityRequest {
    /// The person's name as on the resident ID card.
    pub name: String,
    /// 18-character resident ID number (GB 11643).
    pub id_number: String,
}

/// The verification state as the app shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct IdentityView {
    /// `not_started`, `submitted`, `face_pending`, `face_failed` or `verified`.
    pub state: String,
    /// Masked name (`张*`), once submitted.
    pub name_masked: Option<String>,
    /// Masked ID number, once submitted.
    pub id_number_masked: Option<String>,
}

impl From<IdentityStatus> for IdentityView {
    fn from(s: IdentityStatus) -> Self {
        IdentityView {
            state: s.state.to_owned(),
            name_masked: s.name_masked,
            id_number_masked: s.id_number_masked,
        }
    }
}

/// A face-verification session at the provider.
#[derive(Debug, Serialize, ToSchema)]
pub struct FaceSessionView {
    /// The provider's session id.
    pub session_id: String,
    /// Where the phone goes to scan the face.
    pub url: String,
}

/// The verification state.
#[utoipa::path(get, path = "/api/app/v1/me/identity", tag = "identity", security(("device" = [])),
    responses((status = 200, body = IdentityView)))]
pub async fn get_identity(
    State(state): State<AppState>,
    req: Signed<()>,
) -> Result<Json<IdentityView>, ApiError> {
    Ok(Json(
        state
            .services
            .identity
            .status(req.caller.user)
            .await?
            .into(),
    ))
}

/// Step 1: name and resident ID number (checksum and birth date checked).
#[utoipa::path(post, path = "/api/app/v1/me/identity", tag = "identity",
    request_body = IdentityRequest, security(("device" = [])),
    responses((status = 200, body = IdentityView),
        (status = 409, description = "Already verified", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad name or ID number", body = Problem, content_type = "application/problem+json")))]
pub async fn submit_identity(
    State(state): State<AppState>,
    req: Signed<IdentityRequest>,
) -> Result<Json<IdentityView>, ApiError> {
    let status = state
        .services
        .identity
        .submit(req.caller.user, &req.body.name, &req.body.id_number)
        .await?;
    Ok(Json(status.into()))
}

/// Step 2: opens a face-verification session with the provider.
#[utoipa::path(post, path = "/api/app/v1/me/identity/face", tag = "identity", security(("device" = [])),
    responses((status = 200, body = FaceSessionView),
        (status = 422, description = "Name and ID number not submitted", body = Problem, content_type = "application/problem+json")))]
pub async fn start_face(
    State(state): State<AppState>,
    req: Signed<()>,
) -> Result<Json<FaceSessionView>, ApiError> {
    let session = state.services.identity.start_face(req.caller.user).await?;
    Ok(Json(FaceSessionView {
        session_id: session.id,
        url: session.url,
    }))
}

/// Step 3: asks the provider for the result; passing verifies the user.
#[utoipa::path(post, path = "/api/app/v1/me/identity/face/result", tag = "identity", security(("device" = [])),
    responses((status = 200, body = IdentityView),
        (status = 422, description = "Face verification failed or still pending", body = Problem, content_type = "application/problem+json")))]
pub async fn complete_face(
    State(state): State<AppState>,
    req: Signed<()>,
) -> Result<Json<IdentityView>, ApiError> {
    Ok(Json(
        state
            .services
            .identity
            .complete_face(req.caller.user)
            .await?
            .into(),
    ))
}
