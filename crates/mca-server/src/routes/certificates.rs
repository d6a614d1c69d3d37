//! The user's certificates: list, one with its chain, revocation by the
//! holder (M1). Renewal is an application (`applications::renew`).

use axum::Json;
use axum::extract::State;
use mca_domain::store::RevocationReason;
use mca_domain::{CertificateId, DomainError};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::views::{CertificateView, path_id};
use crate::error::{ApiError, Problem};
use crate::extract::{AppPath, Signed};
use crate::state::AppState;

/// A certificate with the chain to verify it.
#[derive(Debug, Serialize, ToSchema)]
pub struct CertificateDetail {
    /// The certificate.
    #[serde(flatten)]
    pub certificate: CertificateView,
    /// The issuing CA certificate, PEM.
    pub issuer_pem: String,
}

/// `POST /me/certificates/{id}/revocation`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevokeRequest {
    /// `cessation_of_operation` (no longer needed, the default),
    /// `key_compromise` (the phone was lost or the PIN disclosed) or
    /// `affiliation_changed`.
    pub reason: Option<String>,
}

/// The user's certificates, oldest first; like every certificate
/// operation refused with "尚未实名认证，无法操作" until verified (A3).
#[utoipa::path(get, path = "/api/app/v1/me/certificates", tag = "certificates", security(("device" = [])),
    responses((status = 200, body = Vec<CertificateView>),
        (status = 403, description = "尚未实名认证，无法操作", body = Problem, content_type = "application/problem+json")))]
pub async fn list(
    State(state): State<AppState>,
    req: Signed<()>,
) -> Result<Json<Vec<CertificateView>>, ApiError> {
    let user = req.caller.user;
    state.services.identity.require_verified(user).await?;
    let certs = state.certs.revocation.certificates(user).await?;
    Ok(Json(certs.iter().map(CertificateView::from).collect()))
}

/// One certificate and its issuing CA.
#[utoipa::path(get, path = "/api/app/v1/me/certificates/{id}", tag = "certificates",
    params(("id" = String, Path)), security(("device" = [])),
    responses((status = 200, body = CertificateDetail),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn get(
    State(state): State<AppState>,
    AppPath(id): AppPath<String>,
    req: Signed<()>,
) -> Result<Json<CertificateDetail>, ApiError> {
    let user = req.caller.user;
    state.services.identity.require_verified(user).await?;
    let cert = state
        .certs
        .revocation
        .certificate(user, path_id(&id)?)
        .await?;
    let issuer = state.certs.issuance.issuing_certificate(&cert)?;
    Ok(Json(CertificateDetail {
        certificate: (&cert).into(),
        issuer_pem: issuer.to_pem(),
    }))
}

/// The holder revokes a certificate; the CRL and OCSP say so at once.
#[utoipa::path(post, path = "/api/app/v1/me/certificates/{id}/revocation", tag = "certificates",
    params(("id" = String, Path)), request_body = RevokeRequest, security(("device" = [])),
    responses((status = 200, body = CertificateView),
        (status = 409, description = "Already revoked", body = Problem, content_type = "application/problem+json")))]
pub async fn revoke(
    State(state): State<AppState>,
    AppPath(id): AppPath<String>,
    req: Signed<RevokeRequest>,
) -> Result<Json<CertificateView>, ApiError> {
    let user = req.caller.user;
    let id: CertificateId = path_id(&id)?;
    let reason = match req.body.reason.as_deref() {
        None | Some("cessation_of_operation") => RevocationReason::CessationOfOperation,
        Some("key_compromise") => RevocationReason::KeyCompromise,
        Some("affiliation_changed") => RevocationReason::AffiliationChanged,
        Some(_) => return Err(DomainError::InvalidInput("reason").into()),
    };
    state.services.identity.require_verified(user).await?;
    state.certs.revocation.revoke_own(user, id, reason).await?;
    let cert = state.certs.revocation.certificate(user, id).await?;
    Ok(Json((&cert).into()))
}
