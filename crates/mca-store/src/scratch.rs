//! Throw-away, migrated databases for tests: a fresh SQLite file in the
//! temp directory, or a fresh schema on a shared PostgreSQL server (CI and
//! several developers use one database, so each run gets its own schema,
//! named uniquely and dropped by [`Scratch::drop_all`]).

use std::path::PathBuf;

use mca_domain::{StoreError, UserId};

use crate::error::db;
use crate::{Database, PgStore, SqliteStore};

/// The environment variable naming the test PostgreSQL server.
pub const POSTGRES_URL_VAR: &str = "MCA_TEST_POSTGRES_URL";

/// A scratch database and what to remove afterwards.
#[derive(Debug)]
pub struct Scratch {
    /// The migrated database.
    pub db: Database,
    cleanup: Cleanup,
}

#[derive(Debug)]
enum Cleanup {
    File(PathBuf),
    Schema { url: String, schema: String },
}

impl Scratch {
    /// A migrated SQLite database in a new temp file.
    pub async fn sqlite() -> Result<Self, StoreError> {
        let path = std::env::temp_dir().join(format!("mca-test-{}.db", UserId::new()));
        let store = SqliteStore::connect(&format!("sqlite://{}", path.display())).await?;
        store.migrate().await?;
        Ok(Self {
            db: Database::Sqlite(store),
            cleanup: Cleanup::File(path),
        })
    }

    /// A migrated PostgreSQL database in a new schema `mca_test_<uuid>` on
    /// the server at `url`.
    pub async fn postgres(url: &str) -> Result<Self, StoreError> {
        let schema = format!("mca_test_{}", UserId::new().to_string().replace('-', ""));
        let admin = PgStore::connect(url).await?;
        drop_stale_schemas(&admin).await?;
        // The name is generated above from hex digits: safe to splice.
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
            .execute(admin.pool())
            .await
            .map_err(db("create scratch schema"))?;
        admin.close().await;
        let store = PgStore::connect_in_schema(url, &schema).await?;
        store.migrate().await?;
        Ok(Self {
            db: Database::Postgres(store),
            cleanup: Cleanup::Schema {
                url: url.to_owned(),
                schema,
            },
        })
    }

    /// The PostgreSQL scratch database if `MCA_TEST_POSTGRES_URL` is set.
    pub async fn postgres_from_env() -> Result<Option<Self>, StoreError> {
        match std::env::var(POSTGRES_URL_VAR) {
            Ok(url) if !url.is_empty() => Self::postgres(&url).await.map(Some),
            _ => Ok(None),
        }
    }

    /// Another connection pool on the same scratch database, as a second
    /// server instance would have.
    pub async fn second_instance(&self) -> Result<Database, StoreError> {
        match &self.cleanup {
            Cleanup::File(path) => Ok(Database::Sqlite(
                SqliteStore::connect(&format!("sqlite://{}", path.display())).await?,
            )),
            Cleanup::Schema { url, schema } => Ok(Database::Postgres(
                PgStore::connect_in_schema(url, schema).await?,
            )),
        }
    }

    /// Closes the pool and removes the file or drops the schema.
    pub async fn drop_all(self) -> Result<(), StoreError> {
        self.db.close().await;
        match self.cleanup {
            Cleanup::File(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let mut p = path.clone().into_os_string();
                    p.push(suffix);
                    let _ = std::fs::remove_file(p);
                }
                Ok(())
            }
            Cleanup::Schema { url, schema } => {
                let admin = PgStore::connect(&url).await?;
                sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE")))
                    .execute(admin.pool())
                    .await
                    .map_err(db("drop scratch schema"))?;
                admin.close().await;
                Ok(())
            }
        }
    }
}

/// Schemas older than this were left by a test that panicked before its
/// cleanup; the next run drops them.
const STALE_AFTER_MS: u64 = 3_600_000;

/// Drops `mca_test_*` schemas whose UUID v7 timestamp (the first 48 bits,
/// milliseconds) is more than an hour old. Younger ones may belong to a
/// run in progress elsewhere.
async fn drop_stale_schemas(admin: &PgStore) -> Result<(), StoreError> {
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT nspname::text FROM pg_namespace WHERE nspname LIKE 'mca\\_test\\_%'",
    )
    .fetch_all(admin.pool())
    .await
    .map_err(db("list scratch schemas"))?;
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64);
    for name in names {
        let Some(created_ms) = name
            .strip_prefix("mca_test_")
            .and_then(|hex| hex.get(..12))
            .and_then(|ms| u64::from_str_radix(ms, 16).ok())
        else {
            continue;
        };
        let valid = name.len() == "mca_test_".len() + 32
            && name["mca_test_".len()..]
                .bytes()
                .all(|b| b.is_ascii_hexdigit());
        if valid && now_ms.saturating_sub(created_ms) > STALE_AFTER_MS {
            // Best effort: another run may be dropping the same schema.
            let sql = format!("DROP SCHEMA IF EXISTS {name} CASCADE");
            if let Err(e) = sqlx::query(sqlx::AssertSqlSafe(sql))
                .execute(admin.pool())
                .await
            {
                tracing::warn!(schema = %name, error = %e, "stale scratch schema not dropped");
            }
        }
    }
    Ok(())
}
