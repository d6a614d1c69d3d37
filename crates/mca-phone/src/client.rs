//! The HTTP client of the app API, signing every request with the device
//! key exactly as the real app does.
//!
//! Every request after login carries:
//!
//! | header | value |
//! |---|---|
//! | `Authorization` | `Bearer <token>` from the login |
//! | [`HEADER_DEVICE`] | the device id from the login |
//! | [`HEADER_TIMESTAMP`] | Unix seconds; the server accepts ±300 s |
//! | [`HEADER_NONCE`] | 32 random hex digits, never reused |
//! | [`HEADER_SIGNATURE`] | base64 of the device's ECDSA P-256 DER signature over [`mca_crypto::device::request_payload`] |
//!
//! The signed payload binds the method, the path and query exactly as sent,
//! the timestamp, the nonce and SM3 of the body, so neither a stolen token
//! nor a captured request can be used again. Payload and headers come from
//! [`mca_phone_core::DeviceRequest`]; this module only adds the clock and
//! the sending.

use mca_crypto::device::DeviceKey;
use mca_phone_core::DeviceRequest;
use reqwest::Method;
use serde::Serialize;
use serde_json::Value;

use crate::PhoneError;
use crate::state::Session;

pub use mca_phone_core::device_request::{
    HEADER_DEVICE, HEADER_NONCE, HEADER_SIGNATURE, HEADER_TIMESTAMP,
};

/// An answer of the server: status and JSON body (`null` when empty).
#[derive(Debug, Clone)]
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// JSON body, or `Value::Null` for an empty body.
    pub body: Value,
}

impl Reply {
    /// The body on success, the server's problem as an error otherwise.
    pub fn into_result(self) -> Result<Value, PhoneError> {
        if (200..300).contains(&self.status) {
            Ok(self.body)
        } else {
            Err(PhoneError::from_problem(self.status, &self.body))
        }
    }
}

/// How to deviate from a correctly signed request; tests use it to show
/// that the server refuses each deviation. The default is the real app's
/// behaviour.
#[derive(Default)]
pub struct Tamper<'a> {
    /// Send no device headers at all (a bare bearer token).
    pub unsigned: bool,
    /// Use this nonce instead of a fresh one.
    pub nonce: Option<String>,
    /// Use this timestamp instead of now.
    pub timestamp: Option<i64>,
    /// Sign with this key instead of the device's own.
    pub key: Option<&'a DeviceKey>,
}

/// A client of one server for one phone.
pub struct Client {
    base: String,
    http: reqwest::Client,
    key: DeviceKey,
    session: Option<Session>,
    /// Seconds added to this machine's clock when stamping requests.
    clock_offset: i64,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base", &self.base)
            .field("session", &self.session)
            .finish()
    }
}

impl Client {
    /// A client of `base` (e.g. `http://127.0.0.1:8080`) using `key`.
    pub fn new(base: &str, key: DeviceKey, session: Option<Session>) -> Result<Self, PhoneError> {
        let http = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(30))
            .build()
            .map_err(|e| PhoneError::Http(e.to_string()))?;
        Ok(Client {
            base: base.trim_end_matches('/').to_owned(),
            http,
            key,
            session,
            clock_offset: 0,
        })
    }

    /// Stamps requests `seconds` ahead of (or behind) this machine's
    /// clock: a phone whose clock differs, or, in tests, one that follows
    /// a server running on a manual clock months ahead.
    pub fn set_clock_offset(&mut self, seconds: i64) {
        self.clock_offset = seconds;
    }

    /// The base URL.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// The device key.
    pub fn device_key(&self) -> &DeviceKey {
        &self.key
    }

    /// The current session, if logged in.
    pub fn session(&self) -> Option<&Session> {
        self.session.as_ref()
    }

    /// Replaces the session (after a login or a phone number change).
    pub fn set_session(&mut self, session: Option<Session>) {
        self.session = session;
    }

    /// An unauthenticated request (sending codes, logging in, resetting a
    /// password).
    pub async fn public<B: Serialize>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
    ) -> Result<Reply, PhoneError> {
        let bytes = encode(body)?;
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(bytes) = bytes {
            request = request
                .header("content-type", "application/json")
                .body(bytes);
        }
        send(request).await
    }

    /// A request signed by the device, as the app sends every request after
    /// login.
    pub async fn signed<B: Serialize>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
    ) -> Result<Reply, PhoneError> {
        self.signed_raw(method, path, encode(body)?, Tamper::default())
            .await
    }

    /// A signed GET whose answer is not JSON (a PDF): the bytes on
    /// success, the server's problem otherwise.
    pub async fn signed_get_bytes(&self, path: &str) -> Result<Vec<u8>, PhoneError> {
        self.signed_bytes(Method::GET, path, None::<&()>).await
    }

    /// A signed request (a JSON body, if any) whose answer is not JSON (a
    /// PDF): the bytes on success, the problem as an error.
    pub async fn signed_bytes<B: Serialize>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
    ) -> Result<Vec<u8>, PhoneError> {
        let session = self.session.as_ref().ok_or(PhoneError::NotLoggedIn)?;
        let body = encode(body)?.unwrap_or_default();
        let mut request = self
            .http
            .request(method.clone(), format!("{}{path}", self.base))
            .header("authorization", format!("Bearer {}", session.token));
        if !body.is_empty() {
            request = request
                .header("content-type", "application/json")
                .body(body.clone());
        }
        let request = self.sign_headers(
            request,
            session,
            method.as_str(),
            path,
            &body,
            Tamper::default(),
        )?;
        let (status, bytes) = send_raw(request).await?;
        if (200..300).contains(&status) {
            return Ok(bytes);
        }
        let body = serde_json::from_slice(&bytes).map_err(|_| PhoneError::Protocol(status))?;
        Err(PhoneError::from_problem(status, &body))
    }

    fn sign_headers(
        &self,
        mut request: reqwest::RequestBuilder,
        session: &Session,
        method: &str,
        path: &str,
        body: &[u8],
        tamper: Tamper<'_>,
    ) -> Result<reqwest::RequestBuilder, PhoneError> {
        if tamper.unsigned {
            return Ok(request);
        }
        let timestamp = tamper
            .timestamp
            .unwrap_or_else(|| unix_now() + self.clock_offset);
        let nonce = match tamper.nonce {
            Some(n) => n,
            None => hex::encode(
                mca_crypto::rand::bytes::<16>().map_err(|e| PhoneError::State(e.to_string()))?,
            ),
        };
        // (DeviceRequest::new draws the nonce itself; the tamper hook needs
        // to choose it, so the nonce is drawn here for both.)
        let signed = DeviceRequest::with_nonce(core_method(method)?, path, body, timestamp, nonce);
        let signature = tamper.key.unwrap_or(&self.key).sign(signed.payload());
        for (name, value) in signed.headers(&session.device_id, &session.token, &signature) {
            // The bearer token is already on the request.
            if name != "authorization" {
                request = request.header(name, value);
            }
        }
        Ok(request)
    }

    /// A signed request with a raw body and optional deviations.
    pub async fn signed_raw(
        &self,
        method: Method,
        path: &str,
        body: Option<Vec<u8>>,
        tamper: Tamper<'_>,
    ) -> Result<Reply, PhoneError> {
        let session = self.session.as_ref().ok_or(PhoneError::NotLoggedIn)?;
        let body = body.unwrap_or_default();
        let mut request = self
            .http
            .request(method.clone(), format!("{}{path}", self.base))
            .header("authorization", format!("Bearer {}", session.token));
        if !body.is_empty() {
            request = request.header("content-type", "application/json");
        }
        let request = self.sign_headers(request, session, method.as_str(), path, &body, tamper)?;
        send(request.body(body)).await
    }
}

impl Client {
    /// Sends a request of the phone core, signed by the device, and hands
    /// back the answer (problems too: the core reads them).
    pub async fn send(
        &self,
        request: &mca_phone_core::Request,
    ) -> Result<mca_phone_core::Answer, PhoneError> {
        let method = Method::from_bytes(request.method.as_str().as_bytes())
            .map_err(|_| PhoneError::State("无效的请求方法".into()))?;
        let body = request.body.as_ref().map(|_| request.body_bytes());
        let reply = self
            .signed_raw(method, &request.path, body, Tamper::default())
            .await?;
        Ok(mca_phone_core::Answer {
            status: reply.status,
            body: reply.body,
        })
    }
}

fn core_method(method: &str) -> Result<mca_phone_core::Method, PhoneError> {
    use mca_phone_core::Method as M;
    Ok(match method {
        "GET" => M::Get,
        "POST" => M::Post,
        "PUT" => M::Put,
        "DELETE" => M::Delete,
        other => return Err(PhoneError::State(format!("无效的请求方法 {other}"))),
    })
}

fn encode<B: Serialize>(body: Option<&B>) -> Result<Option<Vec<u8>>, PhoneError> {
    body.map(|b| serde_json::to_vec(b).map_err(|e| PhoneError::State(e.to_string())))
        .transpose()
}

async fn send(request: reqwest::RequestBuilder) -> Result<Reply, PhoneError> {
    let (status, bytes) = send_raw(request).await?;
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).map_err(|_| PhoneError::Protocol(status))?
    };
    Ok(Reply { status, body })
}

async fn send_raw(request: reqwest::RequestBuilder) -> Result<(u16, Vec<u8>), PhoneError> {
    let response = request
        .send()
        .await
        .map_err(|e| PhoneError::Http(e.without_url().to_string()))?;
    let status = response.status().as_u16();
    let bytes = response
        .bytes()
        .await
        .map_err(|e| PhoneError::Http(e.to_string()))?;
    Ok((status, bytes.to_vec()))
}

/// The current Unix time in seconds.
pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}
