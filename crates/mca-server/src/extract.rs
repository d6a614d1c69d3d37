//! Extractors whose rejections take the problem shape.
//!
//! - [`AppJson`]: a JSON body; malformed JSON or an oversized body is an
//!   [`ApiError`], never axum's plain-text rejection.
//! - [`AppPath`], [`AppQuery`], [`AppBytes`]: axum's path, query and raw
//!   body extractors with problem-shaped rejections. On authenticated
//!   routes the query is parsed by [`Signed::query`] / [`RpSigned::query`]
//!   instead, so a stranger learns 401 before anything about the query.
//! - [`Signed`]: an app request authenticated by bearer token *and* device
//!   signature (see `mca_phone::client` for the headers), with its JSON body.
//!   The body is read once, the signature checked over those exact bytes,
//!   and only then parsed.
//! - [`RpSigned`]: a relying-party API request authenticated by key id and
//!   HMAC-SM3 (`x-mca-rp-…` headers), likewise checked over the exact body
//!   bytes before parsing.
//! - [`ClientIp`]: the peer address, for per-address rate limits.

use std::net::IpAddr;

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, JsonRejection, PathRejection, QueryRejection};
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, Uri};
use base64::Engine;
use mca_domain::relying_parties::{RpCaller, RpRequest};
use mca_domain::{Caller, DeviceId, SessionToken, SignedRequest};
use serde::de::DeserializeOwned;

use crate::error::ApiError;
use crate::state::AppState;

/// Header carrying the device id.
pub const HEADER_DEVICE: &str = "x-mca-device";
/// Header carrying the request time, Unix seconds.
pub const HEADER_TIMESTAMP: &str = "x-mca-timestamp";
/// Header carrying the single-use request nonce.
pub const HEADER_NONCE: &str = "x-mca-nonce";
/// Header carrying the device signature (base64 of DER).
pub const HEADER_SIGNATURE: &str = "x-mca-signature";

/// Header carrying a relying party's key id.
pub const HEADER_RP_KEY: &str = "x-mca-rp-key";
/// Header carrying a relying party's request time, Unix seconds.
pub const HEADER_RP_TIMESTAMP: &str = "x-mca-rp-timestamp";
/// Header carrying a relying party's single-use nonce.
pub const HEADER_RP_NONCE: &str = "x-mca-rp-nonce";
/// Header carrying the request MAC (lower-case hex of
/// `mca_crypto::rp::request_mac`).
pub const HEADER_RP_SIGNATURE: &str = "x-mca-rp-signature";

/// A JSON request body with problem-shaped rejections.
#[derive(Debug, Clone, Copy, Default, FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct AppJson<T>(pub T);

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            return ApiError::body_too_large();
        }
        match rejection {
            JsonRejection::MissingJsonContentType(_) => {
                ApiError::bad_json("Content-Type 须为 application/json")
            }
            other => ApiError::bad_json(other.body_text()),
        }
    }
}

/// Path parameters with problem-shaped rejections (e.g. invalid UTF-8 in
/// a percent-encoded segment).
#[derive(Debug, Clone, Copy, Default, FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct AppPath<T>(pub T);

impl From<PathRejection> for ApiError {
    fn from(rejection: PathRejection) -> Self {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "malformed_path",
            "请求路径格式错误",
        )
        .with_detail(rejection.body_text())
    }
}

/// A query string with problem-shaped rejections, for routes without
/// authentication (authenticated ones use [`Signed::query`]).
#[derive(Debug, Clone, Copy, Default, FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct AppQuery<T>(pub T);

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "malformed_query",
            "查询参数格式错误",
        )
        .with_detail(rejection.body_text())
    }
}

/// The query of `uri` as `Q`: what [`AppQuery`] does, for extractors that
/// must authenticate first.
fn query_of<Q: DeserializeOwned>(uri: &Uri) -> Result<Q, ApiError> {
    Ok(axum::extract::Query::try_from_uri(uri)?.0)
}

/// The raw request body (within the body limit) with problem-shaped
/// rejections.
#[derive(Debug, Clone, Default)]
pub struct AppBytes(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for AppBytes {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        Ok(AppBytes(Bytes::from_request(req, state).await?))
    }
}

impl From<BytesRejection> for ApiError {
    fn from(rejection: BytesRejection) -> Self {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            return ApiError::body_too_large();
        }
        ApiError::bad_json(rejection.body_text())
    }
}

/// An authenticated, device-signed app request and its parsed body.
/// Use `Signed<()>` for requests without a body.
#[derive(Debug)]
pub struct Signed<T> {
    /// Who sent it, from which device.
    pub caller: Caller,
    /// The JSON body (`()` when there is none).
    pub body: T,
    uri: Uri,
}

impl<T> Signed<T> {
    /// The query string as `Q`; parsed only now, after authentication.
    pub fn query<Q: DeserializeOwned>(&self) -> Result<Q, ApiError> {
        query_of(&self.uri)
    }
}

impl<T: DeserializeOwned> FromRequest<AppState> for Signed<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, ApiError> {
        signed(req, state, state.max_body_bytes).await
    }
}

/// A [`Signed`] request that may carry pictures (base64 in its JSON), so
/// it may be as large as `max_upload_bytes`.
#[derive(Debug)]
pub struct SignedUpload<T>(pub Signed<T>);

impl<T: DeserializeOwned> FromRequest<AppState> for SignedUpload<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, ApiError> {
        signed(req, state, state.max_upload_bytes)
            .await
            .map(SignedUpload)
    }
}

async fn signed<T: DeserializeOwned>(
    req: Request,
    state: &AppState,
    limit: usize,
) -> Result<Signed<T>, ApiError> {
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, limit)
        .await
        .map_err(|_| ApiError::body_too_large())?;
    let caller = authenticate(&parts, &bytes, state).await?;
    let json: &[u8] = if bytes.is_empty() { b"null" } else { &bytes };
    let body = serde_json::from_slice(json).map_err(|e| ApiError::bad_json(e.to_string()))?;
    Ok(Signed {
        caller,
        body,
        uri: parts.uri,
    })
}

async fn authenticate(parts: &Parts, body: &Bytes, state: &AppState) -> Result<Caller, ApiError> {
    let header = |name: &str| {
        parts
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| ApiError::unauthenticated(format!("缺少请求头 {name}")))
    };
    let token = header("authorization")?
        .strip_prefix("Bearer ")
        .ok_or_else(|| ApiError::unauthenticated("Authorization 须为 Bearer 令牌"))?;
    let device_id = DeviceId::parse(header(HEADER_DEVICE)?)
        .ok_or_else(|| ApiError::unauthenticated(format!("{HEADER_DEVICE} 不正确")))?;
    let timestamp = header(HEADER_TIMESTAMP)?
        .parse::<i64>()
        .map_err(|_| ApiError::unauthenticated(format!("{HEADER_TIMESTAMP} 不正确")))?;
    let nonce = header(HEADER_NONCE)?;
    let signature = base64::engine::general_purpose::STANDARD
        .decode(header(HEADER_SIGNATURE)?)
        .map_err(|_| ApiError::unauthenticated(format!("{HEADER_SIGNATURE} 不正确")))?;
    let path_and_query = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/");
    let token = SessionToken::from_client(token);
    let request = SignedRequest {
        token: &token,
        device_id,
        method: parts.method.as_str(),
        path_and_query,
        timestamp,
        nonce,
        body,
        signature: &signature,
    };
    Ok(state.services.devices.authenticate(&request).await?)
}

/// An authenticated relying-party request and its parsed body. Use
/// `RpSigned<()>` for requests without a body.
#[derive(Debug)]
pub struct RpSigned<T> {
    /// The relying party and the key it used.
    pub caller: RpCaller,
    /// The JSON body (`()` when there is none).
    pub body: T,
    uri: Uri,
}

impl<T> RpSigned<T> {
    /// The query string as `Q`; parsed only now, after authentication.
    pub fn query<Q: DeserializeOwned>(&self) -> Result<Q, ApiError> {
        query_of(&self.uri)
    }
}

impl<T: DeserializeOwned> FromRequest<AppState> for RpSigned<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, ApiError> {
        let (parts, body) = req.into_parts();
        // Sign sessions carry up to 20 items of 64 KiB (as hex): the
        // upload limit, not the small default.
        let bytes = axum::body::to_bytes(body, state.max_upload_bytes)
            .await
            .map_err(|_| ApiError::body_too_large())?;
        let caller = authenticate_rp(&parts, &bytes, state).await?;
        let json: &[u8] = if bytes.is_empty() { b"null" } else { &bytes };
        let body = serde_json::from_slice(json).map_err(|e| ApiError::bad_json(e.to_string()))?;
        Ok(RpSigned {
            caller,
            body,
            uri: parts.uri,
        })
    }
}

async fn authenticate_rp(
    parts: &Parts,
    body: &Bytes,
    state: &AppState,
) -> Result<RpCaller, ApiError> {
    let header = |name: &str| {
        parts
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| ApiError::unauthenticated(format!("缺少请求头 {name}")))
    };
    let key_id = header(HEADER_RP_KEY)?;
    let timestamp = header(HEADER_RP_TIMESTAMP)?
        .parse::<i64>()
        .map_err(|_| ApiError::unauthenticated(format!("{HEADER_RP_TIMESTAMP} 不正确")))?;
    let nonce = header(HEADER_RP_NONCE)?;
    let mac = hex::decode(header(HEADER_RP_SIGNATURE)?)
        .map_err(|_| ApiError::unauthenticated(format!("{HEADER_RP_SIGNATURE} 不正确")))?;
    // The path as the relying party sent it, even under a nested router.
    let uri = parts
        .extensions
        .get::<axum::extract::OriginalUri>()
        .map_or(&parts.uri, |o| &o.0);
    let path_and_query = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    let request = RpRequest {
        key_id,
        method: parts.method.as_str(),
        path_and_query,
        timestamp,
        nonce,
        body,
        mac: &mac,
    };
    Ok(state.rp.requests.authenticate(&request).await?)
}

/// The client's address: the TCP peer, or behind a load balancer the last
/// entry of the configured header (the one the balancer appended; earlier
/// entries come from the client and could be forged).
#[derive(Debug, Clone)]
pub struct ClientIp(pub String);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<crate::listener::Peer>>()
            .map(|ConnectInfo(peer)| peer.0.ip());
        Ok(ClientIp(client_ip(
            &parts.headers,
            state.client_ip_header.as_deref(),
            peer,
        )))
    }
}

fn client_ip(headers: &HeaderMap, header: Option<&str>, peer: Option<IpAddr>) -> String {
    let forwarded = header
        .and_then(|name| headers.get_all(name).iter().next_back())
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.rsplit(',').next())
        .and_then(|last| last.trim().parse::<IpAddr>().ok());
    // Without connect info (an in-process test), all requests share one
    // address, which only makes the per-address limit stricter.
    forwarded
        .or(peer)
        .map(|ip| ip.to_string())
        .unwrap_or_else(|| "unknown".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_ip_trusts_only_the_balancers_entry() {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", "6.6.6.6, 10.0.0.7".parse().unwrap());
        let peer = Some(IpAddr::from([127, 0, 0, 1]));
        assert_eq!(
            client_ip(&headers, Some("x-forwarded-for"), peer),
            "10.0.0.7"
        );
        // Not configured: the header is the client's word and ignored.
        assert_eq!(client_ip(&headers, None, peer), "127.0.0.1");
        headers.insert("x-forwarded-for", "garbage".parse().unwrap());
        assert_eq!(
            client_ip(&headers, Some("x-forwarded-for"), peer),
            "127.0.0.1"
        );
        assert_eq!(client_ip(&HeaderMap::new(), None, None), "unknown");
    }
}
