//! Enterprises and their members (B–E). Expanded into each backend module
//! by [`impl_store_traits`](super::impl_store_traits).

macro_rules! impl_enterprise_store {
    ($store:ty) => {
        fn enterprise_row(r: &DbRow) -> StoreResult<Enterprise> {
            let code: String = get(r, "credit_code")?;
            Ok(Enterprise {
                id: convert::id(&get::<String>(r, "id")?)?,
                credit_code: CreditCode::parse(&code)
                    .map_err(|_| crate::error::corrupt("stored credit code"))?,
                name: get(r, "name")?,
                legal_rep_name: convert::name(&get::<String>(r, "legal_rep_name")?)?,
                legal_rep_id_masked: get(r, "legal_rep_id_masked")?,
                legal_rep_id_sealed: get(r, "legal_rep_id_sealed")?,
                licence_hash: convert::hash32(&get::<Vec<u8>>(r, "licence_hash")?)?,
                state: convert::stored(&get::<String>(r, "state")?, EnterpriseState::parse)?,
                claimant_id: convert::id(&get::<String>(r, "claimant_id")?)?,
                created_at: Timestamp(get(r, "created_at")?),
                updated_at: Timestamp(get(r, "updated_at")?),
            })
        }

        fn member_row(r: &DbRow) -> StoreResult<Membership> {
            Ok(Membership {
                enterprise_id: convert::id(&get::<String>(r, "enterprise_id")?)?,
                user_id: convert::id(&get::<String>(r, "user_id")?)?,
                role: convert::stored(&get::<String>(r, "role")?, MemberRole::parse)?,
                created_at: Timestamp(get(r, "created_at")?),
            })
        }

        #[async_trait]
        impl EnterpriseStore for $store {
            async fn insert_enterprise(&self, e: &Enterprise) -> StoreResult<bool> {
                let r = sqlx::query(
                    "INSERT INTO enterprises (id, credit_code, name, legal_rep_name, \
                     legal_rep_id_masked, legal_rep_id_sealed, licence_hash, state, \
                     claimant_id, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
                     ON CONFLICT (credit_code) DO NOTHING",
                )
                .bind(e.id.to_string())
                .bind(e.credit_code.as_str())
                .bind(&e.name)
                .bind(e.legal_rep_name.as_str())
                .bind(&e.legal_rep_id_masked)
                .bind(&e.legal_rep_id_sealed)
                .bind(&e.licence_hash[..])
                .bind(e.state.as_str())
                .bind(e.claimant_id.to_string())
                .bind(e.created_at.0)
                .bind(e.updated_at.0)
                .execute(&self.pool)
                .await
                .map_err(db("insert enterprise"))?;
                Ok(r.rows_affected() == 1)
            }

            async fn enterprise(&self, id: EnterpriseId) -> StoreResult<Option<Enterprise>> {
                sqlx::query("SELECT * FROM enterprises WHERE id = $1")
                    .bind(id.to_string())
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db("select enterprise"))?
                    .as_ref()
                    .map(enterprise_row)
                    .transpose()
            }

            async fn enterprise_by_credit_code(
                &self,
                code: &CreditCode,
            ) -> StoreResult<Option<Enterprise>> {
                sqlx::query("SELECT * FROM enterprises WHERE credit_code = $1")
                    .bind(code.as_str())
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db("select enterprise by credit code"))?
                    .as_ref()
                    .map(enterprise_row)
                    .transpose()
            }

            async fn update_claim(&self, e: &Enterprise) -> StoreResult<bool> {
                let r = sqlx::query(
                    "UPDATE enterprises SET credit_code = $1, name = $2, legal_rep_name = $3, \
                     legal_rep_id_masked = $4, legal_rep_id_sealed = $5, licence_hash = $6, \
                     updated_at = $7 \
                     WHERE id = $8 AND claimant_id = $9 AND state = 'claiming'",
                )
                .bind(e.credit_code.as_str())
                .bind(&e.name)
                .bind(e.legal_rep_name.as_str())
                .bind(&e.legal_rep_id_masked)
                .bind(&e.legal_rep_id_sealed)
                .bind(&e.licence_hash[..])
                .bind(e.updated_at.0)
                .bind(e.id.to_string())
                .bind(e.claimant_id.to_string())
                .execute(&self.pool)
                .await
                .map_err(db("update enterprise claim"))?;
                Ok(r.rows_affected() == 1)
            }

            async fn complete_claim(
                &self,
                id: EnterpriseId,
                admin: UserId,
                now: Timestamp,
            ) -> StoreResult<bool> {
                let mut tx = self.pool.begin().await.map_err(db("begin"))?;
                let r = sqlx::query(
                    "UPDATE enterprises SET state = 'claimed', updated_at = $1 \
                     WHERE id = $2 AND claimant_id = $3 AND state = 'claiming'",
                )
                .bind(now.0)
                .bind(id.to_string())
                .bind(admin.to_string())
                .execute(&mut *tx)
                .await
                .map_err(db("complete enterprise claim"))?;
                if r.rows_affected() != 1 {
                    return Ok(false);
                }
                sqlx::query(
                    "INSERT INTO enterprise_members (enterprise_id, user_id, role, created_at) \
                     VALUES ($1, $2, $3, $4)",
                )
                .bind(id.to_string())
                .bind(admin.to_string())
                .bind(MemberRole::Admin.as_str())
                .bind(now.0)
                .execute(&mut *tx)
                .await
                .map_err(db("insert enterprise admin"))?;
                tx.commit().await.map_err(db("commit"))?;
                Ok(true)
            }

            async fn memberships_of(&self, user: UserId) -> StoreResult<Vec<Membership>> {
                sqlx::query(
                    "SELECT * FROM enterprise_members WHERE user_id = $1 \
                     ORDER BY created_at, enterprise_id",
                )
                .bind(user.to_string())
                .fetch_all(&self.pool)
                .await
                .map_err(db("select memberships"))?
                .iter()
                .map(member_row)
                .collect()
            }

            async fn members_of(&self, enterprise: EnterpriseId) -> StoreResult<Vec<Membership>> {
                sqlx::query(
                    "SELECT * FROM enterprise_members WHERE enterprise_id = $1 \
                     ORDER BY created_at, user_id",
                )
                .bind(enterprise.to_string())
                .fetch_all(&self.pool)
                .await
                .map_err(db("select members"))?
                .iter()
                .map(member_row)
                .collect()
            }
        }
    };
}

pub(crate) use impl_enterprise_store;
