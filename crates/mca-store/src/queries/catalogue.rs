//! The catalogue (M2). Expanded into each backend module by
//! [`impl_store_traits`](super::impl_store_traits), where `DbRow`, `get`,
//! `db` and the domain types are in scope.

macro_rules! impl_catalogue_store {
    ($store:ty) => {
        fn province_row(r: &DbRow) -> StoreResult<Province> {
            Ok(Province {
                id: convert::id(&get::<String>(r, "id")?)?,
                code: get(r, "code")?,
                name: get(r, "name")?,
            })
        }

        fn platform_row(r: &DbRow) -> StoreResult<TradingPlatform> {
            Ok(TradingPlatform {
                id: convert::id(&get::<String>(r, "id")?)?,
                province_id: convert::id(&get::<String>(r, "province_id")?)?,
                name: get(r, "name")?,
                url: get(r, "url")?,
            })
        }

        fn ca_row(r: &DbRow) -> StoreResult<CaOrganization> {
            Ok(CaOrganization {
                id: convert::id(&get::<String>(r, "id")?)?,
                name: get(r, "name")?,
                short_name: get(r, "short_name")?,
            })
        }

        fn validity_row(r: &DbRow) -> StoreResult<ValidityOption> {
            Ok(ValidityOption {
                id: convert::id(&get::<String>(r, "id")?)?,
                ca_id: convert::id(&get::<String>(r, "ca_id")?)?,
                years: convert::u32_of(get(r, "years")?)?,
                price_fen: get(r, "price_fen")?,
            })
        }

        #[async_trait]
        impl CatalogueStore for $store {
            async fn provinces(&self) -> StoreResult<Vec<Province>> {
                sqlx::query("SELECT * FROM provinces ORDER BY code")
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db("select provinces"))?
                    .iter()
                    .map(province_row)
                    .collect()
            }

            async fn insert_province(&self, p: &Province) -> StoreResult<()> {
                sqlx::query("INSERT INTO provinces (id, code, name) VALUES ($1, $2, $3)")
                    .bind(p.id.to_string())
                    .bind(&p.code)
                    .bind(&p.name)
                    .execute(&self.pool)
                    .await
                    .map_err(db("insert province"))?;
                Ok(())
            }

            async fn update_province(&self, p: &Province) -> StoreResult<bool> {
                let r = sqlx::query("UPDATE provinces SET code = $1, name = $2 WHERE id = $3")
                    .bind(&p.code)
                    .bind(&p.name)
                    .bind(p.id.to_string())
                    .execute(&self.pool)
                    .await
                    .map_err(db("update province"))?;
                Ok(r.rows_affected() == 1)
            }

            async fn delete_province(&self, id: ProvinceId) -> StoreResult<bool> {
                let r = sqlx::query("DELETE FROM provinces WHERE id = $1")
                    .bind(id.to_string())
                    .execute(&self.pool)
                    .await
                    .map_err(db("delete province"))?;
                Ok(r.rows_affected() == 1)
            }

            async fn platforms(&self) -> StoreResult<Vec<TradingPlatform>> {
                sqlx::query("SELECT * FROM trading_platforms ORDER BY name")
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db("select platforms"))?
                    .iter()
                    .map(platform_row)
                    .collect()
            }

            async fn insert_platform(&self, p: &TradingPlatform) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO trading_platforms (id, province_id, name, url) VALUES ($1, $2, $3, $4)",
                )
                .bind(p.id.to_string())
                .bind(p.province_id.to_string())
                .bind(&p.name)
                .bind(&p.url)
                .execute(&self.pool)
                .await
                .map_err(db("insert platform"))?;
                Ok(())
            }

            async fn update_platform(&self, p: &TradingPlatform) -> StoreResult<bool> {
                let r = sqlx::query(
                    "UPDATE trading_platforms SET province_id = $1, name = $2, url = $3 WHERE id = $4",
                )
                .bind(p.province_id.to_string())
                .bind(&p.name)
                .bind(&p.url)
                .bind(p.id.to_string())
                .execute(&self.pool)
                .await
                .map_err(db("update platform"))?;
                Ok(r.rows_affected() == 1)
            }

            async fn delete_platform(&self, id: PlatformId) -> StoreResult<bool> {
                let r = sqlx::query("DELETE FROM trading_platforms WHERE id = $1")
                    .bind(id.to_string())
                    .execute(&self.pool)
                    .await
                    .map_err(db("delete platform"))?;
                Ok(r.rows_affected() == 1)
            }

            async fn ca_organizations(&self) -> StoreResult<Vec<CaOrganization>> {
                sqlx::query("SELECT * FROM ca_organizations ORDER BY name")
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db("select cas"))?
                    .iter()
                    .map(ca_row)
                    .collect()
            }

            async fn insert_ca(&self, c: &CaOrganization) -> StoreResult<()> {
                sqlx::query("INSERT INTO ca_organizations (id, name, short_name) VALUES ($1, $2, $3)")
                    .bind(c.id.to_string())
                    .bind(&c.name)
                    .bind(&c.short_name)
                    .execute(&self.pool)
                    .await
                    .map_err(db("insert ca"))?;
                Ok(())
            }

            async fn update_ca(&self, c: &CaOrganization) -> StoreResult<bool> {
                let r = sqlx::query("UPDATE ca_organizations SET name = $1, short_name = $2 WHERE id = $3")
                    .bind(&c.name)
                    .bind(&c.short_name)
                    .bind(c.id.to_string())
                    .execute(&self.pool)
                    .await
                    .map_err(db("update ca"))?;
                Ok(r.rows_affected() == 1)
            }

            async fn delete_ca(&self, id: CaId) -> StoreResult<bool> {
                let r = sqlx::query("DELETE FROM ca_organizations WHERE id = $1")
                    .bind(id.to_string())
                    .execute(&self.pool)
                    .await
                    .map_err(db("delete ca"))?;
                Ok(r.rows_affected() == 1)
            }

            async fn validity_options(&self) -> StoreResult<Vec<ValidityOption>> {
                sqlx::query("SELECT * FROM validity_options ORDER BY ca_id, years")
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db("select validity options"))?
                    .iter()
                    .map(validity_row)
                    .collect()
            }

            async fn insert_validity_option(&self, v: &ValidityOption) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO validity_options (id, ca_id, years, price_fen) VALUES ($1, $2, $3, $4)",
                )
                .bind(v.id.to_string())
                .bind(v.ca_id.to_string())
                .bind(i64::from(v.years))
                .bind(v.price_fen)
                .execute(&self.pool)
                .await
                .map_err(db("insert validity option"))?;
                Ok(())
            }

            async fn update_validity_option(&self, v: &ValidityOption) -> StoreResult<bool> {
                let r = sqlx::query(
                    "UPDATE validity_options SET ca_id = $1, years = $2, price_fen = $3 WHERE id = $4",
                )
                .bind(v.ca_id.to_string())
                .bind(i64::from(v.years))
                .bind(v.price_fen)
                .bind(v.id.to_string())
                .execute(&self.pool)
                .await
                .map_err(db("update validity option"))?;
                Ok(r.rows_affected() == 1)
            }

            async fn delete_validity_option(&self, id: ValidityOptionId) -> StoreResult<bool> {
                let r = sqlx::query("DELETE FROM validity_options WHERE id = $1")
                    .bind(id.to_string())
                    .execute(&self.pool)
                    .await
                    .map_err(db("delete validity option"))?;
                Ok(r.rows_affected() == 1)
            }
        }

    };
}

pub(crate) use impl_catalogue_store;
