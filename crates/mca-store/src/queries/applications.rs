//! Uploads, reviewers, orders and applications (D4/D6/D8, M1). Expanded
//! into each backend module by [`impl_store_traits`](super::impl_store_traits).

macro_rules! impl_application_store {
    ($store:ty) => {
        fn blob_row(r: &DbRow) -> StoreResult<Blob> {
            Ok(Blob {
                hash: convert::hash32(&get::<Vec<u8>>(r, "hash")?)?,
                content_type: get(r, "content_type")?,
                bytes: get(r, "bytes")?,
                created_at: Timestamp(get(r, "created_at")?),
            })
        }

        fn reviewer_row(r: &DbRow) -> StoreResult<Reviewer> {
            Ok(Reviewer {
                id: convert::id(&get::<String>(r, "id")?)?,
                ca_id: convert::id(&get::<String>(r, "ca_id")?)?,
                username: get(r, "username")?,
                display_name: get(r, "display_name")?,
                password_hash: convert::password_hash(get(r, "password_hash")?),
                created_at: Timestamp(get(r, "created_at")?),
            })
        }

        fn order_row(r: &DbRow) -> StoreResult<Order> {
            Ok(Order {
                id: convert::id(&get::<String>(r, "id")?)?,
                user_id: convert::id(&get::<String>(r, "user_id")?)?,
                purpose: get(r, "purpose")?,
                amount_fen: get(r, "amount_fen")?,
                state: convert::stored(&get::<String>(r, "state")?, OrderState::parse)?,
                provider: get(r, "provider")?,
                provider_ref: get(r, "provider_ref")?,
                failure: get(r, "failure")?,
                created_at: Timestamp(get(r, "created_at")?),
                paid_at: convert::opt_ts(get(r, "paid_at")?),
            })
        }

        fn application_row(r: &DbRow) -> StoreResult<Application> {
            let previous: Option<String> = get(r, "previous_certificate_id")?;
            let reviewer: Option<String> = get(r, "reviewer_id")?;
            let enterprise: Option<String> = get(r, "enterprise_id")?;
            Ok(Application {
                id: convert::id(&get::<String>(r, "id")?)?,
                user_id: convert::id(&get::<String>(r, "user_id")?)?,
                kind: convert::stored(&get::<String>(r, "kind")?, ApplicationKind::parse)?,
                previous_certificate_id: previous.as_deref().map(convert::id).transpose()?,
                subject: convert::stored(&get::<String>(r, "subject")?, ApplicationSubject::parse)?,
                enterprise_id: enterprise.as_deref().map(convert::id).transpose()?,
                province_id: convert::id(&get::<String>(r, "province_id")?)?,
                platform_id: convert::id(&get::<String>(r, "platform_id")?)?,
                ca_id: convert::id(&get::<String>(r, "ca_id")?)?,
                validity_option_id: convert::id(&get::<String>(r, "validity_option_id")?)?,
                years: convert::u32_of(get(r, "years")?)?,
                fee_fen: get(r, "fee_fen")?,
                form_photo_hash: convert::hash32(&get::<Vec<u8>>(r, "form_photo_hash")?)?,
                signature_hash: convert::hash32(&get::<Vec<u8>>(r, "signature_hash")?)?,
                order_id: convert::id(&get::<String>(r, "order_id")?)?,
                state: convert::stored(&get::<String>(r, "state")?, ApplicationState::parse)?,
                reject_reason: get(r, "reject_reason")?,
                reviewer_id: reviewer.as_deref().map(convert::id).transpose()?,
                submissions: convert::u32_of(get(r, "submissions")?)?,
                created_at: Timestamp(get(r, "created_at")?),
                updated_at: Timestamp(get(r, "updated_at")?),
            })
        }

        #[async_trait]
        impl ApplicationStore for $store {
            async fn put_blob(&self, b: &Blob) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO blobs (hash, content_type, bytes, created_at) \
                     VALUES ($1, $2, $3, $4) ON CONFLICT (hash) DO NOTHING",
                )
                .bind(&b.hash[..])
                .bind(&b.content_type)
                .bind(&b.bytes)
                .bind(b.created_at.0)
                .execute(&self.pool)
                .await
                .map_err(db("insert blob"))?;
                Ok(())
            }

            async fn blob(&self, hash: &[u8; 32]) -> StoreResult<Option<Blob>> {
                sqlx::query("SELECT * FROM blobs WHERE hash = $1")
                    .bind(&hash[..])
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db("select blob"))?
                    .as_ref()
                    .map(blob_row)
                    .transpose()
            }

            async fn insert_reviewer(&self, r: &Reviewer) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO reviewers (id, ca_id, username, display_name, password_hash, \
                     created_at) VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(r.id.to_string())
                .bind(r.ca_id.to_string())
                .bind(&r.username)
                .bind(&r.display_name)
                .bind(r.password_hash.as_str())
                .bind(r.created_at.0)
                .execute(&self.pool)
                .await
                .map_err(db("insert reviewer"))?;
                Ok(())
            }

            async fn reviewer_by_username(&self, username: &str) -> StoreResult<Option<Reviewer>> {
                sqlx::query("SELECT * FROM reviewers WHERE username = $1")
                    .bind(username)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db("select reviewer"))?
                    .as_ref()
                    .map(reviewer_row)
                    .transpose()
            }

            async fn reviewer(&self, id: ReviewerId) -> StoreResult<Option<Reviewer>> {
                sqlx::query("SELECT * FROM reviewers WHERE id = $1")
                    .bind(id.to_string())
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db("select reviewer"))?
                    .as_ref()
                    .map(reviewer_row)
                    .transpose()
            }

            async fn insert_order(&self, o: &Order) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO orders (id, user_id, purpose, amount_fen, state, provider, \
                     provider_ref, failure, created_at, paid_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                )
                .bind(o.id.to_string())
                .bind(o.user_id.to_string())
                .bind(&o.purpose)
                .bind(o.amount_fen)
                .bind(o.state.as_str())
                .bind(&o.provider)
                .bind(o.provider_ref.as_deref())
                .bind(o.failure.as_deref())
                .bind(o.created_at.0)
                .bind(o.paid_at.map(|t| t.0))
                .execute(&self.pool)
                .await
                .map_err(db("insert order"))?;
                Ok(())
            }

            async fn order(&self, id: OrderId) -> StoreResult<Option<Order>> {
                sqlx::query("SELECT * FROM orders WHERE id = $1")
                    .bind(id.to_string())
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db("select order"))?
                    .as_ref()
                    .map(order_row)
                    .transpose()
            }

            async fn insert_open_recovery_order(&self, o: &Order) -> StoreResult<bool> {
                let r = sqlx::query(
                    "INSERT INTO orders (id, user_id, purpose, amount_fen, state, provider, \
                     provider_ref, failure, created_at, paid_at, open_recovery_of) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $2) \
                     ON CONFLICT (open_recovery_of) DO NOTHING",
                )
                .bind(o.id.to_string())
                .bind(o.user_id.to_string())
                .bind(&o.purpose)
                .bind(o.amount_fen)
                .bind(o.state.as_str())
                .bind(&o.provider)
                .bind(o.provider_ref.as_deref())
                .bind(o.failure.as_deref())
                .bind(o.created_at.0)
                .bind(o.paid_at.map(|t| t.0))
                .execute(&self.pool)
                .await
                .map_err(db("insert recovery order"))?;
                Ok(r.rows_affected() == 1)
            }

            async fn open_recovery_order(&self, user: UserId) -> StoreResult<Option<Order>> {
                sqlx::query("SELECT * FROM orders WHERE open_recovery_of = $1")
                    .bind(user.to_string())
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db("select open recovery order"))?
                    .as_ref()
                    .map(order_row)
                    .transpose()
            }

            async fn settle_order(&self, o: &Order) -> StoreResult<bool> {
                // A declined order is closed: the next payment attempt may
                // open a new one.
                let r = sqlx::query(
                    "UPDATE orders SET state = $1, provider_ref = $2, failure = $3, paid_at = $4, \
                     open_recovery_of = CASE WHEN $1 = 'failed' THEN NULL ELSE open_recovery_of END \
                     WHERE id = $5 AND state = 'pending'",
                )
                .bind(o.state.as_str())
                .bind(o.provider_ref.as_deref())
                .bind(o.failure.as_deref())
                .bind(o.paid_at.map(|t| t.0))
                .bind(o.id.to_string())
                .execute(&self.pool)
                .await
                .map_err(db("settle order"))?;
                Ok(r.rows_affected() == 1)
            }

            async fn use_order(&self, id: OrderId) -> StoreResult<bool> {
                let r = sqlx::query("UPDATE orders SET state = 'used', open_recovery_of = NULL \
                     WHERE id = $1 AND state = 'paid'",)
                    .bind(id.to_string())
                    .execute(&self.pool)
                    .await
                    .map_err(db("use order"))?;
                Ok(r.rows_affected() == 1)
            }

            async fn insert_application(&self, a: &Application) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO applications (id, user_id, kind, previous_certificate_id, \
                     province_id, platform_id, ca_id, validity_option_id, years, fee_fen, \
                     form_photo_hash, signature_hash, order_id, state, reject_reason, \
                     reviewer_id, submissions, created_at, updated_at, subject, enterprise_id) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, \
                     $16, $17, $18, $19, $20, $21)",
                )
                .bind(a.id.to_string())
                .bind(a.user_id.to_string())
                .bind(a.kind.as_str())
                .bind(a.previous_certificate_id.map(|c| c.to_string()))
                .bind(a.province_id.to_string())
                .bind(a.platform_id.to_string())
                .bind(a.ca_id.to_string())
                .bind(a.validity_option_id.to_string())
                .bind(i64::from(a.years))
                .bind(a.fee_fen)
                .bind(&a.form_photo_hash[..])
                .bind(&a.signature_hash[..])
                .bind(a.order_id.to_string())
                .bind(a.state.as_str())
                .bind(a.reject_reason.as_deref())
                .bind(a.reviewer_id.map(|r| r.to_string()))
                .bind(i64::from(a.submissions))
                .bind(a.created_at.0)
                .bind(a.updated_at.0)
                .bind(a.subject.as_str())
                .bind(a.enterprise_id.map(|e| e.to_string()))
                .execute(&self.pool)
                .await
                .map_err(db("insert application"))?;
                Ok(())
            }

            async fn application(&self, id: ApplicationId) -> StoreResult<Option<Application>> {
                sqlx::query("SELECT * FROM applications WHERE id = $1")
                    .bind(id.to_string())
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db("select application"))?
                    .as_ref()
                    .map(application_row)
                    .transpose()
            }

            async fn applications_of(&self, user: UserId) -> StoreResult<Vec<Application>> {
                sqlx::query(
                    "SELECT * FROM applications WHERE user_id = $1 ORDER BY created_at, id",
                )
                .bind(user.to_string())
                .fetch_all(&self.pool)
                .await
                .map_err(db("select applications"))?
                .iter()
                .map(application_row)
                .collect()
            }

            async fn applications_in_state(
                &self,
                ca: CaId,
                state: ApplicationState,
            ) -> StoreResult<Vec<Application>> {
                sqlx::query(
                    "SELECT * FROM applications WHERE ca_id = $1 AND state = $2 \
                     ORDER BY updated_at, id",
                )
                .bind(ca.to_string())
                .bind(state.as_str())
                .fetch_all(&self.pool)
                .await
                .map_err(db("select applications by state"))?
                .iter()
                .map(application_row)
                .collect()
            }

            async fn update_application(
                &self,
                a: &Application,
                expected: ApplicationState,
            ) -> StoreResult<bool> {
                let r = sqlx::query(
                    "UPDATE applications SET province_id = $1, platform_id = $2, ca_id = $3, \
                     validity_option_id = $4, years = $5, fee_fen = $6, form_photo_hash = $7, \
                     signature_hash = $8, state = $9, reject_reason = $10, reviewer_id = $11, \
                     submissions = $12, updated_at = $13, order_id = $14 \
                     WHERE id = $15 AND state = $16",
                )
                .bind(a.province_id.to_string())
                .bind(a.platform_id.to_string())
                .bind(a.ca_id.to_string())
                .bind(a.validity_option_id.to_string())
                .bind(i64::from(a.years))
                .bind(a.fee_fen)
                .bind(&a.form_photo_hash[..])
                .bind(&a.signature_hash[..])
                .bind(a.state.as_str())
                .bind(a.reject_reason.as_deref())
                .bind(a.reviewer_id.map(|r| r.to_string()))
                .bind(i64::from(a.submissions))
                .bind(a.updated_at.0)
                .bind(a.order_id.to_string())
                .bind(a.id.to_string())
                .bind(expected.as_str())
                .execute(&self.pool)
                .await
                .map_err(db("update application"))?;
                Ok(r.rows_affected() == 1)
            }
        }
    };
}

pub(crate) use impl_application_store;
