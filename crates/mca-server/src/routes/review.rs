//! The CA review API (`/api/review/v1/…`, M1) for reviewer accounts of a
//! CA organization: log in, list the pending applications of their CA
//! with the applicant's pictures, approve, or reject with a reason.
//!
//! A login answers a bearer token sealed by the key vault (8 hours; see
//! `Review::issue_token`); every other request carries it.

use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use mca_domain::certificates::{PendingApplication, ReviewerView};
use mca_domain::{ApplicationId, Password};
use serde::{Deserialize, Serialize};

use super::views::{ApplicationView, path_id};
use crate::error::ApiError;
use crate::extract::AppJson;
use crate::state::AppState;

/// The reviewer a request's bearer token names.
pub struct Reviewer(pub ReviewerView);

impl FromRequestParts<AppState> for Reviewer {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = parts
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or_else(|| ApiError::unauthenticated("需要审核员登录"))?;
        Ok(Reviewer(state.certs.review.authenticate(token).await?))
    }
}

/// The review routes, to nest under `/api/review/v1`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/sessions", post(login))
        .route("/applications", get(pending))
        .route("/applications/{id}", get(application))
        .route("/applications/{id}/form-photo", get(form_photo))
        .route("/applications/{id}/signature", get(signature))
        .route("/applications/{id}/approval", post(approve))
        .route("/applications/{id}/rejection", post(reject))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LoginRequest {
    username: String,
    password: String,
}

#[derive(Serialize)]
struct LoginView {
    token: String,
    reviewer: ReviewerView,
    expires_in: i64,
}

async fn login(
    State(state): State<AppState>,
    AppJson(req): AppJson<LoginRequest>,
) -> Result<(StatusCode, Json<LoginView>), ApiError> {
    let password = Password::parse(&req.password)
        .map_err(|_| mca_domain::DomainError::WrongCredentials)?;
    let reviewer = state.certs.review.login(&req.username, &password).await?;
    let token = state.certs.review.issue_token(&reviewer)?;
    Ok((
        StatusCode::CREATED,
        Json(LoginView {
            token,
            reviewer,
            expires_in: mca_domain::certificates::review::REVIEWER_TOKEN_SECONDS,
        }),
    ))
}

/// An application as the reviewer sees it: the pictures by URL.
#[derive(Serialize)]
struct ReviewItem {
    #[serde(flatten)]
    application: ApplicationView,
    applicant_name: String,
    id_number_masked: String,
    form_photo: PictureLink,
    signature: PictureLink,
}

#[derive(Serialize)]
struct PictureLink {
    content_type: String,
    bytes: usize,
    href: String,
}

impl From<&PendingApplication> for ReviewItem {
    fn from(p: &PendingApplication) -> Self {
        let id = p.application.id;
        let link = |blob: &mca_domain::store::Blob, name: &str| PictureLink {
            content_type: blob.content_type.clone(),
            bytes: blob.bytes.len(),
            href: format!("/api/review/v1/applications/{id}/{name}"),
        };
        ReviewItem {
            application: ApplicationView::new(&p.application, None),
            applicant_name: p.applicant_name.clone(),
            id_number_masked: p.id_number_masked.clone(),
            form_photo: link(&p.form_photo, "form-photo"),
            signature: link(&p.signature, "signature"),
        }
    }
}

async fn pending(
    State(state): State<AppState>,
    Reviewer(r): Reviewer,
) -> Result<Json<Vec<ReviewItem>>, ApiError> {
    let pending = state.certs.review.pending(r.id).await?;
    Ok(Json(pending.iter().map(ReviewItem::from).collect()))
}

async fn load(state: &AppState, r: &ReviewerView, id: &str) -> Result<PendingApplication, ApiError> {
    let id: ApplicationId = path_id(id)?;
    Ok(state.certs.review.application(r.id, id).await?)
}

async fn application(
    State(state): State<AppState>,
    Reviewer(r): Reviewer,
    Path(id): Path<String>,
) -> Result<Json<ReviewItem>, ApiError> {
    Ok(Json((&load(&state, &r, &id).await?).into()))
}

fn picture(blob: mca_domain::store::Blob) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, blob.content_type)], blob.bytes)
}

async fn form_photo(
    State(state): State<AppState>,
    Reviewer(r): Reviewer,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    Ok(picture(load(&state, &r, &id).await?.form_photo))
}

async fn signature(
    State(state): State<AppState>,
    Reviewer(r): Reviewer,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    Ok(picture(load(&state, &r, &id).await?.signature))
}

async fn approve(
    State(state): State<AppState>,
    Reviewer(r): Reviewer,
    Path(id): Path<String>,
) -> Result<Json<ApplicationView>, ApiError> {
    let app = state.certs.review.approve(r.id, path_id(&id)?).await?;
    Ok(Json(ApplicationView::new(&app, None)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RejectRequest {
    reason: String,
}

async fn reject(
    State(state): State<AppState>,
    Reviewer(r): Reviewer,
    Path(id): Path<String>,
    AppJson(req): AppJson<RejectRequest>,
) -> Result<Json<ApplicationView>, ApiError> {
    let app = state
        .certs
        .review
        .reject(r.id, path_id(&id)?, &req.reason)
        .await?;
    Ok(Json(ApplicationView::new(&app, None)))
}
