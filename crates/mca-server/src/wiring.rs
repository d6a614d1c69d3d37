//! From a [`Config`] and an opened store to an [`AppState`]: the SMS
//! provider, the face provider, the payment provider, the key vault, the
//! transport key, the CA hierarchies and the services (relying parties
//! included).

use std::sync::Arc;

use async_trait::async_trait;
use mca_crypto::sm2::SecretKey;
use mca_domain::certificates::{Authorities, Certificates};
use mca_domain::enterprises::StoreAuthorizations;
use mca_domain::error::ProviderError;
use mca_domain::providers::{
    FaceOutcome, FaceSession, FaceVerifier, PaymentOutcome, PaymentProvider, SmsSender,
};
use mca_domain::relying_parties::{Approvals, RelyingParties};
use mca_domain::store::{Order, Store};
use mca_domain::{
    Clock, CodePolicy, CodePurpose, IdNumber, KeyVault, PersonName, Phone, Services, SmsCode,
    SystemClock,
};
use mca_pki::ca::CaHierarchy;

use crate::config::{Config, ConfigError, SmsProvider, transport_secret_key};
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

/// The payment provider outside development mode until a real gateway is
/// configured: it refuses, so nothing is "paid" by accident.
struct NoPaymentProvider;

#[async_trait]
impl PaymentProvider for NoPaymentProvider {
    fn name(&self) -> &'static str {
        "none"
    }

    async fn charge(&self, _: &Order) -> Result<PaymentOutcome, ProviderError> {
        Err(ProviderError {
            provider: "payment",
            reason: "no payment provider configured".into(),
        })
    }
}

/// The transport key of `config`. In development mode without one, an
/// ephemeral key (phones fetch the public key, so a restart only breaks
/// requests in flight), with a warning.
pub fn transport_key(config: &Config) -> Result<SecretKey, ConfigError> {
    match &config.transport_key {
        Some(key) => transport_secret_key(key)
            .ok_or_else(|| ConfigError::Invalid("transport_key: not an SM2 private key".into())),
        None if config.dev_mode => {
            tracing::warn!("no transport_key: using an ephemeral one (development only)");
            SecretKey::generate().map_err(|e| ConfigError::Invalid(format!("transport_key: {e}")))
        }
        None => Err(ConfigError::Invalid("transport_key is required".into())),
    }
}

/// The CA hierarchy of every CA organization of the catalogue that has a
/// directory in `ca_dir` (`<ca_dir>/<short name in lower case>`). An
/// organization without one issues nothing ("CA unavailable"); a directory
/// that does not load is a configuration error, not a silent skip.
pub async fn authorities(config: &Config, store: &dyn Store) -> Result<Authorities, ConfigError> {
    let mut cas = Authorities::new();
    let organizations = store
        .ca_organizations()
        .await
        .map_err(|e| ConfigError::Invalid(format!("reading the CA organizations: {e}")))?;
    for org in organizations {
        let dir = std::path::Path::new(&config.ca_dir).join(org.short_name.to_lowercase());
        if !dir.join("root.pem").exists() {
            tracing::warn!(ca = %org.short_name, dir = %dir.display(), "no CA hierarchy: this CA issues nothing");
            continue;
        }
        let passphrase = config.ca_passphrase.as_ref().ok_or_else(|| {
            ConfigError::Invalid(format!(
                "ca_passphrase is required to load {}",
                dir.display()
            ))
        })?;
        let hierarchy = CaHierarchy::load(&dir, passphrase.expose().as_bytes()).map_err(|e| {
            ConfigError::Invalid(format!("loading the CA in {}: {e}", dir.display()))
        })?;
        cas.insert(org.id, hierarchy);
    }
    Ok(cas)
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
pub async fn state(config: &Config, store: Arc<dyn Store>) -> Result<AppState, ConfigError> {
    state_with_clock(config, store, Arc::new(SystemClock)).await
}

/// [`state`] on a given clock (tests use a `ManualClock` to expire codes).
pub async fn state_with_clock(
    config: &Config,
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
) -> Result<AppState, ConfigError> {
    let vault = Arc::new(vault(config)?);
    let defaults = CodePolicy::default();
    let policy = CodePolicy {
        resend_interval_secs: i64::try_from(config.sms.resend_interval_seconds)
            .unwrap_or(defaults.resend_interval_secs),
        ..defaults
    };
    let (services, dev, face, payments): (_, _, Arc<dyn FaceVerifier>, Arc<dyn PaymentProvider>) =
        match config.sms.provider {
            SmsProvider::Dev if config.dev_mode => {
                let (services, dev) =
                    Services::development_with_policy(store.clone(), vault.clone(), clock, policy);
                let (face, payments) = (dev.face.clone(), dev.payments.clone());
                (services, Some(dev), face, payments)
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
                    face.clone(),
                    vault.clone(),
                    clock,
                    policy,
                );
                (services, None, face, Arc::new(NoPaymentProvider))
            }
        };
    let cas = Arc::new(authorities(config, store.as_ref()).await?);
    let mut certs = Certificates::new(
        &services,
        store.clone(),
        vault.clone(),
        face,
        payments,
        cas.clone(),
    );
    certs.revocation = certs
        .revocation
        .with_crl_refresh(i64::try_from(config.crl_refresh_seconds).unwrap_or(i64::MAX));
    // Deleting a person revokes with the same CRL schedule.
    certs.enterprises = certs.enterprises.with_revocation(certs.revocation.clone());
    // D2: enterprise certificates serve the platforms their stored
    // authorizations cover, read at each session.
    let rp = RelyingParties::new(
        &services,
        store.clone(),
        vault,
        Arc::new(StoreAuthorizations::new(store.clone())),
    );
    let approvals = Approvals::new(
        store.clone(),
        services.clock.clone(),
        rp.sessions.clone(),
        certs.keys.clone(),
        cas,
    );
    let signature_font = match std::fs::read(&config.signature_font) {
        Ok(bytes) => Some(Arc::new(bytes)),
        Err(e) => {
            tracing::warn!(font = %config.signature_font, error = %e, "no signature font: generated signatures are unavailable");
            None
        }
    };
    Ok(AppState {
        services,
        certs,
        rp,
        approvals,
        store,
        dev: if config.dev_mode { dev } else { None },
        transport: Arc::new(transport_key(config)?),
        signature_font,
        recovery_fee_fen: config.recovery_fee_fen,
        operator_token: config.operator_token.clone(),
        max_body_bytes: config.max_body_bytes,
        max_upload_bytes: config.max_upload_bytes,
        client_ip_header: config.client_ip_header.clone(),
    })
}
