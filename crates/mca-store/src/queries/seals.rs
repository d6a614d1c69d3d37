//! Seals (issue 13.2). Expanded into each backend module by
//! [`impl_store_traits`](super::impl_store_traits).

macro_rules! impl_seal_store {
    ($store:ty) => {
        fn seal_row(r: &DbRow) -> StoreResult<SealRecord> {
            let owner: String = get(r, "owner")?;
            let owner = match owner.split_once(':') {
                Some(("certificate", id)) => SealOwner::Certificate(convert::id(id)?),
                Some(("enterprise", id)) => SealOwner::Enterprise(convert::id(id)?),
                _ => return Err(crate::error::corrupt("stored seal owner")),
            };
            let signers: String = get(r, "signers")?;
            Ok(SealRecord {
                es_id: get(r, "es_id")?,
                owner,
                version: u32::try_from(get::<i64>(r, "version")?)
                    .map_err(|_| crate::error::corrupt("stored seal version"))?,
                signers: signers
                    .split(',')
                    .filter(|s| !s.is_empty())
                    .map(convert::id)
                    .collect::<StoreResult<_>>()?,
                der: get(r, "der")?,
                created_at: Timestamp(get(r, "created_at")?),
            })
        }

        #[async_trait]
        impl SealStore for $store {
            async fn insert_seal(&self, s: &SealRecord) -> StoreResult<bool> {
                let signers: Vec<String> = s.signers.iter().map(|c| c.to_string()).collect();
                let r = sqlx::query(
                    "INSERT INTO seals (es_id, owner, version, signers, der, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (owner, version) DO NOTHING",
                )
                .bind(&s.es_id)
                .bind(s.owner.key())
                .bind(i64::from(s.version))
                .bind(signers.join(","))
                .bind(&s.der)
                .bind(s.created_at.0)
                .execute(&self.pool)
                .await
                .map_err(db("insert seal"))?;
                Ok(r.rows_affected() == 1)
            }

            async fn current_seal(&self, owner: SealOwner) -> StoreResult<Option<SealRecord>> {
                sqlx::query("SELECT * FROM seals WHERE owner = $1 ORDER BY version DESC LIMIT 1")
                    .bind(owner.key())
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db("select seal"))?
                    .as_ref()
                    .map(seal_row)
                    .transpose()
            }
        }
    };
}

pub(crate) use impl_seal_store;
