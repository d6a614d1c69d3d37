//! The store interface: one small async trait per aggregate, object-safe,
//! implemented by `mca-store` on SQLite and PostgreSQL.
//!
//! Rules every implementation keeps:
//! - Lookups return `Ok(None)`/empty for "not there"; `Err` only for a real
//!   failure. Nothing maps an error to "not found".
//! - A write refused by a unique constraint is a
//!   [`StoreErrorKind::Conflict`](crate::StoreErrorKind::Conflict), by a
//!   foreign key a [`StoreErrorKind::Reference`](crate::StoreErrorKind::Reference).
//! - Anything that must hold across several server instances (code
//!   attempts, single use, nonces, the audit chain's order) is decided by
//!   one conditional statement or a constraint in the database, never by
//!   process memory: see each method's doc.
//!
//! Certificates (issue 5) add [`ApplicationStore`] (uploads, reviewers,
//! orders, applications), [`KeyStore`] (two-party keys, escrow, shares,
//! signing sessions) and [`IssuanceStore`] (intents, certificates, CRL
//! numbers). Relying parties (issue 6) add [`RelyingPartyStore`] (registry,
//! credentials, nonces, QR sessions) and [`RpStepStore`] (the steps of
//! approving a session with the user's key). Enterprises (issue 12) add
//! [`EnterpriseStore`] (enterprises, claims, members); seals (issue 13)
//! [`SealStore`].

mod applications;
mod audit;
mod catalogue;
mod codes;
mod devices;
mod enterprises;
mod identity;
mod issuance;
mod keys;
mod messages;
mod relying_parties;
mod rp_steps;
mod seals;
mod users;

pub use applications::{
    Application, ApplicationKind, ApplicationState, ApplicationStore, ApplicationSubject, Blob,
    Order, OrderState, Reviewer,
};
pub use audit::{AuditEntry, AuditStore};
pub use catalogue::{CaOrganization, CatalogueStore, Province, TradingPlatform, ValidityOption};
pub use codes::{CodeRecord, CodeStore, QuotaState, SendQuota};
pub use devices::{Device, DeviceStore, Session};
pub use enterprises::{
    Authorization, AuthorizationState, Enterprise, EnterpriseState, EnterpriseStore, Invitation,
    InvitationState, MemberRole, Membership, Permission,
};
pub use identity::{IdentityRecord, IdentityState, IdentityStore};
pub use issuance::{
    CertUsage, CertificateRecord, IntentState, IssuanceIntent, IssuanceStore, PublishedCrl,
    RevocationReason,
};
pub use keys::{
    DecryptionShareRecord, EncryptionKeyRecord, KeyState, KeyStore, Reverification, SessionPurpose,
    ShareState, SigningKeyRecord, SigningSessionRecord,
};
pub use messages::{Message, MessageAction, MessageKind, MessageStore};
pub use relying_parties::{
    RelyingPartyRecord, RelyingPartyStore, RpCredentialRecord, RpEndResult, RpFinish, RpOperation,
    RpSessionRecord, RpSessionState,
};
pub use rp_steps::{RpStepRecord, RpStepState, RpStepStore};
pub use seals::{SealOwner, SealRecord, SealStore};
pub use users::{User, UserStore};

/// Every store trait at once; what the services hold (`Arc<dyn Store>`).
pub trait Store:
    UserStore
    + CodeStore
    + DeviceStore
    + IdentityStore
    + CatalogueStore
    + MessageStore
    + AuditStore
    + ApplicationStore
    + KeyStore
    + IssuanceStore
    + RelyingPartyStore
    + RpStepStore
    + EnterpriseStore
    + SealStore
{
}

impl<T> Store for T where
    T: UserStore
        + CodeStore
        + DeviceStore
        + IdentityStore
        + CatalogueStore
        + MessageStore
        + AuditStore
        + ApplicationStore
        + KeyStore
        + IssuanceStore
        + RelyingPartyStore
        + RpStepStore
        + EnterpriseStore
        + SealStore
{
}

/// Shorthand for store results.
pub type StoreResult<T> = Result<T, crate::StoreError>;
