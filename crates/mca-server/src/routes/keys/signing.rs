//! Using a key: signing (§2), blinded decryption (§5) and PIN change (I3),
//! each a begin (a challenge) and a finish (the sealed s1 in, ρ out).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use mca_crypto::seal::Sealed;
use mca_crypto::twoparty::messages::BlindedPoint;
use mca_domain::{DomainError, SigningKeyId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{ChallengeView, FinishRequest, Opened, RefreshView, begun, code, seal_reply};
use crate::error::{ApiError, Problem};
use crate::extract::{AppPath, Signed};
use crate::routes::views::{hex_field, path_id};
use crate::state::AppState;

/// `POST /me/keys/{id}/signatures`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignRequest {
    /// The exact bytes to sign, hex (at most 16 KiB).
    pub message: String,
}

/// A finished signature.
#[derive(Debug, Serialize, ToSchema)]
pub struct SignatureView {
    /// The SM2 signature (standard ID), DER, hex; verified by the server
    /// under the key's public key before it was released.
    pub signature: String,
    /// `ShareRefresh` sealed for the session.
    #[schema(value_type = Object)]
    pub refresh: Sealed,
}

/// `POST /me/keys/{id}/decryptions`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecryptRequest {
    /// T1 = w·C1, the blinded ciphertext point (§5).
    #[schema(value_type = Object)]
    pub blinded: BlindedPoint,
}

/// `POST /me/keys/{id}/decryptions/{session}`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FinishDecryptRequest {
    /// The signature of the decryption authorization, sealed.
    #[serde(flatten)]
    pub finish: FinishRequest,
    /// T1 again: the authorization names it.
    #[schema(value_type = Object)]
    pub blinded: BlindedPoint,
}

/// The blinded result and the refresh, both sealed to the reply key.
#[derive(Debug, Serialize, ToSchema)]
pub struct DecryptedView {
    /// `BlindedResult` (T2 = d_es⁻¹·T1) sealed for the session.
    #[schema(value_type = Object)]
    pub blinded_result: Sealed,
    /// `ShareRefresh` sealed for the session.
    #[schema(value_type = Object)]
    pub refresh: Sealed,
}

/// `POST /me/keys/{id}/pin-change`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PinChangeRequest {
    /// An SMS code of purpose `pin_change`.
    pub code: String,
}

/// Signing, step 1 (§2): a session on the exact bytes to sign. At most one
/// session per key is outstanding: a new begin from the key's device
/// cancels the previous one. Bytes beginning with `MCA-` (a domain tag of
/// the protocol's own messages) are refused.
#[utoipa::path(post, path = "/api/app/v1/me/keys/{id}/signatures", tag = "keys",
    params(("id" = String, Path)), request_body = SignRequest, security(("device" = [])),
    responses((status = 201, body = ChallengeView),
        (status = 422, description = "Message empty, too long, or beginning with the reserved `MCA-` (reserved_message)", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Key locked after 5 wrong PINs", body = Problem, content_type = "application/problem+json")))]
pub async fn begin_sign(
    State(state): State<AppState>,
    AppPath(id): AppPath<String>,
    req: Signed<SignRequest>,
) -> Result<(StatusCode, Json<ChallengeView>), ApiError> {
    let key: SigningKeyId = path_id(&id)?;
    let message = hex_field(&req.body.message, "message")?;
    if message.is_empty() || message.len() > 16 * 1024 {
        return Err(DomainError::InvalidInput("message").into());
    }
    let started = state
        .certs
        .keys
        .begin_sign(req.caller, key, &message)
        .await?;
    Ok(begun(&state, &started))
}

/// Signing, step 2: the server finalizes and verifies; a wrong PIN is
/// counted (5 in a row lock the key). A session cancelled by a newer begin
/// is not found.
#[utoipa::path(post, path = "/api/app/v1/me/keys/{id}/signatures/finish", tag = "keys",
    params(("id" = String, Path)), request_body = FinishRequest, security(("device" = [])),
    responses((status = 200, body = SignatureView),
        (status = 404, description = "No such session (finished, expired or replaced by a newer begin)", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Wrong PIN (counted; 5 in a row lock the key)", body = Problem, content_type = "application/problem+json")))]
pub async fn finish_sign(
    State(state): State<AppState>,
    AppPath(id): AppPath<String>,
    req: Signed<FinishRequest>,
) -> Result<Json<SignatureView>, ApiError> {
    let key: SigningKeyId = path_id(&id)?;
    let Opened {
        session,
        context,
        partial,
    } = req.body.open(&state)?;
    let done = state
        .certs
        .keys
        .finish_sign(req.caller, key, session, &partial)
        .await?;
    Ok(Json(SignatureView {
        signature: hex::encode(done.signature.to_der()),
        refresh: seal_reply(&req.body.reply_key, &context, &done.refresh)?,
    }))
}

/// Decryption, step 1 (§5): T1 in; the session's message is the
/// decryption authorization of this session and T1.
#[utoipa::path(post, path = "/api/app/v1/me/keys/{id}/decryptions", tag = "keys",
    params(("id" = String, Path)), request_body = DecryptRequest, security(("device" = [])),
    responses((status = 201, body = ChallengeView)))]
pub async fn begin_decrypt(
    State(state): State<AppState>,
    AppPath(id): AppPath<String>,
    req: Signed<DecryptRequest>,
) -> Result<(StatusCode, Json<ChallengeView>), ApiError> {
    let key: SigningKeyId = path_id(&id)?;
    let started = state
        .certs
        .keys
        .begin_decrypt(req.caller, key, &req.body.blinded)
        .await?;
    Ok(begun(&state, &started))
}

/// Decryption, step 2: only with a verified signature on the
/// authorization, T2 = d_es⁻¹·T1 (sealed). The server never sees C1 or
/// the plaintext.
#[utoipa::path(post, path = "/api/app/v1/me/keys/{id}/decryptions/finish", tag = "keys",
    params(("id" = String, Path)), request_body = FinishDecryptRequest, security(("device" = [])),
    responses((status = 200, body = DecryptedView),
        (status = 403, description = "Wrong PIN (counted; 5 in a row lock the key)", body = Problem, content_type = "application/problem+json")))]
pub async fn finish_decrypt(
    State(state): State<AppState>,
    AppPath(id): AppPath<String>,
    req: Signed<FinishDecryptRequest>,
) -> Result<Json<DecryptedView>, ApiError> {
    let key: SigningKeyId = path_id(&id)?;
    let finish = &req.body.finish;
    let Opened {
        session,
        context,
        partial,
    } = finish.open(&state)?;
    let (t2, refresh) = state
        .certs
        .keys
        .finish_decrypt(req.caller, key, session, &partial, &req.body.blinded)
        .await?;
    Ok(Json(DecryptedView {
        blinded_result: seal_reply(&finish.reply_key, &context, &t2)?,
        refresh: seal_reply(&finish.reply_key, &context, &refresh)?,
    }))
}

/// Change PIN (I3), step 1: an SMS code of purpose `pin_change`, then a
/// server challenge to sign with the old PIN. A wrong code is refused
/// before any session and is not counted as a wrong PIN.
#[utoipa::path(post, path = "/api/app/v1/me/keys/{id}/pin-change", tag = "keys",
    params(("id" = String, Path)), request_body = PinChangeRequest, security(("device" = [])),
    responses((status = 201, body = ChallengeView),
        (status = 422, description = "Wrong, expired or used SMS code (验证码错误)", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Key locked", body = Problem, content_type = "application/problem+json")))]
pub async fn begin_pin_change(
    State(state): State<AppState>,
    AppPath(id): AppPath<String>,
    req: Signed<PinChangeRequest>,
) -> Result<(StatusCode, Json<ChallengeView>), ApiError> {
    let key: SigningKeyId = path_id(&id)?;
    let code = code(&req.body.code)?;
    let started = state
        .certs
        .keys
        .begin_pin_change(req.caller, key, &code)
        .await?;
    Ok(begun(&state, &started))
}

/// Change PIN, step 2: the old PIN proven by a server-verified signature
/// (a wrong one counts); the phone then re-masks its shares locally.
#[utoipa::path(post, path = "/api/app/v1/me/keys/{id}/pin-change/finish", tag = "keys",
    params(("id" = String, Path)), request_body = FinishRequest, security(("device" = [])),
    responses((status = 200, body = RefreshView),
        (status = 403, description = "Wrong old PIN (counted)", body = Problem, content_type = "application/problem+json")))]
pub async fn finish_pin_change(
    State(state): State<AppState>,
    AppPath(id): AppPath<String>,
    req: Signed<FinishRequest>,
) -> Result<Json<RefreshView>, ApiError> {
    let key: SigningKeyId = path_id(&id)?;
    let Opened {
        session,
        context,
        partial,
    } = req.body.open(&state)?;
    let refresh = state
        .certs
        .keys
        .finish_pin_change(req.caller, key, session, &partial)
        .await?;
    RefreshView::sealed(&req.body, &context, &refresh)
}
