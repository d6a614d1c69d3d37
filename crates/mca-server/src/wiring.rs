//! From a [`Config`] and an opened store to an [`AppState`]: the SMS
//! provider, the face provider, the key vault and the services.

use std::sync::Arc;

use async_trait::async_trait;
use mca_domain::error::ProviderError;
use mca_domain::providers::{FaceOutcome, FaceSession, FaceVerifier, SmsSender};
use mca_domain::store::Store;
use mca_domain::{
    Clock, CodePolicy, CodePurpose, IdNumber, KeyVault, PersonName, Phone, Services, SmsCode,
    SystemClock,
};

use crate::config::{Config, ConfigError, SmsProvider};
use crate::sms::aliyun::AliyunSms;
use crate::state::AppState;

#[async_trait]
impl SmsSender for AliyunSms {
    async fn send_code(
        &self,
        phone: &Phone,
        code: &SmsCode,
        _purpose: CodePurpose,
    ) -> Result<(), ProviderError> {
        AliyunSms::send_code(self, phone.as_str(), code.expose())
            .await
            .map_err(|e| ProviderError {
                provider: "aliyun-sms",
                reason: e.to_string(),
            })
    }
}

/// The face provider outside development mode until a real adapter is
/// configured: it refuses, so nobody is verified by accident.
struct NoFaceProvider;

#[async_trait]
impl FaceVerifier for NoFaceProvider {
    async fn start(&self, _: &PersonName, _: &IdNumber) -> Result<FaceSession, ProviderError> {
        Err(ProviderError {
            provider: "face",
            reason: "no face-verification provider configured".into(),
        })
    }

    async fn outcome(&self, _: &str) -> Result<FaceOutcome, ProviderError> {
        Err(ProviderError {
            provider: "face",
            reason: "no face-verification provider configured".into(),
        })
    }
}

/// The key vault of `config`. In development mode without a key, an
/// ephemeral one (sealed values die with the process), with a warning.
pub fn vault(config: &Config) -> Result<KeyVault, ConfigError> {
    let invalid =
        |e: mca_domain::VaultError| ConfigError::Invalid(format!("key_encryption_key: {e}"));
    match &config.key_encryption_key {
        Some(kek) => {
            let id = config.key_encryption_key_id.as_str();
            KeyVault::new(id, [(id, kek.expose())]).map_err(invalid)
        }
        None if config.dev_mode => {
            tracing::warn!("no key_encryption_key: using an ephemeral one (development only)");
            KeyVault::ephemeral().map_err(invalid)
        }
        None => Err(ConfigError::Invalid(
            "key_encryption_key is required".into(),
        )),
    }
}

/// The application state for `config` on `store`, on the system clock.
pub fn state(config: &Config, store: Arc<dyn Store>) -> Result<AppState, ConfigError> {
    state_with_clock(config, store, Arc::new(SystemClock))
}

/// [`state`] on a given clock (tests use a `ManualClock` to expire codes).
pub fn state_with_clock(
    config: &Config,
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
) -> Result<AppState, ConfigError> {
    let vault = Arc::new(vault(config)?);
    let (services, dev) = match config.sms.provider {
        SmsProvider::Dev if config.dev_mode => {
            let (services, dev) = Services::development(store.clone(), vault, clock);
            (services, Some(dev))
        }
        SmsProvider::Dev => {
            return Err(ConfigError::Invalid(
                "the development SMS provider is only allowed in development mode".into(),
            ));
        }
        SmsProvider::Aliyun => {
            let sms = AliyunSms::new(&config.sms.aliyun)
                .map_err(|e| ConfigError::Invalid(e.to_string()))?;
            let face: Arc<dyn FaceVerifier> = Arc::new(NoFaceProvider);
            let services = Services::new(
                store.clone(),
                Arc::new(sms),
                face,
                vault,
                clock,
                CodePolicy::default(),
            );
            (services, None)
        }
    };
    Ok(AppState::new(services, store, dev, config))
}
