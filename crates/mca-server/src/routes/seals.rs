//! Seals (issue 13.2): the GB/T 38540 seals the user seals with — their
//! personal certificates' own, and their enterprises' where they are
//! allowed to seal — as the app lists and shows them.

use axum::Json;
use axum::extract::State;
use base64::Engine as _;
use mca_domain::Timestamp;
use mca_domain::store::{SealOwner, SealRecord};
use mca_pki::seal::v4;
use serde::Serialize;
use utoipa::ToSchema;

use super::views::time;
use crate::error::{ApiError, Problem};
use crate::extract::Signed;
use crate::state::AppState;

/// A seal of the user.
#[derive(Debug, Serialize, ToSchema)]
pub struct SealItem {
    /// The seal's identifier (`esID`), as in every seal signature made
    /// with it.
    pub es_id: String,
    /// `personal` (a personal certificate's own) or `enterprise`.
    pub kind: String,
    /// The enterprise, for an enterprise seal.
    pub enterprise_id: Option<String>,
    /// 1, 2, …: an enterprise seal is remade when the certificates
    /// allowed to use it change.
    pub version: u32,
    /// The name on the seal (the enterprise's or the holder's).
    pub name: String,
    /// The certificates it lists as allowed to use it (ids).
    pub certificates: Vec<String>,
    /// Valid from, RFC 3339.
    pub valid_start: String,
    /// Valid until, RFC 3339.
    pub valid_end: String,
    /// The picture's width and height in millimetres.
    pub size_mm: [u32; 2],
    /// The seal picture, a PNG, base64.
    #[schema(content_encoding = "base64")]
    pub picture_png: String,
    /// DER(`SES_Seal`), GB/T 38540 v4, base64: verifiable with the seal
    /// maker's certificate it carries.
    #[schema(content_encoding = "base64")]
    pub seal_der: String,
}

fn unix(since_epoch: std::time::Duration) -> String {
    time(Timestamp(since_epoch.as_secs() as i64))
}

impl SealItem {
    fn new(record: &SealRecord) -> Result<Self, ApiError> {
        let seal = v4::Seal::from_der(&record.der).map_err(|e| ApiError::internal(&e))?;
        let info = &seal.info;
        let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
        let (kind, enterprise_id) = match record.owner {
            SealOwner::Certificate(_) => ("personal", None),
            SealOwner::Enterprise(id) => ("enterprise", Some(id.to_string())),
        };
        Ok(SealItem {
            es_id: record.es_id.clone(),
            kind: kind.to_owned(),
            enterprise_id,
            version: record.version,
            name: info.property.name.clone(),
            certificates: record.signers.iter().map(|c| c.to_string()).collect(),
            valid_start: unix(info.property.valid_start.to_unix_duration()),
            valid_end: unix(info.property.valid_end.to_unix_duration()),
            size_mm: [info.picture.width, info.picture.height],
            picture_png: b64(info.picture.data.as_bytes()),
            seal_der: b64(&record.der),
        })
    }
}

/// The seals the user can seal with now: one per unrevoked, unexpired
/// personal certificate (its holder's signature picture) and one per
/// enterprise they may seal for (the picture found in its stamped claim
/// form, B3). Sessions of kind `seal` sign with these.
#[utoipa::path(get, path = "/api/app/v1/me/seals", tag = "certificates",
    security(("device" = [])),
    responses((status = 200, body = Vec<SealItem>),
        (status = 401, body = Problem, content_type = "application/problem+json")))]
pub async fn list(
    State(state): State<AppState>,
    req: Signed<()>,
) -> Result<Json<Vec<SealItem>>, ApiError> {
    let seals = state.certs.seals.mine(req.caller.user).await?;
    Ok(Json(
        seals.iter().map(SealItem::new).collect::<Result<_, _>>()?,
    ))
}
