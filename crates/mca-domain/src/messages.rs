//! The inbox (M3): typed messages with an optional action and a read state.

use std::sync::Arc;

use crate::store::{Message, MessageAction, MessageKind, Store};
use crate::{Clock, DomainError, MessageId, Result, UserId};

/// The inbox service.
#[derive(Clone)]
pub struct Messages {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
}

impl Messages {
    /// The inbox on `store`.
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Self {
        Self { store, clock }
    }

    /// Puts a message in the user's inbox. Title 1–100 characters, body up
    /// to 2000.
    pub async fn send(
        &self,
        user: UserId,
        kind: MessageKind,
        title: &str,
        body: &str,
        action: Option<MessageAction>,
    ) -> Result<Message> {
        if !(1..=100).contains(&title.chars().count()) {
            return Err(DomainError::InvalidInput("title"));
        }
        if body.chars().count() > 2000 {
            return Err(DomainError::InvalidInput("body"));
        }
        let m = Message {
            id: MessageId::new(),
            user_id: user,
            kind,
            title: title.to_owned(),
            body: body.to_owned(),
            action,
            created_at: self.clock.now(),
            read_at: None,
        };
        self.store.insert_message(&m).await?;
        Ok(m)
    }

    /// The user's messages, newest first.
    pub async fn list(&self, user: UserId) -> Result<Vec<Message>> {
        Ok(self.store.messages_of(user).await?)
    }

    /// Marks one of the user's messages read; another user's message is
    /// "not found".
    pub async fn mark_read(&self, user: UserId, id: MessageId) -> Result<()> {
        if !self
            .store
            .mark_message_read(user, id, self.clock.now())
            .await?
        {
            return Err(DomainError::NotFound("message"));
        }
        Ok(())
    }
}
