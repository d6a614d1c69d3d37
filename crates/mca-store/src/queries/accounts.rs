//! Accounts (A1, A2, I1, I2): users, SMS codes and their send quotas. Expanded into each backend module by
//! [`impl_store_traits`](super::impl_store_traits), where `DbRow`, `get`,
//! `db` and the domain types are in scope.

macro_rules! impl_account_stores {
    ($store:ty) => {
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

    };
}

pub(crate) use impl_account_stores;
