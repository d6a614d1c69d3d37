//! The end of step 3: the new key takes over. Every other key of the
//! application is retired (its shares lost, its signing certificates
//! revoked as superseded) and the escrowed encryption key is split afresh
//! for the new key's device.

use mca_crypto::twoparty::kmc::EncryptionKey;
use mca_crypto::twoparty::messages::ShareDelivery;

use super::{Issuance, escrow_aad};
use crate::certificates::keys::share_aad;
use crate::store::{DecryptionShareRecord, KeyState, ShareState};
use crate::{
    ApplicationId, DecryptionShareId, DomainError, EncryptionKeyId, Result, SealedSecret,
    SigningKeyId, UserId,
};

impl Issuance {
    /// Retires every other signing key of the application (active, locked,
    /// or pending from a download abandoned midway): its shares are marked
    /// lost and its signing certificates revoked (superseded), so only the
    /// newest key signs and decrypts.
    pub(super) async fn retire_others(
        &self,
        user: UserId,
        app: ApplicationId,
        keep: SigningKeyId,
    ) -> Result<()> {
        let now = self.clock.now();
        let certs = self.store.certificates_of_application(app).await?;
        for k in self.store.signing_keys_of(user).await? {
            if k.application_id != app || k.id == keep {
                continue;
            }
            for from in [KeyState::Pending, KeyState::Active, KeyState::Locked] {
                self.store
                    .set_key_state(k.id, from, KeyState::Retired, now)
                    .await?;
            }
            let lost = self.store.mark_shares_lost(k.id).await?;
            let id = k.id.to_string();
            for c in certs
                .iter()
                .filter(|c| c.key_id == id && c.revoked_at.is_none())
            {
                self.store
                    .revoke_certificate(c.id, now, crate::store::RevocationReason::Superseded)
                    .await?;
                self.log(
                    user,
                    "certificate_revoked",
                    format!("certificate:{}", c.id),
                    "superseded",
                )
                .await?;
            }
            if lost > 0 || k.state != KeyState::Retired {
                self.log(
                    user,
                    "signing_key_retired",
                    format!("signing-key:{}", k.id),
                    &format!("{lost} shares lost"),
                )
                .await?;
            }
        }
        Ok(())
    }

    /// Splits an escrowed encryption key afresh for the device of
    /// `signing_key` (§1.2; G1 and a forgotten PIN re-split the same key):
    /// the server's half replaces the previous one, the phone's is returned.
    pub(crate) async fn split(
        &self,
        user: UserId,
        enc: EncryptionKeyId,
        signing_key: SigningKeyId,
    ) -> Result<ShareDelivery> {
        let rec = self
            .store
            .encryption_key(enc)
            .await?
            .filter(|k| k.user_id == user)
            .ok_or(DomainError::NotFound("encryption key"))?;
        let plain = self.vault.open(
            &escrow_aad(enc),
            &SealedSecret::from_bytes(rec.sealed_escrow),
        )?;
        let key = EncryptionKey::from_secret_bytes(&plain)
            .map_err(|_| DomainError::Internal("escrow"))?;
        let (server, delivery) = key
            .split()
            .map_err(|_| DomainError::Internal("random source"))?;
        let id = DecryptionShareId::new();
        let sealed = self.vault.seal(&share_aad(id), &server.to_secret_bytes())?;
        self.store
            .replace_decryption_share(&DecryptionShareRecord {
                id,
                encryption_key_id: enc,
                signing_key_id: signing_key,
                sealed_share: sealed.as_bytes().to_vec(),
                state: ShareState::Active,
                created_at: self.clock.now(),
            })
            .await?;
        self.log(
            user,
            "encryption_key_split",
            format!("encryption-key:{enc}"),
            &format!("signing-key:{signing_key}"),
        )
        .await?;
        Ok(delivery)
    }
}
