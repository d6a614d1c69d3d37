//! The app API client: one origin, the login session, and the device
//! signature on every request after login (docs/protocol.md "device
//! requests"): `Authorization: Bearer`, `x-mca-device`, `x-mca-timestamp`,
//! `x-mca-nonce` and `x-mca-signature` = base64 of the WebCrypto ECDSA
//! P-256 signature (raw r‖s) over the request payload.

use std::cell::RefCell;

use mca_phone_core::{Answer, DeviceRequest, Method, Request};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::browser;
use crate::error::PhoneError;

pub use mca_phone_core::APP;
/// IndexedDB record of the session.
const SESSION: &str = "session";

/// A login session. The token stays in Rust and IndexedDB; the JS API
/// never returns it.
#[derive(Clone, Serialize, Deserialize)]
pub struct Session {
    /// The origin this session belongs to.
    pub server: String,
    /// The account's phone number.
    pub phone: String,
    /// The account id.
    pub user_id: String,
    /// This device's id.
    pub device_id: String,
    /// The bearer token.
    pub token: String,
}

/// The client of one origin.
pub struct Client {
    base: String,
    session: RefCell<Option<Session>>,
}

impl Client {
    /// Opens the client of `base`, with the stored session if it belongs
    /// to that origin.
    pub async fn open(base: &str) -> Result<Self, PhoneError> {
        let base = base.trim_end_matches('/').to_owned();
        let session = browser::load::<Session>(SESSION)
            .await?
            .filter(|s| s.server == base);
        Ok(Client {
            base,
            session: RefCell::new(session),
        })
    }

    /// The origin.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// A copy of the current session.
    pub fn session(&self) -> Option<Session> {
        self.session.borrow().clone()
    }

    /// Stores and uses `session` (after a login or a number change).
    pub async fn set_session(&self, session: Session) -> Result<(), PhoneError> {
        browser::save(SESSION, &session).await?;
        *self.session.borrow_mut() = Some(session);
        Ok(())
    }

    /// Forgets the session here and in IndexedDB.
    pub async fn clear_session(&self) -> Result<(), PhoneError> {
        *self.session.borrow_mut() = None;
        browser::remove(SESSION).await
    }

    /// An unauthenticated request (codes, login, password reset, catalogue).
    pub async fn public(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Answer, PhoneError> {
        let bytes = encode(body);
        let mut headers = Vec::new();
        if bytes.is_some() {
            headers.push(("content-type", "application/json".to_owned()));
        }
        let url = format!("{}{path}", self.base);
        let answer = browser::http(method.as_str(), &url, &headers, bytes.as_deref()).await?;
        parse(answer)
    }

    /// A device-signed request, JSON in and out.
    pub async fn signed(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Answer, PhoneError> {
        let answer = self.signed_raw(method, path, encode(body)).await?;
        parse(answer)
    }

    /// A device-signed GET of bytes (a PDF): the bytes on success.
    pub async fn signed_get_bytes(&self, path: &str) -> Result<Vec<u8>, PhoneError> {
        self.signed_bytes(Method::Get, path, None).await
    }

    /// A device-signed request answered with bytes (a PDF), JSON in: the
    /// bytes on success.
    pub async fn signed_bytes(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Vec<u8>, PhoneError> {
        let answer = self.signed_raw(method, path, encode(body)).await?;
        if (200..300).contains(&answer.status) {
            return Ok(answer.body);
        }
        let status = answer.status;
        let body =
            serde_json::from_slice(&answer.body).map_err(|_| PhoneError::protocol(status))?;
        Err(PhoneError::from_problem(status, &body))
    }

    /// Sends one of the core's requests, device-signed: its answer, problems
    /// included (the machine reads them).
    pub async fn send(&self, request: &Request) -> Result<Answer, PhoneError> {
        let answer = self
            .signed_raw(request.method, &request.path, Some(request.body_bytes()))
            .await?;
        parse(answer)
    }

    async fn signed_raw(
        &self,
        method: Method,
        path: &str,
        body: Option<Vec<u8>>,
    ) -> Result<browser::HttpAnswer, PhoneError> {
        let session = self.session().ok_or_else(PhoneError::not_logged_in)?;
        let body = body.unwrap_or_default();
        let signed = DeviceRequest::new(method, path, &body, browser::unix_now())?;
        let signature = browser::device_sign(signed.payload()).await?;
        let mut headers = signed.headers(&session.device_id, &session.token, &signature);
        if !body.is_empty() {
            headers.push(("content-type", "application/json".to_owned()));
        }
        let url = format!("{}{path}", self.base);
        let body = (!body.is_empty()).then_some(body);
        browser::http(method.as_str(), &url, &headers, body.as_deref()).await
    }
}

fn encode(body: Option<&Value>) -> Option<Vec<u8>> {
    // Serializing a `Value` cannot fail.
    body.map(|b| serde_json::to_vec(b).unwrap_or_default())
}

fn parse(answer: browser::HttpAnswer) -> Result<Answer, PhoneError> {
    let status = answer.status;
    let body = if answer.body.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&answer.body).map_err(|_| PhoneError::protocol(status))?
    };
    Ok(Answer { status, body })
}
