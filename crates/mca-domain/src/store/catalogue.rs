use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::StoreResult;
use crate::{CaId, PlatformId, ProvinceId, ValidityOptionId};

/// A province (M2). `code` is the GB/T 2260 two-digit code, unique.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Province {
    /// The province.
    pub id: ProvinceId,
    /// GB/T 2260 code, e.g. "33" for 浙江省.
    pub code: String,
    /// Its name, unique.
    pub name: String,
}

/// A trading platform (交易平台) in a province. Name unique.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TradingPlatform {
    /// The platform.
    pub id: PlatformId,
    /// Its province.
    pub province_id: ProvinceId,
    /// E.g. 浙江省公共资源交易中心.
    pub name: String,
    /// Its public web address.
    pub url: String,
}

/// A CA organization issuing certificates through Mobile CA. Name unique.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaOrganization {
    /// The CA.
    pub id: CaId,
    /// E.g. 浙江省数字安全证书管理有限公司.
    pub name: String,
    /// E.g. ZJCA.
    pub short_name: String,
}

/// A validity period a CA offers, with its price. (ca, years) unique.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValidityOption {
    /// The option.
    pub id: ValidityOptionId,
    /// The CA offering it.
    pub ca_id: CaId,
    /// 1–10 years.
    pub years: u32,
    /// Price in fen (分), integer.
    pub price_fen: i64,
}

/// The catalogue (M2). `insert_*` and `update_*` answer `Conflict` on a
/// duplicate natural key or a dangling reference; `delete_*` answers
/// `Conflict` while other entries still reference the row.
#[async_trait]
pub trait CatalogueStore: Send + Sync {
    /// All provinces by code.
    async fn provinces(&self) -> StoreResult<Vec<Province>>;
    /// Adds a province.
    async fn insert_province(&self, p: &Province) -> StoreResult<()>;
    /// Replaces a province's fields; `false` if absent.
    async fn update_province(&self, p: &Province) -> StoreResult<bool>;
    /// Deletes a province; `false` if absent.
    async fn delete_province(&self, id: ProvinceId) -> StoreResult<bool>;

    /// All trading platforms by name.
    async fn platforms(&self) -> StoreResult<Vec<TradingPlatform>>;
    /// Adds a platform.
    async fn insert_platform(&self, p: &TradingPlatform) -> StoreResult<()>;
    /// Replaces a platform's fields; `false` if absent.
    async fn update_platform(&self, p: &TradingPlatform) -> StoreResult<bool>;
    /// Deletes a platform; `false` if absent.
    async fn delete_platform(&self, id: PlatformId) -> StoreResult<bool>;

    /// All CA organizations by name.
    async fn ca_organizations(&self) -> StoreResult<Vec<CaOrganization>>;
    /// Adds a CA.
    async fn insert_ca(&self, ca: &CaOrganization) -> StoreResult<()>;
    /// Replaces a CA's fields; `false` if absent.
    async fn update_ca(&self, ca: &CaOrganization) -> StoreResult<bool>;
    /// Deletes a CA; `false` if absent.
    async fn delete_ca(&self, id: CaId) -> StoreResult<bool>;

    /// All validity options by CA and years.
    async fn validity_options(&self) -> StoreResult<Vec<ValidityOption>>;
    /// Adds an option.
    async fn insert_validity_option(&self, v: &ValidityOption) -> StoreResult<()>;
    /// Replaces an option's fields; `false` if absent.
    async fn update_validity_option(&self, v: &ValidityOption) -> StoreResult<bool>;
    /// Deletes an option; `false` if absent.
    async fn delete_validity_option(&self, id: ValidityOptionId) -> StoreResult<bool>;
}
