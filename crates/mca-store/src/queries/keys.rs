//! Two-party signing keys, the KMC escrow, decryption shares, signing
//! sessions and re-verifications (PROTOCOL.md §1–§6). Expanded into each
//! backend module by [`impl_store_traits`](super::impl_store_traits).

macro_rules! impl_key_store {
    ($store:ty) => {
        fn signing_key_row(r: &DbRow) -> StoreResult<SigningKeyRecord> {
            let device: Option<String> = get(r, "device_id")?;
            Ok(SigningKeyRecord {
                id: convert::id(&get::<String>(r, "id")?)?,
                user_id: convert::id(&get::<String>(r, "user_id")?)?,
                device_id: device.as_deref().map(convert::id).transpose()?,
                application_id: convert::id(&get::<String>(r, "application_id")?)?,
                public_key: get(r, "public_key")?,
                sealed_share: get(r, "sealed_share")?,
                state: convert::stored(&get::<String>(r, "state")?, KeyState::parse)?,
                pin_failures: convert::u32_of(get(r, "pin_failures")?)?,
                version: get(r, "version")?,
                created_at: Timestamp(get(r, "created_at")?),
                updated_at: Timestamp(get(r, "updated_at")?),
            })
        }

        fn encryption_key_row(r: &DbRow) -> StoreResult<EncryptionKeyRecord> {
            Ok(EncryptionKeyRecord {
                id: convert::id(&get::<String>(r, "id")?)?,
                user_id: convert::id(&get::<String>(r, "user_id")?)?,
                application_id: convert::id(&get::<String>(r, "application_id")?)?,
                public_key: get(r, "public_key")?,
                sealed_escrow: get(r, "sealed_escrow")?,
                created_at: Timestamp(get(r, "created_at")?),
            })
        }

        fn decryption_share_row(r: &DbRow) -> StoreResult<DecryptionShareRecord> {
            Ok(DecryptionShareRecord {
                id: convert::id(&get::<String>(r, "id")?)?,
                encryption_key_id: convert::id(&get::<String>(r, "encryption_key_id")?)?,
                signing_key_id: convert::id(&get::<String>(r, "signing_key_id")?)?,
                sealed_share: get(r, "sealed_share")?,
                state: convert::stored(&get::<String>(r, "state")?, ShareState::parse)?,
                created_at: Timestamp(get(r, "created_at")?),
            })
        }

        fn signing_session_row(r: &DbRow) -> StoreResult<SigningSessionRecord> {
            Ok(SigningSessionRecord {
                id: convert::id(&get::<String>(r, "id")?)?,
                key_id: convert::id(&get::<String>(r, "key_id")?)?,
                purpose: convert::stored(&get::<String>(r, "purpose")?, SessionPurpose::parse)?,
                sealed: get(r, "sealed")?,
                created_at: Timestamp(get(r, "created_at")?),
                expires_at: Timestamp(get(r, "expires_at")?),
            })
        }

        fn reverification_row(r: &DbRow) -> StoreResult<Reverification> {
            Ok(Reverification {
                id: convert::id(&get::<String>(r, "id")?)?,
                user_id: convert::id(&get::<String>(r, "user_id")?)?,
                face_session: get(r, "face_session")?,
                created_at: Timestamp(get(r, "created_at")?),
                used_at: convert::opt_ts(get(r, "used_at")?),
            })
        }

        #[async_trait]
        impl KeyStore for $store {
            async fn insert_signing_key(&self, k: &SigningKeyRecord) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO signing_keys (id, user_id, device_id, application_id, \
                     public_key, sealed_share, state, pin_failures, version, created_at, \
                     updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                )
                .bind(k.id.to_string())
                .bind(k.user_id.to_string())
                .bind(k.device_id.map(|d| d.to_string()))
                .bind(k.application_id.to_string())
                .bind(&k.public_key)
                .bind(&k.sealed_share)
                .bind(k.state.as_str())
                .bind(i64::from(k.pin_failures))
                .bind(k.version)
                .bind(k.created_at.0)
                .bind(k.updated_at.0)
                .execute(&self.pool)
                .await
                .map_err(db("insert signing key"))?;
                Ok(())
            }

            async fn signing_key(&self, id: SigningKeyId) -> StoreResult<Option<SigningKeyRecord>> {
                sqlx::query("SELECT * FROM signing_keys WHERE id = $1")
                    .bind(id.to_string())
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db("select signing key"))?
                    .as_ref()
                    .map(signing_key_row)
                    .transpose()
            }

            async fn signing_keys_of(&self, user: UserId) -> StoreResult<Vec<SigningKeyRecord>> {
                sqlx::query("SELECT * FROM signing_keys WHERE user_id = $1 ORDER BY created_at, id")
                    .bind(user.to_string())
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db("select signing keys"))?
                    .iter()
                    .map(signing_key_row)
                    .collect()
            }

            async fn pending_keys_created_before(
                &self,
                at: Timestamp,
            ) -> StoreResult<Vec<SigningKeyRecord>> {
                sqlx::query(
                    "SELECT * FROM signing_keys WHERE state = 'pending' AND created_at < $1 \
                     ORDER BY created_at, id",
                )
                .bind(at.0)
                .fetch_all(&self.pool)
                .await
                .map_err(db("select pending keys"))?
                .iter()
                .map(signing_key_row)
                .collect()
            }

            async fn update_signing_share(&self, k: &SigningKeyRecord) -> StoreResult<bool> {
                let r = sqlx::query(
                    "UPDATE signing_keys SET sealed_share = $1, pin_failures = 0, version = $2, \
                     updated_at = $3 WHERE id = $4 AND version = $5",
                )
                .bind(&k.sealed_share)
                .bind(k.version)
                .bind(k.updated_at.0)
                .bind(k.id.to_string())
                .bind(k.version - 1)
                .execute(&self.pool)
                .await
                .map_err(db("update signing share"))?;
                Ok(r.rows_affected() == 1)
            }

            async fn record_pin_failure(
                &self,
                id: SigningKeyId,
                max: u32,
                at: Timestamp,
            ) -> StoreResult<Option<(u32, KeyState)>> {
                let row = sqlx::query(
                    "UPDATE signing_keys SET pin_failures = pin_failures + 1, \
                     state = CASE WHEN pin_failures + 1 >= $1 THEN 'locked' ELSE state END, \
                     updated_at = $2 WHERE id = $3 AND state = 'active' \
                     RETURNING pin_failures, state",
                )
                .bind(i64::from(max))
                .bind(at.0)
                .bind(id.to_string())
                .fetch_optional(&self.pool)
                .await
                .map_err(db("record pin failure"))?;
                row.map(|r| {
                    Ok((
                        convert::u32_of(get(&r, "pin_failures")?)?,
                        convert::stored(&get::<String>(&r, "state")?, KeyState::parse)?,
                    ))
                })
                .transpose()
            }

            async fn set_key_state(
                &self,
                id: SigningKeyId,
                from: KeyState,
                to: KeyState,
                at: Timestamp,
            ) -> StoreResult<bool> {
                let r = sqlx::query(
                    "UPDATE signing_keys SET state = $1, pin_failures = 0, updated_at = $2 \
                     WHERE id = $3 AND state = $4",
                )
                .bind(to.as_str())
                .bind(at.0)
                .bind(id.to_string())
                .bind(from.as_str())
                .execute(&self.pool)
                .await
                .map_err(db("set key state"))?;
                Ok(r.rows_affected() == 1)
            }

            async fn insert_encryption_key(&self, k: &EncryptionKeyRecord) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO encryption_keys (id, user_id, application_id, public_key, \
                     sealed_escrow, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(k.id.to_string())
                .bind(k.user_id.to_string())
                .bind(k.application_id.to_string())
                .bind(&k.public_key)
                .bind(&k.sealed_escrow)
                .bind(k.created_at.0)
                .execute(&self.pool)
                .await
                .map_err(db("insert encryption key"))?;
                Ok(())
            }

            async fn encryption_key(
                &self,
                id: EncryptionKeyId,
            ) -> StoreResult<Option<EncryptionKeyRecord>> {
                sqlx::query("SELECT * FROM encryption_keys WHERE id = $1")
                    .bind(id.to_string())
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db("select encryption key"))?
                    .as_ref()
                    .map(encryption_key_row)
                    .transpose()
            }

            async fn encryption_keys_of_application(
                &self,
                app: ApplicationId,
            ) -> StoreResult<Vec<EncryptionKeyRecord>> {
                sqlx::query(
                    "SELECT * FROM encryption_keys WHERE application_id = $1 \
                     ORDER BY created_at, id",
                )
                .bind(app.to_string())
                .fetch_all(&self.pool)
                .await
                .map_err(db("select encryption keys"))?
                .iter()
                .map(encryption_key_row)
                .collect()
            }

            async fn encryption_keys_of(&self, user: UserId) -> StoreResult<Vec<EncryptionKeyRecord>> {
                sqlx::query(
                    "SELECT * FROM encryption_keys WHERE user_id = $1 ORDER BY created_at, id",
                )
                .bind(user.to_string())
                .fetch_all(&self.pool)
                .await
                .map_err(db("select encryption keys"))?
                .iter()
                .map(encryption_key_row)
                .collect()
            }

            async fn replace_decryption_share(&self, s: &DecryptionShareRecord) -> StoreResult<()> {
                let mut tx = self.pool.begin().await.map_err(db("begin"))?;
                sqlx::query(
                    "UPDATE decryption_shares SET state = 'lost' WHERE signing_key_id = $1 \
                     AND encryption_key_id = $2 AND state = 'active'",
                )
                .bind(s.signing_key_id.to_string())
                .bind(s.encryption_key_id.to_string())
                .execute(&mut *tx)
                .await
                .map_err(db("supersede decryption share"))?;
                sqlx::query(
                    "INSERT INTO decryption_shares (id, encryption_key_id, signing_key_id, \
                     sealed_share, state, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(s.id.to_string())
                .bind(s.encryption_key_id.to_string())
                .bind(s.signing_key_id.to_string())
                .bind(&s.sealed_share)
                .bind(s.state.as_str())
                .bind(s.created_at.0)
                .execute(&mut *tx)
                .await
                .map_err(db("insert decryption share"))?;
                tx.commit().await.map_err(db("commit"))?;
                Ok(())
            }

            async fn active_decryption_shares(
                &self,
                signing_key: SigningKeyId,
            ) -> StoreResult<Vec<DecryptionShareRecord>> {
                sqlx::query(
                    "SELECT * FROM decryption_shares WHERE signing_key_id = $1 \
                     AND state = 'active' ORDER BY created_at, id",
                )
                .bind(signing_key.to_string())
                .fetch_all(&self.pool)
                .await
                .map_err(db("select decryption shares"))?
                .iter()
                .map(decryption_share_row)
                .collect()
            }

            async fn mark_shares_lost(&self, signing_key: SigningKeyId) -> StoreResult<u64> {
                let r = sqlx::query(
                    "UPDATE decryption_shares SET state = 'lost' WHERE signing_key_id = $1 \
                     AND state = 'active'",
                )
                .bind(signing_key.to_string())
                .execute(&self.pool)
                .await
                .map_err(db("mark shares lost"))?;
                Ok(r.rows_affected())
            }

            async fn replace_signing_session(&self, s: &SigningSessionRecord) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO signing_sessions (key_id, id, purpose, sealed, created_at, \
                     expires_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (key_id) DO UPDATE \
                     SET id = excluded.id, purpose = excluded.purpose, sealed = excluded.sealed, \
                     created_at = excluded.created_at, expires_at = excluded.expires_at",
                )
                .bind(s.key_id.to_string())
                .bind(s.id.to_string())
                .bind(s.purpose.as_str())
                .bind(&s.sealed)
                .bind(s.created_at.0)
                .bind(s.expires_at.0)
                .execute(&self.pool)
                .await
                .map_err(db("replace signing session"))?;
                Ok(())
            }

            async fn take_signing_session(
                &self,
                key: SigningKeyId,
                id: SigningSessionId,
            ) -> StoreResult<Option<SigningSessionRecord>> {
                sqlx::query(
                    "DELETE FROM signing_sessions WHERE key_id = $1 AND id = $2 RETURNING *",
                )
                .bind(key.to_string())
                .bind(id.to_string())
                .fetch_optional(&self.pool)
                .await
                .map_err(db("take signing session"))?
                .as_ref()
                .map(signing_session_row)
                .transpose()
            }

            async fn insert_reverification(&self, r: &Reverification) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO reverifications (id, user_id, face_session, created_at, used_at) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(r.id.to_string())
                .bind(r.user_id.to_string())
                .bind(&r.face_session)
                .bind(r.created_at.0)
                .bind(r.used_at.map(|t| t.0))
                .execute(&self.pool)
                .await
                .map_err(db("insert reverification"))?;
                Ok(())
            }

            async fn reverification(
                &self,
                id: ReverificationId,
            ) -> StoreResult<Option<Reverification>> {
                sqlx::query("SELECT * FROM reverifications WHERE id = $1")
                    .bind(id.to_string())
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db("select reverification"))?
                    .as_ref()
                    .map(reverification_row)
                    .transpose()
            }

            async fn use_reverification(
                &self,
                id: ReverificationId,
                at: Timestamp,
            ) -> StoreResult<bool> {
                let r = sqlx::query(
                    "UPDATE reverifications SET used_at = $1 WHERE id = $2 AND used_at IS NULL",
                )
                .bind(at.0)
                .bind(id.to_string())
                .execute(&self.pool)
                .await
                .map_err(db("use reverification"))?;
                Ok(r.rows_affected() == 1)
            }
        }
    };
}

pub(crate) use impl_key_store;
