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

mod download;
mod recovery;
mod signing;

use axum::Json;
use axum::http::StatusCode;
use mca_crypto::seal::Sealed;
use mca_crypto::sm2::Point;
use mca_crypto::twoparty::messages::{PartialSignature, ShareRefresh, SignChallenge};
use mca_crypto::twoparty::transport::{self, SealedMessage};
use mca_domain::certificates::SignBegun;
use mca_domain::{DomainError, SigningSessionId, SmsCode};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub use download::*;
pub use recovery::*;
pub use signing::*;

use super::views::{KeyView, body_id};
use crate::error::{ApiError, Problem};
use crate::extract::Signed;
use crate::state::AppState;
use axum::extract::State;

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

/// The answer to every begin: 201 and the challenge.
pub(crate) fn begun(state: &AppState, begun: &SignBegun) -> (StatusCode, Json<ChallengeView>) {
    (StatusCode::CREATED, Json(ChallengeView::new(state, begun)))
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

impl RefreshView {
    /// ρ of a finished step, sealed to the request's reply key.
    pub(crate) fn sealed(
        finish: &FinishRequest,
        context: &str,
        refresh: &ShareRefresh,
    ) -> Result<Json<Self>, ApiError> {
        Ok(Json(RefreshView {
            refresh: seal_reply(&finish.reply_key, context, refresh)?,
        }))
    }
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
