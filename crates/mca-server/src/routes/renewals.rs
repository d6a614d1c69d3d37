//! More enterprise certificates in the app API: the admin's new one (D3)
//! and the letter to stamp for re-applying for an expired one (D7). The
//! renewal itself is `POST /me/certificates/{id}/renewal`
//! (`applications::renew`), for personal and enterprise certificates.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use mca_domain::{CertificateId, EnterpriseId};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::applications::CertificateInfoRequest;
use super::views::{ApplicationView, body_id, path_id, pdf_attachment};
use crate::error::{ApiError, Problem};
use crate::extract::{AppPath, Signed};
use crate::state::AppState;

/// D3: the admin asks for another enterprise certificate (another platform
/// or CA) with every permission: an application to pay; paid, it waits
/// (`awaiting_admin`) for the admin's seal over its letter with an
/// enterprise certificate they hold (`POST /me/authorizations/{id}/seal`),
/// then goes to CA review.
#[utoipa::path(post, path = "/api/app/v1/me/enterprises/{id}/certificates", tag = "enterprises",
    params(("id" = String, Path, description = "The enterprise")), request_body = CertificateInfoRequest,
    security(("device" = [])),
    responses((status = 201, body = ApplicationView),
        (status = 403, description = "`not_enterprise_admin`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Info not in the catalogue", body = Problem, content_type = "application/problem+json")))]
pub async fn new_certificate(
    State(state): State<AppState>,
    AppPath(id): AppPath<String>,
    req: Signed<CertificateInfoRequest>,
) -> Result<(StatusCode, Json<ApplicationView>), ApiError> {
    let enterprise: EnterpriseId = path_id(&id)?;
    let (app, order) = state
        .certs
        .enterprises
        .new_certificate(req.caller.user, enterprise, req.body.parse()?)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(ApplicationView::new(&app, Some(&order))),
    ))
}

/// `GET /me/certificates/{id}/reapplication-letter`.
#[derive(Debug, Deserialize, ToSchema, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct LetterQuery {
    /// The validity option the re-application will ask for.
    pub validity_option_id: String,
}

/// D7: the authorization letter for re-applying for an expired enterprise
/// certificate (PDF): print it, stamp it with the enterprise's seal and
/// send its photo as `letter_photo` of the renewal.
#[utoipa::path(get, path = "/api/app/v1/me/certificates/{id}/reapplication-letter", tag = "applications",
    params(("id" = String, Path, description = "The expired signing certificate"), LetterQuery),
    security(("device" = [])),
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>),
        (status = 404, description = "Not an enterprise certificate of the caller", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not renewable now, or `authorization_ended`", body = Problem, content_type = "application/problem+json")))]
pub async fn reapplication_letter(
    State(state): State<AppState>,
    AppPath(id): AppPath<String>,
    req: Signed<()>,
) -> Result<impl IntoResponse, ApiError> {
    let cert: CertificateId = path_id(&id)?;
    let q: LetterQuery = req.query()?;
    let option = body_id(&q.validity_option_id, "validity_option_id")?;
    let pdf = state
        .certs
        .enterprises
        .reapplication_letter(req.caller.user, cert, option)
        .await?;
    Ok(pdf_attachment("reapplication-letter.pdf", pdf))
}
