//! Personal certificates end to end (issue 5): application and payment
//! (D4/D6/D8), CA review (M1), over-the-air issuance with two-party keys
//! (M6, PROTOCOL.md §1), use of the keys (§2, §4, §5, §6), PIN change
//! (I3), revocation with CRL and OCSP (M1).
//!
//! # Layout
//! - [`authorities`]: [`Authorities`], the CA hierarchy of each CA
//!   organization of the catalogue.
//! - [`applications`]: [`Applications`], applying, paying, resubmitting,
//!   renewal and re-application.
//! - [`review`]: [`Review`], reviewer accounts and decisions.
//! - [`keys`]: [`Keys`], two-party signing sessions, PIN failures and
//!   locking, unlock, blinded decryption, PIN change.
//! - [`issuance`]: [`Issuance`], over-the-air issuance with intents,
//!   re-keying (forgotten PIN, recovery).
//! - [`revocation`]: [`Revocation`], revoking, CRLs and OCSP answers.
//! - [`reminders`]: [`Reminders`], expiry reminders (D6/D8).
//! - [`verification`]: [`Verification`], M7 checks of signatures,
//!   SignedData and seals for relying parties.
//!
//! [`Certificates`] wires them all on the store and services of
//! [`Services`].

use std::sync::Arc;

use crate::providers::{FaceVerifier, PaymentProvider};
use crate::{KeyVault, Services, Store};

pub mod applications;
pub mod authorities;
pub mod issuance;
pub mod keys;
pub mod reminders;
pub mod review;
pub mod revocation;
pub mod seals;
pub mod verification;

pub use applications::{Applications, CertificateInfo, Uploads};
pub use authorities::Authorities;
pub use issuance::{DownloadStarted, Downloaded, Issuance, UNFINISHED_DOWNLOAD_SECS};
pub use keys::{Keys, SignBegun, SignFinished};
pub use reminders::Reminders;
pub use review::{PendingApplication, Review, ReviewerView, SealedAuthorization};
pub use revocation::Revocation;
pub use seals::Seals;
pub use verification::{Verification, VerificationReport};

/// Every certificate service, wired on one store.
#[derive(Clone)]
pub struct Certificates {
    /// D4/D6/D8 and G1 payment.
    pub applications: Applications,
    /// M1 review.
    pub review: Review,
    /// §2–§6 key use.
    pub keys: Keys,
    /// M6, I3 forgotten PIN, G1.
    pub issuance: Issuance,
    /// M1 revocation, CRL, OCSP.
    pub revocation: Revocation,
    /// Expiry reminders.
    pub reminders: Reminders,
    /// M7 verification for relying parties.
    pub verification: Verification,
    /// Seals the seal maker makes for personal and enterprise
    /// certificates (issue 13.2).
    pub seals: Seals,
    /// B–E enterprises (their certificates go through these services).
    pub enterprises: crate::enterprises::Enterprises,
}

impl Certificates {
    /// The certificate services next to `services` (same store, clock,
    /// audit log, inbox), with the face verifier used for re-verification,
    /// the payment provider and the CA hierarchies.
    pub fn new(
        services: &Services,
        store: Arc<dyn Store>,
        vault: Arc<KeyVault>,
        face: Arc<dyn FaceVerifier>,
        payments: Arc<dyn PaymentProvider>,
        cas: Arc<Authorities>,
    ) -> Self {
        let clock = services.clock.clone();
        let audit = services.audit.clone();
        let keys = Keys::new(
            store.clone(),
            vault.clone(),
            clock.clone(),
            audit.clone(),
            services.messages.clone(),
            services.accounts.clone(),
            services.identity.clone(),
            face,
        );
        let applications = Applications::new(
            store.clone(),
            services.identity.clone(),
            payments,
            clock.clone(),
            audit.clone(),
        );
        let revocation = Revocation::new(store.clone(), clock.clone(), audit.clone(), cas.clone());
        Self {
            enterprises: crate::enterprises::Enterprises::new(
                services,
                store.clone(),
                vault.clone(),
                applications.clone(),
                revocation.clone(),
            ),
            applications,
            review: Review::new(
                store.clone(),
                cas.clone(),
                vault.clone(),
                clock.clone(),
                audit.clone(),
                services.messages.clone(),
            ),
            issuance: Issuance::new(
                store.clone(),
                vault,
                clock.clone(),
                audit.clone(),
                services.identity.clone(),
                keys.clone(),
                cas.clone(),
                services.messages.clone(),
            ),
            revocation,
            seals: Seals::new(store.clone(), clock.clone(), cas.clone()),
            verification: Verification::new(store.clone(), clock.clone(), cas),
            reminders: Reminders::new(store, clock, services.messages.clone()),
            keys,
        }
    }
}
