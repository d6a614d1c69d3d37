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

        fn authorization_row(r: &DbRow) -> StoreResult<Authorization> {
            let permissions: String = get(r, "permissions")?;
            let hash = |col| -> StoreResult<Option<[u8; 32]>> {
                get::<Option<Vec<u8>>>(r, col)?
                    .as_deref()
                    .map(convert::hash32)
                    .transpose()
            };
            Ok(Authorization {
                id: convert::id(&get::<String>(r, "id")?)?,
                enterprise_id: convert::id(&get::<String>(r, "enterprise_id")?)?,
                user_id: convert::id(&get::<String>(r, "user_id")?)?,
                platform_id: convert::id(&get::<String>(r, "platform_id")?)?,
                permissions: permissions
                    .split(',')
                    .map(|p| convert::stored(p, Permission::parse))
                    .collect::<StoreResult<_>>()?,
                application_id: convert::id(&get::<String>(r, "application_id")?)?,
                state: convert::stored(&get::<String>(r, "state")?, AuthorizationState::parse)?,
                letter_hash: hash("letter_hash")?,
                seal_hash: hash("seal_hash")?,
                created_at: Timestamp(get(r, "created_at")?),
                updated_at: Timestamp(get(r, "updated_at")?),
            })
        }

        fn permissions_text(a: &Authorization) -> String {
            a.permissions
                .iter()
                .map(|p| p.as_str())
                .collect::<Vec<_>>()
                .join(",")
        }

        async fn insert_authorization_in<'e, E>(executor: E, a: &Authorization) -> StoreResult<()>
        where
            E: sqlx::Executor<'e, Database = <DbRow as sqlx::Row>::Database>,
        {
            sqlx::query(
                "INSERT INTO authorizations (id, enterprise_id, user_id, platform_id, \
                 permissions, application_id, state, letter_hash, seal_hash, created_at, \
                 updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            )
            .bind(a.id.to_string())
            .bind(a.enterprise_id.to_string())
            .bind(a.user_id.to_string())
            .bind(a.platform_id.to_string())
            .bind(permissions_text(a))
            .bind(a.application_id.to_string())
            .bind(a.state.as_str())
            .bind(a.letter_hash.as_ref().map(|h| h.to_vec()))
            .bind(a.seal_hash.as_ref().map(|h| h.to_vec()))
            .bind(a.created_at.0)
            .bind(a.updated_at.0)
            .execute(executor)
            .await
            .map_err(db("insert authorization"))?;
            Ok(())
        }

        fn invitation_row(r: &DbRow) -> StoreResult<Invitation> {
            Ok(Invitation {
                id: convert::id(&get::<String>(r, "id")?)?,
                enterprise_id: convert::id(&get::<String>(r, "enterprise_id")?)?,
                name: convert::name(&get::<String>(r, "name")?)?,
                phone: convert::phone(&get::<String>(r, "phone")?)?,
                invited_by: convert::id(&get::<String>(r, "invited_by")?)?,
                state: convert::stored(&get::<String>(r, "state")?, InvitationState::parse)?,
                created_at: Timestamp(get(r, "created_at")?),
                updated_at: Timestamp(get(r, "updated_at")?),
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

            async fn release_claim(
                &self,
                enterprise: EnterpriseId,
                application: ApplicationId,
                expected: ApplicationState,
                now: Timestamp,
            ) -> StoreResult<bool> {
                let mut tx = self.pool.begin().await.map_err(db("begin"))?;
                let r = sqlx::query(
                    "UPDATE applications SET state = 'withdrawn', enterprise_id = NULL, \
                     updated_at = $1 WHERE id = $2 AND state = $3 AND enterprise_id = $4",
                )
                .bind(now.0)
                .bind(application.to_string())
                .bind(expected.as_str())
                .bind(enterprise.to_string())
                .execute(&mut *tx)
                .await
                .map_err(db("withdraw claim application"))?;
                if r.rows_affected() != 1 {
                    return Ok(false);
                }
                let r = sqlx::query("DELETE FROM enterprises WHERE id = $1 AND state = 'claiming'")
                    .bind(enterprise.to_string())
                    .execute(&mut *tx)
                    .await
                    .map_err(db("release enterprise claim"))?;
                if r.rows_affected() != 1 {
                    return Ok(false);
                }
                tx.commit().await.map_err(db("commit"))?;
                Ok(true)
            }

            async fn complete_claim(&self, a: &Authorization) -> StoreResult<bool> {
                let (id, admin, now) = (a.enterprise_id, a.user_id, a.created_at);
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
                insert_authorization_in(&mut *tx, a).await?;
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

            async fn remove_staff(
                &self,
                enterprise: EnterpriseId,
                user: UserId,
            ) -> StoreResult<bool> {
                let r = sqlx::query(
                    "DELETE FROM enterprise_members \
                     WHERE enterprise_id = $1 AND user_id = $2 AND role = 'staff'",
                )
                .bind(enterprise.to_string())
                .bind(user.to_string())
                .execute(&self.pool)
                .await
                .map_err(db("remove enterprise staff"))?;
                Ok(r.rows_affected() == 1)
            }

            async fn insert_authorization(&self, a: &Authorization) -> StoreResult<()> {
                insert_authorization_in(&self.pool, a).await
            }

            async fn authorization(
                &self,
                id: AuthorizationId,
            ) -> StoreResult<Option<Authorization>> {
                sqlx::query("SELECT * FROM authorizations WHERE id = $1")
                    .bind(id.to_string())
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db("select authorization"))?
                    .as_ref()
                    .map(authorization_row)
                    .transpose()
            }

            async fn authorization_of_application(
                &self,
                application: ApplicationId,
            ) -> StoreResult<Option<Authorization>> {
                sqlx::query("SELECT * FROM authorizations WHERE application_id = $1")
                    .bind(application.to_string())
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db("select authorization of application"))?
                    .as_ref()
                    .map(authorization_row)
                    .transpose()
            }

            async fn authorizations_of_enterprise(
                &self,
                enterprise: EnterpriseId,
            ) -> StoreResult<Vec<Authorization>> {
                sqlx::query(
                    "SELECT * FROM authorizations WHERE enterprise_id = $1 \
                     ORDER BY created_at, id",
                )
                .bind(enterprise.to_string())
                .fetch_all(&self.pool)
                .await
                .map_err(db("select authorizations"))?
                .iter()
                .map(authorization_row)
                .collect()
            }

            async fn seal_authorization(
                &self,
                id: AuthorizationId,
                seal_hash: &[u8; 32],
                now: Timestamp,
            ) -> StoreResult<bool> {
                let mut tx = self.pool.begin().await.map_err(db("begin"))?;
                let row = sqlx::query(
                    "UPDATE authorizations SET seal_hash = $1, updated_at = $2 \
                     WHERE id = $3 AND state = 'pending' AND seal_hash IS NULL \
                     RETURNING application_id",
                )
                .bind(&seal_hash[..])
                .bind(now.0)
                .bind(id.to_string())
                .fetch_optional(&mut *tx)
                .await
                .map_err(db("seal authorization"))?;
                let Some(row) = row else {
                    return Ok(false);
                };
                let application: String = get(&row, "application_id")?;
                let r = sqlx::query(
                    "UPDATE applications SET state = 'submitted', \
                     submissions = submissions + 1, updated_at = $1 \
                     WHERE id = $2 AND state = 'awaiting_admin'",
                )
                .bind(now.0)
                .bind(application)
                .execute(&mut *tx)
                .await
                .map_err(db("submit sealed application"))?;
                if r.rows_affected() != 1 {
                    return Ok(false);
                }
                tx.commit().await.map_err(db("commit"))?;
                Ok(true)
            }

            async fn reopen_authorization(
                &self,
                id: AuthorizationId,
                application: ApplicationId,
                now: Timestamp,
            ) -> StoreResult<bool> {
                let mut tx = self.pool.begin().await.map_err(db("begin"))?;
                let r = sqlx::query(
                    "UPDATE authorizations SET seal_hash = NULL, updated_at = $1 \
                     WHERE id = $2 AND application_id = $3 AND state = 'pending'",
                )
                .bind(now.0)
                .bind(id.to_string())
                .bind(application.to_string())
                .execute(&mut *tx)
                .await
                .map_err(db("reopen authorization"))?;
                if r.rows_affected() != 1 {
                    return Ok(false);
                }
                let r = sqlx::query(
                    "UPDATE applications SET state = 'awaiting_admin', reject_reason = NULL, \
                     updated_at = $1 WHERE id = $2 AND state = 'rejected'",
                )
                .bind(now.0)
                .bind(application.to_string())
                .execute(&mut *tx)
                .await
                .map_err(db("reopen agent application"))?;
                if r.rows_affected() != 1 {
                    return Ok(false);
                }
                tx.commit().await.map_err(db("commit"))?;
                Ok(true)
            }

            async fn activate_authorization(
                &self,
                id: AuthorizationId,
                now: Timestamp,
            ) -> StoreResult<bool> {
                let mut tx = self.pool.begin().await.map_err(db("begin"))?;
                let row = sqlx::query(
                    "UPDATE authorizations SET state = 'active', updated_at = $1 \
                     WHERE id = $2 AND state = 'pending' RETURNING enterprise_id, user_id",
                )
                .bind(now.0)
                .bind(id.to_string())
                .fetch_optional(&mut *tx)
                .await
                .map_err(db("activate authorization"))?;
                let Some(row) = row else {
                    return Ok(false);
                };
                let (enterprise, user): (String, String) =
                    (get(&row, "enterprise_id")?, get(&row, "user_id")?);
                sqlx::query(
                    "INSERT INTO enterprise_members (enterprise_id, user_id, role, created_at) \
                     VALUES ($1, $2, $3, $4) ON CONFLICT (enterprise_id, user_id) DO NOTHING",
                )
                .bind(enterprise)
                .bind(user)
                .bind(MemberRole::Staff.as_str())
                .bind(now.0)
                .execute(&mut *tx)
                .await
                .map_err(db("insert enterprise staff"))?;
                tx.commit().await.map_err(db("commit"))?;
                Ok(true)
            }

            async fn set_authorization_state(
                &self,
                id: AuthorizationId,
                from: AuthorizationState,
                to: AuthorizationState,
                now: Timestamp,
            ) -> StoreResult<bool> {
                let r = sqlx::query(
                    "UPDATE authorizations SET state = $1, updated_at = $2 \
                     WHERE id = $3 AND state = $4",
                )
                .bind(to.as_str())
                .bind(now.0)
                .bind(id.to_string())
                .bind(from.as_str())
                .execute(&self.pool)
                .await
                .map_err(db("set authorization state"))?;
                Ok(r.rows_affected() == 1)
            }

            async fn insert_invitation(&self, i: &Invitation) -> StoreResult<bool> {
                let r = sqlx::query(
                    "INSERT INTO enterprise_invitations (id, enterprise_id, name, phone, \
                     invited_by, state, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING",
                )
                .bind(i.id.to_string())
                .bind(i.enterprise_id.to_string())
                .bind(i.name.as_str())
                .bind(i.phone.as_str())
                .bind(i.invited_by.to_string())
                .bind(i.state.as_str())
                .bind(i.created_at.0)
                .bind(i.updated_at.0)
                .execute(&self.pool)
                .await
                .map_err(db("insert invitation"))?;
                Ok(r.rows_affected() == 1)
            }

            async fn invitation(&self, id: InvitationId) -> StoreResult<Option<Invitation>> {
                sqlx::query("SELECT * FROM enterprise_invitations WHERE id = $1")
                    .bind(id.to_string())
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db("select invitation"))?
                    .as_ref()
                    .map(invitation_row)
                    .transpose()
            }

            async fn open_invitations_for(&self, phone: &Phone) -> StoreResult<Vec<Invitation>> {
                sqlx::query(
                    "SELECT * FROM enterprise_invitations WHERE phone = $1 AND state = 'open' \
                     ORDER BY created_at, id",
                )
                .bind(phone.as_str())
                .fetch_all(&self.pool)
                .await
                .map_err(db("select invitations"))?
                .iter()
                .map(invitation_row)
                .collect()
            }

            async fn accept_invitation(&self, id: InvitationId, now: Timestamp) -> StoreResult<bool> {
                let r = sqlx::query(
                    "UPDATE enterprise_invitations SET state = 'accepted', updated_at = $1 \
                     WHERE id = $2 AND state = 'open'",
                )
                .bind(now.0)
                .bind(id.to_string())
                .execute(&self.pool)
                .await
                .map_err(db("accept invitation"))?;
                Ok(r.rows_affected() == 1)
            }
        }
    };
}

pub(crate) use impl_enterprise_store;
