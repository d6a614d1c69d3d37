//! The audit log (M4). Expanded into each backend module by
//! [`impl_store_traits`](super::impl_store_traits), where `DbRow`, `get`,
//! `db` and the domain types are in scope.

macro_rules! impl_audit_store {
    ($store:ty) => {
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

pub(crate) use impl_audit_store;
