//! sqlx errors → the domain's opaque [`StoreError`]; the driver's type never
//! crosses the crate boundary.

use mca_domain::{StoreError, StoreErrorKind};

/// Classifies a driver error for `context` (e.g. "insert user").
pub(crate) fn db(context: &'static str) -> impl FnOnce(sqlx::Error) -> StoreError {
    move |e| {
        let kind = match &e {
            sqlx::Error::Database(d) if d.is_unique_violation() => StoreErrorKind::Conflict,
            sqlx::Error::Database(d) if d.is_foreign_key_violation() => StoreErrorKind::Reference,
            sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::WorkerCrashed => StoreErrorKind::Unavailable,
            sqlx::Error::ColumnDecode { .. } | sqlx::Error::Decode(_) => StoreErrorKind::Corrupt,
            _ => StoreErrorKind::Other,
        };
        StoreError::new(kind, context, e)
    }
}

/// A stored value that does not decode into its domain type.
pub(crate) fn corrupt(context: &'static str) -> StoreError {
    StoreError::plain(StoreErrorKind::Corrupt, context)
}
