//! The device signature on every app request after login (PROTOCOL.md §3):
//! the shell asks for a [`DeviceRequest`], signs [`DeviceRequest::payload`]
//! with the device key (ECDSA P-256; the browser's WebCrypto raw r‖s form
//! is accepted by the server as well as DER) and attaches
//! [`DeviceRequest::headers`].
//!
//! | header | value |
//! |---|---|
//! | `authorization` | `Bearer <token>` from the login |
//! | [`HEADER_DEVICE`] | the device id from the login |
//! | [`HEADER_TIMESTAMP`] | unix seconds; the server accepts ±300 s |
//! | [`HEADER_NONCE`] | 32 random hex digits, never reused |
//! | [`HEADER_SIGNATURE`] | base64 of the signature over the payload |

use base64::Engine;

use crate::CoreError;
use crate::wire::Method;

/// Header carrying the device id.
pub const HEADER_DEVICE: &str = "x-mca-device";
/// Header carrying the request time, unix seconds.
pub const HEADER_TIMESTAMP: &str = "x-mca-timestamp";
/// Header carrying the single-use request nonce.
pub const HEADER_NONCE: &str = "x-mca-nonce";
/// Header carrying the device signature (base64).
pub const HEADER_SIGNATURE: &str = "x-mca-signature";

/// One request to be signed by the device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceRequest {
    method: Method,
    path: String,
    timestamp: i64,
    nonce: String,
    payload: Vec<u8>,
}

impl DeviceRequest {
    /// A request of `method` to `path` (with its query, exactly as sent)
    /// with `body` (the exact bytes sent, empty for none), stamped `now`
    /// (unix seconds, the shell's clock) with a fresh nonce.
    pub fn new(method: Method, path: &str, body: &[u8], now: i64) -> Result<Self, CoreError> {
        let nonce = hex::encode(mca_crypto::rand::bytes::<16>()?);
        Ok(Self::with_nonce(method, path, body, now, nonce))
    }

    /// The same with a given nonce (a test replaying one).
    pub fn with_nonce(method: Method, path: &str, body: &[u8], now: i64, nonce: String) -> Self {
        let payload = mca_crypto::device::request_payload(method.as_str(), path, now, &nonce, body);
        DeviceRequest {
            method,
            path: path.to_owned(),
            timestamp: now,
            nonce,
            payload,
        }
    }

    /// The bytes the device key signs.
    pub fn payload(&self) -> &[u8] {
        &self.payload
    }

    /// The headers to attach, given the session's device id and token and
    /// the device's signature over [`DeviceRequest::payload`].
    pub fn headers(
        &self,
        device_id: &str,
        token: &str,
        signature: &[u8],
    ) -> Vec<(&'static str, String)> {
        vec![
            ("authorization", format!("Bearer {token}")),
            (HEADER_DEVICE, device_id.to_owned()),
            (HEADER_TIMESTAMP, self.timestamp.to_string()),
            (HEADER_NONCE, self.nonce.clone()),
            (
                HEADER_SIGNATURE,
                base64::engine::general_purpose::STANDARD.encode(signature),
            ),
        ]
    }

    /// The method.
    pub fn method(&self) -> Method {
        self.method
    }

    /// The path and query.
    pub fn path(&self) -> &str {
        &self.path
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mca_crypto::device::DeviceKey;

    #[test]
    fn the_signature_binds_method_path_time_nonce_and_body() {
        let key = DeviceKey::generate().unwrap();
        let r = DeviceRequest::new(
            Method::Post,
            "/api/app/v1/me/keys?x=1",
            b"{}",
            1_700_000_000,
        )
        .unwrap();
        let headers = r.headers("dev-1", "tok", &key.sign(r.payload()));
        let get = |n: &str| headers.iter().find(|(k, _)| *k == n).unwrap().1.clone();
        assert_eq!(get("authorization"), "Bearer tok");
        assert_eq!(get(HEADER_DEVICE), "dev-1");
        assert_eq!(get(HEADER_TIMESTAMP), "1700000000");
        let nonce = get(HEADER_NONCE);
        assert_eq!(nonce.len(), 32);
        let sig = base64::engine::general_purpose::STANDARD
            .decode(get(HEADER_SIGNATURE))
            .unwrap();
        // What the server recomputes from the request it got.
        let expected = mca_crypto::device::request_payload(
            "POST",
            "/api/app/v1/me/keys?x=1",
            1_700_000_000,
            &nonce,
            b"{}",
        );
        key.public_key().verify(&expected, &sig).unwrap();
        let other_body = mca_crypto::device::request_payload(
            "POST",
            "/api/app/v1/me/keys?x=1",
            1_700_000_000,
            &nonce,
            b"{\"a\":1}",
        );
        assert!(key.public_key().verify(&other_body, &sig).is_err());
        // Nonces are fresh each time.
        let again = DeviceRequest::new(Method::Post, "/a", b"", 1).unwrap();
        assert_ne!(again.headers("d", "t", b"")[3].1, nonce);
    }
}
