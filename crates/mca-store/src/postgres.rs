//! The PostgreSQL backend, for several server instances behind a load
//! balancer. Cross-instance rules (code attempts, single use, nonces, the
//! audit chain) rest on conditional statements and constraints, which
//! PostgreSQL applies atomically per row.

use std::str::FromStr;
use std::time::Duration;

use mca_domain::StoreError;
use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

/// The store traits on a PostgreSQL database.
#[derive(Clone, Debug)]
pub struct PgStore {
    pub(crate) pool: PgPool,
}

impl PgStore {
    /// Connects to a `postgres:` URL.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        Self::connect_options(PgConnectOptions::from_str(url).map_err(db("parse postgres url"))?)
            .await
    }

    /// Connects with every session's `search_path` set to `schema`, so all
    /// tables (and the migration ledger) live there: isolated scratch
    /// databases for tests sharing one server.
    pub async fn connect_in_schema(url: &str, schema: &str) -> Result<Self, StoreError> {
        let options = PgConnectOptions::from_str(url)
            .map_err(db("parse postgres url"))?
            .options([("search_path", schema)]);
        Self::connect_options(options).await
    }

    async fn connect_options(options: PgConnectOptions) -> Result<Self, StoreError> {
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await
            .map_err(db("connect postgres"))?;
        Ok(Self { pool })
    }
}

crate::queries::impl_store_traits!(PgStore, sqlx::Postgres, "migrations/postgres");
