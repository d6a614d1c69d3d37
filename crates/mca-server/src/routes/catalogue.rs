//! The catalogue (M2) as the app reads it.

use axum::Json;
use axum::extract::State;
use mca_domain::catalogue::CatalogueView;
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::state::AppState;

/// A province (省).
#[derive(Debug, Serialize, ToSchema)]
pub struct ProvinceView {
    /// Id.
    pub id: String,
    /// Province code (GB/T 2260 first two digits), e.g. `33`.
    pub code: String,
    /// Name, e.g. `浙江省`.
    pub name: String,
}

/// A trading platform (交易平台).
#[derive(Debug, Serialize, ToSchema)]
pub struct PlatformView {
    /// Id.
    pub id: String,
    /// Its province.
    pub province_id: String,
    /// Name, e.g. `浙江省公共资源交易中心`.
    pub name: String,
    /// Web address.
    pub url: String,
}

/// A CA organization (发证机构).
#[derive(Debug, Serialize, ToSchema)]
pub struct CaView {
    /// Id.
    pub id: String,
    /// Full name.
    pub name: String,
    /// Short name, e.g. `ZJCA`.
    pub short_name: String,
}

/// A validity period of one CA with its fee.
#[derive(Debug, Serialize, ToSchema)]
pub struct ValidityView {
    /// Id.
    pub id: String,
    /// The CA.
    pub ca_id: String,
    /// Years.
    pub years: u32,
    /// Price in fen (分).
    pub price_fen: i64,
}

/// The whole catalogue.
#[derive(Debug, Serialize, ToSchema)]
pub struct CatalogueResponse {
    /// Provinces.
    pub provinces: Vec<ProvinceView>,
    /// Trading platforms.
    pub platforms: Vec<PlatformView>,
    /// CA organizations.
    pub ca_organizations: Vec<CaView>,
    /// Validity options with prices.
    pub validity_options: Vec<ValidityView>,
}

impl From<CatalogueView> for CatalogueResponse {
    fn from(c: CatalogueView) -> Self {
        CatalogueResponse {
            provinces: c
                .provinces
                .into_iter()
                .map(|p| ProvinceView {
                    id: p.id.to_string(),
                    code: p.code,
                    name: p.name,
                })
                .collect(),
            platforms: c
                .platforms
                .into_iter()
                .map(|p| PlatformView {
                    id: p.id.to_string(),
                    province_id: p.province_id.to_string(),
                    name: p.name,
                    url: p.url,
                })
                .collect(),
            ca_organizations: c
                .ca_organizations
                .into_iter()
                .map(|o| CaView {
                    id: o.id.to_string(),
                    name: o.name,
                    short_name: o.short_name,
                })
                .collect(),
            validity_options: c
                .validity_options
                .into_iter()
                .map(|v| ValidityView {
                    id: v.id.to_string(),
                    ca_id: v.ca_id.to_string(),
                    years: v.years,
                    price_fen: v.price_fen,
                })
                .collect(),
        }
    }
}

/// Provinces, trading platforms, CA organizations and validity options
/// with prices. Public: the app shows it before login too.
#[utoipa::path(get, path = "/api/app/v1/catalogue", tag = "catalogue",
    responses((status = 200, body = CatalogueResponse)))]
pub async fn get(State(state): State<AppState>) -> Result<Json<CatalogueResponse>, ApiError> {
    Ok(Json(state.services.catalogue.all().await?.into()))
}
