//! Expiry reminders (D6/D8): a "证书即将到期" message for each unrevoked
//! signing certificate within [`REMINDER_DAYS`] of its end, sent once per
//! certificate (the inbox is checked for an earlier reminder naming it,
//! so a periodic job on several instances sends at most a few duplicates
//! in a race, never a flood).

use std::sync::Arc;

use crate::store::{MessageAction, MessageKind, Store};
use crate::{Clock, Messages, Result};

/// Reminders start this many days before a certificate ends.
pub const REMINDER_DAYS: i64 = 30;

/// The reminder service.
#[derive(Clone)]
pub struct Reminders {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    messages: Messages,
}

impl Reminders {
    /// The reminder service.
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>, messages: Messages) -> Self {
        Self {
            store,
            clock,
            messages,
        }
    }

    /// Sends the reminders due now; how many were sent.
    pub async fn send_due(&self) -> Result<usize> {
        let now = self.clock.now();
        let due = self
            .store
            .expiring_certificates(now, now.plus(REMINDER_DAYS * 86_400))
            .await?;
        let mut sent = 0;
        for cert in due {
            let target = cert.id.to_string();
            let already = self.store.messages_of(cert.user_id).await?.iter().any(|m| {
                m.kind == MessageKind::CertificateExpiring
                    && m.action.as_ref().is_some_and(|a| a.target == target)
            });
            if already {
                continue;
            }
            let (y, mo, d) = cert.not_after.china_date();
            self.messages
                .send(
                    cert.user_id,
                    MessageKind::CertificateExpiring,
                    "证书即将到期",
                    &format!("您的证书将于{y}年{mo}月{d}日到期，请及时办理续期。"),
                    Some(MessageAction {
                        name: "renew_certificate".into(),
                        target,
                    }),
                )
                .await?;
            sent += 1;
        }
        Ok(sent)
    }
}
