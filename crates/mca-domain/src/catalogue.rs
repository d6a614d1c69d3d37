//! The catalogue (M2): provinces, trading platforms, CA organizations and
//! validity options with prices in fen; read by everyone, edited by the
//! operator, seeded with Zhejiang data by [`Catalogue::seed_zhejiang`],
//! imported from and exported to a file ([`CatalogueFile`]).

mod file;

use std::sync::Arc;

use serde::Serialize;

pub use file::{
    CaEntry, CatalogueFile, FileError, ImportMode, ImportReport, PlatformEntry, ProvinceEntry,
    ValidityEntry,
};

use crate::store::{CaOrganization, Province, Store, StoreResult, TradingPlatform, ValidityOption};
use crate::{Audit, CaId, DomainError, PlatformId, ProvinceId, Result, ValidityOptionId};

/// The whole catalogue, as the app shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CatalogueView {
    /// Provinces by code.
    pub provinces: Vec<Province>,
    /// Trading platforms by name.
    pub platforms: Vec<TradingPlatform>,
    /// CA organizations by name.
    pub ca_organizations: Vec<CaOrganization>,
    /// Validity options by CA and years.
    pub validity_options: Vec<ValidityOption>,
}

/// The catalogue service.
#[derive(Clone)]
pub struct Catalogue {
    store: Arc<dyn Store>,
    audit: Audit,
}

fn text(field: &'static str, s: &str, max: usize) -> Result<()> {
    let n = s.trim().chars().count();
    if n == 0 || n > max || s.chars().any(char::is_control) {
        return Err(DomainError::InvalidInput(field));
    }
    Ok(())
}

/// Maps a write's outcome: a duplicate natural key is `AlreadyExists`, a
/// foreign-key refusal `on_reference` (the parent is missing, or the row is
/// still in use), a missing row `NotFound(what)`.
fn written(r: StoreResult<bool>, what: &'static str, on_reference: DomainError) -> Result<()> {
    match r {
        Ok(true) => Ok(()),
        Ok(false) => Err(DomainError::NotFound(what)),
        Err(e) if e.is_conflict() => Err(DomainError::AlreadyExists),
        Err(e) if e.is_reference() => Err(on_reference),
        Err(e) => Err(e.into()),
    }
}

fn check_province(p: &Province) -> Result<()> {
    if p.code.len() != 2 || !p.code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(DomainError::InvalidInput("code"));
    }
    text("name", &p.name, 50)
}

fn check_platform(p: &TradingPlatform) -> Result<()> {
    text("name", &p.name, 100)?;
    let url_ok = (p.url.starts_with("https://") || p.url.starts_with("http://"))
        && p.url.len() <= 200
        && !p.url.chars().any(|c| c.is_whitespace() || c.is_control());
    if !url_ok {
        return Err(DomainError::InvalidInput("url"));
    }
    Ok(())
}

fn check_ca(c: &CaOrganization) -> Result<()> {
    text("name", &c.name, 100)?;
    text("short_name", &c.short_name, 20)
}

fn check_validity(v: &ValidityOption) -> Result<()> {
    if !(1..=10).contains(&v.years) {
        return Err(DomainError::InvalidInput("years"));
    }
    if !(0..=100_000_000).contains(&v.price_fen) {
        return Err(DomainError::InvalidInput("price_fen"));
    }
    Ok(())
}

impl Catalogue {
    /// The catalogue on `store`.
    pub fn new(store: Arc<dyn Store>, audit: Audit) -> Self {
        Self { store, audit }
    }

    /// Everything.
    pub async fn all(&self) -> Result<CatalogueView> {
        Ok(CatalogueView {
            provinces: self.store.provinces().await?,
            platforms: self.store.platforms().await?,
            ca_organizations: self.store.ca_organizations().await?,
            validity_options: self.store.validity_options().await?,
        })
    }

    async fn audited(&self, action: &str, subject: String) -> Result<()> {
        self.audit
            .append("operator", action, &subject, "")
            .await
            .map(|_| ())
    }

    /// Adds a province (code "33", name 浙江省).
    pub async fn create_province(&self, p: &Province) -> Result<()> {
        check_province(p)?;
        written(
            self.store.insert_province(p).await.map(|()| true),
            "province",
            DomainError::AlreadyExists,
        )?;
        self.audited("catalogue_province_created", format!("province:{}", p.id))
            .await
    }

    /// Replaces a province.
    pub async fn update_province(&self, p: &Province) -> Result<()> {
        check_province(p)?;
        written(
            self.store.update_province(p).await,
            "province",
            DomainError::AlreadyExists,
        )?;
        self.audited("catalogue_province_updated", format!("province:{}", p.id))
            .await
    }

    /// Deletes a province without platforms.
    pub async fn delete_province(&self, id: ProvinceId) -> Result<()> {
        written(
            self.store.delete_province(id).await,
            "province",
            DomainError::InUse,
        )?;
        self.audited("catalogue_province_deleted", format!("province:{id}"))
            .await
    }

    /// Adds a trading platform in an existing province.
    pub async fn create_platform(&self, p: &TradingPlatform) -> Result<()> {
        check_platform(p)?;
        written(
            self.store.insert_platform(p).await.map(|()| true),
            "platform",
            DomainError::NotFound("province"),
        )?;
        self.audited("catalogue_platform_created", format!("platform:{}", p.id))
            .await
    }

    /// Replaces a trading platform.
    pub async fn update_platform(&self, p: &TradingPlatform) -> Result<()> {
        check_platform(p)?;
        written(
            self.store.update_platform(p).await,
            "platform",
            DomainError::NotFound("province"),
        )?;
        self.audited("catalogue_platform_updated", format!("platform:{}", p.id))
            .await
    }

    /// Deletes a trading platform.
    pub async fn delete_platform(&self, id: PlatformId) -> Result<()> {
        written(
            self.store.delete_platform(id).await,
            "platform",
            DomainError::InUse,
        )?;
        self.audited("catalogue_platform_deleted", format!("platform:{id}"))
            .await
    }

    /// Adds a CA organization.
    pub async fn create_ca(&self, c: &CaOrganization) -> Result<()> {
        check_ca(c)?;
        written(
            self.store.insert_ca(c).await.map(|()| true),
            "ca",
            DomainError::AlreadyExists,
        )?;
        self.audited("catalogue_ca_created", format!("ca:{}", c.id))
            .await
    }

    /// Replaces a CA organization.
    pub async fn update_ca(&self, c: &CaOrganization) -> Result<()> {
        check_ca(c)?;
        written(
            self.store.update_ca(c).await,
            "ca",
            DomainError::AlreadyExists,
        )?;
        self.audited("catalogue_ca_updated", format!("ca:{}", c.id))
            .await
    }

    /// Deletes a CA organization without validity options.
    pub async fn delete_ca(&self, id: CaId) -> Result<()> {
        written(self.store.delete_ca(id).await, "ca", DomainError::InUse)?;
        self.audited("catalogue_ca_deleted", format!("ca:{id}"))
            .await
    }

    /// Adds a validity option (1–10 years, price in fen).
    pub async fn create_validity_option(&self, v: &ValidityOption) -> Result<()> {
        check_validity(v)?;
        written(
            self.store.insert_validity_option(v).await.map(|()| true),
            "validity option",
            DomainError::NotFound("ca"),
        )?;
        self.audited("catalogue_validity_created", format!("validity:{}", v.id))
            .await
    }

    /// Replaces a validity option.
    pub async fn update_validity_option(&self, v: &ValidityOption) -> Result<()> {
        check_validity(v)?;
        written(
            self.store.update_validity_option(v).await,
            "validity option",
            DomainError::NotFound("ca"),
        )?;
        self.audited("catalogue_validity_updated", format!("validity:{}", v.id))
            .await
    }

    /// Deletes a validity option.
    pub async fn delete_validity_option(&self, id: ValidityOptionId) -> Result<()> {
        written(
            self.store.delete_validity_option(id).await,
            "validity option",
            DomainError::InUse,
        )?;
        self.audited("catalogue_validity_deleted", format!("validity:{id}"))
            .await
    }

    /// Seeds 浙江省, its provincial and three city trading platforms, two
    /// CAs and their 1/2/3-year options ([`CatalogueFile::zhejiang`]).
    /// Idempotent: entries are matched by natural key and only missing ones
    /// are added, so an operator's edits survive a restart of `mca up`.
    pub async fn seed_zhejiang(&self) -> Result<()> {
        self.import(&CatalogueFile::zhejiang(), ImportMode::AddMissing)
            .await
            .map(|_| ())
            .map_err(|e| e.error)
    }
}

fn tolerate_conflict(r: StoreResult<()>) -> Result<()> {
    match r {
        Err(e) if !e.is_conflict() => Err(e.into()),
        _ => Ok(()),
    }
}
