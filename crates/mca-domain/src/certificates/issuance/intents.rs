//! The intents of an issuance (boulder's cycle): the serial and exact
//! TBSCertificate stored before the CA signs, and the signing of an open
//! intent in the transaction that writes its certificate.

use der::{Decode, Encode};
use mca_crypto::sm2::Point;
use mca_crypto::twoparty::kmc::EncryptionKey;
use mca_pki::cert::TbsCertificate;
use mca_pki::issue::{self, Kind, Request};
use mca_pki::profile::{Holder, Usage};
use mca_pki::signer::sign_with;

use super::{Issuance, der_time, escrow_aad, pki, ts};
use crate::store::{
    Application, CertUsage, CertificateRecord, EncryptionKeyRecord, IntentState, IssuanceIntent,
};
use crate::{CertificateId, DomainError, EncryptionKeyId, IntentId, Result, UserId};

/// Whether the TBS's authorityKeyIdentifier names the issuer's current
/// key: a TBS prepared under a CA key since replaced is not signed by the
/// new one (`issue::lint` checks only that the extension is present).
fn names_issuer_key(tbs: &TbsCertificate, issuer: &issue::Issuer) -> Result<()> {
    let expected = mca_pki::profile::authority_key_id(&issuer.key).map_err(pki)?;
    let found = tbs.extensions.as_deref().unwrap_or(&[]).contains(&expected);
    if !found {
        return Err(DomainError::Internal(
            "intent prepared under another CA key",
        ));
    }
    Ok(())
}

impl Issuance {
    /// The encryption certificate's intent, for the escrowed key of the
    /// application (a no-op when it exists).
    pub(super) async fn intend_encryption(&self, app: &Application, holder: &Holder) -> Result<()> {
        let enc = self.escrowed_key(app.user_id, app).await?;
        let enc_public =
            Point::from_sec1(&enc.public_key).map_err(|_| DomainError::Internal("stored key"))?;
        self.intend(
            app,
            holder,
            CertUsage::Encryption,
            enc.id.to_string(),
            &enc_public,
        )
        .await
    }

    /// The application's escrowed encryption key: its own (a re-key or a
    /// repeated step), else the one of the certificate renewed or
    /// re-applied for (D6/D8 keep it, so envelopes made for the old
    /// encryption certificate still open), else a new one.
    async fn escrowed_key(&self, user: UserId, app: &Application) -> Result<EncryptionKeyRecord> {
        let mut sources = vec![app.id];
        if let Some(prev) = app.previous_certificate_id
            && let Some(c) = self.store.certificate(prev).await?
            && c.user_id == user
        {
            sources.push(c.application_id);
        }
        for source in sources {
            if let Some(k) = self
                .store
                .encryption_keys_of_application(source)
                .await?
                .into_iter()
                .next()
            {
                return Ok(k);
            }
        }
        let key = EncryptionKey::generate().map_err(|_| DomainError::Internal("random source"))?;
        let id = EncryptionKeyId::new();
        let sealed = self
            .vault
            .seal(&escrow_aad(id), key.to_secret_bytes().as_ref())?;
        let rec = EncryptionKeyRecord {
            id,
            user_id: user,
            application_id: app.id,
            public_key: key.public_key().to_sec1().to_vec(),
            sealed_escrow: sealed.as_bytes().to_vec(),
            created_at: self.clock.now(),
        };
        self.store.insert_encryption_key(&rec).await?;
        self.log(
            user,
            "encryption_key_escrowed",
            format!("encryption-key:{id}"),
            "",
        )
        .await?;
        Ok(rec)
    }

    /// Stores the serial and TBS of a certificate to be issued, unless the
    /// application already has a live intent for this key.
    pub(super) async fn intend(
        &self,
        app: &Application,
        holder: &Holder,
        usage: CertUsage,
        key_id: String,
        public_key: &Point,
    ) -> Result<()> {
        let existing = self.store.intents_of_application(app.id).await?;
        if existing
            .iter()
            .any(|i| i.key_id == key_id && i.usage == usage && i.state != IntentState::Abandoned)
        {
            return Ok(());
        }
        let ca = self.cas.get(app.ca_id)?;
        let request = Request {
            holder: holder.clone(),
            usage: match usage {
                CertUsage::Signing => Usage::Signing,
                _ => Usage::Encryption,
            },
            public_key: *public_key,
            validity_days: app.years * 365,
        };
        let validated = issue::validate(request).map_err(pki)?;
        let tbs = issue::apply_profile(&validated, &ca.issuer(), der_time(self.clock.now())?)
            .map_err(pki)?;
        let intent = IssuanceIntent {
            id: IntentId::new(),
            application_id: app.id,
            ca_id: app.ca_id,
            usage,
            key_id,
            serial: tbs.serial_number.as_bytes().to_vec(),
            tbs: tbs
                .to_der()
                .map_err(|_| DomainError::Internal("TBSCertificate"))?,
            state: IntentState::Intended,
            created_at: self.clock.now(),
            completed_at: None,
        };
        self.store.insert_intent(&intent).await?;
        self.log(
            app.user_id,
            "issuance_intended",
            format!("intent:{}", intent.id),
            &format!("{} serial {}", usage.as_str(), hex::encode(&intent.serial)),
        )
        .await
    }

    /// Signs an open intent's TBS with the issuing CA and stores the
    /// certificate in the transaction that completes the intent. Completing
    /// twice (two instances, or a phone repeating step 3) writes one
    /// certificate. An intent whose TBS no longer passes the lint (e.g. the
    /// CA certificate changed) is rolled back (abandoned): nothing was
    /// signed under it.
    pub(super) async fn complete(&self, intent: &IssuanceIntent) -> Result<()> {
        let app = self
            .store
            .application(intent.application_id)
            .await?
            .ok_or(DomainError::NotFound("application"))?;
        let ca = self.cas.get(intent.ca_id)?;
        let usage = match intent.usage {
            CertUsage::Signing => Usage::Signing,
            _ => Usage::Encryption,
        };
        let prepared = TbsCertificate::from_der(&intent.tbs)
            .map_err(|_| DomainError::Internal("stored TBS"))
            .and_then(|tbs| {
                names_issuer_key(&tbs, &ca.issuer())?;
                issue::prepare(&tbs, Kind::EndEntity(usage), &ca.issuer()).map_err(pki)
            });
        let prepared = match prepared {
            Ok(p) => p,
            Err(e) => {
                self.store
                    .abandon_intent(intent.id, self.clock.now())
                    .await?;
                self.log(
                    app.user_id,
                    "issuance_abandoned",
                    format!("intent:{}", intent.id),
                    "",
                )
                .await?;
                // Nothing was signed; the download then finds no
                // certificate and says so (application_state).
                tracing::warn!(intent = %intent.id, error = %e, "issuance intent abandoned");
                return Ok(());
            }
        };
        let cert = sign_with(prepared, ca.issuing_signer()).map_err(pki)?;
        let (not_before, not_after) = cert.validity();
        let now = self.clock.now();
        let record = CertificateRecord {
            id: CertificateId::new(),
            user_id: app.user_id,
            application_id: app.id,
            intent_id: intent.id,
            ca_id: intent.ca_id,
            usage: intent.usage,
            key_id: intent.key_id.clone(),
            serial: cert.serial().to_vec(),
            der: cert.to_der().to_vec(),
            not_before: ts(not_before),
            not_after: ts(not_after),
            revoked_at: None,
            revocation_reason: None,
            created_at: now,
        };
        if self.store.complete_intent(&record, now).await? {
            self.log(
                app.user_id,
                "certificate_issued",
                format!("certificate:{}", record.id),
                &format!(
                    "{} serial {}",
                    intent.usage.as_str(),
                    hex::encode(&record.serial)
                ),
            )
            .await?;
        }
        Ok(())
    }
}
