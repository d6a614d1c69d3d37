//! Storage for Mobile CA: the `mca_domain::store` traits on SQLite (the
//! embedded default) and PostgreSQL (several instances behind a load
//! balancer), picked by URL scheme.
//!
//! Both backends run the same SQL (see `queries`) over
//! two migration sets, `migrations/sqlite/` and `migrations/postgres/`,
//! which must stay identical in meaning: `tests/migrations.rs` fails if
//! their file names, tables or columns differ.
//!
//! # Layout
//! - [`connect`] and [`Database`]: open a backend by URL, migrate, hand the
//!   services an `Arc<dyn Store>`.
//! - [`sqlite`]: [`SqliteStore`] (WAL, foreign keys, busy timeout).
//! - [`postgres`]: [`PgStore`] (optionally confined to one schema).
//! - `queries`: the SQL of every store trait, once, for both backends.
//! - `convert`, `error`: column ↔ domain values; sqlx errors → `StoreError`.
//! - [`scratch`]: throw-away databases for tests (a temp SQLite file, or a
//!   fresh PostgreSQL schema dropped afterwards).

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod convert;
mod error;
pub mod postgres;
mod queries;
pub mod scratch;
pub mod sqlite;

use std::sync::Arc;

use mca_domain::{Store, StoreError, StoreErrorKind};

pub use postgres::PgStore;
pub use sqlite::SqliteStore;

/// An opened database of either backend.
#[derive(Clone, Debug)]
pub enum Database {
    /// `sqlite:` URLs.
    Sqlite(SqliteStore),
    /// `postgres:` / `postgresql:` URLs.
    Postgres(PgStore),
}

/// Opens the database at `url`, choosing the backend by scheme: `sqlite:`
/// (e.g. `sqlite://mca-data/mca.db`, created if missing) or `postgres:` /
/// `postgresql:`. Does not migrate.
pub async fn connect(url: &str) -> Result<Database, StoreError> {
    if url.starts_with("sqlite:") {
        Ok(Database::Sqlite(SqliteStore::connect(url).await?))
    } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        Ok(Database::Postgres(PgStore::connect(url).await?))
    } else {
        Err(StoreError::plain(
            StoreErrorKind::Other,
            "database URL scheme (sqlite: or postgres:)",
        ))
    }
}

impl Database {
    /// Applies the backend's pending migrations (`mca migrate`; also safe to
    /// run at every start: applied versions are skipped, and a changed
    /// applied migration is refused).
    pub async fn migrate(&self) -> Result<(), StoreError> {
        match self {
            Self::Sqlite(s) => s.migrate().await,
            Self::Postgres(s) => s.migrate().await,
        }
    }

    /// Checks that the database answers (for the readiness endpoint).
    pub async fn ping(&self) -> Result<(), StoreError> {
        match self {
            Self::Sqlite(s) => s.ping().await,
            Self::Postgres(s) => s.ping().await,
        }
    }

    /// `"sqlite"` or `"postgres"`.
    pub fn backend(&self) -> &'static str {
        match self {
            Self::Sqlite(_) => "sqlite",
            Self::Postgres(_) => "postgres",
        }
    }

    /// The store the services use.
    pub fn store(&self) -> Arc<dyn Store> {
        match self {
            Self::Sqlite(s) => Arc::new(s.clone()),
            Self::Postgres(s) => Arc::new(s.clone()),
        }
    }

    /// Closes the connection pool (graceful shutdown).
    pub async fn close(&self) {
        match self {
            Self::Sqlite(s) => s.close().await,
            Self::Postgres(s) => s.close().await,
        }
    }
}
