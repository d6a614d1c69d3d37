//! [`Services`]: every service wired on one store, so the server's wiring
//! is a few lines.

use std::sync::Arc;

use crate::providers::{DevFaceVerifier, DevSmsSender, FaceVerifier, SmsSender};
use crate::store::Store;
use crate::{
    Accounts, Audit, Catalogue, Clock, CodePolicy, Devices, Identity, KeyVault, Messages,
    SystemClock,
};

/// All domain services, sharing one store, clock and audit log.
#[derive(Clone)]
pub struct Services {
    /// A1, A2, I1, I2.
    pub accounts: Accounts,
    /// Device registration and request authentication.
    pub devices: Devices,
    /// A3.
    pub identity: Identity,
    /// M2.
    pub catalogue: Catalogue,
    /// M3.
    pub messages: Messages,
    /// M4.
    pub audit: Audit,
    /// The clock every service uses.
    pub clock: Arc<dyn Clock>,
}

/// The development providers, kept so the server's development endpoints
/// (and tests) can read SMS codes and decide face verifications.
#[derive(Clone)]
pub struct DevProviders {
    /// Keeps the latest code per phone.
    pub sms: Arc<DevSmsSender>,
    /// Passes or fails on demand.
    pub face: Arc<DevFaceVerifier>,
    /// Pays unless told to decline.
    pub payments: Arc<crate::providers::DevPaymentProvider>,
}

impl Services {
    /// Wires the services on `store` with the given providers.
    pub fn new(
        store: Arc<dyn Store>,
        sms: Arc<dyn SmsSender>,
        face: Arc<dyn FaceVerifier>,
        vault: Arc<KeyVault>,
        clock: Arc<dyn Clock>,
        policy: CodePolicy,
    ) -> Self {
        let audit = Audit::new(store.clone(), clock.clone());
        let devices = Devices::new(store.clone(), clock.clone(), audit.clone());
        let messages = Messages::new(store.clone(), clock.clone());
        Self {
            accounts: Accounts::new(
                store.clone(),
                sms,
                clock.clone(),
                audit.clone(),
                devices.clone(),
                policy,
            ),
            identity: Identity::new(
                store.clone(),
                face,
                vault,
                clock.clone(),
                audit.clone(),
                messages.clone(),
            ),
            catalogue: Catalogue::new(store, audit.clone()),
            devices,
            messages,
            audit,
            clock,
        }
    }

    /// The services with the development SMS and face providers and the
    /// given clock (the system clock in `mca serve --dev`, a
    /// [`ManualClock`](crate::ManualClock) in tests).
    pub fn development(
        store: Arc<dyn Store>,
        vault: Arc<KeyVault>,
        clock: Arc<dyn Clock>,
    ) -> (Self, DevProviders) {
        Self::development_with_policy(store, vault, clock, CodePolicy::default())
    }

    /// [`Services::development`] with the operator's code policy.
    pub fn development_with_policy(
        store: Arc<dyn Store>,
        vault: Arc<KeyVault>,
        clock: Arc<dyn Clock>,
        policy: CodePolicy,
    ) -> (Self, DevProviders) {
        let dev = DevProviders {
            sms: Arc::new(DevSmsSender::new()),
            face: Arc::new(DevFaceVerifier::new()),
            payments: Arc::new(crate::providers::DevPaymentProvider::new()),
        };
        let services = Self::new(
            store,
            dev.sms.clone(),
            dev.face.clone(),
            vault,
            clock,
            policy,
        );
        (services, dev)
    }

    /// [`Services::development`] on the system clock.
    pub fn development_now(store: Arc<dyn Store>, vault: Arc<KeyVault>) -> (Self, DevProviders) {
        Self::development(store, vault, Arc::new(SystemClock))
    }
}
