//! The operator API (`/api/operator/v1/…`): catalogue editing (M2), the
//! audit view (M4), reviewer accounts and revocation (M1), and the register
//! of relying parties (issue 6), authenticated by the operator token from
//! configuration.
//!
//! Catalogue editing is in [`catalogue`].

mod catalogue;

use axum::Json;
use axum::extract::{FromRequestParts, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use mca_domain::DomainError;
use mca_domain::audit::ChainReport;
use mca_domain::relying_parties::{IssuedCredential, NewRelyingParty};
use mca_domain::store::{AuditEntry, RelyingPartyRecord, RpOperation};
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::review::ReviewerDoc;
use crate::error::{ApiError, Problem};
use crate::extract::{AppJson, AppPath, AppQuery};
use crate::state::AppState;

/// Proof that the request carries the operator token.
pub struct Operator;

impl FromRequestParts<AppState> for Operator {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let presented = parts
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        match (&state.operator_token, presented) {
            (Some(expected), Some(presented))
                if bool::from(expected.expose().as_bytes().ct_eq(presented.as_bytes())) =>
            {
                Ok(Operator)
            }
            _ => Err(ApiError::unauthenticated("需要运营令牌")),
        }
    }
}

/// The operator routes under `/api/operator/v1`, each documented where
/// it is mounted (the operator API's OpenAPI document is made from this
/// router).
pub fn routes() -> OpenApiRouter<AppState> {
    catalogue::routes()
        .routes(routes!(audit_entries))
        .routes(routes!(audit_verify))
        .routes(routes!(create_reviewer))
        .routes(routes!(revoke_certificate))
        .routes(routes!(register_relying_party, relying_parties))
        .routes(routes!(rotate_rp_key))
        .routes(routes!(disable_relying_party))
}

/// `POST /relying-parties`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct NewRelyingPartyRequest {
    /// Name shown to users on the phone.
    display_name: String,
    /// The trading platform it acts for, if any.
    platform_id: Option<String>,
    /// Session kinds it may create (`login`, `sign`, `seal`, …).
    operations: Vec<String>,
    /// Webhook URLs.
    #[serde(default)]
    callback_urls: Vec<String>,
}

/// A registered relying party (never its secret).
#[derive(Serialize, ToSchema)]
struct RelyingPartyView {
    /// Id.
    id: String,
    /// Name shown to users.
    display_name: String,
    /// Its trading platform.
    platform_id: Option<String>,
    /// Session kinds it may create.
    operations: Vec<&'static str>,
    /// Webhook URLs.
    callback_urls: Vec<String>,
    /// Registered at, RFC 3339.
    created_at: String,
    /// Disabled at, RFC 3339.
    disabled_at: Option<String>,
}

impl From<&RelyingPartyRecord> for RelyingPartyView {
    fn from(r: &RelyingPartyRecord) -> Self {
        RelyingPartyView {
            id: r.id.to_string(),
            display_name: r.display_name.clone(),
            platform_id: r.platform_id.map(|p| p.to_string()),
            operations: r.allowed_operations.iter().map(|o| o.as_str()).collect(),
            callback_urls: r.callback_urls.clone(),
            created_at: r.created_at.rfc3339(),
            disabled_at: r.disabled_at.map(|t| t.rfc3339()),
        }
    }
}

/// A credential as handed out, once: at registration and rotation.
#[derive(Serialize, ToSchema)]
struct CredentialView {
    /// Key id, sent as `x-mca-rp-key`.
    key_id: String,
    /// Hex of the 32-byte HMAC-SM3 key; not stored in the clear, never
    /// shown again.
    secret: String,
}

impl From<&IssuedCredential> for CredentialView {
    fn from(c: &IssuedCredential) -> Self {
        CredentialView {
            key_id: c.key_id.to_string(),
            secret: c.secret.expose_hex().to_string(),
        }
    }
}

/// A registration's answer: the relying party and its first credential.
#[derive(Serialize, ToSchema)]
struct RegisteredView {
    #[serde(flatten)]
    relying_party: RelyingPartyView,
    #[serde(flatten)]
    credential: CredentialView,
}

/// Registers a relying party; its key id and secret are in this answer
/// only.
#[utoipa::path(post, path = "/api/operator/v1/relying-parties", tag = "relying-parties",
    request_body = NewRelyingPartyRequest, security(("operator" = [])),
    responses((status = 201, body = RegisteredView),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn register_relying_party(
    _: Operator,
    State(state): State<AppState>,
    AppJson(req): AppJson<NewRelyingPartyRequest>,
) -> Result<(StatusCode, Json<RegisteredView>), ApiError> {
    let platform_id = req
        .platform_id
        .as_deref()
        .map(|p| {
            p.parse()
                .map_err(|_| DomainError::InvalidInput("platform_id"))
        })
        .transpose()?;
    let allowed_operations = req
        .operations
        .iter()
        .map(|o| RpOperation::parse(o).ok_or(DomainError::InvalidInput("operations")))
        .collect::<Result<Vec<_>, _>>()?;
    let (rp, credential) = state
        .rp
        .registry
        .create(&NewRelyingParty {
            display_name: req.display_name,
            platform_id,
            allowed_operations,
            callback_urls: req.callback_urls,
        })
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(RegisteredView {
            relying_party: RelyingPartyView::from(&rp),
            credential: CredentialView::from(&credential),
        }),
    ))
}

/// Every relying party, oldest first.
#[utoipa::path(get, path = "/api/operator/v1/relying-parties", tag = "relying-parties",
    security(("operator" = [])),
    responses((status = 200, body = Vec<RelyingPartyView>),
        (status = 401, body = Problem, content_type = "application/problem+json")))]
async fn relying_parties(
    _: Operator,
    State(state): State<AppState>,
) -> Result<Json<Vec<RelyingPartyView>>, ApiError> {
    let all = state.rp.registry.list().await?;
    Ok(Json(all.iter().map(RelyingPartyView::from).collect()))
}

/// A new key id and secret; the previous keys keep working for a day.
#[utoipa::path(post, path = "/api/operator/v1/relying-parties/{id}/rotation", tag = "relying-parties",
    params(("id" = String, Path)), security(("operator" = [])),
    responses((status = 200, body = CredentialView),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn rotate_rp_key(
    _: Operator,
    State(state): State<AppState>,
    AppPath(id): AppPath<String>,
) -> Result<Json<CredentialView>, ApiError> {
    let id = id.parse().map_err(|_| ApiError::not_found())?;
    let credential = state.rp.registry.rotate(id).await?;
    Ok(Json(CredentialView::from(&credential)))
}

/// Disables a relying party: its requests and its sessions' scans are
/// refused from now on.
#[utoipa::path(post, path = "/api/operator/v1/relying-parties/{id}/disable", tag = "relying-parties",
    params(("id" = String, Path)), security(("operator" = [])),
    responses((status = 200, body = RelyingPartyView),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn disable_relying_party(
    _: Operator,
    State(state): State<AppState>,
    AppPath(id): AppPath<String>,
) -> Result<Json<RelyingPartyView>, ApiError> {
    let id = id.parse().map_err(|_| ApiError::not_found())?;
    state.rp.registry.disable(id).await?;
    let rp = state.rp.registry.get(id).await?;
    Ok(Json(RelyingPartyView::from(&rp)))
}

/// `POST /reviewers`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct NewReviewer {
    /// The CA organization.
    ca_id: String,
    /// Login name.
    username: String,
    /// Name shown to colleagues.
    display_name: String,
    /// Initial password (the password rules of the app apply).
    password: String,
}

/// Creates a reviewer account of a CA organization (M1).
#[utoipa::path(post, path = "/api/operator/v1/reviewers", tag = "reviewers",
    request_body = NewReviewer, security(("operator" = [])),
    responses((status = 201, body = ReviewerDoc),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "already_exists", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn create_reviewer(
    _: Operator,
    State(state): State<AppState>,
    AppJson(req): AppJson<NewReviewer>,
) -> Result<(StatusCode, Json<mca_domain::certificates::ReviewerView>), ApiError> {
    let ca = req
        .ca_id
        .parse()
        .map_err(|_| mca_domain::DomainError::InvalidInput("ca_id"))?;
    let password = mca_domain::Password::parse(&req.password)?;
    let reviewer = state
        .certs
        .review
        .create_reviewer(ca, &req.username, &req.display_name, &password)
        .await?;
    Ok((StatusCode::CREATED, Json(reviewer)))
}

/// `POST /certificates/{id}/revocation`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct Revoke {
    /// `key_compromise`, `affiliation_changed`, `superseded`,
    /// `cessation_of_operation` or `unspecified`.
    reason: String,
}

/// Revokes any certificate (a CA decision, e.g. on a court order or a
/// reported compromise): `key_compromise`, `affiliation_changed`,
/// `superseded`, `cessation_of_operation` or `unspecified`.
#[utoipa::path(post, path = "/api/operator/v1/certificates/{id}/revocation", tag = "certificates",
    params(("id" = String, Path, description = "Certificate id")), request_body = Revoke,
    security(("operator" = [])),
    responses((status = 204, description = "Revoked"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn revoke_certificate(
    _: Operator,
    State(state): State<AppState>,
    AppPath(id): AppPath<String>,
    AppJson(req): AppJson<Revoke>,
) -> Result<StatusCode, ApiError> {
    let id = id.parse().map_err(|_| ApiError::not_found())?;
    let reason = mca_domain::store::RevocationReason::parse(&req.reason)
        .ok_or(mca_domain::DomainError::InvalidInput("reason"))?;
    state
        .certs
        .revocation
        .revoke("operator", id, reason)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A page of the audit log.
#[derive(Deserialize, IntoParams)]
struct Page {
    /// Entries after this sequence number (default 0: from the start).
    #[serde(default)]
    after: i64,
    /// At most this many (1–1000, default 100).
    limit: Option<u32>,
}

/// An audit entry (M4): who did what to which subject, chained by SM3.
#[derive(ToSchema)]
#[schema(as = AuditEntry)]
#[allow(dead_code)]
struct AuditEntryDoc {
    /// Position in the chain.
    seq: i64,
    /// When, RFC 3339.
    at: String,
    /// Who: `user:<id>`, `operator`, `system`.
    actor: String,
    /// What, snake_case (`login`, `code_failed`, …).
    action: String,
    /// On what: `user:<id>`, `device:<id>`, ….
    subject: String,
    /// More, never a secret.
    detail: String,
    /// Hex of the previous entry's hash.
    prev_hash: String,
    /// Hex of SM3(prev_hash ‖ canonical bytes of this entry).
    hash: String,
}

/// The audit log in order, a page at a time.
#[utoipa::path(get, path = "/api/operator/v1/audit", tag = "audit",
    params(Page), security(("operator" = [])),
    responses((status = 200, body = Vec<AuditEntryDoc>),
        (status = 400, description = "malformed_query", body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json")))]
async fn audit_entries(
    _: Operator,
    State(state): State<AppState>,
    AppQuery(page): AppQuery<Page>,
) -> Result<Json<Vec<AuditEntry>>, ApiError> {
    let limit = page.limit.unwrap_or(100).clamp(1, 1000);
    let entries = state
        .store
        .audit_entries(page.after, limit)
        .await
        .map_err(mca_domain::DomainError::from)?;
    Ok(Json(entries))
}

/// Checks the whole audit chain: the first entry whose sequence, link or
/// contents do not match, if any.
#[utoipa::path(get, path = "/api/operator/v1/audit/verify", tag = "audit",
    security(("operator" = [])),
    responses((status = 200, description = "The chain report", body = Object),
        (status = 401, body = Problem, content_type = "application/problem+json")))]
async fn audit_verify(
    _: Operator,
    State(state): State<AppState>,
) -> Result<Json<ChainReport>, ApiError> {
    Ok(Json(state.services.audit.verify().await?))
}
