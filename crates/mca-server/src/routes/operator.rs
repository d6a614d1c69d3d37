//! The operator API (`/api/operator/v1/…`): catalogue editing (M2), the
//! audit view (M4), reviewer accounts and revocation (M1), and the register
//! of relying parties (issue 6), authenticated by the operator token from
//! configuration.
//!
//! Catalogue entries are sent as the domain's JSON without `id`: the server
//! assigns ids on create and takes them from the path on update.

use axum::Json;
use axum::Router;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::routing::{get, post, put};
use mca_domain::audit::ChainReport;
use mca_domain::catalogue::CatalogueView;
use mca_domain::DomainError;
use mca_domain::relying_parties::{IssuedCredential, NewRelyingParty};
use mca_domain::store::{AuditEntry, RelyingPartyRecord, RpOperation};
use serde::{Deserialize, Serialize};
use serde::de::DeserializeOwned;
use serde_json::Value;
use subtle::ConstantTimeEq;

use crate::error::ApiError;
use crate::extract::AppJson;
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

/// The operator routes, to nest under `/api/operator/v1`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/catalogue", get(catalogue))
        .route("/provinces", post(create_province))
        .route(
            "/provinces/{id}",
            put(update_province).delete(delete_province),
        )
        .route("/platforms", post(create_platform))
        .route(
            "/platforms/{id}",
            put(update_platform).delete(delete_platform),
        )
        .route("/ca-organizations", post(create_ca))
        .route("/ca-organizations/{id}", put(update_ca).delete(delete_ca))
        .route("/validity-options", post(create_validity))
        .route(
            "/validity-options/{id}",
            put(update_validity).delete(delete_validity),
        )
        .route("/audit", get(audit_entries))
        .route("/audit/verify", get(audit_verify))
        .route("/reviewers", post(create_reviewer))
        .route("/certificates/{id}/revocation", post(revoke_certificate))
        .route(
            "/relying-parties",
            post(register_relying_party).get(relying_parties),
        )
        .route("/relying-parties/{id}/rotation", post(rotate_rp_key))
        .route("/relying-parties/{id}/disable", post(disable_relying_party))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewRelyingPartyRequest {
    display_name: String,
    platform_id: Option<String>,
    operations: Vec<String>,
    #[serde(default)]
    callback_urls: Vec<String>,
}

/// A registered relying party (never its secret).
#[derive(Serialize)]
struct RelyingPartyView {
    id: String,
    display_name: String,
    platform_id: Option<String>,
    operations: Vec<&'static str>,
    callback_urls: Vec<String>,
    created_at: String,
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
#[derive(Serialize)]
struct CredentialView {
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

#[derive(Serialize)]
struct RegisteredView {
    #[serde(flatten)]
    relying_party: RelyingPartyView,
    #[serde(flatten)]
    credential: CredentialView,
}

/// Registers a relying party; its key id and secret are in this answer
/// only.
async fn register_relying_party(
    _: Operator,
    State(state): State<AppState>,
    AppJson(req): AppJson<NewRelyingPartyRequest>,
) -> Result<(StatusCode, Json<RegisteredView>), ApiError> {
    let platform_id = req
        .platform_id
        .as_deref()
        .map(|p| p.parse().map_err(|_| DomainError::InvalidInput("platform_id")))
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
async fn relying_parties(
    _: Operator,
    State(state): State<AppState>,
) -> Result<Json<Vec<RelyingPartyView>>, ApiError> {
    let all = state.rp.registry.list().await?;
    Ok(Json(all.iter().map(RelyingPartyView::from).collect()))
}

/// A new key id and secret; the previous keys keep working for a day.
async fn rotate_rp_key(
    _: Operator,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<CredentialView>, ApiError> {
    let id = id.parse().map_err(|_| ApiError::not_found())?;
    let credential = state.rp.registry.rotate(id).await?;
    Ok(Json(CredentialView::from(&credential)))
}

/// Disables a relying party: its requests and its sessions' scans are
/// refused from now on.
async fn disable_relying_party(
    _: Operator,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<RelyingPartyView>, ApiError> {
    let id = id.parse().map_err(|_| ApiError::not_found())?;
    state.rp.registry.disable(id).await?;
    let rp = state.rp.registry.get(id).await?;
    Ok(Json(RelyingPartyView::from(&rp)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewReviewer {
    ca_id: String,
    username: String,
    display_name: String,
    password: String,
}

/// Creates a reviewer account of a CA organization (M1).
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Revoke {
    reason: String,
}

/// Revokes any certificate (a CA decision, e.g. on a court order or a
/// reported compromise): `key_compromise`, `affiliation_changed`,
/// `superseded`, `cessation_of_operation` or `unspecified`.
async fn revoke_certificate(
    _: Operator,
    State(state): State<AppState>,
    Path(id): Path<String>,
    AppJson(req): AppJson<Revoke>,
) -> Result<StatusCode, ApiError> {
    let id = id.parse().map_err(|_| ApiError::not_found())?;
    let reason = mca_domain::store::RevocationReason::parse(&req.reason)
        .ok_or(mca_domain::DomainError::InvalidInput("reason"))?;
    state.certs.revocation.revoke("operator", id, reason).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn catalogue(
    _: Operator,
    State(state): State<AppState>,
) -> Result<Json<CatalogueView>, ApiError> {
    Ok(Json(state.services.catalogue.all().await?))
}

/// The JSON entry with `id` set, as the domain type; a body that already
/// names an id is refused (ids are the server's).
fn entry<T: DeserializeOwned>(body: Value, id: &str) -> Result<T, ApiError> {
    let Value::Object(mut fields) = body else {
        return Err(ApiError::bad_json("须为 JSON 对象"));
    };
    if fields.contains_key("id") {
        return Err(ApiError::bad_json("id 由服务器分配"));
    }
    fields.insert("id".into(), Value::String(id.to_owned()));
    serde_json::from_value(Value::Object(fields)).map_err(|e| ApiError::bad_json(e.to_string()))
}

fn parse_id<T: DeserializeOwned>(id: &str) -> Result<T, ApiError> {
    serde_json::from_value(Value::String(id.to_owned())).map_err(|_| ApiError::not_found())
}

/// Create, update and delete handlers for one kind of catalogue entry.
macro_rules! catalogue_crud {
    ($create:ident, $update:ident, $delete:ident, $ty:ty, $id:ty,
     $svc_create:ident, $svc_update:ident, $svc_delete:ident) => {
        async fn $create(
            _: Operator,
            State(state): State<AppState>,
            AppJson(body): AppJson<Value>,
        ) -> Result<(StatusCode, Json<$ty>), ApiError> {
            let item: $ty = entry(body, &<$id>::new().to_string())?;
            state.services.catalogue.$svc_create(&item).await?;
            Ok((StatusCode::CREATED, Json(item)))
        }

        async fn $update(
            _: Operator,
            State(state): State<AppState>,
            Path(id): Path<String>,
            AppJson(body): AppJson<Value>,
        ) -> Result<Json<$ty>, ApiError> {
            parse_id::<$id>(&id)?;
            let item: $ty = entry(body, &id)?;
            state.services.catalogue.$svc_update(&item).await?;
            Ok(Json(item))
        }

        async fn $delete(
            _: Operator,
            State(state): State<AppState>,
            Path(id): Path<String>,
        ) -> Result<StatusCode, ApiError> {
            state
                .services
                .catalogue
                .$svc_delete(parse_id::<$id>(&id)?)
                .await?;
            Ok(StatusCode::NO_CONTENT)
        }
    };
}

use mca_domain::store::{CaOrganization, Province, TradingPlatform, ValidityOption};
use mca_domain::{CaId, PlatformId, ProvinceId, ValidityOptionId};

catalogue_crud!(
    create_province,
    update_province,
    delete_province,
    Province,
    ProvinceId,
    create_province,
    update_province,
    delete_province
);
catalogue_crud!(
    create_platform,
    update_platform,
    delete_platform,
    TradingPlatform,
    PlatformId,
    create_platform,
    update_platform,
    delete_platform
);
catalogue_crud!(
    create_ca,
    update_ca,
    delete_ca,
    CaOrganization,
    CaId,
    create_ca,
    update_ca,
    delete_ca
);
catalogue_crud!(
    create_validity,
    update_validity,
    delete_validity,
    ValidityOption,
    ValidityOptionId,
    create_validity_option,
    update_validity_option,
    delete_validity_option
);

#[derive(Deserialize)]
struct Page {
    #[serde(default)]
    after: i64,
    limit: Option<u32>,
}

async fn audit_entries(
    _: Operator,
    State(state): State<AppState>,
    Query(page): Query<Page>,
) -> Result<Json<Vec<AuditEntry>>, ApiError> {
    let limit = page.limit.unwrap_or(100).clamp(1, 1000);
    let entries = state
        .store
        .audit_entries(page.after, limit)
        .await
        .map_err(mca_domain::DomainError::from)?;
    Ok(Json(entries))
}

async fn audit_verify(
    _: Operator,
    State(state): State<AppState>,
) -> Result<Json<ChainReport>, ApiError> {
    Ok(Json(state.services.audit.verify().await?))
}
