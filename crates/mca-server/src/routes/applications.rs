//! Certificate applications (D4 new, D6 renewal, D8 re-application, B5
//! resubmission): the filled-in application form, submitting with the
//! pictures, paying, following the review.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use mca_domain::certificates::{CertificateInfo, Uploads};
use mca_domain::{ApplicationId, CertificateId, UserId};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::views::{ApplicationView, base64_field, body_id, path_id, pdf_attachment};
use crate::error::{ApiError, Problem};
use crate::extract::{AppPath, Signed, SignedUpload};
use crate::state::AppState;

/// The certificate info chosen in the app (F1): ids from the catalogue.
#[derive(Debug, Deserialize, ToSchema, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct CertificateInfoRequest {
    /// 省份.
    pub province_id: String,
    /// 交易平台 (in that province).
    pub platform_id: String,
    /// 发证机构.
    pub ca_id: String,
    /// 有效期 with its fee (an option of that CA).
    pub validity_option_id: String,
}

impl CertificateInfoRequest {
    pub(crate) fn parse(&self) -> Result<CertificateInfo, ApiError> {
        Ok(CertificateInfo {
            province_id: body_id(&self.province_id, "province_id")?,
            platform_id: body_id(&self.platform_id, "platform_id")?,
            ca_id: body_id(&self.ca_id, "ca_id")?,
            validity_option_id: body_id(&self.validity_option_id, "validity_option_id")?,
        })
    }
}

/// The pictures of an application. Their limits are documented from the
/// constants `mca_forms` checks them with; a refusal is a 422
/// `invalid_upload` whose `reason` and `detail` say why.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PicturesRequest {
    /// The photographed signed application form, base64.
    #[schema(schema_with = form_photo_schema)]
    pub form_photo: String,
    /// A handwritten signature, base64; absent: one is generated from the
    /// applicant's verified name.
    #[schema(schema_with = signature_schema)]
    pub signature: Option<String>,
}

fn upload_schema(what: &str, limits: &mca_forms::Limits) -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .content_encoding("base64")
        .description(Some(format!("{what}, base64: {}", limits.describe())))
        .build()
}

fn form_photo_schema() -> utoipa::openapi::Object {
    upload_schema(
        "The photographed signed application form",
        &mca_forms::form_photo::LIMITS,
    )
}

fn signature_schema() -> utoipa::openapi::Object {
    upload_schema(
        "A handwritten signature (with some ink; absent: generated from the verified name)",
        &mca_forms::signature_image::LIMITS,
    )
}

/// `POST /me/applications`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplyRequest {
    /// The certificate info.
    #[serde(flatten)]
    pub info: CertificateInfoRequest,
    /// The pictures.
    #[serde(flatten)]
    pub pictures: PicturesRequest,
}

/// `POST /me/certificates/{id}/renewal`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RenewRequest {
    /// The validity option (and fee) of the new certificate.
    pub validity_option_id: String,
    /// D7 only (the admin's expired enterprise certificate): the
    /// re-application letter (`GET …/reapplication-letter`) printed,
    /// stamped with the enterprise's seal and photographed, base64. Any
    /// other renewal refuses it (`invalid_input`, `letter_photo`).
    #[schema(schema_with = letter_photo_schema)]
    pub letter_photo: Option<String>,
}

fn letter_photo_schema() -> utoipa::openapi::Object {
    upload_schema(
        "The stamped re-application letter, photographed",
        &mca_forms::form_photo::LIMITS,
    )
}

/// The decoded pictures, the signature generated if none was uploaded.
async fn pictures(
    state: &AppState,
    user: UserId,
    p: &PicturesRequest,
) -> Result<(Vec<u8>, Vec<u8>), ApiError> {
    let photo = base64_field(&p.form_photo, "form_photo")?;
    let signature = match &p.signature {
        Some(s) => base64_field(s, "signature")?,
        None => {
            let font = state.signature_font.as_ref().ok_or_else(|| {
                ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "signature_generation_unavailable",
                    "暂不支持生成签名，请上传手写签名",
                )
            })?;
            state
                .certs
                .applications
                .signature_from_name(user, font)
                .await?
        }
    };
    Ok((photo, signature))
}

async fn view(
    state: &AppState,
    user: UserId,
    id: ApplicationId,
) -> Result<ApplicationView, ApiError> {
    let app = state.certs.applications.get(user, id).await?;
    let order = state.certs.applications.order(user, id).await.ok();
    Ok(ApplicationView::new(&app, order.as_ref()))
}

/// The application form (申请表) filled with the applicant's data for the
/// chosen certificate info: a PDF to print, sign and photograph.
#[utoipa::path(get, path = "/api/app/v1/me/application-form", tag = "applications",
    params(CertificateInfoRequest), security(("device" = [])),
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>),
        (status = 403, description = "尚未实名认证，无法操作", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Info not in the catalogue", body = Problem, content_type = "application/problem+json")))]
pub async fn form(
    State(state): State<AppState>,
    req: Signed<()>,
) -> Result<impl IntoResponse, ApiError> {
    let info: CertificateInfoRequest = req.query()?;
    let pdf = state
        .certs
        .applications
        .form_pdf(req.caller.user, info.parse()?)
        .await?;
    Ok(pdf_attachment("application-form.pdf", pdf))
}

/// Applies (D4): the certificate info and the pictures; creates the order
/// with the option's fee. Pay it to send the application to review.
#[utoipa::path(post, path = "/api/app/v1/me/applications", tag = "applications",
    request_body = ApplyRequest, security(("device" = [])),
    responses((status = 201, body = ApplicationView),
        (status = 403, description = "尚未实名认证，无法操作", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad info or picture", body = Problem, content_type = "application/problem+json")))]
pub async fn apply(
    State(state): State<AppState>,
    SignedUpload(req): SignedUpload<ApplyRequest>,
) -> Result<(StatusCode, Json<ApplicationView>), ApiError> {
    let user = req.caller.user;
    let info = req.body.info.parse()?;
    state.services.identity.require_verified(user).await?;
    let (photo, signature) = pictures(&state, user, &req.body.pictures).await?;
    let uploads = Uploads {
        form_photo: &photo,
        signature: &signature,
    };
    let (app, order) = state.certs.applications.apply(user, info, uploads).await?;
    Ok((
        StatusCode::CREATED,
        Json(ApplicationView::new(&app, Some(&order))),
    ))
}

/// The user's applications, oldest first.
#[utoipa::path(get, path = "/api/app/v1/me/applications", tag = "applications",
    security(("device" = [])), responses((status = 200, body = Vec<ApplicationView>)))]
pub async fn list(
    State(state): State<AppState>,
    req: Signed<()>,
) -> Result<Json<Vec<ApplicationView>>, ApiError> {
    let user = req.caller.user;
    let mut out = Vec::new();
    for app in state.certs.applications.list(user).await? {
        out.push(view(&state, user, app.id).await?);
    }
    Ok(Json(out))
}

/// One application with its order.
#[utoipa::path(get, path = "/api/app/v1/me/applications/{id}", tag = "applications",
    params(("id" = String, Path)), security(("device" = [])),
    responses((status = 200, body = ApplicationView),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn get(
    State(state): State<AppState>,
    AppPath(id): AppPath<String>,
    req: Signed<()>,
) -> Result<Json<ApplicationView>, ApiError> {
    Ok(Json(view(&state, req.caller.user, path_id(&id)?).await?))
}

/// Pays the application's order through the payment provider; paid, the
/// application goes to CA review (an agent's to the enterprise's admin
/// first: `awaiting_admin`). A declined payment keeps it a draft.
#[utoipa::path(post, path = "/api/app/v1/me/applications/{id}/payment", tag = "applications",
    params(("id" = String, Path)), security(("device" = [])),
    responses((status = 200, body = ApplicationView),
        (status = 422, description = "Payment declined (支付失败)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not a draft", body = Problem, content_type = "application/problem+json")))]
pub async fn pay(
    State(state): State<AppState>,
    AppPath(id): AppPath<String>,
    req: Signed<()>,
) -> Result<Json<ApplicationView>, ApiError> {
    let user = req.caller.user;
    let id: ApplicationId = path_id(&id)?;
    let app = state.certs.applications.pay(user, id).await?;
    // An agent's application goes to the enterprise's admin first (C3).
    state.certs.enterprises.notify_admin(&app).await?;
    Ok(Json(view(&state, user, id).await?))
}

/// After "证书申请失败": new pictures, submitted again without paying again.
#[utoipa::path(post, path = "/api/app/v1/me/applications/{id}/resubmission", tag = "applications",
    params(("id" = String, Path)), request_body = PicturesRequest, security(("device" = [])),
    responses((status = 200, body = ApplicationView),
        (status = 409, description = "Not rejected", body = Problem, content_type = "application/problem+json")))]
pub async fn resubmit(
    State(state): State<AppState>,
    AppPath(id): AppPath<String>,
    SignedUpload(req): SignedUpload<PicturesRequest>,
) -> Result<Json<ApplicationView>, ApiError> {
    let user = req.caller.user;
    let id: ApplicationId = path_id(&id)?;
    let (photo, signature) = pictures(&state, user, &req.body).await?;
    let uploads = Uploads {
        form_photo: &photo,
        signature: &signature,
    };
    state.certs.applications.resubmit(user, id, uploads).await?;
    Ok(Json(view(&state, user, id).await?))
}

/// Renews a signing certificate near its end (D5, D6, E3: within 90 days)
/// or applies again after it expired (D7, D8, E5): a new application for
/// CA review, to pay. A personal one reuses the original pictures; an
/// enterprise one keeps its platform and permissions under a new letter,
/// sealed by the admin once paid (`awaiting_admin`), or, for the admin's
/// expired certificate (D7), the photographed stamped letter.
#[utoipa::path(post, path = "/api/app/v1/me/certificates/{id}/renewal", tag = "applications",
    params(("id" = String, Path)), request_body = RenewRequest, security(("device" = [])),
    responses((status = 201, body = ApplicationView),
        (status = 409, description = "Not yet within the renewal window; or `authorization_ended` (deleted, or renewed already)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`letter_photo` missing for D7 or given for another renewal; a bad picture", body = Problem, content_type = "application/problem+json")))]
pub async fn renew(
    State(state): State<AppState>,
    AppPath(id): AppPath<String>,
    SignedUpload(req): SignedUpload<RenewRequest>,
) -> Result<(StatusCode, Json<ApplicationView>), ApiError> {
    let cert: CertificateId = path_id(&id)?;
    let option = body_id(&req.body.validity_option_id, "validity_option_id")?;
    let photo = match &req.body.letter_photo {
        Some(p) => Some(base64_field(p, "letter_photo")?),
        None => None,
    };
    let (app, order) = state
        .certs
        .enterprises
        .apply_again(req.caller.user, cert, option, photo.as_deref())
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(ApplicationView::new(&app, Some(&order))),
    ))
}
