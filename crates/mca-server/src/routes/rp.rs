//! The relying-party API (`/api/rp/v1/…`, RP-API.md): QR sessions —
//! create (idempotent), long-poll collect, cancel — and M7 verification of
//! signatures, SignedData and seals. Every request is authenticated by
//! [`RpSigned`] (key id + HMAC-SM3 over the exact request).
//!
//! Times in bodies are RFC 3339 text (answers in UTC, `…Z`); binary
//! values are lower-case hex. Request bodies refuse unknown fields, as the
//! app API does: a misspelt security field must not be silently ignored. Documented in its own OpenAPI document
//! (`/api/rp/openapi.json`), apart from the app API.

use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use mca_domain::certificates::VerificationReport;
use mca_domain::certificates::verification::{CertStatus, Failure};
use mca_domain::relying_parties::{
    CreatedSession, NewSession, RpSession, SessionContent, SignItemKind,
};
use mca_domain::store::RpSessionState;
use mca_domain::{DomainError, RpSessionId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::views::path_id;
use crate::error::{ApiError, Problem};
use crate::extract::{AppPath, RpSigned};
use crate::state::AppState;
use crate::webhooks;

/// Longest long poll, in seconds.
pub const MAX_WAIT_SECS: u64 = 60;
/// How often a long poll looks at the store.
const POLL_EVERY: Duration = Duration::from_millis(250);

/// `POST /sessions`: the session content (tagged by `operation`, see
/// `SessionContent`) and where the request comes from. Unknown fields are
/// refused (400 `malformed_body` naming the field).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(try_from = "serde_json::Map<String, serde_json::Value>")]
pub struct CreateSessionRequest {
    /// `{"operation":"auth","purpose":"login"|"bind","challenge":hex,"expected_holder"?:{"name","credit_code"?}}`,
    /// `{"operation":"sign","items":[{"label","kind","data":hex}]}`,
    /// `{"operation":"cert","challenge":hex,"expected_holder"?:{"name","credit_code"?}}`,
    /// `{"operation":"decrypt","envelopes":[{"label","kind","data":hex}],"rp_public_key":hex,"not_before":rfc3339,"not_after":rfc3339}`
    /// (the declared opening window: required, start before end, at most
    /// 24 hours, not over yet),
    /// `{"operation":"confirm","file_name","file_hash":hex,"receipt_number"}`.
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub content: SessionContent,
    /// The end user's browser address (its city is shown on the phone).
    pub end_user_ip: Option<String>,
    /// One of the callback URLs registered for the relying party: state
    /// changes are pushed there (a hint; the poll is the truth).
    pub callback_url: Option<String>,
}

impl TryFrom<serde_json::Map<String, serde_json::Value>> for CreateSessionRequest {
    type Error = String;

    /// The two fields beside the content are taken out, the rest must be
    /// exactly one `SessionContent` (which refuses unknown fields; a
    /// flattened struct could not).
    fn try_from(mut body: serde_json::Map<String, serde_json::Value>) -> Result<Self, String> {
        use serde_json::Value;
        let mut text = |name: &str| match body.remove(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(format!("{name} must be a string")),
        };
        let end_user_ip = text("end_user_ip")?;
        let callback_url = text("callback_url")?;
        // Stored sessions may hold unix seconds; the API takes text only.
        for name in ["not_before", "not_after"] {
            if body.get(name).is_some_and(Value::is_number) {
                return Err(format!(
                    "{name} must be RFC 3339 text, e.g. 2026-11-24T09:30:00+08:00"
                ));
            }
        }
        let content = serde_json::from_value(Value::Object(body)).map_err(|e| e.to_string())?;
        Ok(CreateSessionRequest {
            content,
            end_user_ip,
            callback_url,
        })
    }
}

/// A new session, with the QR frame secret (only here; no `Debug`, so it
/// cannot reach a log).
#[derive(Serialize, ToSchema)]
pub struct CreatedView {
    /// The session.
    pub session_id: String,
    /// The token every QR frame carries.
    pub public_token: String,
    /// The QR frame secret (hex of 32 bytes): keep it in the back end.
    pub qr_secret: String,
    /// `created` (or where a replayed creation stands now).
    pub state: String,
    /// RFC 3339: times out unless scanned by then.
    pub claim_deadline: String,
    /// RFC 3339: times out unless finished by then.
    pub expires_at: String,
}

impl From<&CreatedSession> for CreatedView {
    fn from(c: &CreatedSession) -> Self {
        CreatedView {
            session_id: c.session.id.to_string(),
            public_token: c.public_token.clone(),
            qr_secret: hex::encode(c.qr_secret.expose()),
            state: c.session.state.as_str().to_owned(),
            claim_deadline: c.session.claim_deadline.rfc3339(),
            expires_at: c.session.expires_at.rfc3339(),
        }
    }
}

/// What the web page shows.
#[derive(Debug, Serialize, ToSchema)]
pub struct HintView {
    /// The state while unfinished, the end result after.
    pub code: String,
    /// 简体中文 text.
    pub message: String,
}

/// One result of an `ok` session.
#[derive(Debug, Serialize, ToSchema)]
pub struct ItemView {
    /// `signature`, `signed_data`, `seal` or `content_key`.
    pub kind: String,
    /// Hex DER.
    pub der: String,
}

/// The results of an `ok` session.
#[derive(Debug, Serialize, ToSchema)]
pub struct CompletionView {
    /// Hex DER certificates, the signing certificate first (a cert
    /// session adds the encryption certificate).
    pub certificates: Vec<String>,
    /// One per item, envelope, or the one signature.
    pub items: Vec<ItemView>,
}

/// A session as its relying party sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionView {
    /// The session.
    pub session_id: String,
    /// `auth`, `sign`, `cert`, `decrypt` or `confirm`.
    pub operation: String,
    /// `created`, `scanned`, `confirming` or `complete`.
    pub state: String,
    /// When complete: `ok`, `user_refused`, `not_authorized`,
    /// `certificate_revoked`, `certificate_expired`, `pin_locked`,
    /// `holder_mismatch`, `timeout`, `cancelled` or `protocol_failure`.
    pub result: Option<String>,
    /// What the page shows.
    pub hint: HintView,
    /// The results, when `ok`.
    pub completion: Option<CompletionView>,
    /// auth, cert, confirm: hex of the exact bytes the user's key signs.
    pub signed_bytes: Option<String>,
}

impl From<&RpSession> for SessionView {
    fn from(s: &RpSession) -> Self {
        use mca_domain::relying_parties::ItemResult;
        let hint = s.hint();
        SessionView {
            session_id: s.id.to_string(),
            operation: s.operation().as_str().to_owned(),
            state: s.state.as_str().to_owned(),
            result: s.result.map(|r| r.as_str().to_owned()),
            hint: HintView {
                code: hint.code.to_owned(),
                message: hint.message.to_owned(),
            },
            completion: s.completion.as_ref().map(|c| CompletionView {
                certificates: c.certificates.iter().map(hex::encode).collect(),
                items: c
                    .items
                    .iter()
                    .map(|i| {
                        let (kind, der) = match i {
                            ItemResult::Signature(d) => ("signature", d),
                            ItemResult::SignedData(d) => ("signed_data", d),
                            ItemResult::Seal(d) => ("seal", d),
                            ItemResult::ContentKey(d) => ("content_key", d),
                        };
                        ItemView {
                            kind: kind.to_owned(),
                            der: hex::encode(der),
                        }
                    })
                    .collect(),
            }),
            signed_bytes: s.signed_bytes().map(hex::encode),
        }
    }
}

/// Digest items are refused: signing an `e` the caller chose would let a
/// relying party present another's login challenge as "a document".
fn refuse_digests(content: &SessionContent) -> Result<(), ApiError> {
    if let SessionContent::Sign { items } = content
        && items.iter().any(|i| i.kind == SignItemKind::Digest)
    {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "unsupported_item",
            "不支持对摘要直接签名",
        )
        .with_detail("digest 类签名项不受支持：请改用 signed_data_detached 或 seal"));
    }
    Ok(())
}

/// Creates a session. With an `Idempotency-Key` already used for the same
/// request, answers that session again (200); for another request, 409.
#[utoipa::path(post, path = "/api/rp/v1/sessions", tag = "sessions",
    request_body = CreateSessionRequest, security(("rp" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "1–64 printable ASCII characters")),
    responses((status = 201, body = CreatedView),
        (status = 200, description = "A retry with the same Idempotency-Key", body = CreatedView),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "operation_not_allowed, relying_party_disabled", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "idempotency_key_reused", body = Problem, content_type = "application/problem+json"),
        (status = 400, description = "malformed_body: not JSON, an unknown field (named in detail), a missing field, a time that is not RFC 3339", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "invalid_input, unsupported_item, invalid_opening_window", body = Problem, content_type = "application/problem+json")))]
pub async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    req: RpSigned<CreateSessionRequest>,
) -> Result<(StatusCode, Json<CreatedView>), ApiError> {
    let CreateSessionRequest {
        content,
        end_user_ip,
        callback_url,
    } = req.body;
    refuse_digests(&content)?;
    let idempotency_key = headers
        .get("idempotency-key")
        .map(|v| v.to_str().map(str::to_owned))
        .transpose()
        .map_err(|_| DomainError::InvalidInput("idempotency_key"))?;
    if let Some(url) = &callback_url {
        let rp = state.rp.registry.get(req.caller.rp).await?;
        if !rp.callback_urls.contains(url) {
            return Err(DomainError::InvalidInput("callback_url").into());
        }
    }
    let created = state
        .rp
        .sessions
        .create(
            &req.caller,
            NewSession {
                content,
                idempotency_key,
                end_user_ip,
            },
        )
        .await?;
    if created.replayed {
        return Ok((StatusCode::OK, Json(CreatedView::from(&created))));
    }
    if let Some(url) = callback_url {
        webhooks::watch(&state, req.caller, created.session.id, url);
    }
    Ok((StatusCode::CREATED, Json(CreatedView::from(&created))))
}

/// `GET /sessions/{id}` query.
#[derive(Debug, Deserialize, ToSchema)]
pub struct PollQuery {
    /// Seconds to wait for a change (0–60; more is taken as 60).
    pub wait: Option<u64>,
    /// The state the caller last saw.
    pub state: Option<String>,
}

/// Collects a session. Answers at once when no `state` is given, when the
/// session's state differs from `state`, or when it is complete; else
/// waits up to `wait` seconds for a change and then answers it unchanged.
/// A session finished more than 5 minutes ago is gone (410).
#[utoipa::path(get, path = "/api/rp/v1/sessions/{id}", tag = "sessions",
    params(("id" = String, Path), ("wait" = Option<u64>, Query), ("state" = Option<String>, Query)),
    security(("rp" = [])),
    responses((status = 200, body = SessionView),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "session_gone", body = Problem, content_type = "application/problem+json")))]
pub async fn get(
    State(state): State<AppState>,
    AppPath(id): AppPath<String>,
    req: RpSigned<()>,
) -> Result<Json<SessionView>, ApiError> {
    let query: PollQuery = req.query()?;
    let id: RpSessionId = path_id(&id)?;
    let wait = Duration::from_secs(query.wait.unwrap_or(0).min(MAX_WAIT_SECS));
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let s = state.rp.sessions.collect(&req.caller, id).await?;
        let changed = query.state.as_deref() != Some(s.state.as_str());
        let now = tokio::time::Instant::now();
        if changed || s.state == RpSessionState::Complete || now >= deadline {
            return Ok(Json(SessionView::from(&s)));
        }
        tokio::time::sleep(POLL_EVERY.min(deadline - now)).await;
    }
}

/// Cancels an unfinished session (`complete`, `cancelled`); a finished
/// one is answered unchanged.
#[utoipa::path(post, path = "/api/rp/v1/sessions/{id}/cancel", tag = "sessions",
    params(("id" = String, Path)), security(("rp" = [])),
    responses((status = 200, body = SessionView),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "session_gone", body = Problem, content_type = "application/problem+json")))]
pub async fn cancel(
    State(state): State<AppState>,
    AppPath(id): AppPath<String>,
    req: RpSigned<()>,
) -> Result<Json<SessionView>, ApiError> {
    let id: RpSessionId = path_id(&id)?;
    let s = match state.rp.sessions.cancel(&req.caller, id).await {
        Err(DomainError::SessionFinished) => state.rp.sessions.collect(&req.caller, id).await?,
        other => other?,
    };
    Ok(Json(SessionView::from(&s)))
}

/// The signer's certificate in a verification answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct VerifiedCertificateView {
    /// Subject DN (RFC 4514).
    pub subject: String,
    /// Serial number, hex.
    pub serial: String,
    /// RFC 3339.
    pub not_before: String,
    /// RFC 3339.
    pub not_after: String,
    /// Issuer DN (RFC 4514).
    pub issuer: String,
}

/// A verification answer: valid only if the signature verifies, the
/// certificate chains to one of our CAs, is `good` and within validity.
#[derive(Debug, Serialize, ToSchema)]
pub struct VerificationView {
    /// Every check passed.
    pub valid: bool,
    /// The first failed check: `signature_invalid`, `seal_invalid`,
    /// `untrusted_issuer`, `certificate_unknown`, `certificate_revoked`,
    /// `certificate_not_yet_valid`, `certificate_expired`.
    pub reason: Option<String>,
    /// The signer's certificate.
    pub certificate: Option<VerifiedCertificateView>,
    /// Issued by one of our issuing CAs.
    pub chain_valid: bool,
    /// `good`, `revoked` or `unknown` (the same source as OCSP).
    pub status: String,
    /// RFC 3339, when revoked.
    pub revoked_at: Option<String>,
}

fn json_name<T: Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

impl From<VerificationReport> for VerificationView {
    fn from(r: VerificationReport) -> Self {
        VerificationView {
            valid: r.valid,
            reason: r.reason.as_ref().map(json_name::<Failure>),
            certificate: r.certificate.map(|c| VerifiedCertificateView {
                subject: c.subject,
                serial: c.serial,
                not_before: c.not_before.rfc3339(),
                not_after: c.not_after.rfc3339(),
                issuer: c.issuer,
            }),
            chain_valid: r.chain_valid,
            status: json_name::<CertStatus>(&r.status),
            revoked_at: r.revoked_at.map(|t| t.rfc3339()),
        }
    }
}

/// `POST /verify/signature`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct VerifySignatureRequest {
    /// The signer's certificate, hex DER.
    #[serde(with = "hex")]
    #[schema(value_type = String)]
    pub certificate: Vec<u8>,
    /// The signed data, hex.
    #[serde(with = "hex")]
    #[schema(value_type = String)]
    pub data: Vec<u8>,
    /// The SM2 signature, hex DER (Z_A with the standard ID).
    #[serde(with = "hex")]
    #[schema(value_type = String)]
    pub signature: Vec<u8>,
}

/// Verifies an SM2 signature with its certificate (M7).
#[utoipa::path(post, path = "/api/rp/v1/verify/signature", tag = "verification",
    request_body = VerifySignatureRequest, security(("rp" = [])),
    responses((status = 200, body = VerificationView),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not a certificate", body = Problem, content_type = "application/problem+json")))]
pub async fn verify_signature(
    State(state): State<AppState>,
    req: RpSigned<VerifySignatureRequest>,
) -> Result<Json<VerificationView>, ApiError> {
    let b = req.body;
    let report = state
        .certs
        .verification
        .signature(&b.certificate, &b.data, &b.signature)
        .await?;
    Ok(Json(report.into()))
}

/// `POST /verify/signed-data`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct VerifySignedDataRequest {
    /// The SignedData ContentInfo, hex DER.
    #[serde(with = "hex")]
    #[schema(value_type = String)]
    pub signed_data: Vec<u8>,
    /// The content of a detached SignedData, hex.
    #[serde(default, with = "opt_hex")]
    #[schema(value_type = Option<String>)]
    pub content: Option<Vec<u8>>,
}

/// Verifies a GM/T 0010 SignedData (M7).
#[utoipa::path(post, path = "/api/rp/v1/verify/signed-data", tag = "verification",
    request_body = VerifySignedDataRequest, security(("rp" = [])),
    responses((status = 200, body = VerificationView),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not a SignedData, or detached without content", body = Problem, content_type = "application/problem+json")))]
pub async fn verify_signed_data(
    State(state): State<AppState>,
    req: RpSigned<VerifySignedDataRequest>,
) -> Result<Json<VerificationView>, ApiError> {
    let b = req.body;
    let report = state
        .certs
        .verification
        .signed_data(&b.signed_data, b.content.as_deref())
        .await?;
    Ok(Json(report.into()))
}

/// `POST /verify/seal`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct VerifySealRequest {
    /// The `SES_Signature`, hex DER.
    #[serde(with = "hex")]
    #[schema(value_type = String)]
    pub seal: Vec<u8>,
    /// SM3 of the sealed document (hex of 32 bytes); without it, only the
    /// digest the signature names is checked against.
    #[serde(default, with = "opt_hex")]
    #[schema(value_type = Option<String>)]
    pub document_sm3: Option<Vec<u8>>,
}

/// Verifies a GB/T 38540 seal signature (M7).
#[utoipa::path(post, path = "/api/rp/v1/verify/seal", tag = "verification",
    request_body = VerifySealRequest, security(("rp" = [])),
    responses((status = 200, body = VerificationView),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not a seal signature, or a digest that is not 32 bytes", body = Problem, content_type = "application/problem+json")))]
pub async fn verify_seal(
    State(state): State<AppState>,
    req: RpSigned<VerifySealRequest>,
) -> Result<Json<VerificationView>, ApiError> {
    let b = req.body;
    let digest: Option<[u8; 32]> = b
        .document_sm3
        .map(|d| d.try_into())
        .transpose()
        .map_err(|_| DomainError::InvalidInput("document_sm3"))?;
    let report = state
        .certs
        .verification
        .seal(&b.seal, digest.as_ref())
        .await?;
    Ok(Json(report.into()))
}

/// `Option<Vec<u8>>` as hex or null.
mod opt_hex {
    use serde::{Deserialize, Deserializer};

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<u8>>, D::Error> {
        Option::<String>::deserialize(d)?
            .map(|s| hex::decode(s).map_err(serde::de::Error::custom))
            .transpose()
    }
}
