//! Relying parties, their credentials and nonces, and their QR sessions
//! (RP-API.md). Expanded into each backend module by
//! [`impl_store_traits`](super::impl_store_traits). Every session state
//! change is one conditional `UPDATE`; a complete session matches none.

macro_rules! impl_relying_party_store {
    ($store:ty) => {
        fn relying_party_row(r: &DbRow) -> StoreResult<RelyingPartyRecord> {
            let platform: Option<String> = get(r, "platform_id")?;
            let ops: String = get(r, "allowed_operations")?;
            let urls: String = get(r, "callback_urls")?;
            Ok(RelyingPartyRecord {
                id: convert::id(&get::<String>(r, "id")?)?,
                display_name: get(r, "display_name")?,
                platform_id: platform.as_deref().map(convert::id).transpose()?,
                allowed_operations: ops
                    .split(',')
                    .map(|o| convert::stored(o, RpOperation::parse))
                    .collect::<StoreResult<_>>()?,
                callback_urls: urls
                    .split('\n')
                    .filter(|u| !u.is_empty())
                    .map(str::to_owned)
                    .collect(),
                created_at: Timestamp(get(r, "created_at")?),
                disabled_at: convert::opt_ts(get(r, "disabled_at")?),
            })
        }

        fn rp_credential_row(r: &DbRow) -> StoreResult<RpCredentialRecord> {
            Ok(RpCredentialRecord {
                key_id: convert::id(&get::<String>(r, "key_id")?)?,
                rp_id: convert::id(&get::<String>(r, "rp_id")?)?,
                sealed_secret: get(r, "sealed_secret")?,
                created_at: Timestamp(get(r, "created_at")?),
                expires_at: convert::opt_ts(get(r, "expires_at")?),
            })
        }

        fn rp_session_row(r: &DbRow) -> StoreResult<RpSessionRecord> {
            let result: Option<String> = get(r, "result")?;
            let user: Option<String> = get(r, "user_id")?;
            let device: Option<String> = get(r, "device_id")?;
            Ok(RpSessionRecord {
                id: convert::id(&get::<String>(r, "id")?)?,
                rp_id: convert::id(&get::<String>(r, "rp_id")?)?,
                operation: convert::stored(&get::<String>(r, "operation")?, RpOperation::parse)?,
                state: convert::stored(&get::<String>(r, "state")?, RpSessionState::parse)?,
                result: result
                    .as_deref()
                    .map(|s| convert::stored(s, RpEndResult::parse))
                    .transpose()?,
                idempotency_key: get(r, "idempotency_key")?,
                request_hash: convert::hash32(&get::<Vec<u8>>(r, "request_hash")?)?,
                public_token: get(r, "public_token")?,
                sealed_secret: get(r, "sealed_secret")?,
                content: get(r, "content")?,
                results: get(r, "results")?,
                user_id: user.as_deref().map(convert::id).transpose()?,
                device_id: device.as_deref().map(convert::id).transpose()?,
                created_at: Timestamp(get(r, "created_at")?),
                claim_deadline: Timestamp(get(r, "claim_deadline")?),
                expires_at: Timestamp(get(r, "expires_at")?),
                scanned_at: convert::opt_ts(get(r, "scanned_at")?),
                completed_at: convert::opt_ts(get(r, "completed_at")?),
            })
        }

        #[async_trait]
        impl RelyingPartyStore for $store {
            async fn insert_relying_party(
                &self,
                rp: &RelyingPartyRecord,
                c: &RpCredentialRecord,
            ) -> StoreResult<()> {
                let ops: Vec<&str> = rp.allowed_operations.iter().map(|o| o.as_str()).collect();
                let mut tx = self.pool.begin().await.map_err(db("begin"))?;
                sqlx::query(
                    "INSERT INTO relying_parties (id, display_name, platform_id, \
                     allowed_operations, callback_urls, created_at, disabled_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(rp.id.to_string())
                .bind(&rp.display_name)
                .bind(rp.platform_id.map(|p| p.to_string()))
                .bind(ops.join(","))
                .bind(rp.callback_urls.join("\n"))
                .bind(rp.created_at.0)
                .bind(rp.disabled_at.map(|t| t.0))
                .execute(&mut *tx)
                .await
                .map_err(db("insert relying party"))?;
                insert_rp_credential(&mut tx, c).await?;
                tx.commit().await.map_err(db("commit relying party"))
            }

            async fn relying_party(
                &self,
                id: RelyingPartyId,
            ) -> StoreResult<Option<RelyingPartyRecord>> {
                sqlx::query("SELECT * FROM relying_parties WHERE id = $1")
                    .bind(id.to_string())
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db("select relying party"))?
                    .as_ref()
                    .map(relying_party_row)
                    .transpose()
            }

            async fn relying_parties(&self) -> StoreResult<Vec<RelyingPartyRecord>> {
                sqlx::query("SELECT * FROM relying_parties ORDER BY created_at, id")
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db("select relying parties"))?
                    .iter()
                    .map(relying_party_row)
                    .collect()
            }

            async fn disable_relying_party(
                &self,
                id: RelyingPartyId,
                at: Timestamp,
            ) -> StoreResult<bool> {
                let r = sqlx::query(
                    "UPDATE relying_parties SET disabled_at = $1 \
                     WHERE id = $2 AND disabled_at IS NULL",
                )
                .bind(at.0)
                .bind(id.to_string())
                .execute(&self.pool)
                .await
                .map_err(db("disable relying party"))?;
                Ok(r.rows_affected() == 1)
            }

            async fn rotate_rp_credential(
                &self,
                new: &RpCredentialRecord,
                old_expire_at: Timestamp,
            ) -> StoreResult<()> {
                let mut tx = self.pool.begin().await.map_err(db("begin"))?;
                sqlx::query(
                    "UPDATE rp_credentials SET expires_at = $1 WHERE rp_id = $2 \
                     AND (expires_at IS NULL OR expires_at > $1)",
                )
                .bind(old_expire_at.0)
                .bind(new.rp_id.to_string())
                .execute(&mut *tx)
                .await
                .map_err(db("expire rp credentials"))?;
                insert_rp_credential(&mut tx, new).await?;
                tx.commit().await.map_err(db("commit rp credential"))
            }

            async fn rp_credential(
                &self,
                key_id: RpKeyId,
            ) -> StoreResult<Option<RpCredentialRecord>> {
                sqlx::query("SELECT * FROM rp_credentials WHERE key_id = $1")
                    .bind(key_id.to_string())
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db("select rp credential"))?
                    .as_ref()
                    .map(rp_credential_row)
                    .transpose()
            }

            async fn rp_credentials_of(
                &self,
                rp: RelyingPartyId,
            ) -> StoreResult<Vec<RpCredentialRecord>> {
                sqlx::query(
                    "SELECT * FROM rp_credentials WHERE rp_id = $1 ORDER BY created_at, key_id",
                )
                .bind(rp.to_string())
                .fetch_all(&self.pool)
                .await
                .map_err(db("select rp credentials"))?
                .iter()
                .map(rp_credential_row)
                .collect()
            }

            async fn record_rp_nonce(
                &self,
                rp: RelyingPartyId,
                nonce: &str,
                at: Timestamp,
            ) -> StoreResult<bool> {
                let r = sqlx::query(
                    "INSERT INTO rp_nonces (rp_id, nonce, seen_at) VALUES ($1, $2, $3) \
                     ON CONFLICT (rp_id, nonce) DO NOTHING",
                )
                .bind(rp.to_string())
                .bind(nonce)
                .bind(at.0)
                .execute(&self.pool)
                .await
                .map_err(db("record rp nonce"))?;
                Ok(r.rows_affected() == 1)
            }

            async fn prune_rp_nonces(&self, before: Timestamp) -> StoreResult<u64> {
                let r = sqlx::query("DELETE FROM rp_nonces WHERE seen_at < $1")
                    .bind(before.0)
                    .execute(&self.pool)
                    .await
                    .map_err(db("prune rp nonces"))?;
                Ok(r.rows_affected())
            }

            async fn insert_rp_session(&self, s: &RpSessionRecord) -> StoreResult<bool> {
                let r = sqlx::query(
                    "INSERT INTO rp_sessions (id, rp_id, operation, state, result, \
                     idempotency_key, request_hash, public_token, sealed_secret, content, \
                     results, user_id, device_id, created_at, claim_deadline, expires_at, \
                     scanned_at, completed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, \
                     $10, $11, $12, $13, $14, $15, $16, $17, $18) \
                     ON CONFLICT (rp_id, idempotency_key) DO NOTHING",
                )
                .bind(s.id.to_string())
                .bind(s.rp_id.to_string())
                .bind(s.operation.as_str())
                .bind(s.state.as_str())
                .bind(s.result.map(|r| r.as_str()))
                .bind(s.idempotency_key.as_deref())
                .bind(&s.request_hash[..])
                .bind(&s.public_token)
                .bind(&s.sealed_secret)
                .bind(&s.content)
                .bind(s.results.as_deref())
                .bind(s.user_id.map(|u| u.to_string()))
                .bind(s.device_id.map(|d| d.to_string()))
                .bind(s.created_at.0)
                .bind(s.claim_deadline.0)
                .bind(s.expires_at.0)
                .bind(s.scanned_at.map(|t| t.0))
                .bind(s.completed_at.map(|t| t.0))
                .execute(&self.pool)
                .await
                .map_err(db("insert rp session"))?;
                Ok(r.rows_affected() == 1)
            }

            async fn rp_session(&self, id: RpSessionId) -> StoreResult<Option<RpSessionRecord>> {
                sqlx::query("SELECT * FROM rp_sessions WHERE id = $1")
                    .bind(id.to_string())
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db("select rp session"))?
                    .as_ref()
                    .map(rp_session_row)
                    .transpose()
            }

            async fn rp_session_by_token(
                &self,
                token: &str,
            ) -> StoreResult<Option<RpSessionRecord>> {
                sqlx::query("SELECT * FROM rp_sessions WHERE public_token = $1")
                    .bind(token)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db("select rp session by token"))?
                    .as_ref()
                    .map(rp_session_row)
                    .transpose()
            }

            async fn rp_session_by_idempotency_key(
                &self,
                rp: RelyingPartyId,
                key: &str,
            ) -> StoreResult<Option<RpSessionRecord>> {
                sqlx::query("SELECT * FROM rp_sessions WHERE rp_id = $1 AND idempotency_key = $2")
                    .bind(rp.to_string())
                    .bind(key)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db("select rp session by idempotency key"))?
                    .as_ref()
                    .map(rp_session_row)
                    .transpose()
            }

            async fn claim_rp_session(
                &self,
                id: RpSessionId,
                user: UserId,
                device: DeviceId,
                at: Timestamp,
            ) -> StoreResult<bool> {
                let r = sqlx::query(
                    "UPDATE rp_sessions SET state = 'scanned', user_id = $1, device_id = $2, \
                     scanned_at = $3 WHERE id = $4 AND state = 'created' \
                     AND claim_deadline > $3 AND expires_at > $3",
                )
                .bind(user.to_string())
                .bind(device.to_string())
                .bind(at.0)
                .bind(id.to_string())
                .execute(&self.pool)
                .await
                .map_err(db("claim rp session"))?;
                Ok(r.rows_affected() == 1)
            }

            async fn confirm_rp_session(
                &self,
                id: RpSessionId,
                device: DeviceId,
                at: Timestamp,
            ) -> StoreResult<bool> {
                let r = sqlx::query(
                    "UPDATE rp_sessions SET state = 'confirming' WHERE id = $1 \
                     AND state = 'scanned' AND device_id = $2 AND expires_at > $3",
                )
                .bind(id.to_string())
                .bind(device.to_string())
                .bind(at.0)
                .execute(&self.pool)
                .await
                .map_err(db("confirm rp session"))?;
                Ok(r.rows_affected() == 1)
            }

            async fn finish_rp_session(
                &self,
                id: RpSessionId,
                finish: RpFinish,
                result: RpEndResult,
                results: Option<&[u8]>,
                at: Timestamp,
            ) -> StoreResult<bool> {
                // $1 result, $2 results, $3 now, $4 id, $5 device (unused by
                // some conditions, bound for all so the numbering is one).
                let (condition, device) = match finish {
                    RpFinish::Unfinished => ("state <> 'complete' AND $5 IS NULL", None),
                    RpFinish::ClaimedBy(d) => (
                        "state IN ('scanned', 'confirming') AND device_id = $5",
                        Some(d),
                    ),
                    RpFinish::ConfirmingBy(d) => (
                        "state = 'confirming' AND device_id = $5 AND expires_at > $3",
                        Some(d),
                    ),
                    RpFinish::Overdue => (
                        "state <> 'complete' AND $5 IS NULL AND (expires_at <= $3 \
                         OR (state = 'created' AND claim_deadline <= $3))",
                        None,
                    ),
                };
                let sql = format!(
                    "UPDATE rp_sessions SET state = 'complete', result = $1, results = $2, \
                     completed_at = $3 WHERE id = $4 AND {condition}"
                );
                let r = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(result.as_str())
                    .bind(results)
                    .bind(at.0)
                    .bind(id.to_string())
                    .bind(device.map(|d| d.to_string()))
                    .execute(&self.pool)
                    .await
                    .map_err(db("finish rp session"))?;
                Ok(r.rows_affected() == 1)
            }

            async fn prune_rp_sessions(&self, before: Timestamp) -> StoreResult<u64> {
                let r = sqlx::query(
                    "DELETE FROM rp_sessions WHERE completed_at < $1 \
                     OR (completed_at IS NULL AND expires_at < $1)",
                )
                .bind(before.0)
                .execute(&self.pool)
                .await
                .map_err(db("prune rp sessions"))?;
                Ok(r.rows_affected())
            }
        }

        async fn insert_rp_credential(
            tx: &mut sqlx::Transaction<'_, <DbRow as sqlx::Row>::Database>,
            c: &RpCredentialRecord,
        ) -> StoreResult<()> {
            sqlx::query(
                "INSERT INTO rp_credentials (key_id, rp_id, sealed_secret, created_at, \
                 expires_at) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(c.key_id.to_string())
            .bind(c.rp_id.to_string())
            .bind(&c.sealed_secret)
            .bind(c.created_at.0)
            .bind(c.expires_at.map(|t| t.0))
            .execute(&mut **tx)
            .await
            .map_err(db("insert rp credential"))?;
            Ok(())
        }
    };
}

pub(crate) use impl_relying_party_store;
