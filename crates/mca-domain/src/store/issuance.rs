use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::StoreResult;
use super::applications::stored_enum;
use crate::{ApplicationId, CaId, CertificateId, IntentId, Timestamp, UserId};

stored_enum!(
    /// What a certificate certifies (the dual-certificate model).
    CertUsage {
        /// The two-party signing key.
        Signing => "signing",
        /// The escrowed encryption key.
        Encryption => "encryption",
    }
);

stored_enum!(
    /// An issuance intent's state.
    IntentState {
        /// Serial and TBS stored; not signed yet (or signed, not stored).
        Intended => "intended",
        /// The certificate row exists.
        Issued => "issued",
        /// Rolled back or withdrawn: nothing live is or ever will be issued
        /// under it (a certificate issued before a download was withdrawn
        /// is revoked).
        Abandoned => "abandoned",
    }
);

stored_enum!(
    /// Why a certificate was revoked (RFC 5280 reason codes we use).
    RevocationReason {
        /// unspecified (0).
        Unspecified => "unspecified",
        /// keyCompromise (1): a stale clone, a lost phone.
        KeyCompromise => "key_compromise",
        /// affiliationChanged (3).
        AffiliationChanged => "affiliation_changed",
        /// superseded (4): re-keyed (forgotten PIN, recovery, renewal).
        Superseded => "superseded",
        /// cessationOfOperation (5): the holder asked.
        CessationOfOperation => "cessation_of_operation",
    }
);

/// A serial reserved and the exact TBSCertificate fixed before the CA
/// signs (boulder's issuance cycle).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IssuanceIntent {
    /// The intent.
    pub id: IntentId,
    /// For which application.
    pub application_id: ApplicationId,
    /// The issuing CA organization.
    pub ca_id: CaId,
    /// Signing or encryption.
    pub usage: CertUsage,
    /// The signing or encryption key record certified (its id as text).
    pub key_id: String,
    /// Serial number bytes (unique).
    pub serial: Vec<u8>,
    /// DER TBSCertificate.
    pub tbs: Vec<u8>,
    /// State.
    pub state: IntentState,
    /// Created.
    pub created_at: Timestamp,
    /// Issued or abandoned.
    pub completed_at: Option<Timestamp>,
}

/// An issued certificate and its revocation status.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertificateRecord {
    /// The certificate.
    pub id: CertificateId,
    /// Its holder.
    pub user_id: UserId,
    /// Its application.
    pub application_id: ApplicationId,
    /// The intent it completed.
    pub intent_id: IntentId,
    /// The issuing CA organization.
    pub ca_id: CaId,
    /// Signing or encryption.
    pub usage: CertUsage,
    /// The key record certified.
    pub key_id: String,
    /// Serial number bytes.
    pub serial: Vec<u8>,
    /// DER.
    pub der: Vec<u8>,
    /// Validity start.
    pub not_before: Timestamp,
    /// Validity end.
    pub not_after: Timestamp,
    /// When revoked.
    pub revoked_at: Option<Timestamp>,
    /// Why.
    pub revocation_reason: Option<RevocationReason>,
    /// Stored.
    pub created_at: Timestamp,
}

/// The CRL a CA publishes (the DER and what serving it needs to know).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublishedCrl {
    /// The CA.
    pub ca_id: CaId,
    /// Its cRLNumber.
    pub crl_number: i64,
    /// thisUpdate.
    pub this_update: Timestamp,
    /// nextUpdate.
    pub next_update: Timestamp,
    /// How many revocations it lists.
    pub revoked_count: i64,
    /// The signed CRL.
    pub der: Vec<u8>,
}

/// Issuance intents, certificates, CRL numbers and published CRLs.
#[async_trait]
pub trait IssuanceStore: Send + Sync {
    /// Stores an intent; `Conflict` on a serial already used.
    async fn insert_intent(&self, i: &IssuanceIntent) -> StoreResult<()>;
    /// Intents still `Intended`, oldest first.
    async fn open_intents(&self) -> StoreResult<Vec<IssuanceIntent>>;
    /// The application's intents, oldest first.
    async fn intents_of_application(&self, app: ApplicationId) -> StoreResult<Vec<IssuanceIntent>>;
    /// In one transaction: the intent moves from `Intended` to `Issued`
    /// and the certificate row is inserted. `false` (and nothing written)
    /// if the intent was not `Intended` — completed by another instance.
    async fn complete_intent(&self, cert: &CertificateRecord, at: Timestamp) -> StoreResult<bool>;
    /// `Intended` → `Abandoned`; `false` if it was not intended.
    async fn abandon_intent(&self, id: IntentId, at: Timestamp) -> StoreResult<bool>;
    /// `Intended` or `Issued` → `Abandoned` (a download withdrawn: its
    /// certificate, if any, is revoked next); `false` if it was abandoned.
    async fn withdraw_intent(&self, id: IntentId, at: Timestamp) -> StoreResult<bool>;

    /// The certificate with this id.
    async fn certificate(&self, id: CertificateId) -> StoreResult<Option<CertificateRecord>>;
    /// The user's certificates, oldest first.
    async fn certificates_of(&self, user: UserId) -> StoreResult<Vec<CertificateRecord>>;
    /// The application's certificates.
    async fn certificates_of_application(
        &self,
        app: ApplicationId,
    ) -> StoreResult<Vec<CertificateRecord>>;
    /// The CA's certificate with this serial.
    async fn certificate_by_serial(
        &self,
        ca: CaId,
        serial: &[u8],
    ) -> StoreResult<Option<CertificateRecord>>;
    /// Unrevoked signing certificates whose validity ends in
    /// `[from, to)`, by end.
    async fn expiring_certificates(
        &self,
        from: Timestamp,
        to: Timestamp,
    ) -> StoreResult<Vec<CertificateRecord>>;
    /// The CA's revoked certificates.
    async fn revoked_certificates(&self, ca: CaId) -> StoreResult<Vec<CertificateRecord>>;
    /// Revokes a certificate that is not revoked; `false` if it already was.
    async fn revoke_certificate(
        &self,
        id: CertificateId,
        at: Timestamp,
        reason: RevocationReason,
    ) -> StoreResult<bool>;
    /// The CA's next CRL number (1, 2, …), taken atomically.
    async fn next_crl_number(&self, ca: CaId) -> StoreResult<i64>;
    /// The CA's published CRL, if any.
    async fn published_crl(&self, ca: CaId) -> StoreResult<Option<PublishedCrl>>;
    /// Publishes `crl` unless one with a higher or equal number is already
    /// published (one conditional upsert); `false` if it lost.
    async fn publish_crl(&self, crl: &PublishedCrl) -> StoreResult<bool>;
}
