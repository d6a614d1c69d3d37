//! The store traits' SQL, written once. SQLite and PostgreSQL both accept
//! `$N` placeholders, `ON CONFLICT … DO NOTHING` and the same column types
//! through sqlx, so one macro implements every trait for both backends;
//! only the pool type differs. Invariants that must hold across server
//! instances are single conditional statements (see each trait's docs in
//! `mca_domain::store`).

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
                sqlx::query("SELECT 1").execute(&self.pool).await.map_err(db("ping"))?;
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

        fn user_row(r: &DbRow) -> StoreResult<User> {
            Ok(User {
                id: convert::id(&get::<String>(r, "id")?)?,
                phone: convert::phone(&get::<String>(r, "phone")?)?,
                password_hash: get::<Option<String>>(r, "password_hash")?
                    .map(PasswordHash::from_stored),
                verified_at: get::<Option<i64>>(r, "verified_at")?.map(Timestamp),
                created_at: Timestamp(get(r, "created_at")?),
            })
        }

        fn code_row(r: &DbRow) -> StoreResult<CodeRecord> {
            Ok(CodeRecord {
                id: convert::id(&get::<String>(r, "id")?)?,
                phone: convert::phone(&get::<String>(r, "phone")?)?,
                purpose: convert::purpose(&get::<String>(r, "purpose")?)?,
                code_hash: convert::hash32(&get::<Vec<u8>>(r, "code_hash")?)?,
                client_ip: get(r, "client_ip")?,
                created_at: Timestamp(get(r, "created_at")?),
                expires_at: Timestamp(get(r, "expires_at")?),
                attempts: convert::u32_of(get(r, "attempts")?)?,
                consumed_at: get::<Option<i64>>(r, "consumed_at")?.map(Timestamp),
            })
        }

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

        fn message_row(r: &DbRow) -> StoreResult<Message> {
            let action = match (
                get::<Option<String>>(r, "action_name")?,
                get::<Option<String>>(r, "action_target")?,
            ) {
                (Some(name), target) => Some(MessageAction { name, target: target.unwrap_or_default() }),
                (None, _) => None,
            };
            Ok(Message {
                id: convert::id(&get::<String>(r, "id")?)?,
                user_id: convert::id(&get::<String>(r, "user_id")?)?,
                kind: convert::message_kind(&get::<String>(r, "kind")?)?,
                title: get(r, "title")?,
                body: get(r, "body")?,
                action,
                created_at: Timestamp(get(r, "created_at")?),
                read_at: get::<Option<i64>>(r, "read_at")?.map(Timestamp),
            })
        }

        fn audit_row(r: &DbRow) -> StoreResult<AuditEntry> {
            Ok(AuditEntry {
                seq: get(r, "seq")?,
                at: Timestamp(get(r, "at")?),
                actor: get(r, "actor")?,
                action: get(r, "action")?,
                subject: get(r, "subject")?,
                detail: get(r, "detail")?,
                prev_hash: convert::hash32(&get::<Vec<u8>>(r, "prev_hash")?)?,
                hash: convert::hash32(&get::<Vec<u8>>(r, "hash")?)?,
            })
        }

        fn province_row(r: &DbRow) -> StoreResult<Province> {
            Ok(Province {
                id: convert::id(&get::<String>(r, "id")?)?,
                code: get(r, "code")?,
                name: get(r, "name")?,
            })
        }

        fn platform_row(r: &DbRow) -> StoreResult<TradingPlatform> {
            Ok(TradingPlatform {
                id: convert::id(&get::<String>(r, "id")?)?,
                province_id: convert::id(&get::<String>(r, "province_id")?)?,
                name: get(r, "name")?,
                url: get(r, "url")?,
            })
        }

        fn ca_row(r: &DbRow) -> StoreResult<CaOrganization> {
            Ok(CaOrganization {
                id: convert::id(&get::<String>(r, "id")?)?,
                name: get(r, "name")?,
                short_name: get(r, "short_name")?,
            })
        }

        fn validity_row(r: &DbRow) -> StoreResult<ValidityOption> {
            Ok(ValidityOption {
                id: convert::id(&get::<String>(r, "id")?)?,
                ca_id: convert::id(&get::<String>(r, "ca_id")?)?,
                years: convert::u32_of(get(r, "years")?)?,
                price_fen: get(r, "price_fen")?,
            })
        }

        #[async_trait]
        impl UserStore for $store {
            async fn insert_user(&self, u: &User) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO users (id, phone, password_hash, verified_at, created_at) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(u.id.to_string())
                .bind(u.phone.as_str())
                .bind(u.password_hash.as_ref().map(|h| h.as_str()))
                .bind(u.verified_at.map(|t| t.0))
                .bind(u.created_at.0)
                .execute(&self.pool)
                .await
                .map_err(db("insert user"))?;
                Ok(())
            }

            async fn user(&self, id: UserId) -> StoreResult<Option<User>> {
                sqlx::query("SELECT * FROM users WHERE id = $1")
                    .bind(id.to_string())
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db("select user"))?
                    .as_ref()
                    .map(user_row)
                    .transpose()
            }

            async fn user_by_phone(&self, phone: &Phone) -> StoreResult<Option<User>> {
                sqlx::query("SELECT * FROM users WHERE phone = $1")
                    .bind(phone.as_str())
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db("select user by phone"))?
                    .as_ref()
                    .map(user_row)
                    .transpose()
            }

            async fn set_password_hash(&self, id: UserId, hash: &PasswordHash) -> StoreResult<bool> {
                let r = sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
                    .bind(hash.as_str())
                    .bind(id.to_string())
                    .execute(&self.pool)
                    .await
                    .map_err(db("update password"))?;
                Ok(r.rows_affected() == 1)
            }

            async fn set_phone(&self, id: UserId, phone: &Phone) -> StoreResult<bool> {
                let r = sqlx::query("UPDATE users SET phone = $1 WHERE id = $2")
                    .bind(phone.as_str())
                    .bind(id.to_string())
                    .execute(&self.pool)
                    .await
                    .map_err(db("update phone"))?;
                Ok(r.rows_affected() == 1)
            }
        }

        #[async_trait]
        impl CodeStore for $store {
            async fn insert_code(&self, c: &CodeRecord) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO sms_codes (id, phone, purpose, code_hash, client_ip, created_at, \
                     expires_at, attempts, consumed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                )
                .bind(c.id.to_string())
                .bind(c.phone.as_str())
                .bind(c.purpose.as_str())
                .bind(&c.code_hash[..])
                .bind(&c.client_ip)
                .bind(c.created_at.0)
                .bind(c.expires_at.0)
                .bind(i64::from(c.attempts))
                .bind(c.consumed_at.map(|t| t.0))
                .execute(&self.pool)
                .await
                .map_err(db("insert code"))?;
                Ok(())
            }

            async fn latest_code(
                &self,
                phone: &Phone,
                purpose: CodePurpose,
            ) -> StoreResult<Option<CodeRecord>> {
                // UUID v7 ids order by creation within one second.
                sqlx::query(
                    "SELECT * FROM sms_codes WHERE phone = $1 AND purpose = $2 \
                     ORDER BY created_at DESC, id DESC LIMIT 1",
                )
                .bind(phone.as_str())
                .bind(purpose.as_str())
                .fetch_optional(&self.pool)
                .await
                .map_err(db("select latest code"))?
                .as_ref()
                .map(code_row)
                .transpose()
            }

            async fn take_send_quota(
                &self,
                key: &str,
                now: Timestamp,
                quota: &SendQuota,
            ) -> StoreResult<bool> {
                sqlx::query(
                    "INSERT INTO send_quotas (key, last_at, hour_start, hour_count, day_start, \
                     day_count) VALUES ($1, 0, 0, 0, 0, 0) ON CONFLICT (key) DO NOTHING",
                )
                .bind(key)
                .execute(&self.pool)
                .await
                .map_err(db("create send quota"))?;
                // SET expressions read the row as it was before the update
                // (both backends), and the WHERE is re-checked under the row
                // lock, so concurrent takers cannot both pass the last slot.
                let r = sqlx::query(
                    "UPDATE send_quotas SET last_at = $2, \
                     hour_count = CASE WHEN hour_start <= $2 - 3600 THEN 1 ELSE hour_count + 1 END, \
                     hour_start = CASE WHEN hour_start <= $2 - 3600 THEN $2 ELSE hour_start END, \
                     day_count = CASE WHEN day_start <= $2 - 86400 THEN 1 ELSE day_count + 1 END, \
                     day_start = CASE WHEN day_start <= $2 - 86400 THEN $2 ELSE day_start END \
                     WHERE key = $1 AND last_at <= $2 - $3 \
                     AND (hour_start <= $2 - 3600 OR hour_count < $4) \
                     AND (day_start <= $2 - 86400 OR day_count < $5)",
                )
                .bind(key)
                .bind(now.0)
                .bind(quota.min_interval_secs)
                .bind(i64::from(quota.per_hour))
                .bind(i64::from(quota.per_day))
                .execute(&self.pool)
                .await
                .map_err(db("take send quota"))?;
                Ok(r.rows_affected() == 1)
            }

            async fn send_quota(&self, key: &str) -> StoreResult<Option<QuotaState>> {
                let row = sqlx::query("SELECT * FROM send_quotas WHERE key = $1")
                    .bind(key)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db("select send quota"))?;
                row.map(|r| {
                    Ok(QuotaState {
                        last_at: Timestamp(get(&r, "last_at")?),
                        hour_start: Timestamp(get(&r, "hour_start")?),
                        hour_count: convert::u32_of(get(&r, "hour_count")?)?,
                        day_start: Timestamp(get(&r, "day_start")?),
                        day_count: convert::u32_of(get(&r, "day_count")?)?,
                    })
                })
                .transpose()
            }

            async fn claim_code_attempt(&self, id: CodeId, max_attempts: u32) -> StoreResult<bool> {
                let r = sqlx::query(
                    "UPDATE sms_codes SET attempts = attempts + 1 \
                     WHERE id = $1 AND attempts < $2 AND consumed_at IS NULL",
                )
                .bind(id.to_string())
                .bind(i64::from(max_attempts))
                .execute(&self.pool)
                .await
                .map_err(db("claim code attempt"))?;
                Ok(r.rows_affected() == 1)
            }

            async fn consume_code(&self, id: CodeId, at: Timestamp) -> StoreResult<bool> {
                let r = sqlx::query(
                    "UPDATE sms_codes SET consumed_at = $1 WHERE id = $2 AND consumed_at IS NULL",
                )
                .bind(at.0)
                .bind(id.to_string())
                .execute(&self.pool)
                .await
                .map_err(db("consume code"))?;
                Ok(r.rows_affected() == 1)
            }

            async fn prune_codes(&self, before: Timestamp) -> StoreResult<u64> {
                let r = sqlx::query("DELETE FROM sms_codes WHERE expires_at < $1")
                    .bind(before.0)
                    .execute(&self.pool)
                    .await
                    .map_err(db("prune codes"))?;
                Ok(r.rows_affected())
            }
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

            async fn record_nonce(&self, device: DeviceId, nonce: &str, at: Timestamp) -> StoreResult<bool> {
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

        #[async_trait]
        impl CatalogueStore for $store {
            async fn provinces(&self) -> StoreResult<Vec<Province>> {
                sqlx::query("SELECT * FROM provinces ORDER BY code")
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db("select provinces"))?
                    .iter()
                    .map(province_row)
                    .collect()
            }

            async fn insert_province(&self, p: &Province) -> StoreResult<()> {
                sqlx::query("INSERT INTO provinces (id, code, name) VALUES ($1, $2, $3)")
                    .bind(p.id.to_string())
                    .bind(&p.code)
                    .bind(&p.name)
                    .execute(&self.pool)
                    .await
                    .map_err(db("insert province"))?;
                Ok(())
            }

            async fn update_province(&self, p: &Province) -> StoreResult<bool> {
                let r = sqlx::query("UPDATE provinces SET code = $1, name = $2 WHERE id = $3")
                    .bind(&p.code)
                    .bind(&p.name)
                    .bind(p.id.to_string())
                    .execute(&self.pool)
                    .await
                    .map_err(db("update province"))?;
                Ok(r.rows_affected() == 1)
            }

            async fn delete_province(&self, id: ProvinceId) -> StoreResult<bool> {
                let r = sqlx::query("DELETE FROM provinces WHERE id = $1")
                    .bind(id.to_string())
                    .execute(&self.pool)
                    .await
                    .map_err(db("delete province"))?;
                Ok(r.rows_affected() == 1)
            }

            async fn platforms(&self) -> StoreResult<Vec<TradingPlatform>> {
                sqlx::query("SELECT * FROM trading_platforms ORDER BY name")
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db("select platforms"))?
                    .iter()
                    .map(platform_row)
                    .collect()
            }

            async fn insert_platform(&self, p: &TradingPlatform) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO trading_platforms (id, province_id, name, url) VALUES ($1, $2, $3, $4)",
                )
                .bind(p.id.to_string())
                .bind(p.province_id.to_string())
                .bind(&p.name)
                .bind(&p.url)
                .execute(&self.pool)
                .await
                .map_err(db("insert platform"))?;
                Ok(())
            }

            async fn update_platform(&self, p: &TradingPlatform) -> StoreResult<bool> {
                let r = sqlx::query(
                    "UPDATE trading_platforms SET province_id = $1, name = $2, url = $3 WHERE id = $4",
                )
                .bind(p.province_id.to_string())
                .bind(&p.name)
                .bind(&p.url)
                .bind(p.id.to_string())
                .execute(&self.pool)
                .await
                .map_err(db("update platform"))?;
                Ok(r.rows_affected() == 1)
            }

            async fn delete_platform(&self, id: PlatformId) -> StoreResult<bool> {
                let r = sqlx::query("DELETE FROM trading_platforms WHERE id = $1")
                    .bind(id.to_string())
                    .execute(&self.pool)
                    .await
                    .map_err(db("delete platform"))?;
                Ok(r.rows_affected() == 1)
            }

            async fn ca_organizations(&self) -> StoreResult<Vec<CaOrganization>> {
                sqlx::query("SELECT * FROM ca_organizations ORDER BY name")
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db("select cas"))?
                    .iter()
                    .map(ca_row)
                    .collect()
            }

            async fn insert_ca(&self, c: &CaOrganization) -> StoreResult<()> {
                sqlx::query("INSERT INTO ca_organizations (id, name, short_name) VALUES ($1, $2, $3)")
                    .bind(c.id.to_string())
                    .bind(&c.name)
                    .bind(&c.short_name)
                    .execute(&self.pool)
                    .await
                    .map_err(db("insert ca"))?;
                Ok(())
            }

            async fn update_ca(&self, c: &CaOrganization) -> StoreResult<bool> {
                let r = sqlx::query("UPDATE ca_organizations SET name = $1, short_name = $2 WHERE id = $3")
                    .bind(&c.name)
                    .bind(&c.short_name)
                    .bind(c.id.to_string())
                    .execute(&self.pool)
                    .await
                    .map_err(db("update ca"))?;
                Ok(r.rows_affected() == 1)
            }

            async fn delete_ca(&self, id: CaId) -> StoreResult<bool> {
                let r = sqlx::query("DELETE FROM ca_organizations WHERE id = $1")
                    .bind(id.to_string())
                    .execute(&self.pool)
                    .await
                    .map_err(db("delete ca"))?;
                Ok(r.rows_affected() == 1)
            }

            async fn validity_options(&self) -> StoreResult<Vec<ValidityOption>> {
                sqlx::query("SELECT * FROM validity_options ORDER BY ca_id, years")
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db("select validity options"))?
                    .iter()
                    .map(validity_row)
                    .collect()
            }

            async fn insert_validity_option(&self, v: &ValidityOption) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO validity_options (id, ca_id, years, price_fen) VALUES ($1, $2, $3, $4)",
                )
                .bind(v.id.to_string())
                .bind(v.ca_id.to_string())
                .bind(i64::from(v.years))
                .bind(v.price_fen)
                .execute(&self.pool)
                .await
                .map_err(db("insert validity option"))?;
                Ok(())
            }

            async fn update_validity_option(&self, v: &ValidityOption) -> StoreResult<bool> {
                let r = sqlx::query(
                    "UPDATE validity_options SET ca_id = $1, years = $2, price_fen = $3 WHERE id = $4",
                )
                .bind(v.ca_id.to_string())
                .bind(i64::from(v.years))
                .bind(v.price_fen)
                .bind(v.id.to_string())
                .execute(&self.pool)
                .await
                .map_err(db("update validity option"))?;
                Ok(r.rows_affected() == 1)
            }

            async fn delete_validity_option(&self, id: ValidityOptionId) -> StoreResult<bool> {
                let r = sqlx::query("DELETE FROM validity_options WHERE id = $1")
                    .bind(id.to_string())
                    .execute(&self.pool)
                    .await
                    .map_err(db("delete validity option"))?;
                Ok(r.rows_affected() == 1)
            }
        }

        #[async_trait]
        impl MessageStore for $store {
            async fn insert_message(&self, m: &Message) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO messages (id, user_id, kind, title, body, action_name, \
                     action_target, created_at, read_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                )
                .bind(m.id.to_string())
                .bind(m.user_id.to_string())
                .bind(m.kind.as_str())
                .bind(&m.title)
                .bind(&m.body)
                .bind(m.action.as_ref().map(|a| a.name.as_str()))
                .bind(m.action.as_ref().map(|a| a.target.as_str()))
                .bind(m.created_at.0)
                .bind(m.read_at.map(|t| t.0))
                .execute(&self.pool)
                .await
                .map_err(db("insert message"))?;
                Ok(())
            }

            async fn messages_of(&self, user: UserId) -> StoreResult<Vec<Message>> {
                sqlx::query(
                    "SELECT * FROM messages WHERE user_id = $1 ORDER BY created_at DESC, id DESC",
                )
                .bind(user.to_string())
                .fetch_all(&self.pool)
                .await
                .map_err(db("select messages"))?
                .iter()
                .map(message_row)
                .collect()
            }

            async fn mark_message_read(&self, user: UserId, id: MessageId, at: Timestamp) -> StoreResult<bool> {
                let r = sqlx::query(
                    "UPDATE messages SET read_at = COALESCE(read_at, $1) WHERE id = $2 AND user_id = $3",
                )
                .bind(at.0)
                .bind(id.to_string())
                .bind(user.to_string())
                .execute(&self.pool)
                .await
                .map_err(db("mark message read"))?;
                Ok(r.rows_affected() == 1)
            }
        }

        #[async_trait]
        impl AuditStore for $store {
            async fn last_audit_entry(&self) -> StoreResult<Option<AuditEntry>> {
                sqlx::query("SELECT * FROM audit_log ORDER BY seq DESC LIMIT 1")
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db("select audit head"))?
                    .as_ref()
                    .map(audit_row)
                    .transpose()
            }

            async fn insert_audit_entry(&self, e: &AuditEntry) -> StoreResult<bool> {
                let r = sqlx::query(
                    "INSERT INTO audit_log (seq, at, actor, action, subject, detail, prev_hash, hash) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (seq) DO NOTHING",
                )
                .bind(e.seq)
                .bind(e.at.0)
                .bind(&e.actor)
                .bind(&e.action)
                .bind(&e.subject)
                .bind(&e.detail)
                .bind(&e.prev_hash[..])
                .bind(&e.hash[..])
                .execute(&self.pool)
                .await
                .map_err(db("insert audit entry"))?;
                Ok(r.rows_affected() == 1)
            }

            async fn audit_entries(&self, after: i64, limit: u32) -> StoreResult<Vec<AuditEntry>> {
                sqlx::query("SELECT * FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2")
                    .bind(after)
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db("select audit entries"))?
                    .iter()
                    .map(audit_row)
                    .collect()
            }
        }
    };
}

pub(crate) use impl_store_traits;
