//! The two-party keys over HTTP: over-the-air issuance (M6, PROTOCOL.md
//! §1), signing (§2), blinded decryption (§5), PIN change (I3), unlock
//! after 5 wrong PINs (§4), re-keying for a forgotten PIN (I3, §3) and
//! recovery on a new phone (G1).
//!
//! Secrets travel sealed (§7, `mca_crypto::twoparty::transport`): the
//! phone seals s1 to the server's transport key (`transport_key` in the
//! challenge answers); the server seals ρ, T2 and delivered shares to the
//! `reply_key` the phone sends with the request and keeps in memory only.
//! Each sealed value is bound to its session (a delivery to its
//! application), so it answers exactly one step.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use mca_crypto::seal::Sealed;
use mca_crypto::sm2::Point;
use mca_crypto::twoparty::messages::{
    BlindedPoint, KeygenRequest, KeygenResponse, PartialSignature, SignChallenge,
};
use mca_crypto::twoparty::transport::{self, SealedMessage};
use mca_domain::certificates::{DownloadStarted, SignBegun};
use mca_domain::{
    ApplicationId, DomainError, OrderId, ReverificationId, SigningKeyId, SigningSessionId, SmsCode,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::views::{CertificateView, KeyView, OrderView, body_id, hex_field, path_id, pem};
use crate::error::{ApiError, Problem};
use crate::extract::{AppPath, Signed};
use crate::state::AppState;

/// Seals a message to the phone's reply key.
pub(crate) fn seal_reply<M: SealedMessage>(
    reply_key: &Point,
    context: &str,
    message: &M,
) -> Result<Sealed, ApiError> {
    transport::seal(reply_key, context, message).map_err(|e| ApiError::internal(&e))
}

/// A begun two-party session, as the phone needs it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChallengeView {
    /// The session, to name when finishing.
    pub session_id: String,
    /// Q_s and the exact bytes to sign (hex).
    #[schema(value_type = Object)]
    pub challenge: SignChallenge,
    /// The server's transport key: seal s1 to it.
    #[schema(value_type = String)]
    pub transport_key: Point,
}

impl ChallengeView {
    pub(crate) fn new(state: &AppState, begun: &SignBegun) -> Self {
        ChallengeView {
            session_id: begun.session_id.to_string(),
            challenge: begun.challenge.clone(),
            transport_key: *state.transport.public_key(),
        }
    }
}

/// Step 1 of a download or re-key: P and P_s (check P, forget P_s) and the
/// CSR signing session.
#[derive(Debug, Serialize, ToSchema)]
pub struct DownloadStartedView {
    /// The application being downloaded.
    pub application_id: String,
    /// The new signing key.
    pub key_id: String,
    /// P and P_s.
    #[schema(value_type = Object)]
    pub keygen: KeygenResponse,
    /// The CSR session: sign `challenge.message` (the DER
    /// CertificationRequestInfo) to prove possession.
    #[serde(flatten)]
    pub csr: ChallengeView,
}

impl DownloadStartedView {
    fn new(state: &AppState, application: ApplicationId, d: &DownloadStarted) -> Self {
        DownloadStartedView {
            application_id: application.to_string(),
            key_id: d.key_id.to_string(),
            keygen: d.keygen.clone(),
            csr: ChallengeView {
                session_id: d.session_id.to_string(),
                challenge: d.challenge.clone(),
                transport_key: *state.transport.public_key(),
            },
        }
    }
}

/// `POST /me/applications/{id}/download`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DownloadRequest {
    /// P_p = d_p⁻¹·G (§1.1).
    #[schema(value_type = Object)]
    pub keygen: KeygenRequest,
}

/// Finishing a two-party step: s1 sealed to the transport key, and the
/// key to seal the answer to.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FinishRequest {
    /// The session from the challenge.
    pub session_id: String,
    /// `PartialSignature` sealed to the transport key for this session.
    #[schema(value_type = Object)]
    pub partial: Sealed,
    /// An ephemeral SM2 public key of the phone (hex): the answer's
    /// secrets are sealed to it.
    #[schema(value_type = String)]
    pub reply_key: Point,
}

/// A finishing request opened: the signing session, the sealing context
/// (the session id) and s1.
pub(crate) struct Opened {
    pub session: SigningSessionId,
    pub context: String,
    pub partial: PartialSignature,
}

impl FinishRequest {
    /// Parses the session and opens s1 sealed to the transport key for
    /// it; a value sealed for another step, key or session is refused
    /// like a bad proof.
    pub(crate) fn open(&self, state: &AppState) -> Result<Opened, ApiError> {
        let session: SigningSessionId = body_id(&self.session_id, "session_id")?;
        let context = session.to_string();
        let partial = transport::open(&state.transport, &context, &self.partial)
            .map_err(|_| ApiError::from(DomainError::BadKeyProof))?;
        Ok(Opened {
            session,
            context,
            partial,
        })
    }
}

/// The share refresh ρ, sealed to the reply key (§6).
#[derive(Debug, Serialize, ToSchema)]
pub struct RefreshView {
    /// `ShareRefresh` sealed for the session.
    #[schema(value_type = Object)]
    pub refresh: Sealed,
}

/// `POST /me/applications/{id}/certificates`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompleteRequest {
    /// The key to seal the encryption share to.
    #[schema(value_type = String)]
    pub reply_key: Point,
}

/// Step 3: both certificates, the chain and the phone's encryption share.
#[derive(Debug, Serialize, ToSchema)]
pub struct DownloadedView {
    /// The signing certificate.
    pub signing: CertificateView,
    /// The encryption certificate.
    pub encryption: CertificateView,
    /// The issuing CA and root certificates, PEM.
    pub chain: Vec<String>,
    /// `ShareDelivery` sealed to the reply key for the application.
    #[schema(value_type = Object)]
    pub delivery: Sealed,
}

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

/// A fresh face check for unlocking or re-keying.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReverificationView {
    /// Name it when unlocking or re-keying.
    pub reverification_id: String,
    /// The face provider's session.
    pub face_session_id: String,
    /// Where the phone goes to scan the face.
    pub url: String,
}

/// `POST /me/keys/{id}/unlock`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UnlockRequest {
    /// A passed re-verification.
    pub reverification_id: String,
    /// An SMS code of purpose `certificate_key`.
    pub code: String,
}

/// `POST /me/keys/{id}/rekey`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RekeyRequest {
    /// P_p of the new key.
    #[schema(value_type = Object)]
    pub keygen: KeygenRequest,
    /// A passed re-verification.
    pub reverification_id: String,
    /// An SMS code of purpose `certificate_key`.
    pub code: String,
    /// On a device other than the key's (recovery, G1): a paid recovery
    /// order.
    pub recovery_order_id: Option<String>,
}

fn code(text: &str) -> Result<SmsCode, ApiError> {
    Ok(SmsCode::parse(text)?)
}

/// The user's signing keys.
#[utoipa::path(get, path = "/api/app/v1/me/keys", tag = "keys", security(("device" = [])),
    responses((status = 200, body = Vec<KeyView>),
        (status = 403, description = "尚未实名认证，无法操作", body = Problem, content_type = "application/problem+json")))]
pub async fn list(
    State(state): State<AppState>,
    req: Signed<()>,
) -> Result<Json<Vec<KeyView>>, ApiError> {
    let keys = state.certs.keys.list(req.caller.user).await?;
    Ok(Json(
        keys.iter()
            .map(|k| KeyView::new(k, req.caller.device))
            .collect(),
    ))
}

/// Download, step 1 (§1.1): two-party key generation for an approved
/// application on this device, and the CSR session.
#[utoipa::path(post, path = "/api/app/v1/me/applications/{id}/download", tag = "keys",
    params(("id" = String, Path)), request_body = DownloadRequest, security(("device" = [])),
    responses((status = 201, body = DownloadStartedView),
        (status = 409, description = "Not approved", body = Problem, content_type = "application/problem+json")))]
pub async fn start_download(
    State(state): State<AppState>,
    AppPath(id): AppPath<String>,
    req: Signed<DownloadRequest>,
) -> Result<(StatusCode, Json<DownloadStartedView>), ApiError> {
    let app: ApplicationId = path_id(&id)?;
    let started = state
        .certs
        .issuance
        .start_download(req.caller.user, req.caller.device, app, &req.body.keygen)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(DownloadStartedView::new(&state, app, &started)),
    ))
}

/// Download, step 2: the two-party-signed CSR proves possession of P; the
/// certificates' serials are reserved. Answers the share refresh.
#[utoipa::path(post, path = "/api/app/v1/me/keys/{id}/possession", tag = "keys",
    params(("id" = String, Path)), request_body = FinishRequest, security(("device" = [])),
    responses((status = 200, body = RefreshView),
        (status = 422, description = "The proof does not verify", body = Problem, content_type = "application/problem+json")))]
pub async fn prove_possession(
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
        .issuance
        .prove_possession(req.caller, key, session, &partial)
        .await?;
    Ok(Json(RefreshView {
        refresh: seal_reply(&req.body.reply_key, &context, &refresh)?,
    }))
}

/// Download, step 3: the CA signs, the encryption key is split; both
/// certificates and the phone's encryption share (sealed). Repeatable: a
/// phone that lost the answer asks again (the key is split afresh).
#[utoipa::path(post, path = "/api/app/v1/me/applications/{id}/certificates", tag = "keys",
    params(("id" = String, Path)), request_body = CompleteRequest, security(("device" = [])),
    responses((status = 200, body = DownloadedView),
        (status = 409, description = "Possession not proven yet", body = Problem, content_type = "application/problem+json")))]
pub async fn complete_download(
    State(state): State<AppState>,
    AppPath(id): AppPath<String>,
    req: Signed<CompleteRequest>,
) -> Result<Json<DownloadedView>, ApiError> {
    let app: ApplicationId = path_id(&id)?;
    let done = state
        .certs
        .issuance
        .complete_download(req.caller.user, app)
        .await?;
    Ok(Json(DownloadedView {
        signing: (&done.signing).into(),
        encryption: (&done.encryption).into(),
        chain: done.chain.iter().map(|c| pem("CERTIFICATE", c)).collect(),
        delivery: seal_reply(&req.body.reply_key, &app.to_string(), &done.delivery)?,
    }))
}

/// Signing, step 1 (§2): a session on the exact bytes to sign. At most one
/// session per key is outstanding; a second is refused.
#[utoipa::path(post, path = "/api/app/v1/me/keys/{id}/signatures", tag = "keys",
    params(("id" = String, Path)), request_body = SignRequest, security(("device" = [])),
    responses((status = 201, body = ChallengeView),
        (status = 409, description = "Another session of this key is outstanding", body = Problem, content_type = "application/problem+json"),
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
    let begun = state
        .certs
        .keys
        .begin_sign(req.caller, key, &message)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(ChallengeView::new(&state, &begun)),
    ))
}

/// Signing, step 2: the server finalizes and verifies; a wrong PIN is
/// counted (5 in a row lock the key).
#[utoipa::path(post, path = "/api/app/v1/me/keys/{id}/signatures/finish", tag = "keys",
    params(("id" = String, Path)), request_body = FinishRequest, security(("device" = [])),
    responses((status = 200, body = SignatureView),
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
    let begun = state
        .certs
        .keys
        .begin_decrypt(req.caller, key, &req.body.blinded)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(ChallengeView::new(&state, &begun)),
    ))
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

/// Change PIN (I3), step 1: a server challenge to sign with the old PIN.
#[utoipa::path(post, path = "/api/app/v1/me/keys/{id}/pin-change", tag = "keys",
    params(("id" = String, Path)), security(("device" = [])),
    responses((status = 201, body = ChallengeView)))]
pub async fn begin_pin_change(
    State(state): State<AppState>,
    AppPath(id): AppPath<String>,
    req: Signed<()>,
) -> Result<(StatusCode, Json<ChallengeView>), ApiError> {
    let key: SigningKeyId = path_id(&id)?;
    let begun = state.certs.keys.begin_pin_change(req.caller, key).await?;
    Ok((
        StatusCode::CREATED,
        Json(ChallengeView::new(&state, &begun)),
    ))
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
    Ok(Json(RefreshView {
        refresh: seal_reply(&req.body.reply_key, &context, &refresh)?,
    }))
}

/// A fresh real-name face check (for unlocking, a forgotten PIN, recovery).
#[utoipa::path(post, path = "/api/app/v1/me/reverifications", tag = "keys",
    security(("device" = [])),
    responses((status = 201, body = ReverificationView),
        (status = 403, description = "尚未实名认证，无法操作", body = Problem, content_type = "application/problem+json")))]
pub async fn start_reverification(
    State(state): State<AppState>,
    req: Signed<()>,
) -> Result<(StatusCode, Json<ReverificationView>), ApiError> {
    let (id, face) = state
        .certs
        .keys
        .start_reverification(req.caller.user)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(ReverificationView {
            reverification_id: id.to_string(),
            face_session_id: face.id,
            url: face.url,
        }),
    ))
}

/// Unlocks a key locked by wrong PINs (§4): SMS code + a passed face check.
#[utoipa::path(post, path = "/api/app/v1/me/keys/{id}/unlock", tag = "keys",
    params(("id" = String, Path)), request_body = UnlockRequest, security(("device" = [])),
    responses((status = 200, body = KeyView),
        (status = 422, description = "Wrong code, face check not passed, or key not locked", body = Problem, content_type = "application/problem+json")))]
pub async fn unlock(
    State(state): State<AppState>,
    AppPath(id): AppPath<String>,
    req: Signed<UnlockRequest>,
) -> Result<Json<KeyView>, ApiError> {
    let key: SigningKeyId = path_id(&id)?;
    let reverification: ReverificationId =
        body_id(&req.body.reverification_id, "reverification_id")?;
    let user = req.caller.user;
    state
        .certs
        .keys
        .unlock(user, key, reverification, &code(&req.body.code)?)
        .await?;
    let rec = state.certs.keys.key(user, key).await?;
    Ok(Json(KeyView::new(&rec, req.caller.device)))
}

/// Forgotten PIN (I3) on the key's device, or recovery (G1) on a new one
/// (with a paid recovery order): new signing keys for the key's
/// application without a new review. Continue with `possession` and
/// `certificates` as for a download; the old key is then retired, its
/// signing certificate revoked and the escrowed encryption key re-split.
#[utoipa::path(post, path = "/api/app/v1/me/keys/{id}/rekey", tag = "keys",
    params(("id" = String, Path)), request_body = RekeyRequest, security(("device" = [])),
    responses((status = 201, body = DownloadStartedView),
        (status = 422, description = "Wrong code, face check not passed, or recovery not paid", body = Problem, content_type = "application/problem+json")))]
pub async fn rekey(
    State(state): State<AppState>,
    AppPath(id): AppPath<String>,
    req: Signed<RekeyRequest>,
) -> Result<(StatusCode, Json<DownloadStartedView>), ApiError> {
    let old: SigningKeyId = path_id(&id)?;
    let user = req.caller.user;
    let body = &req.body;
    let reverification: ReverificationId = body_id(&body.reverification_id, "reverification_id")?;
    let order: Option<OrderId> = body
        .recovery_order_id
        .as_deref()
        .map(|o| body_id(o, "recovery_order_id"))
        .transpose()?;
    let application = state.certs.keys.key(user, old).await?.application_id;
    let started = state
        .certs
        .issuance
        .start_rekey(
            user,
            req.caller.device,
            old,
            reverification,
            &code(&body.code)?,
            order,
            &body.keygen,
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(DownloadStartedView::new(&state, application, &started)),
    ))
}

/// Pays the recovery fee (G1) through the payment provider; name the paid
/// order when re-keying on the new phone.
#[utoipa::path(post, path = "/api/app/v1/me/recovery-orders", tag = "keys",
    security(("device" = [])),
    responses((status = 201, body = OrderView),
        (status = 422, description = "Payment declined (支付失败)", body = Problem, content_type = "application/problem+json")))]
pub async fn pay_recovery(
    State(state): State<AppState>,
    req: Signed<()>,
) -> Result<(StatusCode, Json<OrderView>), ApiError> {
    let order = state
        .certs
        .applications
        .pay_recovery(req.caller.user, state.recovery_fee_fen)
        .await?;
    Ok((StatusCode::CREATED, Json((&order).into())))
}
