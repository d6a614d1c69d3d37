//! The inbox (M3). Expanded into each backend module by
//! [`impl_store_traits`](super::impl_store_traits), where `DbRow`, `get`,
//! `db` and the domain types are in scope.

macro_rules! impl_message_store {
    ($store:ty) => {
        fn message_row(r: &DbRow) -> StoreResult<Message> {
            let action = match (
                get::<Option<String>>(r, "action_name")?,
                get::<Option<String>>(r, "action_target")?,
            ) {
                (Some(name), target) => Some(MessageAction { name, target: target.unwrap_or_default() }),
                (None, _) => None,
            };
            Ok(Message {
                id: convert::id(&get::<String>(r, "id")?)?,
                user_id: convert::id(&get::<String>(r, "user_id")?)?,
                kind: convert::message_kind(&get::<String>(r, "kind")?)?,
                title: get(r, "title")?,
                body: get(r, "body")?,
                action,
                created_at: Timestamp(get(r, "created_at")?),
                read_at: get::<Option<i64>>(r, "read_at")?.map(Timestamp),
            })
        }

        #[async_trait]
        impl MessageStore for $store {
            async fn insert_message(&self, m: &Message) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO messages (id, user_id, kind, title, body, action_name, \
                     action_target, created_at, read_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                )
                .bind(m.id.to_string())
                .bind(m.user_id.to_string())
                .bind(m.kind.as_str())
                .bind(&m.title)
                .bind(&m.body)
                .bind(m.action.as_ref().map(|a| a.name.as_str()))
                .bind(m.action.as_ref().map(|a| a.target.as_str()))
                .bind(m.created_at.0)
                .bind(m.read_at.map(|t| t.0))
                .execute(&self.pool)
                .await
                .map_err(db("insert message"))?;
                Ok(())
            }

            async fn messages_of(&self, user: UserId) -> StoreResult<Vec<Message>> {
                sqlx::query(
                    "SELECT * FROM messages WHERE user_id = $1 ORDER BY created_at DESC, id DESC",
                )
                .bind(user.to_string())
                .fetch_all(&self.pool)
                .await
                .map_err(db("select messages"))?
                .iter()
                .map(message_row)
                .collect()
            }

            async fn mark_message_read(&self, user: UserId, id: MessageId, at: Timestamp) -> StoreResult<bool> {
                let r = sqlx::query(
                    "UPDATE messages SET read_at = COALESCE(read_at, $1) WHERE id = $2 AND user_id = $3",
                )
                .bind(at.0)
                .bind(id.to_string())
                .bind(user.to_string())
                .execute(&self.pool)
                .await
                .map_err(db("mark message read"))?;
                Ok(r.rows_affected() == 1)
            }
        }

    };
}

pub(crate) use impl_message_store;
