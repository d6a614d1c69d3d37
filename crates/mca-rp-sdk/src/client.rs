//! The HTTP client of the relying-party API (`/api/rp/v1`, contract A).
//!
//! Every request carries:
//!
//! | header | value |
//! |---|---|
//! | [`HEADER_KEY`] | the key id from the registration |
//! | [`HEADER_TIMESTAMP`] | unix seconds; the server accepts ±300 s |
//! | [`HEADER_NONCE`] | 32 random hex digits, never reused (the server records each) |
//! | [`HEADER_SIGNATURE`] | hex of `mca_crypto::rp::request_mac(secret, METHOD, path?query, timestamp, nonce, body)` |
//!
//! The MAC covers the path and query exactly as sent and the body bytes,
//! so a captured request can neither be replayed nor altered. Refusals
//! come back as RFC 9457 problem documents and become
//! [`Error::Refused`].

use core::fmt;
use std::time::Duration;

use reqwest::{Method, Url};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::report::{SealQuery, SignatureQuery, SignedDataQuery, VerificationReport};
use crate::secret::{ApiSecret, QrSecret};
use crate::sessions::{
    AuthPurpose, CreateBody, Created, CreatedWire, Envelope, ExpectedHolder, OpeningWindow,
    SessionRequest, SessionState, SessionView, SignItem,
};
use crate::time::unix_now;
use crate::trust::TrustAnchors;
use crate::verify::Verifier;
use crate::{Error, Result};

/// Header naming the key id.
pub const HEADER_KEY: &str = "x-mca-rp-key";
/// Header carrying the unix seconds the request was signed at.
pub const HEADER_TIMESTAMP: &str = "x-mca-rp-timestamp";
/// Header carrying the single-use nonce (16–64 of `[A-Za-z0-9_-]`).
pub const HEADER_NONCE: &str = "x-mca-rp-nonce";
/// Header carrying the hex HMAC-SM3 of the request.
pub const HEADER_SIGNATURE: &str = "x-mca-rp-signature";
/// Header making session creation idempotent.
pub const HEADER_IDEMPOTENCY_KEY: &str = "idempotency-key";
/// Where the API lives under the server's base URL.
pub const API_PREFIX: &str = "/api/rp/v1";
/// Longest long poll the server honours.
pub const MAX_WAIT_SECS: u32 = 60;

/// Time allowed for an ordinary call.
const CALL_TIMEOUT: Duration = Duration::from_secs(30);
/// Time a long poll may take beyond its `wait`.
const POLL_MARGIN: Duration = Duration::from_secs(20);

/// What a relying party was given at registration (`mca rp add`).
pub struct Config {
    /// The Mobile CA server, e.g. `https://ca.example.cn` (no `/api/...`).
    pub base_url: String,
    /// The relying party's id (a UUID): the phone's signatures name it, so
    /// [`Verifier`] needs it to recompute what was signed.
    pub rp_id: String,
    /// The key id.
    pub key_id: String,
    /// The API secret.
    pub secret: ApiSecret,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("base_url", &self.base_url)
            .field("rp_id", &self.rp_id)
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}

/// A client of one Mobile CA server for one relying party. Cheap to clone
/// (the connection pool is shared).
#[derive(Clone)]
pub struct Client {
    base: String,
    rp_id: String,
    key_id: String,
    secret: ApiSecret,
    http: reqwest::Client,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base", &self.base)
            .field("rp_id", &self.rp_id)
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}

/// The four authentication headers of one request, in order: key id,
/// timestamp, nonce, signature. Exposed for platforms that send requests
/// with their own HTTP stack.
pub fn auth_headers(
    key_id: &str,
    secret: &ApiSecret,
    method: &str,
    path_and_query: &str,
    timestamp: i64,
    nonce: &str,
    body: &[u8],
) -> [(&'static str, String); 4] {
    let mac = mca_crypto::rp::request_mac(
        secret.expose(),
        method,
        path_and_query,
        timestamp,
        nonce,
        body,
    );
    [
        (HEADER_KEY, key_id.to_owned()),
        (HEADER_TIMESTAMP, timestamp.to_string()),
        (HEADER_NONCE, nonce.to_owned()),
        (HEADER_SIGNATURE, hex::encode(mac)),
    ]
}

/// A fresh nonce: 32 hex digits from the CSPRNG.
pub fn new_nonce() -> Result<String> {
    mca_crypto::rand::bytes::<16>()
        .map(hex::encode)
        .map_err(|_| Error::Crypto("random source"))
}

/// The path and query of `url` exactly as it goes on the wire.
fn path_and_query(url: &Url) -> String {
    match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_owned(),
    }
}

/// Session ids are UUIDs; anything outside `[A-Za-z0-9_-]` would change
/// the path, so it is refused before it is sent.
fn check_session_id(id: &str) -> Result<&str> {
    let ok = (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_');
    if ok {
        Ok(id)
    } else {
        Err(Error::InvalidInput("session id"))
    }
}

/// 1–64 printable ASCII characters, as the server accepts.
fn check_idempotency_key(key: Option<&str>) -> Result<Option<&str>> {
    match key {
        Some(k) if !(1..=64).contains(&k.len()) || !k.bytes().all(|c| c.is_ascii_graphic()) => Err(
            Error::InvalidInput("Idempotency-Key (1–64 printable ASCII)"),
        ),
        other => Ok(other),
    }
}

/// The fields of an RFC 9457 problem this SDK reads.
#[derive(serde::Deserialize)]
struct Problem {
    #[serde(default)]
    code: Option<String>,
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    detail: Option<String>,
}

/// A failure status with its body → [`Error::Refused`] (or
/// [`Error::Protocol`] when the body is no problem document).
fn refusal(status: u16, body: &[u8]) -> Error {
    match serde_json::from_slice::<Problem>(body) {
        Ok(p) => {
            let code = p
                .code
                .or_else(|| {
                    p.kind
                        .as_deref()
                        .and_then(|t| t.strip_prefix("urn:mca:problem:"))
                        .map(str::to_owned)
                })
                .unwrap_or_else(|| "unknown".to_owned());
            Error::Refused {
                status,
                code,
                title: p.title.unwrap_or_default(),
                detail: p.detail,
            }
        }
        Err(_) => Error::Protocol(format!("HTTP {status} without a problem document")),
    }
}

fn decode<T: DeserializeOwned>(status: u16, body: &[u8]) -> Result<T> {
    serde_json::from_slice(body)
        .map_err(|e| Error::Protocol(format!("HTTP {status} answer does not parse: {e}")))
}

impl Client {
    /// A client for the relying party described by `config`.
    pub fn new(config: Config) -> Result<Self> {
        let base = config.base_url.trim_end_matches('/').to_owned();
        Url::parse(&base).map_err(|_| Error::InvalidInput("base URL"))?;
        if config.key_id.is_empty() || config.rp_id.is_empty() {
            return Err(Error::InvalidInput("key id or relying-party id"));
        }
        let http = reqwest::Client::builder()
            .timeout(CALL_TIMEOUT)
            .build()
            .map_err(|e| Error::Http(e.to_string()))?;
        Ok(Client {
            base,
            rp_id: config.rp_id,
            key_id: config.key_id,
            secret: config.secret,
            http,
        })
    }

    /// The relying party's id.
    pub fn rp_id(&self) -> &str {
        &self.rp_id
    }

    /// A [`Verifier`] of this relying party's results against `anchors`.
    pub fn verifier(&self, anchors: TrustAnchors) -> Verifier {
        Verifier::new(&self.rp_id, anchors)
    }

    /// Creates a session (`POST /sessions`). `end_user_ip` is the
    /// browser's address (the phone shows its city); `idempotency_key`
    /// makes a retry return the same session (and the same QR secret).
    pub async fn create(
        &self,
        request: &SessionRequest,
        end_user_ip: Option<&str>,
        idempotency_key: Option<&str>,
    ) -> Result<Created> {
        let idempotency_key = check_idempotency_key(idempotency_key)?;
        let body = CreateBody {
            request,
            end_user_ip,
        };
        let (status, bytes) = self
            .call(
                Method::POST,
                "/sessions",
                Some(&body),
                idempotency_key,
                CALL_TIMEOUT,
            )
            .await?;
        let received_at = unix_now();
        let wire: CreatedWire = decode(status, &bytes)?;
        let qr_secret = QrSecret::from_hex(&wire.qr_secret)
            .map_err(|_| Error::Protocol("qr_secret is not 32 bytes of hex".into()))?;
        let created = Created {
            session_id: check_session_id(&wire.session_id)
                .map_err(|_| Error::Protocol("session_id".into()))?
                .to_owned(),
            public_token: wire.public_token,
            qr_secret,
            state: wire.state,
            claim_deadline: wire.claim_deadline,
            expires_at: wire.expires_at,
            received_at,
            replayed: status == 200,
        };
        // A token the frames cannot carry would fail every scan; say so now.
        created
            .frames()
            .map_err(|_| Error::Protocol("public_token".into()))?;
        Ok(created)
    }

    /// An auth session (scan-login or scan-bind) over `challenge`
    /// ([`crate::random_challenge`]; keep it for [`Verifier::verify_auth`]).
    pub async fn create_auth(
        &self,
        purpose: AuthPurpose,
        challenge: &[u8],
        end_user_ip: Option<&str>,
        idempotency_key: Option<&str>,
    ) -> Result<Created> {
        let request = SessionRequest::Auth {
            purpose,
            challenge: challenge.to_vec(),
            expected_holder: None,
        };
        self.create(&request, end_user_ip, idempotency_key).await
    }

    /// A scan-bind (J1) of the platform account held by `holder`: another
    /// person's certificate ends the session `holder_mismatch`.
    pub async fn create_bind(
        &self,
        challenge: &[u8],
        holder: ExpectedHolder,
        idempotency_key: Option<&str>,
    ) -> Result<Created> {
        let request = SessionRequest::Auth {
            purpose: AuthPurpose::Bind,
            challenge: challenge.to_vec(),
            expected_holder: Some(holder),
        };
        self.create(&request, None, idempotency_key).await
    }

    /// A sign session over 1–20 items.
    pub async fn create_sign(
        &self,
        items: Vec<SignItem>,
        idempotency_key: Option<&str>,
    ) -> Result<Created> {
        self.create(&SessionRequest::Sign { items }, None, idempotency_key)
            .await
    }

    /// A cert session: the encryption certificate with a signature over
    /// `challenge`.
    pub async fn create_cert(
        &self,
        challenge: &[u8],
        idempotency_key: Option<&str>,
    ) -> Result<Created> {
        let request = SessionRequest::Cert {
            challenge: challenge.to_vec(),
            expected_holder: None,
        };
        self.create(&request, None, idempotency_key).await
    }

    /// A decrypt session: each envelope's content key re-encrypted to
    /// `rp_public_key` (SEC1 of an ephemeral key), only inside `window`.
    pub async fn create_decrypt(
        &self,
        envelopes: Vec<Envelope>,
        rp_public_key: &mca_crypto::sm2::Point,
        window: OpeningWindow,
        idempotency_key: Option<&str>,
    ) -> Result<Created> {
        let request = SessionRequest::Decrypt {
            envelopes,
            rp_public_key: rp_public_key.to_sec1().to_vec(),
            not_before: window.not_before,
            not_after: window.not_after,
        };
        self.create(&request, None, idempotency_key).await
    }

    /// A confirm session over an upload receipt.
    pub async fn create_confirm(
        &self,
        file_name: &str,
        file_hash: &[u8],
        receipt_number: &str,
        idempotency_key: Option<&str>,
    ) -> Result<Created> {
        let request = SessionRequest::Confirm {
            file_name: file_name.to_owned(),
            file_hash: file_hash.to_vec(),
            receipt_number: receipt_number.to_owned(),
        };
        self.create(&request, None, idempotency_key).await
    }

    /// Reads a session (`GET /sessions/{id}`). With `last_state` and a
    /// `wait` of 1–60 seconds this is a long poll: the answer comes as
    /// soon as the state differs from `last_state` (or the session ends),
    /// else after `wait`. `wait` 0 reads at once (a plain poll: at most
    /// once a second per session). A finished session past retention is
    /// [`Error::is_gone`].
    pub async fn collect(
        &self,
        session_id: &str,
        last_state: Option<SessionState>,
        wait: u32,
    ) -> Result<SessionView> {
        let id = check_session_id(session_id)?;
        let wait = wait.min(MAX_WAIT_SECS);
        let mut path = format!("/sessions/{id}?wait={wait}");
        if let Some(state) = last_state {
            path.push_str("&state=");
            path.push_str(state.as_str());
        }
        let timeout = Duration::from_secs(u64::from(wait)) + POLL_MARGIN;
        let (status, bytes) = self
            .call::<()>(Method::GET, &path, None, None, timeout)
            .await?;
        decode(status, &bytes)
    }

    /// Cancels a session (`POST /sessions/{id}/cancel`); a finished
    /// session is returned unchanged.
    pub async fn cancel(&self, session_id: &str) -> Result<SessionView> {
        let path = format!("/sessions/{}/cancel", check_session_id(session_id)?);
        let (status, bytes) = self
            .call::<()>(Method::POST, &path, None, None, CALL_TIMEOUT)
            .await?;
        decode(status, &bytes)
    }

    /// Asks the server to verify an SM2 signature (DER) over `data` under
    /// `certificate` (DER): signature, chain to Mobile CA's CAs, status,
    /// validity.
    pub async fn verify_signature(
        &self,
        certificate: &[u8],
        data: &[u8],
        signature: &[u8],
    ) -> Result<VerificationReport> {
        let query = SignatureQuery {
            certificate,
            data,
            signature,
        };
        self.verification("/verify/signature", &query).await
    }

    /// Asks the server to verify a GM/T 0010 SignedData (`content` for a
    /// detached one).
    pub async fn verify_signed_data(
        &self,
        signed_data: &[u8],
        content: Option<&[u8]>,
    ) -> Result<VerificationReport> {
        let query = SignedDataQuery {
            signed_data,
            content: content.map(hex::encode),
        };
        self.verification("/verify/signed-data", &query).await
    }

    /// Asks the server to verify a GB/T 38540 `SES_Signature`, optionally
    /// against the document's SM3 digest.
    pub async fn verify_seal(
        &self,
        seal: &[u8],
        document_sm3: Option<&[u8; 32]>,
    ) -> Result<VerificationReport> {
        let query = SealQuery {
            seal,
            document_sm3: document_sm3.map(hex::encode),
        };
        self.verification("/verify/seal", &query).await
    }

    async fn verification<B: Serialize>(
        &self,
        path: &str,
        query: &B,
    ) -> Result<VerificationReport> {
        let (status, bytes) = self
            .call(Method::POST, path, Some(query), None, CALL_TIMEOUT)
            .await?;
        decode(status, &bytes)
    }

    /// Sends one signed request; a 2xx answer's status and body, or the
    /// refusal.
    async fn call<B: Serialize>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
        idempotency_key: Option<&str>,
        timeout: Duration,
    ) -> Result<(u16, Vec<u8>)> {
        let url = Url::parse(&format!("{}{API_PREFIX}{path}", self.base))
            .map_err(|_| Error::InvalidInput("request URL"))?;
        let bytes = match body {
            Some(b) => serde_json::to_vec(b).map_err(|e| Error::Protocol(e.to_string()))?,
            None => Vec::new(),
        };
        let headers = auth_headers(
            &self.key_id,
            &self.secret,
            method.as_str(),
            &path_and_query(&url),
            unix_now(),
            &new_nonce()?,
            &bytes,
        );
        let mut request = self
            .http
            .request(method, url)
            .timeout(timeout)
            .header("accept", "application/json");
        for (name, value) in headers {
            request = request.header(name, value);
        }
        if let Some(key) = idempotency_key {
            request = request.header(HEADER_IDEMPOTENCY_KEY, key);
        }
        if body.is_some() {
            request = request
                .header("content-type", "application/json")
                .body(bytes);
        }
        let response = request
            .send()
            .await
            .map_err(|e| Error::Http(e.without_url().to_string()))?;
        let status = response.status().as_u16();
        let bytes = response
            .bytes()
            .await
            .map_err(|e| Error::Http(e.without_url().to_string()))?;
        if (200..300).contains(&status) {
            Ok((status, bytes.to_vec()))
        } else {
            Err(refusal(status, &bytes))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &[u8; 32] = b"0123456789abcdef0123456789abcdef";

    #[test]
    fn auth_headers_carry_the_request_mac() {
        let secret = ApiSecret::from_bytes(*KEY);
        let headers = auth_headers(
            "key-1",
            &secret,
            "post",
            "/api/rp/v1/sessions?x=1",
            1_795_478_400,
            "n-1",
            b"{}",
        );
        let names: Vec<&str> = headers.iter().map(|h| h.0).collect();
        assert_eq!(
            names,
            [
                "x-mca-rp-key",
                "x-mca-rp-timestamp",
                "x-mca-rp-nonce",
                "x-mca-rp-signature"
            ]
        );
        assert_eq!(headers[0].1, "key-1");
        assert_eq!(headers[1].1, "1795478400");
        assert_eq!(headers[2].1, "n-1");
        // The known answer pinned in mca_crypto::rp (checked with OpenSSL).
        assert_eq!(
            headers[3].1,
            "24598e6ec434177a95097f9db598fba7e1a1d4d6606ba6a5b08b6b647b4d7e28"
        );
        let mac = hex::decode(&headers[3].1).unwrap();
        assert!(mca_crypto::rp::verify_request_mac(
            KEY,
            "POST",
            "/api/rp/v1/sessions?x=1",
            1_795_478_400,
            "n-1",
            b"{}",
            &mac
        ));
        // Another body, path or nonce gives another signature.
        for (path, nonce, body) in [
            ("/api/rp/v1/sessions?x=2", "n-1", &b"{}"[..]),
            ("/api/rp/v1/sessions?x=1", "n-2", b"{}"),
            ("/api/rp/v1/sessions?x=1", "n-1", b"{ }"),
        ] {
            let other = auth_headers("key-1", &secret, "POST", path, 1_795_478_400, nonce, body);
            assert_ne!(other[3].1, headers[3].1, "{path} {nonce}");
        }
    }

    #[test]
    fn nonces_are_fresh_and_within_the_servers_rules() {
        let (a, b) = (new_nonce().unwrap(), new_nonce().unwrap());
        assert_ne!(a, b);
        assert_eq!(a.len(), 32);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
    }

    #[test]
    fn the_signed_path_is_the_one_sent() {
        let url = Url::parse("https://ca.example.cn/api/rp/v1/sessions/abc?wait=25&state=created")
            .unwrap();
        assert_eq!(
            path_and_query(&url),
            "/api/rp/v1/sessions/abc?wait=25&state=created"
        );
        let url = Url::parse("https://ca.example.cn/api/rp/v1/sessions").unwrap();
        assert_eq!(path_and_query(&url), "/api/rp/v1/sessions");
    }

    #[test]
    fn arguments_that_would_change_the_request_are_refused() {
        for bad in ["", "../operator", "a/b", "a?b", "x".repeat(65).as_str()] {
            assert_eq!(
                check_session_id(bad),
                Err(Error::InvalidInput("session id")),
                "{bad}"
            );
        }
        assert!(check_session_id("0194e1a2-7b3c-7def-8abc-0123456789ab").is_ok());
        assert!(check_idempotency_key(Some("")).is_err());
        assert!(check_idempotency_key(Some("has space")).is_err());
        assert!(check_idempotency_key(Some(&"k".repeat(65))).is_err());
        assert_eq!(
            check_idempotency_key(Some("order-42")),
            Ok(Some("order-42"))
        );
        assert_eq!(check_idempotency_key(None), Ok(None));
    }

    #[test]
    fn problems_become_typed_refusals() {
        let body = r#"{"type":"urn:mca:problem:session_gone","title":"会话已结束","status":410,"code":"session_gone"}"#;
        let e = refusal(410, body.as_bytes());
        assert!(e.is_gone());
        assert_eq!(e.code(), Some("session_gone"));
        assert_eq!(
            e,
            Error::Refused {
                status: 410,
                code: "session_gone".into(),
                title: "会话已结束".into(),
                detail: None
            }
        );
        // No `code` member: taken from the type URN.
        let e = refusal(
            401,
            br#"{"type":"urn:mca:problem:replay","title":"x","detail":"d"}"#,
        );
        assert_eq!(e.code(), Some("replay"));
        assert!(matches!(
            refusal(502, b"<html>bad gateway</html>"),
            Error::Protocol(_)
        ));
    }

    #[test]
    fn clients_never_print_their_secret() {
        let config = Config {
            base_url: "https://ca.example.cn/".into(),
            rp_id: "rp-1".into(),
            key_id: "key-1".into(),
            secret: ApiSecret::from_bytes([0xAB; 32]),
        };
        assert!(!format!("{config:?}").contains("abab"));
        let client = Client::new(config).unwrap();
        let printed = format!("{client:?}");
        assert!(
            printed.contains("key-1") && !printed.contains("abab") && !printed.contains("171"),
            "{printed}"
        );
        let bad = Config {
            base_url: "not a url".into(),
            rp_id: "rp-1".into(),
            key_id: "key-1".into(),
            secret: ApiSecret::from_bytes([0; 32]),
        };
        assert!(Client::new(bad).is_err());
    }
}
