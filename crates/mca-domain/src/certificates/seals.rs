//! Seals (issue 13.2): the GB/T 38540 seals the CA's seal maker makes and
//! sessions of kind seal sign with.
//!
//! - A personal certificate has its own seal: its holder's signature
//!   picture (the one on the application), the holder's name, valid as
//!   long as the certificate, usable by it alone. Made at first use.
//! - An enterprise has one seal: the picture found in its stamped claim
//!   form (B3, reviewed with the claim), the enterprise's name, listing
//!   every enterprise certificate now allowed to seal (unrevoked,
//!   unexpired, under an active authorization with the `seal`
//!   permission). When that list changes — a holder added, renewed,
//!   deleted — the next use makes a new version, so a seal never names a
//!   certificate that may no longer seal for the enterprise.
//!
//! Versions are stored; of instances remaking at once one version wins
//! and the others use it.

use std::sync::Arc;

use mca_pki::cert::Certificate;
use mca_pki::seal::v4;
use mca_pki::signer::sign_with;

use super::Authorities;
use super::issuance::der_time;
use crate::store::{
    ApplicationSubject, Authorization, AuthorizationState, CertUsage, CertificateRecord,
    Permission, SealOwner, SealRecord,
};
use crate::{Clock, DomainError, EnterpriseId, Result, Store, Timestamp, UserId};

/// The seal service.
#[derive(Clone)]
pub struct Seals {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    cas: Arc<Authorities>,
}

/// What a seal is made of, before the seal maker signs it.
struct Making {
    owner: SealOwner,
    version: u32,
    seal_type: u32,
    name: String,
    signers: Vec<CertificateRecord>,
    picture: Vec<u8>,
    valid: (Timestamp, Timestamp),
}

fn pki(_: mca_pki::Error) -> DomainError {
    DomainError::Internal("make seal")
}

/// Width and height of a PNG, from its header.
fn png_size(png: &[u8]) -> Option<(u32, u32)> {
    let dim = |at: usize| Some(u32::from_be_bytes(png.get(at..at + 4)?.try_into().ok()?));
    Some((dim(16)?, dim(20)?)).filter(|(w, h)| *w > 0 && *h > 0)
}

impl Seals {
    /// The seal service; the CA hierarchies hold the seal makers.
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>, cas: Arc<Authorities>) -> Self {
        Self { store, clock, cas }
    }

    /// The seal `cert` (a signing certificate) seals with, made or remade
    /// if need be: its enterprise's if it acts for one, else its own.
    pub async fn for_certificate(&self, cert: &CertificateRecord) -> Result<SealRecord> {
        let app = self
            .store
            .application(cert.application_id)
            .await?
            .ok_or(DomainError::NotFound("application"))?;
        match (app.subject, app.enterprise_id) {
            (ApplicationSubject::Person, _) => self.personal(cert, app.signature_hash).await,
            (_, Some(enterprise)) => self.enterprise(enterprise).await,
            (_, None) => Err(DomainError::Internal(
                "enterprise application without enterprise",
            )),
        }
    }

    /// The seals `user` can seal with now: one per unrevoked, unexpired
    /// signing certificate, an enterprise's once.
    pub async fn mine(&self, user: UserId) -> Result<Vec<SealRecord>> {
        let now = self.clock.now();
        let mut seals: Vec<SealRecord> = Vec::new();
        for cert in self.store.certificates_of(user).await? {
            let usable = cert.usage == CertUsage::Signing
                && cert.revoked_at.is_none()
                && cert.not_after > now;
            if !usable {
                continue;
            }
            match self.for_certificate(&cert).await {
                // An enterprise certificate without the seal permission is
                // not on its enterprise's seal.
                Ok(seal)
                    if seal.signers.contains(&cert.id)
                        && !seals.iter().any(|s| s.es_id == seal.es_id) =>
                {
                    seals.push(seal)
                }
                Ok(_) | Err(DomainError::NotAuthorizedForPlatform) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(seals)
    }

    async fn personal(&self, cert: &CertificateRecord, picture: [u8; 32]) -> Result<SealRecord> {
        let owner = SealOwner::Certificate(cert.id);
        if let Some(seal) = self.store.current_seal(owner).await? {
            return Ok(seal);
        }
        let name = self
            .store
            .identity(cert.user_id)
            .await?
            .ok_or(DomainError::IdentityNotVerified)?
            .name;
        self.make(Making {
            owner,
            version: 1,
            seal_type: 2,
            name: name.as_str().to_owned(),
            signers: vec![cert.clone()],
            picture: self.picture(picture).await?,
            valid: (cert.not_before, cert.not_after),
        })
        .await
    }

    async fn enterprise(&self, id: EnterpriseId) -> Result<SealRecord> {
        let now = self.clock.now();
        let owner = SealOwner::Enterprise(id);
        let authorizations = self.store.authorizations_of_enterprise(id).await?;
        let signers = self.enterprise_signers(&authorizations, now).await?;
        let current = self.store.current_seal(owner).await?;
        let ids: Vec<_> = signers.iter().map(|c| c.id).collect();
        if let Some(seal) = current.as_ref().filter(|s| s.signers == ids) {
            return Ok(seal.clone());
        }
        if signers.is_empty() {
            // No certificate may seal for the enterprise now.
            return Err(DomainError::NotAuthorizedForPlatform);
        }
        let enterprise = self
            .store
            .enterprise(id)
            .await?
            .ok_or(DomainError::NotFound("enterprise"))?;
        let until = signers.iter().map(|c| c.not_after).max().unwrap_or(now);
        self.make(Making {
            owner,
            version: current.map_or(1, |s| s.version + 1),
            seal_type: 1,
            name: enterprise.name,
            signers,
            picture: self.enterprise_picture(&authorizations).await?,
            valid: (now, until),
        })
        .await
    }

    /// The signing certificates `authorizations` (an enterprise's) allow to
    /// seal at `now`, in id order (the order a seal lists them in).
    async fn enterprise_signers(
        &self,
        authorizations: &[Authorization],
        now: Timestamp,
    ) -> Result<Vec<CertificateRecord>> {
        let mut signers = Vec::new();
        for a in authorizations {
            if a.state != AuthorizationState::Active || !a.permissions.contains(&Permission::Seal) {
                continue;
            }
            for cert in self
                .store
                .certificates_of_application(a.application_id)
                .await?
            {
                if cert.usage == CertUsage::Signing
                    && cert.revoked_at.is_none()
                    && cert.not_before <= now
                    && now < cert.not_after
                {
                    signers.push(cert);
                }
            }
        }
        signers.sort_by_key(|c| c.id);
        signers.dedup_by_key(|c| c.id);
        Ok(signers)
    }

    /// The seal picture of the enterprise's claim (found in its stamped
    /// form and reviewed with it): of `authorizations`' applications, the
    /// oldest enterprise one's.
    async fn enterprise_picture(&self, authorizations: &[Authorization]) -> Result<Vec<u8>> {
        let mut claim = None;
        for a in authorizations {
            let Some(app) = self.store.application(a.application_id).await? else {
                continue;
            };
            if app.subject == ApplicationSubject::Enterprise {
                claim = Some(app);
                break; // oldest first
            }
        }
        let claim = claim.ok_or(DomainError::NotFound("enterprise claim"))?;
        self.picture(claim.signature_hash).await
    }

    async fn picture(&self, hash: [u8; 32]) -> Result<Vec<u8>> {
        Ok(self
            .store
            .blob(&hash)
            .await?
            .ok_or(DomainError::NotFound("seal picture"))?
            .bytes)
    }

    /// The seal maker of the first signer's CA signs it; stored, or the
    /// version another instance stored first.
    async fn make(&self, m: Making) -> Result<SealRecord> {
        let (kind, id) = match m.owner {
            SealOwner::Certificate(id) => ("P", id.to_string()),
            SealOwner::Enterprise(id) => ("E", id.to_string()),
        };
        let es_id = format!("MCA-{kind}-{id}-{}", m.version);
        let (w, h) = png_size(&m.picture).ok_or(DomainError::Internal("seal picture"))?;
        // An enterprise seal 40 mm across its larger side, a personal one
        // (a signature) 30 mm wide.
        let size_mm = match m.seal_type {
            1 if w >= h => (40, (40 * h / w).max(1)),
            1 => ((40 * w / h).max(1), 40),
            _ => (30, (30 * h / w).clamp(1, 30)),
        };
        let certs = m
            .signers
            .iter()
            .map(|c| Certificate::from_der(&c.der).map_err(pki))
            .collect::<Result<Vec<_>>>()?;
        let ca = self.cas.get(m.signers[0].ca_id)?;
        let spec = v4::SealSpec {
            es_id: es_id.clone(),
            seal_type: m.seal_type,
            name: m.name,
            signer_certs: certs,
            valid_start: der_time(m.valid.0)?,
            valid_end: der_time(m.valid.1)?,
            picture_type: "PNG".into(),
            picture: m.picture,
            size_mm,
        };
        let now = self.clock.now();
        let seal = sign_with(
            v4::prepare_seal(&spec, ca.seal_maker(), der_time(now)?).map_err(pki)?,
            ca.seal_signer(),
        )
        .map_err(pki)?;
        let record = SealRecord {
            es_id,
            owner: m.owner,
            version: m.version,
            signers: m.signers.iter().map(|c| c.id).collect(),
            der: seal.to_der().to_vec(),
            created_at: now,
        };
        if self.store.insert_seal(&record).await? {
            return Ok(record);
        }
        self.store
            .current_seal(m.owner)
            .await?
            .ok_or(DomainError::Internal("seal stored by another instance"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn png_size_reads_the_header() {
        let png = mca_pki::seal::png::circular_seal(120);
        assert_eq!(png_size(&png), Some((120, 120)));
        assert_eq!(png_size(b"\x89PNG"), None);
    }
}
