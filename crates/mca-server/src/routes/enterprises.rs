//! Enterprises (B): the claim form, claiming an enterprise, resubmitting a
//! rejected claim, and the user's enterprises. A claim is an application:
//! it is paid, reviewed and downloaded through the application and key
//! routes like a personal one.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use mca_domain::enterprises::{ClaimUploads, EnterpriseDetails, EnterpriseView};
use mca_domain::{ApplicationId, UserId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::applications::CertificateInfoRequest;
use super::views::{ApplicationView, base64_field, path_id, pdf_attachment, time};
use crate::error::{ApiError, Problem};
use crate::extract::{AppPath, Signed, SignedUpload};
use crate::state::AppState;

/// B1: the enterprise's details.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EnterpriseRequest {
    /// 企业名称, 2–60 characters.
    pub enterprise_name: String,
    /// 统一社会信用代码: 18 characters with a GB 32100 check character
    /// (`invalid_credit_code` otherwise).
    pub credit_code: String,
    /// 法定代表人.
    pub legal_representative: String,
    /// The legal representative's resident ID number (GB 11643).
    pub legal_representative_id_number: String,
}

impl EnterpriseRequest {
    fn parse(&self, state: &AppState) -> Result<EnterpriseDetails, ApiError> {
        Ok(EnterpriseDetails::parse(
            &self.enterprise_name,
            &self.credit_code,
            &self.legal_representative,
            &self.legal_representative_id_number,
            state.services.clock.now(),
        )?)
    }
}

/// `POST /me/enterprise-claim-form`: the certificate info and the
/// enterprise (a body, not a query: the legal representative's ID number
/// stays out of URLs and the logs that keep them).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClaimFormRequest {
    /// The certificate info (B2).
    #[serde(flatten)]
    pub info: CertificateInfoRequest,
    /// The enterprise (B1).
    #[serde(flatten)]
    pub enterprise: EnterpriseRequest,
}

/// The pictures of a claim (limits as for the form photo; a refusal is a
/// 422 `invalid_upload` whose `reason` and `detail` say why).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClaimPictures {
    /// The photographed business licence (营业执照), base64 JPEG or PNG.
    #[schema(content_encoding = "base64")]
    pub licence_photo: String,
    /// The photographed enterprise application form, signed by the
    /// claimant and stamped with the enterprise's seal, base64 JPEG or PNG.
    #[schema(content_encoding = "base64")]
    pub form_photo: String,
}

impl ClaimPictures {
    fn decode(&self) -> Result<(Vec<u8>, Vec<u8>), ApiError> {
        Ok((
            base64_field(&self.licence_photo, "licence_photo")?,
            base64_field(&self.form_photo, "form_photo")?,
        ))
    }
}

/// `POST /me/enterprise-claims`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClaimRequest {
    /// The certificate info (B2).
    #[serde(flatten)]
    pub info: CertificateInfoRequest,
    /// The enterprise (B1).
    #[serde(flatten)]
    pub enterprise: EnterpriseRequest,
    /// The pictures (B3).
    #[serde(flatten)]
    pub pictures: ClaimPictures,
}

/// `POST /me/enterprise-claims/{id}/resubmission`: everything but the
/// certificate info (paid already) may change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClaimResubmission {
    /// The enterprise (B1).
    #[serde(flatten)]
    pub enterprise: EnterpriseRequest,
    /// The pictures (B3).
    #[serde(flatten)]
    pub pictures: ClaimPictures,
}

/// An enterprise of the user.
#[derive(Debug, Serialize, ToSchema)]
pub struct EnterpriseItem {
    /// The enterprise.
    pub id: String,
    /// 企业名称.
    pub name: String,
    /// 统一社会信用代码.
    pub credit_code: String,
    /// 法定代表人.
    pub legal_representative: String,
    /// The legal representative's ID number, masked.
    pub legal_representative_id_masked: String,
    /// `claiming` (the claim is open) or `claimed`.
    pub state: String,
    /// `admin` or `staff`; absent while the user's claim is open.
    pub role: Option<String>,
    /// Since, RFC 3339.
    pub created_at: String,
}

impl From<&EnterpriseView> for EnterpriseItem {
    fn from(v: &EnterpriseView) -> Self {
        let e = &v.enterprise;
        EnterpriseItem {
            id: e.id.to_string(),
            name: e.name.clone(),
            credit_code: e.credit_code.as_str().to_owned(),
            legal_representative: e.legal_rep_name.as_str().to_owned(),
            legal_representative_id_masked: e.legal_rep_id_masked.clone(),
            state: e.state.as_str().to_owned(),
            role: v.role.map(|r| r.as_str().to_owned()),
            created_at: time(e.created_at),
        }
    }
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

/// B3: the enterprise application form (数字证书申请表（企业）) filled
/// with the enterprise, the claimant as 经办人 and the certificate info: a
/// PDF to print, sign, stamp with the enterprise's seal and photograph.
#[utoipa::path(post, path = "/api/app/v1/me/enterprise-claim-form", tag = "enterprises",
    request_body = ClaimFormRequest, security(("device" = [])),
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>),
        (status = 403, description = "尚未实名认证，无法操作", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A bad field (`invalid_credit_code`, …) or info not in the catalogue", body = Problem, content_type = "application/problem+json")))]
pub async fn form(
    State(state): State<AppState>,
    req: Signed<ClaimFormRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let info = &req.body.info;
    let details = req.body.enterprise.parse(&state)?;
    let pdf = state
        .certs
        .enterprises
        .claim_form(req.caller.user, info.parse()?, &details)
        .await?;
    Ok(pdf_attachment("enterprise-application-form.pdf", pdf))
}

/// B1–B4: claims an enterprise: an application (subject `enterprise`)
/// with its order; pay it (`/me/applications/{id}/payment`) to submit it
/// for CA review. Approved, the claimant gets "认领企业，请下载证书" and
/// downloading the certificate (the key routes) makes them the admin.
#[utoipa::path(post, path = "/api/app/v1/me/enterprise-claims", tag = "enterprises",
    request_body = ClaimRequest, security(("device" = [])),
    responses((status = 201, body = ApplicationView),
        (status = 403, description = "尚未实名认证，无法操作", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`enterprise_claimed` (the detail names its admin's CA) or `enterprise_claim_open`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A bad field or picture", body = Problem, content_type = "application/problem+json")))]
pub async fn claim(
    State(state): State<AppState>,
    SignedUpload(req): SignedUpload<ClaimRequest>,
) -> Result<(StatusCode, Json<ApplicationView>), ApiError> {
    let info = req.body.info.parse()?;
    let details = req.body.enterprise.parse(&state)?;
    let (licence, form) = req.body.pictures.decode()?;
    let uploads = ClaimUploads {
        licence: &licence,
        form_photo: &form,
    };
    let (app, order) = state
        .certs
        .enterprises
        .claim(req.caller.user, info, &details, uploads)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(ApplicationView::new(&app, Some(&order))),
    ))
}

/// B5 重新申请: after "证书申请失败", the claim with everything edited,
/// submitted again without paying again.
#[utoipa::path(post, path = "/api/app/v1/me/enterprise-claims/{id}/resubmission", tag = "enterprises",
    params(("id" = String, Path, description = "The claim's application id")),
    request_body = ClaimResubmission, security(("device" = [])),
    responses((status = 200, body = ApplicationView),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not rejected, or the new credit code is claimed", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A bad field or picture", body = Problem, content_type = "application/problem+json")))]
pub async fn resubmit(
    State(state): State<AppState>,
    AppPath(id): AppPath<String>,
    SignedUpload(req): SignedUpload<ClaimResubmission>,
) -> Result<Json<ApplicationView>, ApiError> {
    let user = req.caller.user;
    let id: ApplicationId = path_id(&id)?;
    let details = req.body.enterprise.parse(&state)?;
    let (licence, form) = req.body.pictures.decode()?;
    let uploads = ClaimUploads {
        licence: &licence,
        form_photo: &form,
    };
    state
        .certs
        .enterprises
        .resubmit_claim(user, id, &details, uploads)
        .await?;
    Ok(Json(view(&state, user, id).await?))
}

/// `POST /me/enterprise-claims/seal-preview`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SealPreviewRequest {
    /// The photographed stamped form, base64 JPEG or PNG (the form
    /// photo's limits).
    #[schema(content_encoding = "base64")]
    pub form_photo: String,
}

/// The seal found in a stamped form photo.
#[derive(Debug, Serialize, ToSchema)]
pub struct SealPreview {
    /// The seal as a transparent PNG (seal red on transparency, cropped to
    /// the seal), base64: what the claim keeps as the enterprise's seal
    /// picture and the CA's seal maker uses.
    #[schema(content_encoding = "base64")]
    pub seal_png: String,
}

/// B3: finds the red seal in the photo of the stamped application form,
/// for the claimant to confirm it or photograph the form again before
/// claiming. Nothing is stored; the claim extracts the same picture.
#[utoipa::path(post, path = "/api/app/v1/me/enterprise-claims/seal-preview", tag = "enterprises",
    request_body = SealPreviewRequest, security(("device" = [])),
    responses((status = 200, body = SealPreview),
        (status = 422, description = "`invalid_upload`: a bad picture, or `reason` `no_seal` when it shows no red seal", body = Problem, content_type = "application/problem+json")))]
pub async fn seal_preview(
    State(state): State<AppState>,
    SignedUpload(req): SignedUpload<SealPreviewRequest>,
) -> Result<Json<SealPreview>, ApiError> {
    use base64::Engine as _;
    let photo = base64_field(&req.body.form_photo, "form_photo")?;
    let png = state.certs.enterprises.seal_preview(&photo)?;
    Ok(Json(SealPreview {
        seal_png: base64::engine::general_purpose::STANDARD.encode(png),
    }))
}

/// The enterprises the user administers, works for, or is claiming.
#[utoipa::path(get, path = "/api/app/v1/me/enterprises", tag = "enterprises",
    security(("device" = [])), responses((status = 200, body = Vec<EnterpriseItem>)))]
pub async fn list(
    State(state): State<AppState>,
    req: Signed<()>,
) -> Result<Json<Vec<EnterpriseItem>>, ApiError> {
    let mine = state.certs.enterprises.mine(req.caller.user).await?;
    Ok(Json(mine.iter().map(EnterpriseItem::from).collect()))
}

/// Withdraws the caller's claim while it is unpaid (`draft`) or rejected:
/// the enterprise may be claimed again. An unpaid claim is also released
/// after a day, a rejected one after 30 days, when someone else claims.
#[utoipa::path(delete, path = "/api/app/v1/me/enterprise-claims/{id}", tag = "enterprises",
    params(("id" = String, Path, description = "The claim's application id")),
    security(("device" = [])),
    responses((status = 204),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Paid and in review, or approved", body = Problem, content_type = "application/problem+json")))]
pub async fn withdraw(
    State(state): State<AppState>,
    AppPath(id): AppPath<String>,
    req: Signed<()>,
) -> Result<StatusCode, ApiError> {
    let id: ApplicationId = path_id(&id)?;
    state
        .certs
        .enterprises
        .withdraw_claim(req.caller.user, id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
