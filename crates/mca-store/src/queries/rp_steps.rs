//! The steps of approving a relying-party session (issue 6). Expanded into
//! each backend module by [`impl_store_traits`](super::impl_store_traits).
//! A done step never changes; each move is one conditional statement.

macro_rules! impl_rp_step_store {
    ($store:ty) => {
        fn rp_step_row(r: &DbRow) -> StoreResult<RpStepRecord> {
            Ok(RpStepRecord {
                session_id: convert::id(&get::<String>(r, "session_id")?)?,
                index: convert::u32_of(get(r, "idx")?)?,
                key_id: convert::id(&get::<String>(r, "key_id")?)?,
                signing_session_id: convert::id(&get::<String>(r, "signing_session_id")?)?,
                state: convert::stored(&get::<String>(r, "state")?, RpStepState::parse)?,
                prepared_at: Timestamp(get(r, "prepared_at")?),
                prepared: get(r, "prepared")?,
                result: get(r, "result")?,
            })
        }

        #[async_trait]
        impl RpStepStore for $store {
            async fn rp_steps(&self, session: RpSessionId) -> StoreResult<Vec<RpStepRecord>> {
                sqlx::query("SELECT * FROM rp_session_steps WHERE session_id = $1 ORDER BY idx")
                    .bind(session.to_string())
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db("select rp steps"))?
                    .iter()
                    .map(rp_step_row)
                    .collect()
            }

            async fn put_rp_step(&self, s: &RpStepRecord) -> StoreResult<bool> {
                let r = sqlx::query(
                    "INSERT INTO rp_session_steps (session_id, idx, key_id, \
                     signing_session_id, state, prepared_at, prepared, result) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                     ON CONFLICT (session_id, idx) DO UPDATE SET \
                     key_id = excluded.key_id, \
                     signing_session_id = excluded.signing_session_id, \
                     state = excluded.state, prepared_at = excluded.prepared_at, \
                     prepared = excluded.prepared, result = excluded.result \
                     WHERE rp_session_steps.state <> 'done'",
                )
                .bind(s.session_id.to_string())
                .bind(i64::from(s.index))
                .bind(s.key_id.to_string())
                .bind(s.signing_session_id.to_string())
                .bind(s.state.as_str())
                .bind(s.prepared_at.0)
                .bind(s.prepared.as_deref())
                .bind(s.result.as_deref())
                .execute(&self.pool)
                .await
                .map_err(db("put rp step"))?;
                Ok(r.rows_affected() == 1)
            }

            async fn advance_rp_step(
                &self,
                session: RpSessionId,
                index: u32,
                signing_session: SigningSessionId,
                from: RpStepState,
                to: RpStepState,
                result: Option<&[u8]>,
            ) -> StoreResult<bool> {
                let r = sqlx::query(
                    "UPDATE rp_session_steps SET state = $1, result = $2 \
                     WHERE session_id = $3 AND idx = $4 AND signing_session_id = $5 \
                     AND state = $6",
                )
                .bind(to.as_str())
                .bind(result)
                .bind(session.to_string())
                .bind(i64::from(index))
                .bind(signing_session.to_string())
                .bind(from.as_str())
                .execute(&self.pool)
                .await
                .map_err(db("advance rp step"))?;
                Ok(r.rows_affected() == 1)
            }
        }
    };
}

pub(crate) use impl_rp_step_store;
