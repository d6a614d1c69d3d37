//! What crosses between the core and its shell: a [`Request`] to send and
//! the [`Answer`] the server gave, plus the readers of answer fields.

use mca_crypto::seal::Sealed;
use mca_crypto::sm2::SecretKey;
use mca_crypto::twoparty::transport::{self, SealedMessage};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::CoreError;

/// App API prefix.
pub const APP: &str = "/api/app/v1";

/// The HTTP methods the app API uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Method {
    /// GET.
    Get,
    /// POST.
    Post,
    /// PUT.
    Put,
    /// DELETE.
    Delete,
}

impl Method {
    /// The method as sent (and as signed in the device payload).
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
        }
    }
}

/// A request for the shell to send, signed by the device (see
/// [`crate::device_request`]). `path` includes the query and is relative to
/// the server's base URL.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Request {
    /// The method.
    pub method: Method,
    /// Path and query, e.g. `/api/app/v1/me/keys/…/signatures`.
    pub path: String,
    /// The JSON body, if any.
    pub body: Option<Value>,
}

impl Request {
    pub(crate) fn post(path: String, body: Option<Value>) -> Self {
        Request {
            method: Method::Post,
            path,
            body,
        }
    }

    pub(crate) fn get(path: String) -> Self {
        Request {
            method: Method::Get,
            path,
            body: None,
        }
    }

    /// The exact body bytes to send and to hash into the device signature
    /// (empty when there is no body).
    pub fn body_bytes(&self) -> Vec<u8> {
        match &self.body {
            // Serializing a Value cannot fail.
            Some(v) => serde_json::to_vec(v).unwrap_or_default(),
            None => Vec::new(),
        }
    }
}

/// The server's answer: status and JSON body (`null` when empty).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Answer {
    /// HTTP status.
    pub status: u16,
    /// JSON body, `Value::Null` for an empty body.
    pub body: Value,
}

impl Answer {
    /// A 200 answer with `body` (tests, and shells that got JSON).
    pub fn ok(body: Value) -> Self {
        Answer { status: 200, body }
    }

    /// Whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The body on success, the server's problem as [`CoreError::Refused`]
    /// otherwise.
    pub fn into_result(self) -> Result<Value, CoreError> {
        if self.is_success() {
            Ok(self.body)
        } else {
            Err(CoreError::from_problem(self.status, &self.body))
        }
    }
}

pub(crate) fn field<T: DeserializeOwned>(v: &Value, name: &str) -> Result<T, CoreError> {
    serde_json::from_value(v.get(name).cloned().unwrap_or(Value::Null))
        .map_err(|_| CoreError::protocol(name))
}

pub(crate) fn text(v: &Value, name: &str) -> Result<String, CoreError> {
    field(v, name)
}

pub(crate) fn text_opt(v: &Value, name: &str) -> Option<String> {
    v.get(name).and_then(Value::as_str).map(str::to_owned)
}

pub(crate) fn hex_opt(v: &Value, name: &str) -> Result<Option<Vec<u8>>, CoreError> {
    match v.get(name).and_then(Value::as_str) {
        Some(h) => hex::decode(h)
            .map(Some)
            .map_err(|_| CoreError::protocol(name)),
        None => Ok(None),
    }
}

/// Opens the sealed field `name` of an answer with the request's reply key.
pub(crate) fn open<M: SealedMessage>(
    key: &SecretKey,
    context: &str,
    v: &Value,
    name: &str,
) -> Result<M, CoreError> {
    let sealed: Sealed = field(v, name)?;
    transport::open(key, context, &sealed).map_err(|_| CoreError::protocol(name))
}
