//! The CAs' public services, at the URLs written into every certificate:
//! `GET /crl/{ca}.crl` (the CRL the issuing CA last published, with HTTP
//! caching headers; see `Revocation` for when one is signed),
//! `POST /ocsp/{ca}` and `POST /ocsp` (RFC 6960, answered from the stored
//! statuses), and `GET /ca/{ca}/chain.pem` (issuing CA and root). `{ca}` is
//! the CA organization's short name in lower case (`zjca`).

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
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

/// The CRL of a CA, DER (`application/pkix-crl`): the published one,
/// re-signed on a schedule and after revocations, not per request.
/// `Cache-Control: max-age` runs until it is due to be re-signed (never
/// past nextUpdate); `ETag` names its CRL number, so `If-None-Match`
/// answers 304; `Last-Modified` is its thisUpdate.
#[utoipa::path(get, path = "/crl/{file}", tag = "pki",
    params(("file" = String, Path, description = "`<ca>.crl`, e.g. `zjca.crl`")),
    responses((status = 200, content_type = "application/pkix-crl", body = Vec<u8>,
            headers(("cache-control" = String), ("etag" = String), ("last-modified" = String))),
        (status = 304, description = "`If-None-Match` names the published CRL"),
        (status = 404, description = "No such CA")))]
pub async fn crl(
    State(state): State<AppState>,
    AppPath(file): AppPath<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let short = file.strip_suffix(".crl").ok_or_else(ApiError::not_found)?;
    let ca = ca_by_short_name(&state, short).await?;
    let revocation = &state.certs.revocation;
    let crl = revocation.crl(ca).await?;
    let etag = format!("\"{short}-{}\"", crl.crl_number);
    let modified = std::time::UNIX_EPOCH
        + std::time::Duration::from_secs(u64::try_from(crl.this_update.0).unwrap_or(0));
    let caching = [
        (
            header::CACHE_CONTROL,
            format!("public, max-age={}", revocation.fresh_for(&crl)),
        ),
        (header::ETAG, etag.clone()),
        (header::LAST_MODIFIED, httpdate::fmt_http_date(modified)),
    ];
    let unchanged = headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| t.trim() == etag || t.trim() == "*");
    if unchanged {
        return Ok((StatusCode::NOT_MODIFIED, caching).into_response());
    }
    Ok((
        caching,
        [(header::CONTENT_TYPE, "application/pkix-crl".to_owned())],
        crl.der,
    )
        .into_response())
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
