//! The catalogue as a file, for operators (`mca catalogue seed | import |
//! export`): entries nested under their parent and named by their natural
//! keys (province code, platform name, CA short name, years), never by
//! database ids, so a file exported from one deployment imports into
//! another and importing it twice changes nothing the second time.
//!
//! An import checks the whole file (every value, duplicates inside the
//! file, and clashes with stored rows under another key) before it writes
//! anything, so a bad file stores nothing.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use super::{
    Catalogue, check_ca, check_platform, check_province, check_validity, tolerate_conflict,
};
use crate::store::{CaOrganization, Province, TradingPlatform, ValidityOption};
use crate::{CaId, DomainError, PlatformId, ProvinceId, Result, ValidityOptionId};

/// A whole catalogue.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogueFile {
    /// Provinces with their trading platforms.
    #[serde(default)]
    pub provinces: Vec<ProvinceEntry>,
    /// CA organizations with their validity options.
    #[serde(default)]
    pub ca_organizations: Vec<CaEntry>,
}

/// A province, keyed by its GB/T 2260 code.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProvinceEntry {
    /// "33".
    pub code: String,
    /// 浙江省.
    pub name: String,
    /// Its trading platforms.
    #[serde(default)]
    pub platforms: Vec<PlatformEntry>,
}

/// A trading platform, keyed by its name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlatformEntry {
    /// 浙江省公共资源交易中心.
    pub name: String,
    /// `https://…`.
    pub url: String,
}

/// A CA organization, keyed by its short name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaEntry {
    /// 浙江省数字安全证书管理有限公司.
    pub name: String,
    /// ZJCA.
    pub short_name: String,
    /// What it offers.
    #[serde(default)]
    pub validity_options: Vec<ValidityEntry>,
}

/// A validity option, keyed by its CA and years.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValidityEntry {
    /// 1–10.
    pub years: u32,
    /// Price in fen.
    pub price_fen: i64,
}

/// What an existing entry of the file does to the stored one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImportMode {
    /// Only entries missing from the store are added; stored ones are left
    /// as the operator edited them (the built-in seed).
    AddMissing,
    /// Missing entries are added and stored ones take the file's values.
    Update,
}

/// How many entries an import added, changed and found as they were.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    /// Inserted.
    pub added: usize,
    /// Replaced with the file's values.
    pub updated: usize,
    /// Already stored as the file says (or left alone by `AddMissing`).
    pub unchanged: usize,
}

/// A refused file: where in it, and why.
#[derive(Debug, thiserror::Error)]
#[error("{at}: {}", error.message())]
pub struct FileError {
    /// `provinces[0].platforms[1].url`.
    pub at: String,
    /// The refusal (`invalid_input`, `already_exists`, …) or a store error.
    pub error: DomainError,
}

fn at(path: String) -> impl FnOnce(DomainError) -> FileError {
    move |error| FileError { at: path, error }
}

/// Refuses a second entry with the same key in one list.
fn unique<'a>(
    seen: &mut HashSet<&'a str>,
    key: &'a str,
    path: String,
) -> std::result::Result<(), FileError> {
    if seen.insert(key) {
        Ok(())
    } else {
        Err(FileError {
            at: path,
            error: DomainError::AlreadyExists,
        })
    }
}

impl CatalogueFile {
    /// 浙江省, its provincial and three city trading centres, two CAs and
    /// their 1/2/3-year options (300/500/700 and 280/500/680 yuan, typical
    /// prices for bidding certificates).
    pub fn zhejiang() -> Self {
        let platform = |name: &str, url: &str| PlatformEntry {
            name: name.into(),
            url: url.into(),
        };
        let ca = |name: &str, short_name: &str, prices: [i64; 3]| CaEntry {
            name: name.into(),
            short_name: short_name.into(),
            validity_options: (1..=3)
                .zip(prices)
                .map(|(years, price_fen)| ValidityEntry { years, price_fen })
                .collect(),
        };
        CatalogueFile {
            provinces: vec![ProvinceEntry {
                code: "33".into(),
                name: "浙江省".into(),
                platforms: vec![
                    platform("浙江省公共资源交易中心", "https://ggzy.zj.gov.cn"),
                    platform(
                        "杭州市公共资源交易中心",
                        "https://ggzy.hzctc.hangzhou.gov.cn",
                    ),
                    platform("宁波市公共资源交易中心", "https://ggzy.ningbo.gov.cn"),
                    platform("温州市公共资源交易中心", "https://ggzy.wenzhou.gov.cn"),
                ],
            }],
            ca_organizations: vec![
                ca(
                    "浙江省数字安全证书管理有限公司",
                    "ZJCA",
                    [30_000, 50_000, 70_000],
                ),
                ca(
                    "北京天威诚信电子商务服务有限公司",
                    "iTrusChina",
                    [28_000, 50_000, 68_000],
                ),
            ],
        }
    }

    /// Every value checked as the operator API checks it, no key twice in
    /// the file.
    fn check(&self) -> std::result::Result<(), FileError> {
        let (mut codes, mut names, mut platforms) =
            (HashSet::new(), HashSet::new(), HashSet::new());
        for (i, p) in self.provinces.iter().enumerate() {
            let path = format!("provinces[{i}]");
            check_province(&Province {
                id: ProvinceId::new(),
                code: p.code.clone(),
                name: p.name.clone(),
            })
            .map_err(at(path.clone()))?;
            unique(&mut codes, &p.code, format!("{path}.code"))?;
            unique(&mut names, &p.name, format!("{path}.name"))?;
            for (j, t) in p.platforms.iter().enumerate() {
                let path = format!("{path}.platforms[{j}]");
                check_platform(&TradingPlatform {
                    id: PlatformId::new(),
                    province_id: ProvinceId::new(),
                    name: t.name.clone(),
                    url: t.url.clone(),
                })
                .map_err(at(path.clone()))?;
                unique(&mut platforms, &t.name, format!("{path}.name"))?;
            }
        }
        let (mut shorts, mut names) = (HashSet::new(), HashSet::new());
        for (i, c) in self.ca_organizations.iter().enumerate() {
            let path = format!("ca_organizations[{i}]");
            check_ca(&CaOrganization {
                id: CaId::new(),
                name: c.name.clone(),
                short_name: c.short_name.clone(),
            })
            .map_err(at(path.clone()))?;
            unique(&mut shorts, &c.short_name, format!("{path}.short_name"))?;
            unique(&mut names, &c.name, format!("{path}.name"))?;
            let mut years = HashSet::new();
            for (j, v) in c.validity_options.iter().enumerate() {
                let path = format!("{path}.validity_options[{j}]");
                check_validity(&ValidityOption {
                    id: ValidityOptionId::new(),
                    ca_id: CaId::new(),
                    years: v.years,
                    price_fen: v.price_fen,
                })
                .map_err(at(path.clone()))?;
                if !years.insert(v.years) {
                    return Err(at(format!("{path}.years"))(DomainError::AlreadyExists));
                }
            }
        }
        Ok(())
    }
}

impl Catalogue {
    /// Imports `file`: checks all of it, then adds what is missing and, in
    /// [`ImportMode::Update`], gives stored entries the file's values.
    /// Nothing is deleted. One audit entry records a change.
    pub async fn import(
        &self,
        file: &CatalogueFile,
        mode: ImportMode,
    ) -> std::result::Result<ImportReport, FileError> {
        let store_error = |e: DomainError| FileError {
            at: "catalogue".into(),
            error: e,
        };
        file.check()?;
        let stored = self.all().await.map_err(store_error)?;
        // A unique name held by a stored row under another key would fail
        // halfway through the writes: refuse it before the first one.
        for (i, p) in file.provinces.iter().enumerate() {
            if stored
                .provinces
                .iter()
                .any(|s| s.name == p.name && s.code != p.code)
            {
                return Err(at(format!("provinces[{i}].name"))(
                    DomainError::AlreadyExists,
                ));
            }
        }
        for (i, c) in file.ca_organizations.iter().enumerate() {
            if stored
                .ca_organizations
                .iter()
                .any(|s| s.name == c.name && s.short_name != c.short_name)
            {
                return Err(at(format!("ca_organizations[{i}].name"))(
                    DomainError::AlreadyExists,
                ));
            }
        }
        let mut report = ImportReport::default();
        self.import_checked(file, mode, &mut report)
            .await
            .map_err(store_error)?;
        if report.added + report.updated > 0 {
            let detail = format!("added {} updated {}", report.added, report.updated);
            self.audit
                .append("operator", "catalogue_imported", "catalogue", &detail)
                .await
                .map_err(store_error)?;
        }
        Ok(report)
    }

    /// The writes of a checked file; a concurrent importer's insert of the
    /// same key is tolerated (the row is then re-read).
    async fn import_checked(
        &self,
        file: &CatalogueFile,
        mode: ImportMode,
        report: &mut ImportReport,
    ) -> Result<()> {
        let update = mode == ImportMode::Update;
        let mut count = |changed: Option<bool>| match changed {
            None => report.added += 1,
            Some(true) if update => report.updated += 1,
            Some(_) => report.unchanged += 1,
        };
        for p in &file.provinces {
            let found = self
                .store
                .provinces()
                .await?
                .into_iter()
                .find(|s| s.code == p.code);
            let province = match found {
                Some(mut s) => {
                    count(Some(s.name != p.name));
                    if update && s.name != p.name {
                        s.name.clone_from(&p.name);
                        self.store.update_province(&s).await?;
                    }
                    s
                }
                None => {
                    count(None);
                    let new = Province {
                        id: ProvinceId::new(),
                        code: p.code.clone(),
                        name: p.name.clone(),
                    };
                    tolerate_conflict(self.store.insert_province(&new).await)?;
                    self.store
                        .provinces()
                        .await?
                        .into_iter()
                        .find(|s| s.code == p.code)
                        .ok_or(DomainError::NotFound("province"))?
                }
            };
            let stored = self.store.platforms().await?;
            for t in &p.platforms {
                match stored.iter().find(|s| s.name == t.name) {
                    Some(s) => {
                        let changed = s.url != t.url || s.province_id != province.id;
                        count(Some(changed));
                        if update && changed {
                            let mut s = s.clone();
                            s.url.clone_from(&t.url);
                            s.province_id = province.id;
                            self.store.update_platform(&s).await?;
                        }
                    }
                    None => {
                        count(None);
                        tolerate_conflict(
                            self.store
                                .insert_platform(&TradingPlatform {
                                    id: PlatformId::new(),
                                    province_id: province.id,
                                    name: t.name.clone(),
                                    url: t.url.clone(),
                                })
                                .await,
                        )?;
                    }
                }
            }
        }
        for c in &file.ca_organizations {
            let found = self
                .store
                .ca_organizations()
                .await?
                .into_iter()
                .find(|s| s.short_name == c.short_name);
            let ca = match found {
                Some(mut s) => {
                    count(Some(s.name != c.name));
                    if update && s.name != c.name {
                        s.name.clone_from(&c.name);
                        self.store.update_ca(&s).await?;
                    }
                    s
                }
                None => {
                    count(None);
                    let new = CaOrganization {
                        id: CaId::new(),
                        name: c.name.clone(),
                        short_name: c.short_name.clone(),
                    };
                    tolerate_conflict(self.store.insert_ca(&new).await)?;
                    self.store
                        .ca_organizations()
                        .await?
                        .into_iter()
                        .find(|s| s.short_name == c.short_name)
                        .ok_or(DomainError::NotFound("ca"))?
                }
            };
            let stored = self.store.validity_options().await?;
            for v in &c.validity_options {
                match stored
                    .iter()
                    .find(|s| s.ca_id == ca.id && s.years == v.years)
                {
                    Some(s) => {
                        count(Some(s.price_fen != v.price_fen));
                        if update && s.price_fen != v.price_fen {
                            let mut s = s.clone();
                            s.price_fen = v.price_fen;
                            self.store.update_validity_option(&s).await?;
                        }
                    }
                    None => {
                        count(None);
                        tolerate_conflict(
                            self.store
                                .insert_validity_option(&ValidityOption {
                                    id: ValidityOptionId::new(),
                                    ca_id: ca.id,
                                    years: v.years,
                                    price_fen: v.price_fen,
                                })
                                .await,
                        )?;
                    }
                }
            }
        }
        Ok(())
    }

    /// The stored catalogue as a file (what `import` reads back).
    pub async fn export(&self) -> Result<CatalogueFile> {
        let all = self.all().await?;
        Ok(CatalogueFile {
            provinces: all
                .provinces
                .iter()
                .map(|p| ProvinceEntry {
                    code: p.code.clone(),
                    name: p.name.clone(),
                    platforms: all
                        .platforms
                        .iter()
                        .filter(|t| t.province_id == p.id)
                        .map(|t| PlatformEntry {
                            name: t.name.clone(),
                            url: t.url.clone(),
                        })
                        .collect(),
                })
                .collect(),
            ca_organizations: all
                .ca_organizations
                .iter()
                .map(|c| CaEntry {
                    name: c.name.clone(),
                    short_name: c.short_name.clone(),
                    validity_options: all
                        .validity_options
                        .iter()
                        .filter(|v| v.ca_id == c.id)
                        .map(|v| ValidityEntry {
                            years: v.years,
                            price_fen: v.price_fen,
                        })
                        .collect(),
                })
                .collect(),
        })
    }
}
