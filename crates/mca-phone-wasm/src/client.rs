//! The app API client: one origin, the login session, and the device
//! signature on every request after login (docs/protocol.md "device
//! requests"): `Authorization: Bearer`, `x-mca-device`, `x-mca-timestamp`,
//! `x-mca-nonce` and `x-mca-signature` = base64 of the WebCrypto ECDSA
//! P-256 signature (raw r‖s) over the request payload.

use std::cell::RefCell;

use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::browser;
use crate::error::PhoneError;

/// App API prefix.
pub const APP: &str = "/api/app/v1";
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

/// An answer of the server: status and JSON body (`null` when empty).
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// JSON body.
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
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Reply, PhoneError> {
        let bytes = encode(body);
        let mut headers = Vec::new();
        if bytes.is_some() {
            headers.push(("content-type", "application/json".to_owned()));
        }
        let url = format!("{}{path}", self.base);
        let answer = browser::http(method, &url, &headers, bytes.as_deref()).await?;
        parse(answer)
    }

    /// A device-signed request, JSON in and out.
    pub async fn signed(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Reply, PhoneError> {
        let answer = self.signed_raw(method, path, encode(body)).await?;
        parse(answer)
    }

    /// A device-signed GET of bytes (a PDF): the bytes on success.
    pub async fn signed_get_bytes(&self, path: &str) -> Result<Vec<u8>, PhoneError> {
        let answer = self.signed_raw("GET", path, None).await?;
        if (200..300).contains(&answer.status) {
            return Ok(answer.body);
        }
        let status = answer.status;
        let body = serde_json::from_slice(&answer.body).map_err(|_| PhoneError::protocol(status))?;
        Err(PhoneError::from_problem(status, &body))
    }

    async fn signed_raw(
        &self,
        method: &str,
        path: &str,
        body: Option<Vec<u8>>,
    ) -> Result<browser::HttpAnswer, PhoneError> {
        let session = self.session().ok_or_else(PhoneError::not_logged_in)?;
        let body = body.unwrap_or_default();
        let timestamp = browser::unix_now();
        let nonce = hex::encode(
            mca_crypto::rand::bytes::<16>().map_err(|_| PhoneError::storage())?,
        );
        let payload =
            mca_crypto::device::request_payload(method, path, timestamp, &nonce, &body);
        let signature = browser::device_sign(&payload).await?;
        let mut headers = vec![
            ("authorization", format!("Bearer {}", session.token)),
            ("x-mca-device", session.device_id.clone()),
            ("x-mca-timestamp", timestamp.to_string()),
            ("x-mca-nonce", nonce),
            (
                "x-mca-signature",
                base64::engine::general_purpose::STANDARD.encode(signature),
            ),
        ];
        if !body.is_empty() {
            headers.push(("content-type", "application/json".to_owned()));
        }
        let url = format!("{}{path}", self.base);
        let body = (!body.is_empty()).then_some(body);
        browser::http(method, &url, &headers, body.as_deref()).await
    }
}

fn encode(body: Option<&Value>) -> Option<Vec<u8>> {
    // Serializing a `Value` cannot fail.
    body.map(|b| serde_json::to_vec(b).unwrap_or_default())
}

fn parse(answer: browser::HttpAnswer) -> Result<Reply, PhoneError> {
    let status = answer.status;
    let body = if answer.body.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&answer.body).map_err(|_| PhoneError::protocol(status))?
    };
    Ok(Reply { status, body })
}
