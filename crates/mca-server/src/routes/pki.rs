//! The CAs' public services, at the URLs written into every certificate:
//! `GET /crl/{ca}.crl` (a fresh CRL signed by the issuing CA),
//! `POST /ocsp/{ca}` and `POST /ocsp` (RFC 6960, answered from the stored
//! statuses), and `GET /ca/{ca}/chain.pem` (issuing CA and root). `{ca}` is
//! the CA organization's short name in lower case (`zjca`).

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use mca_domain::CaId;

use crate::error::ApiError;
use crate::extract::{AppBytes, AppPath};
use crate::state::AppState;

/// Largest OCSP request read: a request for a handful of certificates is a
/// few hundred bytes.
const MAX_OCSP_REQUEST: usize = 16 * 1024;

async fn ca_by_short_name(state: &AppState, short: &str) -> Result<CaId, ApiError> {
    state
        .services
        .catalogue
        .all()
        .await?
        .ca_organizations
        .into_iter()
        .find(|c| c.short_name.to_lowercase() == short)
        .map(|c| c.id)
        .ok_or_else(ApiError::not_found)
}

/// The CRL of a CA, DER (`application/pkix-crl`).
#[utoipa::path(get, path = "/crl/{file}", tag = "pki",
    params(("file" = String, Path, description = "`<ca>.crl`, e.g. `zjca.crl`")),
    responses((status = 200, content_type = "application/pkix-crl", body = Vec<u8>),
        (status = 404, description = "No such CA")))]
pub async fn crl(
    State(state): State<AppState>,
    AppPath(file): AppPath<String>,
) -> Result<impl IntoResponse, ApiError> {
    let short = file.strip_suffix(".crl").ok_or_else(ApiError::not_found)?;
    let ca = ca_by_short_name(&state, short).await?;
    let crl = state.certs.revocation.crl(ca).await?;
    Ok((
        [(header::CONTENT_TYPE, "application/pkix-crl")],
        crl.to_der().to_vec(),
    ))
}

async fn answer(state: &AppState, body: &[u8]) -> Result<impl IntoResponse + use<>, ApiError> {
    if body.len() > MAX_OCSP_REQUEST {
        return Err(ApiError::body_too_large());
    }
    let response = state.certs.revocation.ocsp(body).await?;
    Ok((
        [(header::CONTENT_TYPE, "application/ocsp-response")],
        response,
    ))
}

/// The OCSP responder of a CA (the URL in its certificates' AIA).
#[utoipa::path(post, path = "/ocsp/{ca}", tag = "pki",
    params(("ca" = String, Path)),
    request_body(content = Vec<u8>, content_type = "application/ocsp-request"),
    responses((status = 200, content_type = "application/ocsp-response", body = Vec<u8>)))]
pub async fn ocsp_of(
    State(state): State<AppState>,
    AppPath(short): AppPath<String>,
    AppBytes(body): AppBytes,
) -> Result<impl IntoResponse, ApiError> {
    ca_by_short_name(&state, &short).await?;
    answer(&state, &body).await
}

/// The OCSP responder for every CA (found by the request's issuer hashes).
#[utoipa::path(post, path = "/ocsp", tag = "pki",
    request_body(content = Vec<u8>, content_type = "application/ocsp-request"),
    responses((status = 200, content_type = "application/ocsp-response", body = Vec<u8>)))]
pub async fn ocsp(
    State(state): State<AppState>,
    AppBytes(body): AppBytes,
) -> Result<impl IntoResponse, ApiError> {
    answer(&state, &body).await
}

/// The issuing CA and root certificates of a CA, PEM.
#[utoipa::path(get, path = "/ca/{ca}/chain.pem", tag = "pki",
    params(("ca" = String, Path)),
    responses((status = 200, content_type = "application/pem-certificate-chain", body = String)))]
pub async fn chain(
    State(state): State<AppState>,
    AppPath(short): AppPath<String>,
) -> Result<impl IntoResponse, ApiError> {
    let ca = ca_by_short_name(&state, &short).await?;
    let hierarchy = state.certs.issuance.hierarchy(ca)?;
    let pem: String = hierarchy.chain().iter().map(|c| c.to_pem()).collect();
    Ok((
        [(header::CONTENT_TYPE, "application/pem-certificate-chain")],
        pem,
    ))
}
