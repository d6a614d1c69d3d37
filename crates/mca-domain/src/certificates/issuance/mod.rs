//! Over-the-air issuance (M6, PROTOCOL.md §1) in three calls driven by the
//! phone's messages:
//! 1. [`Issuance::start_download`]: `KeygenRequest` in → the two-party
//!    signing key is generated (`KeygenResponse` out) and a signing session
//!    on the CSR's CertificationRequestInfo begins.
//! 2. [`Issuance::prove_possession`]: the phone's partial signature → the
//!    CSR is assembled and verified (proof of possession); the KMC
//!    generates and escrows the encryption key; the serial and exact
//!    TBSCertificate of both certificates are stored as *intents* — before
//!    anything is signed (boulder's issuance cycle).
//! 3. [`Issuance::complete_download`]: each open intent is signed by the
//!    issuing CA and its certificate row written in the transaction that
//!    completes it; the pending key is activated; the encryption key is
//!    split afresh and the phone's `ShareDelivery` returned (for the server
//!    to seal to the phone).
//!
//! Only step 3, the phone's own call, signs: a crash after step 2 leaves
//! open intents and nothing signed until the phone asks again. Step 3 may
//! be repeated: each call re-splits the escrowed key, so a delivery lost in
//! transit is replaced and the older split stops working. A download the
//! phone never finishes (the server crashed after writing the certificates
//! and the phone vanished, or the phone stopped after step 2) is settled by
//! [`Issuance::sweep_unfinished`] once its key has been pending for
//! [`UNFINISHED_DOWNLOAD_SECS`]: certificates revoked (cessationOfOperation),
//! intents abandoned, key retired, the user told to download again (an
//! approved application stays approved, so no new payment or review).

mod handover;
mod intents;
mod unfinished;

pub use unfinished::UNFINISHED_DOWNLOAD_SECS;

use std::sync::Arc;
use std::time::Duration;

use der::DateTime;
use mca_crypto::sm2::Point;
use mca_crypto::twoparty::messages::{KeygenRequest, KeygenResponse, ShareDelivery, ShareRefresh};
use mca_crypto::twoparty::server::generate_signing_key;
use mca_pki::cert::Certificate;
use mca_pki::profile::Holder;
use mca_pki::signer::ToBeSigned;

use super::Authorities;
use super::keys::{Keys, SignBegun, bad_proof};
use crate::Messages;
use crate::store::{
    Application, ApplicationState, ApplicationSubject, CertUsage, CertificateRecord, IntentState,
    KeyState, SessionPurpose, SigningKeyRecord, Store,
};
use crate::{
    ApplicationId, Audit, Caller, Clock, DeviceId, DomainError, EncryptionKeyId, Identity,
    KeyVault, Result, SigningKeyId, SigningSessionId, Timestamp, UserId,
};

/// What step 1 returns to the phone.
#[derive(Clone, Debug)]
pub struct DownloadStarted {
    /// The new signing key.
    pub key_id: SigningKeyId,
    /// P and P_s (the phone checks P, then forgets P_s).
    pub keygen: KeygenResponse,
    /// The CSR signing session.
    pub session_id: SigningSessionId,
    /// Q_s and the DER CertificationRequestInfo to sign.
    pub challenge: mca_crypto::twoparty::messages::SignChallenge,
}

/// What step 3 returns: both certificates and the phone's encryption share.
#[derive(Clone, Debug)]
pub struct Downloaded {
    /// The signing certificate.
    pub signing: CertificateRecord,
    /// The encryption certificate.
    pub encryption: CertificateRecord,
    /// d_ep and P_e, to be sealed end to end to the phone.
    pub delivery: ShareDelivery,
    /// DER of the issuing CA and root certificates.
    pub chain: Vec<Vec<u8>>,
}

pub(super) fn escrow_aad(id: EncryptionKeyId) -> Vec<u8> {
    format!("escrow:{id}").into_bytes()
}

pub(crate) fn der_time(t: Timestamp) -> Result<DateTime> {
    DateTime::from_unix_duration(Duration::from_secs(t.0.max(0) as u64))
        .map_err(|_| DomainError::Internal("clock"))
}

pub(super) fn ts(t: DateTime) -> Timestamp {
    Timestamp(t.unix_duration().as_secs() as i64)
}

pub(crate) fn pki(_: mca_pki::Error) -> DomainError {
    DomainError::Internal("certificate profile")
}

/// The issuance service.
#[derive(Clone)]
pub struct Issuance {
    store: Arc<dyn Store>,
    vault: Arc<KeyVault>,
    clock: Arc<dyn Clock>,
    audit: Audit,
    identity: Identity,
    keys: Keys,
    cas: Arc<Authorities>,
    messages: Messages,
}

impl Issuance {
    /// The issuance service with the CA hierarchies it issues under.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        store: Arc<dyn Store>,
        vault: Arc<KeyVault>,
        clock: Arc<dyn Clock>,
        audit: Audit,
        identity: Identity,
        keys: Keys,
        cas: Arc<Authorities>,
        messages: Messages,
    ) -> Self {
        Self {
            store,
            vault,
            clock,
            audit,
            identity,
            keys,
            cas,
            messages,
        }
    }

    async fn log(&self, user: UserId, action: &str, subject: String, detail: &str) -> Result<()> {
        self.audit
            .append(&format!("user:{user}"), action, &subject, detail)
            .await
            .map(|_| ())
    }

    async fn application(&self, user: UserId, id: ApplicationId) -> Result<Application> {
        self.store
            .application(id)
            .await?
            .filter(|a| a.user_id == user)
            .ok_or(DomainError::NotFound("application"))
    }

    /// The certificate holder: the applicant from the real-name record
    /// (A3), or for an enterprise application the enterprise.
    async fn holder(&self, app: &Application) -> Result<Holder> {
        let enterprise = match app.enterprise_id {
            Some(id) => self.store.enterprise(id).await?,
            None => None,
        };
        if app.subject == ApplicationSubject::Enterprise {
            let e = enterprise.ok_or(DomainError::NotFound("enterprise"))?;
            return Ok(Holder::Enterprise {
                name: e.name,
                credit_code: e.credit_code.as_str().to_owned(),
            });
        }
        let user = app.user_id;
        let id_number = self.identity.id_number(user).await?;
        let name = self
            .store
            .identity(user)
            .await?
            .ok_or(DomainError::IdentityNotVerified)?
            .name;
        let name = name.as_str().to_owned();
        let resident_id = id_number.expose().to_owned();
        if app.subject == ApplicationSubject::Agent {
            let e = enterprise.ok_or(DomainError::NotFound("enterprise"))?;
            return Ok(Holder::Agent {
                name,
                resident_id,
                enterprise: e.name,
                credit_code: e.credit_code.as_str().to_owned(),
            });
        }
        Ok(Holder::Person { name, resident_id })
    }

    /// Step 1 (§1.1): the server's share and P for an approved application
    /// (or a re-key: see [`Issuance::start_rekey`]), and the CSR session.
    pub async fn start_download(
        &self,
        user: UserId,
        device: DeviceId,
        application: ApplicationId,
        request: &KeygenRequest,
    ) -> Result<DownloadStarted> {
        let app = self.application(user, application).await?;
        if app.state != ApplicationState::Approved {
            return Err(DomainError::ApplicationState);
        }
        crate::enterprises::require_authorization(&*self.store, &app).await?;
        self.keygen(user, device, &app, request).await
    }

    /// I3 forgotten PIN and G1 recovery (PROTOCOL.md §3): after an SMS
    /// code and a passed real-name re-verification, new signing keys for
    /// the application of `old_key`, without a new CA review. The rest of
    /// the download (steps 2 and 3) is the same; step 3 re-splits the
    /// escrowed encryption key for the new key (an old envelope still
    /// opens), retires the old key, marks its shares lost and revokes its
    /// signing certificates. Recovery on a new device also needs a paid
    /// recovery order (G1).
    #[allow(clippy::too_many_arguments)]
    pub async fn start_rekey(
        &self,
        user: UserId,
        device: DeviceId,
        old_key: SigningKeyId,
        reverification: crate::ReverificationId,
        code: &crate::SmsCode,
        recovery_order: Option<crate::OrderId>,
        request: &KeygenRequest,
    ) -> Result<DownloadStarted> {
        let old = self.keys.key(user, old_key).await?;
        if !matches!(old.state, KeyState::Active | KeyState::Locked) {
            return Err(DomainError::NotFound("signing key"));
        }
        let recovery = old.device_id != Some(device);
        let order = match (recovery, recovery_order) {
            (false, _) => None,
            (true, Some(id)) => Some(
                self.store
                    .order(id)
                    .await?
                    .filter(|o| {
                        o.user_id == user
                            && o.purpose == super::applications::RECOVERY_PURPOSE
                            && o.state == crate::store::OrderState::Paid
                    })
                    .ok_or(DomainError::NotPaid)?,
            ),
            (true, None) => return Err(DomainError::NotPaid),
        };
        self.keys.reverified(user, reverification, code).await?;
        // The recovery fee pays for one recovery, on any instance.
        if let Some(o) = order
            && !self.store.use_order(o.id).await?
        {
            return Err(DomainError::NotPaid);
        }
        let app = self.application(user, old.application_id).await?;
        if app.state != ApplicationState::Issued {
            return Err(DomainError::ApplicationState);
        }
        crate::enterprises::require_authorization(&*self.store, &app).await?;
        self.log(
            user,
            if old.device_id == Some(device) {
                "rekey_started"
            } else {
                "recovery_started"
            },
            format!("signing-key:{old_key}"),
            &format!("device:{device}"),
        )
        .await?;
        self.keygen(user, device, &app, request).await
    }

    pub(crate) async fn keygen(
        &self,
        user: UserId,
        device: DeviceId,
        app: &Application,
        request: &KeygenRequest,
    ) -> Result<DownloadStarted> {
        let holder = self.holder(app).await?;
        let (key, keygen) = generate_signing_key(request).map_err(bad_proof)?;
        let now = self.clock.now();
        let id = SigningKeyId::new();
        let rec = SigningKeyRecord {
            id,
            user_id: user,
            device_id: Some(device),
            application_id: app.id,
            public_key: keygen.public_key.to_sec1().to_vec(),
            sealed_share: self.keys.seal_key(id, &key)?,
            state: KeyState::Pending,
            pin_failures: 0,
            version: 0,
            created_at: now,
            updated_at: now,
        };
        self.store.insert_signing_key(&rec).await?;
        self.log(
            user,
            "signing_key_generated",
            format!("signing-key:{id}"),
            "",
        )
        .await?;
        let csr = mca_pki::csr::prepare(holder.subject().map_err(pki)?, &keygen.public_key)
            .map_err(pki)?;
        let SignBegun {
            session_id,
            challenge,
        } = self
            .keys
            .begin(
                &rec,
                SessionPurpose::Csr,
                SigningSessionId::new(),
                csr.message(),
            )
            .await?;
        Ok(DownloadStarted {
            key_id: id,
            keygen,
            session_id,
            challenge,
        })
    }

    /// Step 2: the two-party signed CSR proves possession of P; the KMC's
    /// encryption key is escrowed; both certificates' intents are stored.
    /// Returns the signing share's refresh for the phone.
    pub async fn prove_possession(
        &self,
        caller: Caller,
        key: SigningKeyId,
        session: SigningSessionId,
        partial: &mca_crypto::twoparty::messages::PartialSignature,
    ) -> Result<ShareRefresh> {
        let rec = self.keys.key_of(caller, key).await?;
        let user = caller.user;
        if rec.state != KeyState::Pending {
            return Err(DomainError::ApplicationState);
        }
        let app = self.application(user, rec.application_id).await?;
        let signed = self
            .keys
            .finish(caller, key, session, SessionPurpose::Csr, partial)
            .await?;
        let public_key =
            Point::from_sec1(&rec.public_key).map_err(|_| DomainError::Internal("stored key"))?;
        let holder = self.holder(&app).await?;
        let csr = mca_pki::csr::prepare(holder.subject().map_err(pki)?, &public_key)
            .map_err(pki)?
            .assemble(signed.signature.signature())
            .map_err(|_| DomainError::BadKeyProof)?;
        let verified = mca_pki::csr::verify(&csr).map_err(|_| DomainError::BadKeyProof)?;
        if verified.public_key != public_key {
            return Err(DomainError::BadKeyProof);
        }
        self.intend(
            &app,
            &holder,
            CertUsage::Signing,
            key.to_string(),
            &public_key,
        )
        .await?;
        self.intend_encryption(&app, &holder).await?;
        Ok(signed.refresh)
    }

    /// Step 3, first half: signs the application's open intents (adding
    /// the encryption intent a crash inside step 2 left out). Only the
    /// phone's step 3 calls it; public so that a test can stop a download
    /// where a crash would.
    pub async fn issue_intents(&self, user: UserId, application: ApplicationId) -> Result<()> {
        let app = self.application(user, application).await?;
        if !matches!(
            app.state,
            ApplicationState::Approved | ApplicationState::Issued
        ) {
            return Err(DomainError::ApplicationState);
        }
        let intents = self.store.intents_of_application(app.id).await?;
        let live = |usage| {
            intents
                .iter()
                .any(|i| i.usage == usage && i.state != IntentState::Abandoned)
        };
        if live(CertUsage::Signing) && !live(CertUsage::Encryption) {
            let holder = self.holder(&app).await?;
            self.intend_encryption(&app, &holder).await?;
        }
        for intent in self.store.intents_of_application(app.id).await? {
            if intent.state == IntentState::Intended {
                self.complete(&intent).await?;
            }
        }
        Ok(())
    }

    /// Step 3 comes from the device that holds the new signing share (§3):
    /// the key of the application's newest live signing intent. Checked
    /// before anything is signed or split, so another device of the same
    /// user can neither issue nor re-split the encryption key.
    async fn require_downloading_device(&self, caller: Caller, app: &Application) -> Result<()> {
        let intents = self.store.intents_of_application(app.id).await?;
        let Some(intent) = intents
            .iter()
            .rev()
            .find(|i| i.usage == CertUsage::Signing && i.state != IntentState::Abandoned)
        else {
            // Nothing to complete: the steps below say why.
            return Ok(());
        };
        let key: SigningKeyId = intent
            .key_id
            .parse()
            .map_err(|_| DomainError::Internal("stored key id"))?;
        self.keys.key_of(caller, key).await.map(|_| ())
    }

    /// Step 3: issues what the application's intents fix, activates the
    /// signing key, and splits the encryption key for the phone. Repeatable.
    /// Refused (`download_expired`) once [`Issuance::sweep_unfinished`] has
    /// withdrawn the download: nothing is delivered for a retired key.
    pub async fn complete_download(
        &self,
        caller: Caller,
        application: ApplicationId,
    ) -> Result<Downloaded> {
        let user = caller.user;
        let app = self.application(user, application).await?;
        self.require_downloading_device(caller, &app).await?;
        crate::enterprises::require_authorization(&*self.store, &app).await?;
        self.issue_intents(user, application).await?;
        let certs = self.store.certificates_of_application(app.id).await?;
        // An approved application whose certificates are all revoked had
        // its unfinished download withdrawn by the sweep.
        let withdrawn = app.state == ApplicationState::Approved && !certs.is_empty();
        let latest = |usage| {
            certs
                .iter()
                .rev()
                .find(|c| c.usage == usage && c.revoked_at.is_none())
                .cloned()
                .ok_or_else(|| {
                    if withdrawn {
                        DomainError::DownloadExpired
                    } else {
                        DomainError::ApplicationState
                    }
                })
        };
        let signing = latest(CertUsage::Signing)?;
        let encryption = latest(CertUsage::Encryption)?;
        let key_id: SigningKeyId = signing
            .key_id
            .parse()
            .map_err(|_| DomainError::Internal("stored key id"))?;
        let now = self.clock.now();
        // Conditional: the sweep retires a stale pending key by the same
        // kind of UPDATE, so exactly one of them wins.
        if !self
            .store
            .set_key_state(key_id, KeyState::Pending, KeyState::Active, now)
            .await?
        {
            let state = self.keys.key(user, key_id).await?.state;
            if !matches!(state, KeyState::Active | KeyState::Locked) {
                return Err(DomainError::DownloadExpired);
            }
        }
        self.retire_others(user, app.id, key_id).await?;
        crate::enterprises::on_download(&*self.store, &self.audit, now, &app).await?;
        if app.state == ApplicationState::Approved {
            let mut issued = app.clone();
            issued.state = ApplicationState::Issued;
            issued.updated_at = now;
            self.store
                .update_application(&issued, ApplicationState::Approved)
                .await?;
        }
        let enc_id: EncryptionKeyId = encryption
            .key_id
            .parse()
            .map_err(|_| DomainError::Internal("stored key id"))?;
        let delivery = self.split(user, enc_id, key_id).await?;
        let ca = self.cas.get(app.ca_id)?;
        Ok(Downloaded {
            signing,
            encryption,
            delivery,
            chain: ca.chain().iter().map(|c| c.to_der().to_vec()).collect(),
        })
    }

    /// The CA hierarchy of a CA organization (for its public chain).
    pub fn hierarchy(&self, ca: crate::CaId) -> Result<&mca_pki::ca::CaHierarchy> {
        self.cas.get(ca)
    }

    /// The issuing CA certificate of a stored certificate, to verify it.
    pub fn issuing_certificate(&self, cert: &CertificateRecord) -> Result<Certificate> {
        Ok(self.cas.get(cert.ca_id)?.issuing().clone())
    }
}
