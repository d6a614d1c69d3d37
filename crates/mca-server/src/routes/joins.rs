//! Joining an enterprise (C1–C4) in the app API: the query, the join
//! request, the admin's list of requests, the authorization letter, and
//! 确认并盖章 (the admin's seal over it). People and authorizations (D1,
//! D2, E1) are in [`super::people`].

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use mca_domain::enterprises::JoinAsk;
use mca_domain::store::{Authorization, Permission};
use mca_domain::{AuthorizationId, CreditCode, DomainError, EnterpriseId, Phone, SigningKeyId};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::applications::CertificateInfoRequest;
use super::views::{ApplicationView, base64_field, body_id, path_id, time};
use crate::error::{ApiError, Problem};
use crate::extract::{AppPath, Signed};
use crate::state::AppState;

/// `GET /me/enterprise-lookup`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct LookupQuery {
    /// 企业名称, exactly as registered.
    pub enterprise_name: String,
    /// 统一社会信用代码.
    pub credit_code: String,
}

/// A claimed enterprise as anyone may see it (nothing about its admin).
#[derive(Debug, Serialize, ToSchema)]
pub struct FoundEnterprise {
    /// The enterprise, to join.
    pub id: String,
    /// 企业名称.
    pub name: String,
    /// 统一社会信用代码.
    pub credit_code: String,
}

/// `POST /me/enterprises/{id}/join-requests`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct JoinRequestBody {
    /// The admin's name, as the applicant knows it (proof of knowing them).
    pub admin_name: String,
    /// The admin's mobile number.
    pub admin_phone: String,
    /// The certificate info: its platform is the one to be authorized.
    #[serde(flatten)]
    pub info: CertificateInfoRequest,
    /// What the applicant asks to do there: `login`, `sign`, `seal`,
    /// `encrypt`, `decrypt` (at least one).
    pub permissions: Vec<String>,
}

/// `POST /me/authorizations/{id}/seal`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SealRequest {
    /// The admin's enterprise-certificate key (B6) that signed.
    pub key_id: String,
    /// Base64 of the DER SM2 signature over the letter's exact bytes, made
    /// with the app's signing routes (`/me/keys/{id}/signatures`).
    #[schema(content_encoding = "base64")]
    pub signature: String,
}

/// An authorization (D2).
#[derive(Debug, Serialize, ToSchema)]
pub struct AuthorizationView {
    /// The authorization.
    pub id: String,
    /// The enterprise.
    pub enterprise_id: String,
    /// The holder's user id.
    pub user_id: String,
    /// The trading platform it covers.
    pub platform_id: String,
    /// `login`, `sign`, `seal`, `encrypt`, `decrypt`.
    pub permissions: Vec<String>,
    /// The application of the holder's certificate.
    pub application_id: String,
    /// `pending`, `active` or `deleted`.
    pub state: String,
    /// SM3 (hex) of the letter, if it has one.
    pub letter_sm3: Option<String>,
    /// Whether the admin sealed the letter.
    pub sealed: bool,
    /// Created, RFC 3339.
    pub created_at: String,
    /// Last change, RFC 3339.
    pub updated_at: String,
}

impl From<&Authorization> for AuthorizationView {
    fn from(a: &Authorization) -> Self {
        AuthorizationView {
            id: a.id.to_string(),
            enterprise_id: a.enterprise_id.to_string(),
            user_id: a.user_id.to_string(),
            platform_id: a.platform_id.to_string(),
            permissions: a
                .permissions
                .iter()
                .map(|p| p.as_str().to_owned())
                .collect(),
            application_id: a.application_id.to_string(),
            state: a.state.as_str().to_owned(),
            letter_sm3: a.letter_hash.map(hex::encode),
            sealed: a.seal_hash.is_some(),
            created_at: time(a.created_at),
            updated_at: time(a.updated_at),
        }
    }
}

/// A join request as the admin sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct JoinRequestView {
    /// The authorization asked for (seal its letter).
    pub authorization: AuthorizationView,
    /// The applicant's verified name.
    pub applicant_name: String,
    /// The applicant's phone, masked.
    pub applicant_phone_masked: String,
}

pub(crate) fn permissions(names: &[String]) -> Result<Vec<Permission>, ApiError> {
    let mut out = Vec::new();
    for n in names {
        let p = Permission::parse(n).ok_or(DomainError::InvalidInput("permissions"))?;
        if !out.contains(&p) {
            out.push(p);
        }
    }
    Ok(out)
}

/// C1: finds a claimed enterprise by its exact name and credit code
/// (`not_found` otherwise). The answer says nothing about its admin.
#[utoipa::path(get, path = "/api/app/v1/me/enterprise-lookup", tag = "enterprises",
    params(LookupQuery), security(("device" = [])),
    responses((status = 200, body = FoundEnterprise),
        (status = 404, description = "No claimed enterprise with that name and code", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`invalid_credit_code`", body = Problem, content_type = "application/problem+json")))]
pub async fn lookup(
    State(state): State<AppState>,
    req: Signed<()>,
) -> Result<Json<FoundEnterprise>, ApiError> {
    let q: LookupQuery = req.query()?;
    let code = CreditCode::parse(&q.credit_code)?;
    let e = state
        .certs
        .enterprises
        .lookup(req.caller.user, &q.enterprise_name, &code)
        .await?;
    Ok(Json(FoundEnterprise {
        id: e.id.to_string(),
        name: e.name,
        credit_code: e.credit_code.as_str().to_owned(),
    }))
}

/// C2: asks to join with the admin's name and phone, the certificate info
/// and the permissions wanted: an application (subject `agent`) to pay;
/// paid, it waits for the admin (`awaiting_admin`), who gets
/// "加入企业申请". Every try counts (5 an hour, 10 a day per user) before
/// the admin's details are compared.
#[utoipa::path(post, path = "/api/app/v1/me/enterprises/{id}/join-requests", tag = "enterprises",
    params(("id" = String, Path, description = "The enterprise")), request_body = JoinRequestBody,
    security(("device" = [])),
    responses((status = 201, body = ApplicationView),
        (status = 404, description = "No such claimed enterprise", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`already_member`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`admin_mismatch`, or a bad field", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "`rate_limited`: too many join tries", body = Problem, content_type = "application/problem+json")))]
pub async fn request_join(
    State(state): State<AppState>,
    AppPath(id): AppPath<String>,
    req: Signed<JoinRequestBody>,
) -> Result<(StatusCode, Json<ApplicationView>), ApiError> {
    let enterprise: EnterpriseId = path_id(&id)?;
    let b = &req.body;
    let admin_phone = Phone::parse(&b.admin_phone)?;
    let ask = JoinAsk {
        admin_name: &b.admin_name,
        admin_phone: &admin_phone,
        info: b.info.parse()?,
        permissions: permissions(&b.permissions)?,
    };
    let (app, order) = state
        .certs
        .enterprises
        .request_join(req.caller.user, enterprise, ask)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(ApplicationView::new(&app, Some(&order))),
    ))
}

/// C3: the join requests waiting for the admin's seal (admin only).
#[utoipa::path(get, path = "/api/app/v1/me/enterprises/{id}/join-requests", tag = "enterprises",
    params(("id" = String, Path, description = "The enterprise")), security(("device" = [])),
    responses((status = 200, body = Vec<JoinRequestView>),
        (status = 403, description = "`not_enterprise_admin`", body = Problem, content_type = "application/problem+json")))]
pub async fn join_requests(
    State(state): State<AppState>,
    AppPath(id): AppPath<String>,
    req: Signed<()>,
) -> Result<Json<Vec<JoinRequestView>>, ApiError> {
    let enterprise: EnterpriseId = path_id(&id)?;
    let list = state
        .certs
        .enterprises
        .join_requests(req.caller.user, enterprise)
        .await?;
    Ok(Json(
        list.iter()
            .map(|r| JoinRequestView {
                authorization: (&r.authorization).into(),
                applicant_name: r.applicant_name.clone(),
                applicant_phone_masked: r.applicant_phone_masked.clone(),
            })
            .collect(),
    ))
}

/// The authorization letter (授权书, PDF) its admin seals: for the admin
/// and the holder. Sign exactly these bytes to seal it.
#[utoipa::path(get, path = "/api/app/v1/me/authorizations/{id}/letter", tag = "enterprises",
    params(("id" = String, Path, description = "The authorization")), security(("device" = [])),
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn letter(
    State(state): State<AppState>,
    AppPath(id): AppPath<String>,
    req: Signed<()>,
) -> Result<impl IntoResponse, ApiError> {
    let id: AuthorizationId = path_id(&id)?;
    let pdf = state
        .certs
        .enterprises
        .letter_of(req.caller.user, id)
        .await?;
    Ok(([(header::CONTENT_TYPE, "application/pdf")], pdf))
}

/// C3 确认并盖章: the admin's SM2 signature over the letter's bytes with
/// their enterprise certificate's key; kept as GM/T 0010 SignedData, and
/// the application goes to CA review.
#[utoipa::path(post, path = "/api/app/v1/me/authorizations/{id}/seal", tag = "enterprises",
    params(("id" = String, Path, description = "The authorization")), request_body = SealRequest,
    security(("device" = [])),
    responses((status = 200, body = AuthorizationView),
        (status = 403, description = "`not_enterprise_admin` (also: a key whose certificate is not this enterprise's)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not waiting for the seal", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The signature does not verify over the letter", body = Problem, content_type = "application/problem+json")))]
pub async fn seal(
    State(state): State<AppState>,
    AppPath(id): AppPath<String>,
    req: Signed<SealRequest>,
) -> Result<Json<AuthorizationView>, ApiError> {
    let id: AuthorizationId = path_id(&id)?;
    let key: SigningKeyId = body_id(&req.body.key_id, "key_id")?;
    let signature = base64_field(&req.body.signature, "signature")?;
    let a = state
        .certs
        .enterprises
        .seal(req.caller, id, key, &signature)
        .await?;
    Ok(Json((&a).into()))
}

/// After "证书申请失败" on an agent's application (a join, a grant, an E1
/// request), its holder sends it back to the admin (`awaiting_admin`): the
/// admin gets 加入企业申请 again, reads the reviewer's reason with the
/// request and seals again, or deletes the authorization.
#[utoipa::path(post, path = "/api/app/v1/me/applications/{id}/admin-resubmission", tag = "enterprises",
    params(("id" = String, Path, description = "The agent application")), security(("device" = [])),
    responses((status = 200, body = ApplicationView),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not a rejected agent application (`application_state`), or its authorization ended (`authorization_ended`)", body = Problem, content_type = "application/problem+json")))]
pub async fn resubmit_to_admin(
    State(state): State<AppState>,
    AppPath(id): AppPath<String>,
    req: Signed<()>,
) -> Result<Json<ApplicationView>, ApiError> {
    let id: mca_domain::ApplicationId = path_id(&id)?;
    let app = state
        .certs
        .enterprises
        .resubmit_to_admin(req.caller.user, id)
        .await?;
    Ok(Json(ApplicationView::new(&app, None)))
}
