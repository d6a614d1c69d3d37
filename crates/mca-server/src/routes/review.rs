//! The CA review API (`/api/review/v1/…`, M1) for reviewer accounts of a
//! CA organization: log in, list the pending applications of their CA
//! with the applicant's pictures, approve, or reject with a reason.
//!
//! A login answers a bearer token sealed by the key vault (8 hours; see
//! `Review::issue_token`); every other request carries it.

use axum::Json;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use mca_domain::certificates::{PendingApplication, ReviewerView};
use mca_domain::{ApplicationId, DomainError, Password};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::views::{ApplicationView, path_id};
use crate::error::{ApiError, Problem};
use crate::extract::{AppJson, AppPath};
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

/// The review routes under `/api/review/v1`, each documented where it is
/// mounted (the review API's OpenAPI document is made from this router).
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(login))
        .routes(routes!(pending))
        .routes(routes!(application))
        .routes(routes!(form_photo))
        .routes(routes!(signature))
        .routes(routes!(licence))
        .routes(routes!(authorization_letter))
        .routes(routes!(authorization_seal))
        .routes(routes!(approve))
        .routes(routes!(reject))
}

/// `POST /sessions`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct LoginRequest {
    /// The reviewer's user name.
    username: String,
    /// The reviewer's password.
    password: String,
}

/// A reviewer as the API shows it: the documented shape of the domain's
/// `ReviewerView` (which knows nothing of OpenAPI).
#[derive(ToSchema)]
#[schema(as = ReviewerAccount)]
#[allow(dead_code)]
pub struct ReviewerDoc {
    /// Id.
    id: String,
    /// The CA organization the reviewer reviews for.
    ca_id: String,
    /// Login name.
    username: String,
    /// Name shown to colleagues.
    display_name: String,
}

/// A login's answer.
#[derive(Serialize, ToSchema)]
struct LoginView {
    /// Bearer token for the other review requests.
    token: String,
    #[schema(value_type = ReviewerDoc)]
    reviewer: ReviewerView,
    /// Seconds the token is valid (8 hours).
    expires_in: i64,
}

/// Logs a reviewer in: a bearer token valid for 8 hours.
#[utoipa::path(post, path = "/api/review/v1/sessions", tag = "review",
    request_body = LoginRequest,
    responses((status = 201, body = LoginView),
        (status = 401, description = "wrong_credentials", body = Problem, content_type = "application/problem+json")))]
async fn login(
    State(state): State<AppState>,
    AppJson(req): AppJson<LoginRequest>,
) -> Result<(StatusCode, Json<LoginView>), ApiError> {
    let password =
        Password::parse(&req.password).map_err(|_| mca_domain::DomainError::WrongCredentials)?;
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
#[derive(Serialize, ToSchema)]
struct ReviewItem {
    #[serde(flatten)]
    application: ApplicationView,
    /// The applicant's verified name.
    applicant_name: String,
    /// The applicant's ID number, masked.
    id_number_masked: String,
    /// The photographed signed application form.
    form_photo: PictureLink,
    /// The signature picture (for an enterprise claim, the enterprise's
    /// seal found in the stamped form photo, B3: a transparent PNG).
    signature: PictureLink,
    /// For an enterprise application: the enterprise and its licence.
    enterprise: Option<ReviewEnterprise>,
    /// For an agent's application: the authorization, its letter and the
    /// admin's seal over it.
    authorization: Option<ReviewAuthorization>,
}

/// The authorization of an agent's application, as the reviewer checks it.
#[derive(Serialize, ToSchema)]
struct ReviewAuthorization {
    /// The trading platform authorized.
    platform_id: String,
    /// `login`, `sign`, `seal`, `encrypt`, `decrypt`.
    permissions: Vec<String>,
    /// The letter (授权书, PDF).
    letter: PictureLink,
    /// The admin's GM/T 0010 SignedData over the letter, once sealed.
    seal: Option<PictureLink>,
    /// Whether the seal verifies over the letter with a certificate of our
    /// CAs naming this enterprise (checked by the server).
    seal_verified: bool,
}

/// The enterprise of an enterprise application, as the reviewer checks it
/// against its business licence.
#[derive(Serialize, ToSchema)]
struct ReviewEnterprise {
    /// 企业名称.
    name: String,
    /// 统一社会信用代码.
    credit_code: String,
    /// 法定代表人.
    legal_representative: String,
    /// The legal representative's ID number, masked.
    legal_representative_id_masked: String,
    /// The photographed business licence (营业执照).
    licence: PictureLink,
}

/// A picture of an application, fetched with the reviewer's token.
#[derive(Serialize, ToSchema)]
struct PictureLink {
    /// `image/jpeg` or `image/png`.
    content_type: String,
    /// Size in bytes.
    bytes: usize,
    /// Where to fetch it.
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
            enterprise: p.enterprise.as_ref().map(|(e, licence)| ReviewEnterprise {
                name: e.name.clone(),
                credit_code: e.credit_code.as_str().to_owned(),
                legal_representative: e.legal_rep_name.as_str().to_owned(),
                legal_representative_id_masked: e.legal_rep_id_masked.clone(),
                licence: link(licence, "licence"),
            }),
            authorization: p.authorization.as_ref().map(|a| ReviewAuthorization {
                platform_id: a.authorization.platform_id.to_string(),
                permissions: a
                    .authorization
                    .permissions
                    .iter()
                    .map(|p| p.as_str().to_owned())
                    .collect(),
                letter: link(&a.letter, "authorization-letter"),
                seal: a.seal.as_ref().map(|s| link(s, "authorization-seal")),
                seal_verified: a.seal_verified,
            }),
        }
    }
}

/// The pending applications of the reviewer's CA, oldest first.
#[utoipa::path(get, path = "/api/review/v1/applications", tag = "review",
    security(("reviewer" = [])),
    responses((status = 200, body = Vec<ReviewItem>),
        (status = 401, body = Problem, content_type = "application/problem+json")))]
async fn pending(
    State(state): State<AppState>,
    Reviewer(r): Reviewer,
) -> Result<Json<Vec<ReviewItem>>, ApiError> {
    let pending = state.certs.review.pending(r.id).await?;
    Ok(Json(pending.iter().map(ReviewItem::from).collect()))
}

async fn load(
    state: &AppState,
    r: &ReviewerView,
    id: &str,
) -> Result<PendingApplication, ApiError> {
    let id: ApplicationId = path_id(id)?;
    Ok(state.certs.review.application(r.id, id).await?)
}

/// One application of the reviewer's CA.
#[utoipa::path(get, path = "/api/review/v1/applications/{id}", tag = "review",
    params(("id" = String, Path, description = "Application id")), security(("reviewer" = [])),
    responses((status = 200, body = ReviewItem),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn application(
    State(state): State<AppState>,
    Reviewer(r): Reviewer,
    AppPath(id): AppPath<String>,
) -> Result<Json<ReviewItem>, ApiError> {
    Ok(Json((&load(&state, &r, &id).await?).into()))
}

fn picture(blob: mca_domain::store::Blob) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, blob.content_type)], blob.bytes)
}

/// The photographed signed application form.
#[utoipa::path(get, path = "/api/review/v1/applications/{id}/form-photo", tag = "review",
    params(("id" = String, Path, description = "Application id")), security(("reviewer" = [])),
    responses((status = 200, description = "JPEG or PNG", content_type = "image/*", body = Vec<u8>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn form_photo(
    State(state): State<AppState>,
    Reviewer(r): Reviewer,
    AppPath(id): AppPath<String>,
) -> Result<impl IntoResponse, ApiError> {
    Ok(picture(load(&state, &r, &id).await?.form_photo))
}

/// The signature picture.
#[utoipa::path(get, path = "/api/review/v1/applications/{id}/signature", tag = "review",
    params(("id" = String, Path, description = "Application id")), security(("reviewer" = [])),
    responses((status = 200, content_type = "image/png", body = Vec<u8>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn signature(
    State(state): State<AppState>,
    Reviewer(r): Reviewer,
    AppPath(id): AppPath<String>,
) -> Result<impl IntoResponse, ApiError> {
    Ok(picture(load(&state, &r, &id).await?.signature))
}

/// The photographed business licence of an enterprise application.
#[utoipa::path(get, path = "/api/review/v1/applications/{id}/licence", tag = "review",
    params(("id" = String, Path, description = "Application id")), security(("reviewer" = [])),
    responses((status = 200, description = "JPEG or PNG", content_type = "image/*", body = Vec<u8>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such application, or a personal one", body = Problem, content_type = "application/problem+json")))]
async fn licence(
    State(state): State<AppState>,
    Reviewer(r): Reviewer,
    AppPath(id): AppPath<String>,
) -> Result<impl IntoResponse, ApiError> {
    let (_, licence) = load(&state, &r, &id)
        .await?
        .enterprise
        .ok_or(DomainError::NotFound("licence"))?;
    Ok(picture(licence))
}

/// The authorization letter of an agent's application (PDF).
#[utoipa::path(get, path = "/api/review/v1/applications/{id}/authorization-letter", tag = "review",
    params(("id" = String, Path, description = "Application id")), security(("reviewer" = [])),
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn authorization_letter(
    State(state): State<AppState>,
    Reviewer(r): Reviewer,
    AppPath(id): AppPath<String>,
) -> Result<impl IntoResponse, ApiError> {
    let a = load(&state, &r, &id)
        .await?
        .authorization
        .ok_or(DomainError::NotFound("authorization"))?;
    Ok(picture(a.letter))
}

/// The admin's seal over the letter: GM/T 0010 SignedData (DER).
#[utoipa::path(get, path = "/api/review/v1/applications/{id}/authorization-seal", tag = "review",
    params(("id" = String, Path, description = "Application id")), security(("reviewer" = [])),
    responses((status = 200, content_type = "application/pkcs7-signature", body = Vec<u8>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn authorization_seal(
    State(state): State<AppState>,
    Reviewer(r): Reviewer,
    AppPath(id): AppPath<String>,
) -> Result<impl IntoResponse, ApiError> {
    let seal = load(&state, &r, &id)
        .await?
        .authorization
        .and_then(|a| a.seal)
        .ok_or(DomainError::NotFound("seal"))?;
    Ok(picture(seal))
}

/// Approves a pending application: the applicant is told "请下载证书"
/// ("认领企业，请下载证书" for an enterprise claim).
#[utoipa::path(post, path = "/api/review/v1/applications/{id}/approval", tag = "review",
    params(("id" = String, Path, description = "Application id")), security(("reviewer" = [])),
    responses((status = 200, body = ApplicationView),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not pending", body = Problem, content_type = "application/problem+json")))]
async fn approve(
    State(state): State<AppState>,
    Reviewer(r): Reviewer,
    AppPath(id): AppPath<String>,
) -> Result<Json<ApplicationView>, ApiError> {
    let app = state.certs.review.approve(r.id, path_id(&id)?).await?;
    Ok(Json(ApplicationView::new(&app, None)))
}

/// `POST /applications/{id}/rejection`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct RejectRequest {
    /// Why, shown to the applicant with "证书申请失败".
    reason: String,
}

/// Rejects a pending application with a reason.
#[utoipa::path(post, path = "/api/review/v1/applications/{id}/rejection", tag = "review",
    params(("id" = String, Path, description = "Application id")), request_body = RejectRequest,
    security(("reviewer" = [])),
    responses((status = 200, body = ApplicationView),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not pending", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Empty or over-long reason", body = Problem, content_type = "application/problem+json")))]
async fn reject(
    State(state): State<AppState>,
    Reviewer(r): Reviewer,
    AppPath(id): AppPath<String>,
    AppJson(req): AppJson<RejectRequest>,
) -> Result<Json<ApplicationView>, ApiError> {
    let app = state
        .certs
        .review
        .reject(r.id, path_id(&id)?, &req.reason)
        .await?;
    Ok(Json(ApplicationView::new(&app, None)))
}
