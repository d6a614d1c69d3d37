//! Real-name verification records (A3). Expanded into each backend module by
//! [`impl_store_traits`](super::impl_store_traits), where `DbRow`, `get`,
//! `db` and the domain types are in scope.

macro_rules! impl_identity_store {
    ($store:ty) => {
        fn identity_row(r: &DbRow) -> StoreResult<IdentityRecord> {
            Ok(IdentityRecord {
                user_id: convert::id(&get::<String>(r, "user_id")?)?,
                name: convert::name(&get::<String>(r, "name")?)?,
                id_number_masked: get(r, "id_number_masked")?,
                id_number_sealed: get(r, "id_number_sealed")?,
                state: convert::identity_state(&get::<String>(r, "state")?)?,
                face_session: get(r, "face_session")?,
                updated_at: Timestamp(get(r, "updated_at")?),
            })
        }

        #[async_trait]
        impl IdentityStore for $store {
            async fn put_identity(&self, r: &IdentityRecord) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO identities (user_id, name, id_number_masked, id_number_sealed, \
                     state, face_session, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
                     ON CONFLICT (user_id) DO UPDATE SET name = excluded.name, \
                     id_number_masked = excluded.id_number_masked, \
                     id_number_sealed = excluded.id_number_sealed, state = excluded.state, \
                     face_session = excluded.face_session, updated_at = excluded.updated_at",
                )
                .bind(r.user_id.to_string())
                .bind(r.name.as_str())
                .bind(&r.id_number_masked)
                .bind(&r.id_number_sealed)
                .bind(r.state.as_str())
                .bind(r.face_session.as_deref())
                .bind(r.updated_at.0)
                .execute(&self.pool)
                .await
                .map_err(db("put identity"))?;
                Ok(())
            }

            async fn identity(&self, user: UserId) -> StoreResult<Option<IdentityRecord>> {
                sqlx::query("SELECT * FROM identities WHERE user_id = $1")
                    .bind(user.to_string())
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db("select identity"))?
                    .as_ref()
                    .map(identity_row)
                    .transpose()
            }

            async fn mark_identity_verified(&self, user: UserId, at: Timestamp) -> StoreResult<bool> {
                let mut tx = self.pool.begin().await.map_err(db("begin"))?;
                let r = sqlx::query(
                    "UPDATE identities SET state = $1, face_session = NULL, updated_at = $2 \
                     WHERE user_id = $3",
                )
                .bind(IdentityState::Verified.as_str())
                .bind(at.0)
                .bind(user.to_string())
                .execute(&mut *tx)
                .await
                .map_err(db("verify identity"))?;
                if r.rows_affected() != 1 {
                    return Ok(false);
                }
                sqlx::query("UPDATE users SET verified_at = $1 WHERE id = $2")
                    .bind(at.0)
                    .bind(user.to_string())
                    .execute(&mut *tx)
                    .await
                    .map_err(db("verify user"))?;
                tx.commit().await.map_err(db("commit"))?;
                Ok(true)
            }
        }

    };
}

pub(crate) use impl_identity_store;
