//! Getting a key back: unlock after 5 wrong PINs (§4) with an SMS code and a
//! fresh face check, and the recovery fee (G1) for a new phone.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use mca_domain::{ReverificationId, SigningKeyId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::code;
use crate::error::{ApiError, Problem};
use crate::extract::{AppPath, Signed};
use crate::routes::views::{KeyView, OrderView, body_id, path_id};
use crate::state::AppState;

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

/// Pays the recovery fee (G1) through the payment provider; name the paid
/// order when re-keying on the new phone. Idempotent while the user has an
/// open recovery order: a paid, unused one is returned again (not charged
/// twice); after it is used or declined, a new order is made.
#[utoipa::path(post, path = "/api/app/v1/me/recovery-orders", tag = "keys",
    security(("device" = [])),
    responses((status = 201, description = "The paid recovery order: new, or the user's open one again", body = OrderView),
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
