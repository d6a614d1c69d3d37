//! Over-the-air issuance (M6, §1) and re-keying (I3 forgotten PIN, G1
//! recovery): keygen + CSR session, proof of possession, certificates.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use mca_crypto::seal::Sealed;
use mca_crypto::sm2::Point;
use mca_crypto::twoparty::messages::{KeygenRequest, KeygenResponse};
use mca_domain::certificates::DownloadStarted;
use mca_domain::{ApplicationId, OrderId, ReverificationId, SigningKeyId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{ChallengeView, FinishRequest, Opened, RefreshView, code, seal_reply};
use crate::error::{ApiError, Problem};
use crate::extract::{AppPath, Signed};
use crate::routes::views::{CertificateView, body_id, path_id, pem};
use crate::state::AppState;

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
    RefreshView::sealed(&req.body, &context, &refresh)
}

/// Download, step 3: the CA signs, the encryption key is split; both
/// certificates and the phone's encryption share (sealed). Repeatable: a
/// phone that lost the answer, or whose server crashed, asks again (the
/// key is split afresh). The only call that signs certificates; a download
/// left unfinished for 30 minutes is withdrawn (`download_expired`).
#[utoipa::path(post, path = "/api/app/v1/me/applications/{id}/certificates", tag = "keys",
    params(("id" = String, Path)), request_body = CompleteRequest, security(("device" = [])),
    responses((status = 200, body = DownloadedView),
        (status = 409, description = "Possession not proven yet, or the download was withdrawn unfinished (download_expired): download again", body = Problem, content_type = "application/problem+json")))]
pub async fn complete_download(
    State(state): State<AppState>,
    AppPath(id): AppPath<String>,
    req: Signed<CompleteRequest>,
) -> Result<Json<DownloadedView>, ApiError> {
    let app: ApplicationId = path_id(&id)?;
    let done = state
        .certs
        .issuance
        .complete_download(req.caller, app)
        .await?;
    Ok(Json(DownloadedView {
        signing: (&done.signing).into(),
        encryption: (&done.encryption).into(),
        chain: done.chain.iter().map(|c| pem("CERTIFICATE", c)).collect(),
        delivery: seal_reply(&req.body.reply_key, &app.to_string(), &done.delivery)?,
    }))
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
