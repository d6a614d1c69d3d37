use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;

use crate::error::ProviderError;
use crate::{CodePurpose, Phone, SmsCode};

/// Sends verification codes by SMS.
#[async_trait]
pub trait SmsSender: Send + Sync {
    /// Sends `code` for `purpose` to `phone`. Implementations never log the
    /// code (only [`DevSmsSender`] does, by design).
    async fn send_code(
        &self,
        phone: &Phone,
        code: &SmsCode,
        purpose: CodePurpose,
    ) -> Result<(), ProviderError>;
}

/// The development SMS provider: writes the code to the log (the only place
/// a code is ever logged) and keeps the latest code per phone for the
/// development-mode endpoint. Never wire it in production.
#[derive(Debug, Default)]
pub struct DevSmsSender {
    latest: Mutex<HashMap<String, (CodePurpose, SmsCode)>>,
}

impl DevSmsSender {
    /// An empty development sender.
    pub fn new() -> Self {
        Self::default()
    }

    /// The latest code sent to `phone` and its purpose.
    pub fn latest(&self, phone: &Phone) -> Option<(CodePurpose, SmsCode)> {
        self.latest
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(phone.as_str())
            .cloned()
    }
}

#[async_trait]
impl SmsSender for DevSmsSender {
    async fn send_code(
        &self,
        phone: &Phone,
        code: &SmsCode,
        purpose: CodePurpose,
    ) -> Result<(), ProviderError> {
        tracing::info!(
            phone = phone.as_str(),
            purpose = purpose.as_str(),
            code = code.expose(),
            "development SMS (not sent)"
        );
        self.latest
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(phone.as_str().to_owned(), (purpose, code.clone()));
        Ok(())
    }
}
