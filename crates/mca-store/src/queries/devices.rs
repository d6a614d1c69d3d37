//! Devices, their sessions and nonces. Expanded into each backend module by
//! [`impl_store_traits`](super::impl_store_traits), where `DbRow`, `get`,
//! `db` and the domain types are in scope.

macro_rules! impl_device_store {
    ($store:ty) => {
        fn device_row(r: &DbRow) -> StoreResult<Device> {
            Ok(Device {
                id: convert::id(&get::<String>(r, "id")?)?,
                user_id: convert::id(&get::<String>(r, "user_id")?)?,
                name: get(r, "name")?,
                public_key: get(r, "public_key")?,
                created_at: Timestamp(get(r, "created_at")?),
            })
        }

        fn session_row(r: &DbRow) -> StoreResult<Session> {
            Ok(Session {
                token_hash: convert::hash32(&get::<Vec<u8>>(r, "token_hash")?)?,
                user_id: convert::id(&get::<String>(r, "user_id")?)?,
                device_id: convert::id(&get::<String>(r, "device_id")?)?,
                created_at: Timestamp(get(r, "created_at")?),
                expires_at: Timestamp(get(r, "expires_at")?),
            })
        }

        #[async_trait]
        impl DeviceStore for $store {
            async fn insert_device(&self, d: &Device) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO devices (id, user_id, name, public_key, created_at) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(d.id.to_string())
                .bind(d.user_id.to_string())
                .bind(&d.name)
                .bind(&d.public_key)
                .bind(d.created_at.0)
                .execute(&self.pool)
                .await
                .map_err(db("insert device"))?;
                Ok(())
            }

            async fn device(&self, id: DeviceId) -> StoreResult<Option<Device>> {
                sqlx::query("SELECT * FROM devices WHERE id = $1")
                    .bind(id.to_string())
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db("select device"))?
                    .as_ref()
                    .map(device_row)
                    .transpose()
            }

            async fn devices_of(&self, user: UserId) -> StoreResult<Vec<Device>> {
                sqlx::query("SELECT * FROM devices WHERE user_id = $1 ORDER BY created_at, id")
                    .bind(user.to_string())
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db("select devices"))?
                    .iter()
                    .map(device_row)
                    .collect()
            }

            async fn delete_device(&self, user: UserId, id: DeviceId) -> StoreResult<bool> {
                let r = sqlx::query("DELETE FROM devices WHERE id = $1 AND user_id = $2")
                    .bind(id.to_string())
                    .bind(user.to_string())
                    .execute(&self.pool)
                    .await
                    .map_err(db("delete device"))?;
                Ok(r.rows_affected() == 1)
            }

            async fn insert_session(&self, s: &Session) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO sessions (token_hash, user_id, device_id, created_at, expires_at) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(&s.token_hash[..])
                .bind(s.user_id.to_string())
                .bind(s.device_id.to_string())
                .bind(s.created_at.0)
                .bind(s.expires_at.0)
                .execute(&self.pool)
                .await
                .map_err(db("insert session"))?;
                Ok(())
            }

            async fn session(&self, token_hash: &[u8; 32]) -> StoreResult<Option<Session>> {
                sqlx::query("SELECT * FROM sessions WHERE token_hash = $1")
                    .bind(&token_hash[..])
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db("select session"))?
                    .as_ref()
                    .map(session_row)
                    .transpose()
            }

            async fn prune_sessions(&self, before: Timestamp) -> StoreResult<u64> {
                let r = sqlx::query("DELETE FROM sessions WHERE expires_at < $1")
                    .bind(before.0)
                    .execute(&self.pool)
                    .await
                    .map_err(db("prune sessions"))?;
                Ok(r.rows_affected())
            }

            async fn record_nonce(
                &self,
                device: DeviceId,
                nonce: &str,
                at: Timestamp,
            ) -> StoreResult<bool> {
                let r = sqlx::query(
                    "INSERT INTO device_nonces (device_id, nonce, seen_at) VALUES ($1, $2, $3) \
                     ON CONFLICT (device_id, nonce) DO NOTHING",
                )
                .bind(device.to_string())
                .bind(nonce)
                .bind(at.0)
                .execute(&self.pool)
                .await
                .map_err(db("record nonce"))?;
                Ok(r.rows_affected() == 1)
            }

            async fn prune_nonces(&self, before: Timestamp) -> StoreResult<u64> {
                let r = sqlx::query("DELETE FROM device_nonces WHERE seen_at < $1")
                    .bind(before.0)
                    .execute(&self.pool)
                    .await
                    .map_err(db("prune nonces"))?;
                Ok(r.rows_affected())
            }
        }
    };
}

pub(crate) use impl_device_store;
