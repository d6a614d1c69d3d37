//! The phone's side of relying-party sessions (RP-API.md, contract C):
//! scan a QR frame (claims the session), refuse, or approve it one
//! two-party signature per item.
//!
//! Secrets travel sealed as in [`keys`](super::keys): s1 sealed to the
//! transport key for the signing session, ρ and T2 sealed to the reply
//! key. A content key crosses only re-encrypted by the phone to the
//! relying party's key: the server never sees one in clear.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use mca_crypto::seal::Sealed;
use mca_crypto::twoparty::messages::BlindedPoint;
use mca_domain::relying_parties::{
    AuthPurpose, RpSession, SessionContent, SignItemKind, Step, StepKind,
};
use mca_domain::{RpSessionId, SigningKeyId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::keys::{ChallengeView, FinishRequest, Opened, seal_reply};
use super::views::{body_id, hex_field, path_id};
use crate::error::{ApiError, Problem};
use crate::extract::{AppPath, Signed};
use crate::state::AppState;

/// `POST /rp-sessions/scan`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScanRequest {
    /// The scanned QR text (`mca://qr?…`).
    pub link: String,
}

/// One item or envelope as the phone lists it.
#[derive(Debug, Serialize, ToSchema)]
pub struct LabelView {
    /// What the relying party calls it.
    pub label: String,
    /// `raw_data`, `signed_data_detached`, `signed_data_attached`, `seal`,
    /// `digest`; or `sm2_cipher`, `enveloped_data`.
    pub kind: String,
    /// Sign items: SM3 of the document signed (hex): the data's digest for
    /// raw data and attached SignedData, the data itself (a digest) for
    /// detached SignedData and seals. The phone checks the bytes it is
    /// asked to sign against it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sm3: Option<String>,
    /// Envelopes: the envelope itself (hex), which the phone opens.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<String>,
}

/// A scanned (and now claimed) session, as the phone shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScannedView {
    /// The session.
    pub session_id: String,
    /// The relying party's registered display name (never a caller's
    /// text).
    pub relying_party: String,
    /// The relying party's id (auth, cert and confirm bytes name it).
    pub relying_party_id: String,
    /// `auth`, `sign`, `cert`, `decrypt`, `confirm`.
    pub operation: String,
    /// Auth: `login` or `bind`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub purpose: Option<String>,
    /// Auth and cert: the relying party's challenge (hex).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub challenge: Option<String>,
    /// Sign: the items, in signing order.
    pub items: Option<Vec<LabelView>>,
    /// Decrypt: the envelopes, in order.
    pub envelopes: Option<Vec<LabelView>>,
    /// Decrypt: the relying party's key the content keys go to (hex SEC1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rp_public_key: Option<String>,
    /// Decrypt: the opening window (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_before: Option<String>,
    /// Decrypt: end of the opening window (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_after: Option<String>,
    /// Confirm: the uploaded file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_name: Option<String>,
    /// Confirm: its hash (hex).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_hash: Option<String>,
    /// Confirm: the receipt number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub receipt_number: Option<String>,
    /// The requesting browser's address, if the relying party gave it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_user_ip: Option<String>,
    /// `scanned` (or `confirming` when scanned again mid-approval).
    pub state: String,
}

fn kind_text<T: Serialize>(kind: &T) -> String {
    serde_json::to_value(kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

impl ScannedView {
    fn new(s: &RpSession, relying_party: String) -> Self {
        let mut v = ScannedView {
            session_id: s.id.to_string(),
            relying_party,
            relying_party_id: s.rp_id.to_string(),
            operation: s.operation().as_str().to_owned(),
            purpose: None,
            challenge: None,
            items: None,
            envelopes: None,
            rp_public_key: None,
            not_before: None,
            not_after: None,
            file_name: None,
            file_hash: None,
            receipt_number: None,
            end_user_ip: s.end_user_ip.clone(),
            state: s.state.as_str().to_owned(),
        };
        match &s.content {
            SessionContent::Auth {
                purpose, challenge, ..
            } => {
                v.purpose = Some(
                    match purpose {
                        AuthPurpose::Login => "login",
                        AuthPurpose::Bind => "bind",
                    }
                    .to_owned(),
                );
                v.challenge = Some(hex::encode(challenge));
            }
            SessionContent::Cert { challenge, .. } => v.challenge = Some(hex::encode(challenge)),
            SessionContent::Sign { items } => {
                v.items = Some(
                    items
                        .iter()
                        .map(|i| LabelView {
                            label: i.label.clone(),
                            kind: kind_text(&i.kind),
                            sm3: Some(hex::encode(match i.kind {
                                SignItemKind::RawData | SignItemKind::SignedDataAttached => {
                                    mca_crypto::sm3::sm3(&i.data).to_vec()
                                }
                                _ => i.data.clone(),
                            })),
                            data: None,
                        })
                        .collect(),
                );
            }
            SessionContent::Decrypt {
                envelopes,
                rp_public_key,
                not_before,
                not_after,
            } => {
                v.envelopes = Some(
                    envelopes
                        .iter()
                        .map(|e| LabelView {
                            label: e.label.clone(),
                            kind: kind_text(&e.kind),
                            sm3: None,
                            data: Some(hex::encode(&e.data)),
                        })
                        .collect(),
                );
                v.rp_public_key = Some(hex::encode(rp_public_key));
                v.not_before = Some(not_before.rfc3339());
                v.not_after = Some(not_after.rfc3339());
            }
            SessionContent::Confirm {
                file_name,
                file_hash,
                receipt_number,
            } => {
                v.file_name = Some(file_name.clone());
                v.file_hash = Some(hex::encode(file_hash));
                v.receipt_number = Some(receipt_number.clone());
            }
        }
        v
    }
}

/// A session's state after the phone's step.
#[derive(Debug, Serialize, ToSchema)]
pub struct RpStateView {
    /// `confirming` or `complete`.
    pub state: String,
    /// When complete: `ok`, `user_refused`, …
    pub result: Option<String>,
}

impl From<&RpSession> for RpStateView {
    fn from(s: &RpSession) -> Self {
        RpStateView {
            state: s.state.as_str().to_owned(),
            result: s.result.map(|r| r.as_str().to_owned()),
        }
    }
}

/// `POST /rp-sessions/{id}/steps`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StepRequest {
    /// The signing key (on this device) that approves the session.
    pub key_id: String,
    /// Decrypt steps only: T1 = w·C1 of the envelope's SM2 ciphertext.
    #[schema(value_type = Option<Object>)]
    pub blinded: Option<BlindedPoint>,
    /// The step the phone means (optional): if it is not the next one,
    /// 422 `invalid_input` before anything begins. A phone resuming a
    /// decrypt session tries its envelopes in order this way.
    pub index: Option<u32>,
}

/// The next step: a two-party signing session.
#[derive(Debug, Serialize, ToSchema)]
pub struct StepView {
    /// Which item (0-based); name it when finishing.
    pub index: u32,
    /// How many steps the session has.
    pub total: u32,
    /// `sign` (sign `challenge.message`: auth, cert and confirm bytes, raw
    /// data, SignedData signed attributes, a seal's `TBS_Sign`) or
    /// `decrypt` (the authorization of the blinded decryption).
    pub kind: String,
    /// The signing session, Q_s and the message, the transport key.
    #[serde(flatten)]
    pub challenge: ChallengeView,
}

impl StepView {
    fn new(state: &AppState, step: &Step) -> Self {
        StepView {
            index: step.index,
            total: step.total,
            kind: match step.kind {
                StepKind::Sign => "sign",
                StepKind::Decrypt => "decrypt",
            }
            .to_owned(),
            challenge: ChallengeView::new(state, &step.begun),
        }
    }
}

/// `POST /rp-sessions/{id}/steps/{n}/finish`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FinishStepRequest {
    /// The sealed s1 and the reply key.
    #[serde(flatten)]
    pub finish: FinishRequest,
    /// Decrypt steps: T1 again (the authorization names it).
    #[schema(value_type = Option<Object>)]
    pub blinded: Option<BlindedPoint>,
}

/// A finished step.
#[derive(Debug, Serialize, ToSchema)]
pub struct FinishedStepView {
    /// `ShareRefresh` sealed for the signing session.
    #[schema(value_type = Object)]
    pub refresh: Sealed,
    /// Decrypt steps: `BlindedResult` (T2) sealed for the signing session.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub blinded_result: Option<Sealed>,
    /// `confirming`, or `complete` after the last step.
    pub state: String,
    /// `ok` once complete.
    pub result: Option<String>,
}

/// `POST /rp-sessions/{id}/steps/{n}/content-key`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContentKeyRequest {
    /// The content key re-encrypted to the session's `rp_public_key`
    /// (SM2Cipher DER, hex).
    pub ciphertext: String,
}

fn index(text: &str) -> Result<u32, ApiError> {
    path_id(text)
}

/// Scans a QR frame: a fresh, authentic frame claims the session for this
/// device (another device's claim is refused); scanning again from the
/// claiming device answers the same session.
#[utoipa::path(post, path = "/api/app/v1/rp-sessions/scan", tag = "rp-sessions",
    request_body = ScanRequest, security(("device" = [])),
    responses((status = 200, body = ScannedView),
        (status = 422, description = "Malformed, forged or stale frame (bad_qr, qr_expired)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Claimed by another device, or finished", body = Problem, content_type = "application/problem+json")))]
pub async fn scan(
    State(state): State<AppState>,
    req: Signed<ScanRequest>,
) -> Result<Json<ScannedView>, ApiError> {
    let scanned = state
        .rp
        .sessions
        .resolve_frame(req.caller, &req.body.link)
        .await?;
    Ok(Json(ScannedView::new(
        &scanned.session,
        scanned.relying_party,
    )))
}

/// The user refuses: the session ends `user_refused`.
#[utoipa::path(post, path = "/api/app/v1/rp-sessions/{id}/refusal", tag = "rp-sessions",
    params(("id" = String, Path)), security(("device" = [])),
    responses((status = 200, body = RpStateView),
        (status = 409, description = "Finished already", body = Problem, content_type = "application/problem+json")))]
pub async fn refuse(
    State(state): State<AppState>,
    AppPath(id): AppPath<String>,
    req: Signed<()>,
) -> Result<Json<RpStateView>, ApiError> {
    let id: RpSessionId = path_id(&id)?;
    let s = state.approvals.refuse(req.caller, id).await?;
    Ok(Json((&s).into()))
}

/// Begins the next step with `key_id`: before the first, the key must not
/// be locked (else the session ends `pin_locked`), its signing certificate
/// neither revoked nor expired (`certificate_revoked`,
/// `certificate_expired`), and the D2 platform rule must hold
/// (`not_authorized`). Decrypt steps send T1 and sign the authorization of
/// that blinded decryption, only inside the opening window.
#[utoipa::path(post, path = "/api/app/v1/rp-sessions/{id}/steps", tag = "rp-sessions",
    params(("id" = String, Path)), request_body = StepRequest, security(("device" = [])),
    responses((status = 201, body = StepView),
        (status = 403, description = "Key locked (the session ended pin_locked), or not authorized", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Certificate revoked or expired (the session ended so), outside the opening window, finished", body = Problem, content_type = "application/problem+json")))]
pub async fn begin_step(
    State(state): State<AppState>,
    AppPath(id): AppPath<String>,
    req: Signed<StepRequest>,
) -> Result<(StatusCode, Json<StepView>), ApiError> {
    let id: RpSessionId = path_id(&id)?;
    let key: SigningKeyId = body_id(&req.body.key_id, "key_id")?;
    let step = state
        .approvals
        .begin_step(
            req.caller,
            id,
            key,
            req.body.blinded.as_ref(),
            req.body.index,
        )
        .await?;
    Ok((StatusCode::CREATED, Json(StepView::new(&state, &step))))
}

/// Finishes step `n`: the server finalizes and verifies the signature (a
/// wrong PIN answers 403 `wrong_pin`; the fifth in a row locks the key and
/// ends the session `pin_locked`). Sign steps: the item's result is stored
/// (SignedData and seals assembled here) and the last one completes the
/// session. Decrypt steps: T2 sealed to the reply key.
#[utoipa::path(post, path = "/api/app/v1/rp-sessions/{id}/steps/{n}/finish", tag = "rp-sessions",
    params(("id" = String, Path), ("n" = u32, Path)), request_body = FinishStepRequest,
    security(("device" = [])),
    responses((status = 200, body = FinishedStepView),
        (status = 403, description = "Wrong PIN (counted), or key locked", body = Problem, content_type = "application/problem+json")))]
pub async fn finish_step(
    State(state): State<AppState>,
    AppPath((id, n)): AppPath<(String, String)>,
    req: Signed<FinishStepRequest>,
) -> Result<Json<FinishedStepView>, ApiError> {
    let id: RpSessionId = path_id(&id)?;
    let n = index(&n)?;
    let finish = &req.body.finish;
    let Opened {
        session,
        context,
        partial,
    } = finish.open(&state)?;
    match &req.body.blinded {
        Some(t1) => {
            let (t2, refresh) = state
                .approvals
                .finish_decrypt_step(req.caller, id, n, session, &partial, t1)
                .await?;
            Ok(Json(FinishedStepView {
                refresh: seal_reply(&finish.reply_key, &context, &refresh)?,
                blinded_result: Some(seal_reply(&finish.reply_key, &context, &t2)?),
                state: "confirming".into(),
                result: None,
            }))
        }
        None => {
            let done = state
                .approvals
                .finish_sign_step(req.caller, id, n, session, &partial)
                .await?;
            let (st, result) = match &done.completed {
                Some(s) => {
                    let v = RpStateView::from(s);
                    (v.state, v.result)
                }
                None => ("confirming".to_owned(), None),
            };
            Ok(Json(FinishedStepView {
                refresh: seal_reply(&finish.reply_key, &context, &done.refresh)?,
                blinded_result: None,
                state: st,
                result,
            }))
        }
    }
}

/// Decrypt step `n`: the content key re-encrypted by the phone to the
/// session's `rp_public_key`; after the last envelope the session
/// completes. Only inside the opening window.
#[utoipa::path(post, path = "/api/app/v1/rp-sessions/{id}/steps/{n}/content-key", tag = "rp-sessions",
    params(("id" = String, Path), ("n" = u32, Path)), request_body = ContentKeyRequest,
    security(("device" = [])),
    responses((status = 200, body = RpStateView),
        (status = 409, description = "Outside the opening window, or finished", body = Problem, content_type = "application/problem+json")))]
pub async fn content_key(
    State(state): State<AppState>,
    AppPath((id, n)): AppPath<(String, String)>,
    req: Signed<ContentKeyRequest>,
) -> Result<Json<RpStateView>, ApiError> {
    let id: RpSessionId = path_id(&id)?;
    let n = index(&n)?;
    let ciphertext = hex_field(&req.body.ciphertext, "ciphertext")?;
    let done = state
        .approvals
        .content_key(req.caller, id, n, &ciphertext)
        .await?;
    Ok(Json(match &done {
        Some(s) => s.into(),
        None => RpStateView {
            state: "confirming".into(),
            result: None,
        },
    }))
}
