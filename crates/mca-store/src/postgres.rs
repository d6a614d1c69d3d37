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

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

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

    /// Applies the pending migrations of `migrations/postgres/`.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        MIGRATOR
            .run(&self.pool)
            .await
            .map_err(|e| StoreError::new(mca_domain::StoreErrorKind::Other, "migrate postgres", e))
    }

    /// Checks that the database answers (readiness).
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map_err(db("ping"))?;
        Ok(())
    }

    /// Closes the pool, waiting for connections to finish.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// The pool, for tests that inspect or tamper with rows directly.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}

crate::queries::impl_store_traits!(PgStore, sqlx::Postgres);
