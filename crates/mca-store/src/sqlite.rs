//! The SQLite backend, the embedded default: one file, WAL journal (readers
//! never block the writer), foreign keys enforced, a busy timeout so
//! concurrent writers wait instead of failing.

use std::str::FromStr;
use std::time::Duration;

use mca_domain::StoreError;
use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

/// The store traits on a SQLite database.
#[derive(Clone, Debug)]
pub struct SqliteStore {
    pub(crate) pool: SqlitePool,
}

impl SqliteStore {
    /// Opens (creating it and its directory if missing) the database at a
    /// `sqlite:` URL, e.g. `sqlite://mca-data/mca.db`; `sqlite::memory:`
    /// gives a private in-memory database on one connection.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::from_str(url).map_err(db("parse sqlite url"))?;
        let file = options.get_filename();
        let in_memory = file.as_os_str().is_empty() || file.to_string_lossy().starts_with(':');
        if let Some(dir) = file
            .parent()
            .filter(|d| !in_memory && !d.as_os_str().is_empty())
        {
            std::fs::create_dir_all(dir).map_err(|e| {
                StoreError::new(
                    mca_domain::StoreErrorKind::Unavailable,
                    "create database directory",
                    e,
                )
            })?;
        }
        let options = options
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5));
        // Every connection to `sqlite::memory:` is a database of its own:
        // keep exactly one, forever.
        let pool = if in_memory {
            SqlitePoolOptions::new()
                .max_connections(1)
                .min_connections(1)
                .idle_timeout(None)
                .max_lifetime(None)
        } else {
            SqlitePoolOptions::new().max_connections(8)
        };
        let pool = pool
            .connect_with(options)
            .await
            .map_err(db("open sqlite"))?;
        Ok(Self { pool })
    }
}

crate::queries::impl_store_traits!(SqliteStore, sqlx::Sqlite, "migrations/sqlite");
