//! The store traits' SQL, written once. SQLite and PostgreSQL both accept
//! `$N` placeholders, `ON CONFLICT … DO NOTHING` and the same column types
//! through sqlx, so one macro implements every trait for both backends;
//! only the pool type differs. Invariants that must hold across server
//! instances are single conditional statements (see each trait's docs in
//! `mca_domain::store`).
//!
//! One file per aggregate, each a macro expanded by [`impl_store_traits`].

pub(crate) mod accounts;
pub(crate) mod applications;
pub(crate) mod audit;
pub(crate) mod catalogue;
pub(crate) mod devices;
pub(crate) mod enterprises;
pub(crate) mod identity;
pub(crate) mod issuance;
pub(crate) mod keys;
pub(crate) mod messages;
pub(crate) mod relying_parties;
pub(crate) mod rp_steps;
pub(crate) mod seals;

macro_rules! impl_store_traits {
    ($store:ty, $db:ty, $migrations:literal) => {
        use async_trait::async_trait;
        use mca_domain::store::*;
        use mca_domain::*;
        use sqlx::Row;

        use crate::convert;
        use crate::error::db;

        type DbRow = <$db as sqlx::Database>::Row;

        static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!($migrations);

        impl $store {
            /// Applies the pending migrations of this backend's set.
            pub async fn migrate(&self) -> StoreResult<()> {
                MIGRATOR
                    .run(&self.pool)
                    .await
                    .map_err(|e| StoreError::new(StoreErrorKind::Other, "migrate", e))
            }

            /// Checks that the database answers (readiness).
            pub async fn ping(&self) -> StoreResult<()> {
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
            pub fn pool(&self) -> &sqlx::Pool<$db> {
                &self.pool
            }
        }

        fn get<'r, T>(row: &'r DbRow, col: &'static str) -> StoreResult<T>
        where
            T: sqlx::Decode<'r, $db> + sqlx::Type<$db>,
        {
            row.try_get(col).map_err(db("decode column"))
        }

        crate::queries::accounts::impl_account_stores!($store);
        crate::queries::devices::impl_device_store!($store);
        crate::queries::identity::impl_identity_store!($store);
        crate::queries::catalogue::impl_catalogue_store!($store);
        crate::queries::messages::impl_message_store!($store);
        crate::queries::audit::impl_audit_store!($store);
        crate::queries::applications::impl_application_store!($store);
        crate::queries::keys::impl_key_store!($store);
        crate::queries::issuance::impl_issuance_store!($store);
        crate::queries::relying_parties::impl_relying_party_store!($store);
        crate::queries::rp_steps::impl_rp_step_store!($store);
        crate::queries::enterprises::impl_enterprise_store!($store);
        crate::queries::seals::impl_seal_store!($store);
    };
}

pub(crate) use impl_store_traits;
