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
