//! Issuance intents, certificates, revocation and CRL numbers (M6, M1).
//! Expanded into each backend module by
//! [`impl_store_traits`](super::impl_store_traits).

macro_rules! impl_issuance_store {
    ($store:ty) => {
        fn intent_row(r: &DbRow) -> StoreResult<IssuanceIntent> {
            Ok(IssuanceIntent {
                id: convert::id(&get::<String>(r, "id")?)?,
                application_id: convert::id(&get::<String>(r, "application_id")?)?,
                ca_id: convert::id(&get::<String>(r, "ca_id")?)?,
                usage: convert::stored(&get::<String>(r, "usage")?, CertUsage::parse)?,
                key_id: get(r, "key_id")?,
                serial: get(r, "serial")?,
                tbs: get(r, "tbs")?,
                state: convert::stored(&get::<String>(r, "state")?, IntentState::parse)?,
                created_at: Timestamp(get(r, "created_at")?),
                completed_at: convert::opt_ts(get(r, "completed_at")?),
            })
        }

        fn certificate_row(r: &DbRow) -> StoreResult<CertificateRecord> {
            let reason: Option<String> = get(r, "revocation_reason")?;
            Ok(CertificateRecord {
                id: convert::id(&get::<String>(r, "id")?)?,
                user_id: convert::id(&get::<String>(r, "user_id")?)?,
                application_id: convert::id(&get::<String>(r, "application_id")?)?,
                intent_id: convert::id(&get::<String>(r, "intent_id")?)?,
                ca_id: convert::id(&get::<String>(r, "ca_id")?)?,
                usage: convert::stored(&get::<String>(r, "usage")?, CertUsage::parse)?,
                key_id: get(r, "key_id")?,
                serial: get(r, "serial")?,
                der: get(r, "der")?,
                not_before: Timestamp(get(r, "not_before")?),
                not_after: Timestamp(get(r, "not_after")?),
                revoked_at: convert::opt_ts(get(r, "revoked_at")?),
                revocation_reason: reason
                    .as_deref()
                    .map(|s| convert::stored(s, RevocationReason::parse))
                    .transpose()?,
                created_at: Timestamp(get(r, "created_at")?),
            })
        }

        #[async_trait]
        impl IssuanceStore for $store {
            async fn insert_intent(&self, i: &IssuanceIntent) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO issuance_intents (id, application_id, ca_id, usage, key_id, \
                     serial, tbs, state, created_at, completed_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                )
                .bind(i.id.to_string())
                .bind(i.application_id.to_string())
                .bind(i.ca_id.to_string())
                .bind(i.usage.as_str())
                .bind(&i.key_id)
                .bind(&i.serial)
                .bind(&i.tbs)
                .bind(i.state.as_str())
                .bind(i.created_at.0)
                .bind(i.completed_at.map(|t| t.0))
                .execute(&self.pool)
                .await
                .map_err(db("insert intent"))?;
                Ok(())
            }

            async fn open_intents(&self) -> StoreResult<Vec<IssuanceIntent>> {
                sqlx::query(
                    "SELECT * FROM issuance_intents WHERE state = 'intended' \
                     ORDER BY created_at, id",
                )
                .fetch_all(&self.pool)
                .await
                .map_err(db("select open intents"))?
                .iter()
                .map(intent_row)
                .collect()
            }

            async fn intents_of_application(
                &self,
                app: ApplicationId,
            ) -> StoreResult<Vec<IssuanceIntent>> {
                sqlx::query(
                    "SELECT * FROM issuance_intents WHERE application_id = $1 \
                     ORDER BY created_at, id",
                )
                .bind(app.to_string())
                .fetch_all(&self.pool)
                .await
                .map_err(db("select intents"))?
                .iter()
                .map(intent_row)
                .collect()
            }

            async fn complete_intent(
                &self,
                c: &CertificateRecord,
                at: Timestamp,
            ) -> StoreResult<bool> {
                let mut tx = self.pool.begin().await.map_err(db("begin"))?;
                let r = sqlx::query(
                    "UPDATE issuance_intents SET state = 'issued', completed_at = $1 \
                     WHERE id = $2 AND state = 'intended'",
                )
                .bind(at.0)
                .bind(c.intent_id.to_string())
                .execute(&mut *tx)
                .await
                .map_err(db("complete intent"))?;
                if r.rows_affected() != 1 {
                    return Ok(false);
                }
                sqlx::query(
                    "INSERT INTO certificates (id, user_id, application_id, intent_id, ca_id, \
                     usage, key_id, serial, der, not_before, not_after, revoked_at, \
                     revocation_reason, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, \
                     $9, $10, $11, $12, $13, $14)",
                )
                .bind(c.id.to_string())
                .bind(c.user_id.to_string())
                .bind(c.application_id.to_string())
                .bind(c.intent_id.to_string())
                .bind(c.ca_id.to_string())
                .bind(c.usage.as_str())
                .bind(&c.key_id)
                .bind(&c.serial)
                .bind(&c.der)
                .bind(c.not_before.0)
                .bind(c.not_after.0)
                .bind(c.revoked_at.map(|t| t.0))
                .bind(c.revocation_reason.map(|r| r.as_str()))
                .bind(c.created_at.0)
                .execute(&mut *tx)
                .await
                .map_err(db("insert certificate"))?;
                tx.commit().await.map_err(db("commit"))?;
                Ok(true)
            }

            async fn abandon_intent(&self, id: IntentId, at: Timestamp) -> StoreResult<bool> {
                let r = sqlx::query(
                    "UPDATE issuance_intents SET state = 'abandoned', completed_at = $1 \
                     WHERE id = $2 AND state = 'intended'",
                )
                .bind(at.0)
                .bind(id.to_string())
                .execute(&self.pool)
                .await
                .map_err(db("abandon intent"))?;
                Ok(r.rows_affected() == 1)
            }

            async fn withdraw_intent(&self, id: IntentId, at: Timestamp) -> StoreResult<bool> {
                let r = sqlx::query(
                    "UPDATE issuance_intents SET state = 'abandoned', completed_at = $1 \
                     WHERE id = $2 AND state IN ('intended', 'issued')",
                )
                .bind(at.0)
                .bind(id.to_string())
                .execute(&self.pool)
                .await
                .map_err(db("withdraw intent"))?;
                Ok(r.rows_affected() == 1)
            }

            async fn certificate(&self, id: CertificateId) -> StoreResult<Option<CertificateRecord>> {
                sqlx::query("SELECT * FROM certificates WHERE id = $1")
                    .bind(id.to_string())
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db("select certificate"))?
                    .as_ref()
                    .map(certificate_row)
                    .transpose()
            }

            async fn certificates_of(&self, user: UserId) -> StoreResult<Vec<CertificateRecord>> {
                sqlx::query("SELECT * FROM certificates WHERE user_id = $1 ORDER BY created_at, id")
                    .bind(user.to_string())
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db("select certificates"))?
                    .iter()
                    .map(certificate_row)
                    .collect()
            }

            async fn certificates_of_application(
                &self,
                app: ApplicationId,
            ) -> StoreResult<Vec<CertificateRecord>> {
                sqlx::query(
                    "SELECT * FROM certificates WHERE application_id = $1 ORDER BY created_at, id",
                )
                .bind(app.to_string())
                .fetch_all(&self.pool)
                .await
                .map_err(db("select certificates"))?
                .iter()
                .map(certificate_row)
                .collect()
            }

            async fn certificate_by_serial(
                &self,
                ca: CaId,
                serial: &[u8],
            ) -> StoreResult<Option<CertificateRecord>> {
                sqlx::query("SELECT * FROM certificates WHERE ca_id = $1 AND serial = $2")
                    .bind(ca.to_string())
                    .bind(serial)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db("select certificate by serial"))?
                    .as_ref()
                    .map(certificate_row)
                    .transpose()
            }

            async fn expiring_certificates(
                &self,
                from: Timestamp,
                to: Timestamp,
            ) -> StoreResult<Vec<CertificateRecord>> {
                sqlx::query(
                    "SELECT * FROM certificates WHERE usage = 'signing' AND revoked_at IS NULL \
                     AND not_after >= $1 AND not_after < $2 ORDER BY not_after, id",
                )
                .bind(from.0)
                .bind(to.0)
                .fetch_all(&self.pool)
                .await
                .map_err(db("select expiring certificates"))?
                .iter()
                .map(certificate_row)
                .collect()
            }

            async fn revoked_certificates(&self, ca: CaId) -> StoreResult<Vec<CertificateRecord>> {
                sqlx::query(
                    "SELECT * FROM certificates WHERE ca_id = $1 AND revoked_at IS NOT NULL \
                     ORDER BY revoked_at, id",
                )
                .bind(ca.to_string())
                .fetch_all(&self.pool)
                .await
                .map_err(db("select revoked certificates"))?
                .iter()
                .map(certificate_row)
                .collect()
            }

            async fn revoke_certificate(
                &self,
                id: CertificateId,
                at: Timestamp,
                reason: RevocationReason,
            ) -> StoreResult<bool> {
                let r = sqlx::query(
                    "UPDATE certificates SET revoked_at = $1, revocation_reason = $2 \
                     WHERE id = $3 AND revoked_at IS NULL",
                )
                .bind(at.0)
                .bind(reason.as_str())
                .bind(id.to_string())
                .execute(&self.pool)
                .await
                .map_err(db("revoke certificate"))?;
                Ok(r.rows_affected() == 1)
            }

            async fn next_crl_number(&self, ca: CaId) -> StoreResult<i64> {
                let n: i64 = sqlx::query_scalar(
                    "INSERT INTO crl_numbers (ca_id, last_number) VALUES ($1, 1) \
                     ON CONFLICT (ca_id) DO UPDATE SET last_number = crl_numbers.last_number + 1 \
                     RETURNING last_number",
                )
                .bind(ca.to_string())
                .fetch_one(&self.pool)
                .await
                .map_err(db("next crl number"))?;
                Ok(n)
            }

            async fn published_crl(&self, ca: CaId) -> StoreResult<Option<PublishedCrl>> {
                sqlx::query(
                    "SELECT ca_id, crl_number, this_update, next_update, revoked_count, der \
                     FROM published_crls WHERE ca_id = $1",
                )
                .bind(ca.to_string())
                .fetch_optional(&self.pool)
                .await
                .map_err(db("published crl"))?
                .map(|r| {
                    Ok(PublishedCrl {
                        ca_id: convert::id(&get::<String>(&r, "ca_id")?)?,
                        crl_number: get(&r, "crl_number")?,
                        this_update: Timestamp(get(&r, "this_update")?),
                        next_update: Timestamp(get(&r, "next_update")?),
                        revoked_count: get(&r, "revoked_count")?,
                        der: get(&r, "der")?,
                    })
                })
                .transpose()
            }

            async fn publish_crl(&self, c: &PublishedCrl) -> StoreResult<bool> {
                let r = sqlx::query(
                    "INSERT INTO published_crls \
                     (ca_id, crl_number, this_update, next_update, revoked_count, der) \
                     VALUES ($1, $2, $3, $4, $5, $6) \
                     ON CONFLICT (ca_id) DO UPDATE SET crl_number = excluded.crl_number, \
                     this_update = excluded.this_update, next_update = excluded.next_update, \
                     revoked_count = excluded.revoked_count, der = excluded.der \
                     WHERE published_crls.crl_number < excluded.crl_number",
                )
                .bind(c.ca_id.to_string())
                .bind(c.crl_number)
                .bind(c.this_update.0)
                .bind(c.next_update.0)
                .bind(c.revoked_count)
                .bind(&c.der)
                .execute(&self.pool)
                .await
                .map_err(db("publish crl"))?;
                Ok(r.rows_affected() == 1)
            }
        }
    };
}

pub(crate) use impl_issuance_store;
