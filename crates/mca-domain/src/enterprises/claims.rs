//! Claiming an enterprise (B1–B6): the claim form, the claim itself (an
//! application with the enterprise's details, business licence and the
//! stamped form), 重新申请 after a rejection, and the completion when the
//! claimant downloads the enterprise certificate and becomes its admin.

use super::{EnterpriseDetails, Enterprises, legal_rep_aad};
use crate::certificates::CertificateInfo;
use crate::store::{
    Application, ApplicationKind, ApplicationState, ApplicationSubject, Authorization,
    AuthorizationState, Enterprise, EnterpriseState, Order, Permission,
};
use crate::{ApplicationId, AuthorizationId, DomainError, EnterpriseId, Result, UserId};

/// How long an unpaid claim holds its enterprise: a day.
pub const UNPAID_CLAIM_SECS: i64 = 86_400;

/// How long a rejected claim not resubmitted holds its enterprise: 30 days.
pub const REJECTED_CLAIM_SECS: i64 = 30 * 86_400;

/// The pictures of a claim.
#[derive(Clone, Copy)]
pub struct ClaimUploads<'a> {
    /// The photographed business licence (营业执照), JPEG or PNG.
    pub licence: &'a [u8],
    /// The photographed application form, signed by the claimant and
    /// stamped with the enterprise's seal (B3), JPEG or PNG.
    pub form_photo: &'a [u8],
}

impl std::fmt::Debug for ClaimUploads<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "ClaimUploads(licence {} bytes, form photo {} bytes)",
            self.licence.len(),
            self.form_photo.len()
        )
    }
}

impl Enterprises {
    /// B3: the seal found in the photo of the stamped form, as the claim
    /// would keep it (a transparent PNG), for the claimant to confirm or
    /// photograph again before claiming. Nothing is stored.
    pub fn seal_preview(&self, form_photo: &[u8]) -> Result<Vec<u8>> {
        let (_, seal) = self
            .applications
            .check_stamped_photo("form_photo", form_photo)?;
        Ok(seal.bytes)
    }

    /// B3: the enterprise application form filled with the enterprise, the
    /// claimant (经办人, from real-name verification) and the certificate
    /// info, to print, sign, stamp and photograph.
    pub async fn claim_form(
        &self,
        user: UserId,
        info: CertificateInfo,
        details: &EnterpriseDetails,
    ) -> Result<Vec<u8>> {
        self.applications
            .form_pdf_for(user, info, Some(details.form_party()))
            .await
    }

    /// Refuses a credit code someone has claimed or is claiming: the
    /// admin's CA is named for a claimed one.
    async fn ensure_unclaimed(
        &self,
        details: &EnterpriseDetails,
        except: Option<EnterpriseId>,
    ) -> Result<()> {
        let Some(e) = self
            .store
            .enterprise_by_credit_code(&details.credit_code)
            .await?
            .filter(|e| Some(e.id) != except)
        else {
            return Ok(());
        };
        if e.state == EnterpriseState::Claiming {
            // A claim left unpaid, or rejected and not resubmitted, does
            // not hold the enterprise for ever against its real owner.
            if self.release_if_stale(&e).await? {
                return Ok(());
            }
            return Err(DomainError::EnterpriseClaimOpen);
        }
        let ca_id = self.claim_of(&e).await?.map(|a| a.ca_id);
        let ca = self
            .store
            .ca_organizations()
            .await?
            .into_iter()
            .find(|c| Some(c.id) == ca_id)
            .map(|c| c.name)
            .unwrap_or_default();
        Err(DomainError::EnterpriseClaimed { ca })
    }

    /// B1–B4: claims an enterprise: its details, the certificate info
    /// (B2), the licence and the stamped form (B3); an application with its
    /// order (unpaid: pay it to submit it for CA review). Refused for an
    /// enterprise claimed already or with a claim open (one per credit
    /// code, kept by a unique index across instances).
    pub async fn claim(
        &self,
        user: UserId,
        info: CertificateInfo,
        details: &EnterpriseDetails,
        uploads: ClaimUploads<'_>,
    ) -> Result<(Application, Order)> {
        // The checks first: a refused claim writes nothing.
        self.applications.check_can_apply(user, &info).await?;
        self.ensure_unclaimed(details, None).await?;
        let licence = self.applications.check_photo("licence", uploads.licence)?;
        let (form, seal) = self
            .applications
            .check_stamped_photo("form_photo", uploads.form_photo)?;
        let now = self.clock.now();
        let id = EnterpriseId::new();
        let sealed = self
            .vault
            .seal(&legal_rep_aad(id), details.legal_rep_id.expose().as_bytes())?;
        let enterprise = Enterprise {
            id,
            credit_code: details.credit_code.clone(),
            name: details.name.clone(),
            legal_rep_name: details.legal_rep_name.clone(),
            legal_rep_id_masked: details.legal_rep_id.masked(),
            legal_rep_id_sealed: sealed.as_bytes().to_vec(),
            licence_hash: licence.hash,
            state: EnterpriseState::Claiming,
            claimant_id: user,
            created_at: now,
            updated_at: now,
        };
        self.store.put_blob(&licence).await?;
        self.store.put_blob(&form).await?;
        self.store.put_blob(&seal).await?;
        if !self.store.insert_enterprise(&enterprise).await? {
            // Claimed by a concurrent request since the check.
            self.ensure_unclaimed(details, None).await?;
            return Err(DomainError::EnterpriseClaimOpen);
        }
        let created = self
            .applications
            .create(
                user,
                ApplicationKind::New,
                None,
                (ApplicationSubject::Enterprise, Some(id)),
                info,
                (form.hash, seal.hash),
            )
            .await?;
        self.log(
            user,
            "enterprise_claim_created",
            id,
            details.credit_code.as_str(),
        )
        .await?;
        Ok(created)
    }

    /// The claim application of a claiming enterprise.
    async fn claim_of(&self, e: &Enterprise) -> Result<Option<Application>> {
        Ok(self
            .store
            .applications_of(e.claimant_id)
            .await?
            .into_iter()
            .find(|a| a.enterprise_id == Some(e.id) && a.subject == ApplicationSubject::Enterprise))
    }

    /// Releases `e`'s claim if it is stale: unpaid for
    /// [`UNPAID_CLAIM_SECS`], or rejected and not resubmitted for
    /// [`REJECTED_CLAIM_SECS`]. Whether it was released.
    async fn release_if_stale(&self, e: &Enterprise) -> Result<bool> {
        let Some(app) = self.claim_of(e).await? else {
            return Ok(false);
        };
        let now = self.clock.now();
        let stale = match app.state {
            ApplicationState::Draft => now.0 - app.created_at.0 >= UNPAID_CLAIM_SECS,
            ApplicationState::Rejected => now.0 - app.updated_at.0 >= REJECTED_CLAIM_SECS,
            _ => false,
        };
        if !stale
            || !self
                .store
                .release_claim(e.id, app.id, app.state, now)
                .await?
        {
            return Ok(false);
        }
        self.log(
            e.claimant_id,
            "enterprise_claim_released",
            e.id,
            app.state.as_str(),
        )
        .await?;
        Ok(true)
    }

    /// The claimant withdraws their claim while it is unpaid or rejected:
    /// the enterprise may be claimed again (by anyone).
    pub async fn withdraw_claim(&self, user: UserId, id: ApplicationId) -> Result<()> {
        let (app, enterprise) = self.own_claim(user, id).await?;
        let open = matches!(
            app.state,
            ApplicationState::Draft | ApplicationState::Rejected
        );
        if !open
            || !self
                .store
                .release_claim(enterprise.id, app.id, app.state, self.clock.now())
                .await?
        {
            return Err(DomainError::ApplicationState);
        }
        self.log(user, "enterprise_claim_withdrawn", enterprise.id, "")
            .await
    }

    /// The user's claim application `id` and its enterprise.
    async fn own_claim(
        &self,
        user: UserId,
        id: ApplicationId,
    ) -> Result<(Application, Enterprise)> {
        let app = self.applications.get(user, id).await?;
        let enterprise = match (app.subject, app.enterprise_id) {
            (ApplicationSubject::Enterprise, Some(e)) => self.store.enterprise(e).await?,
            _ => None,
        }
        .filter(|e| e.claimant_id == user)
        .ok_or(DomainError::NotFound("enterprise claim"))?;
        Ok((app, enterprise))
    }

    /// B5 重新申请: after "证书申请失败" the claimant edits everything (the
    /// enterprise's details, the licence, the stamped form) and submits the
    /// claim again without paying again.
    pub async fn resubmit_claim(
        &self,
        user: UserId,
        id: ApplicationId,
        details: &EnterpriseDetails,
        uploads: ClaimUploads<'_>,
    ) -> Result<Application> {
        let (app, enterprise) = self.own_claim(user, id).await?;
        if app.state != ApplicationState::Rejected || enterprise.state != EnterpriseState::Claiming
        {
            return Err(DomainError::ApplicationState);
        }
        self.ensure_unclaimed(details, Some(enterprise.id)).await?;
        let licence = self.applications.check_photo("licence", uploads.licence)?;
        let (form, seal) = self
            .applications
            .check_stamped_photo("form_photo", uploads.form_photo)?;
        let now = self.clock.now();
        let sealed = self.vault.seal(
            &legal_rep_aad(enterprise.id),
            details.legal_rep_id.expose().as_bytes(),
        )?;
        let edited = Enterprise {
            credit_code: details.credit_code.clone(),
            name: details.name.clone(),
            legal_rep_name: details.legal_rep_name.clone(),
            legal_rep_id_masked: details.legal_rep_id.masked(),
            legal_rep_id_sealed: sealed.as_bytes().to_vec(),
            licence_hash: licence.hash,
            updated_at: now,
            ..enterprise
        };
        self.store.put_blob(&licence).await?;
        self.store.put_blob(&form).await?;
        self.store.put_blob(&seal).await?;
        match self.store.update_claim(&edited).await {
            Ok(true) => {}
            Ok(false) => return Err(DomainError::ApplicationState),
            Err(e) if e.is_conflict() => return Err(DomainError::EnterpriseClaimOpen),
            Err(e) => return Err(e.into()),
        }
        let mut next = app.clone();
        next.form_photo_hash = form.hash;
        next.signature_hash = seal.hash;
        next.state = ApplicationState::Submitted;
        next.reject_reason = None;
        next.submissions += 1;
        next.updated_at = now;
        self.applications.replace(&next, app.state).await?;
        self.log(
            user,
            "enterprise_claim_resubmitted",
            edited.id,
            &format!("submission {}", next.submissions),
        )
        .await?;
        Ok(next)
    }
}

/// B6: the claimant downloaded the enterprise certificate of claim `app`:
/// the enterprise is claimed and the claimant its admin. Idempotent (a
/// repeated download changes nothing). Called by the issuance's step 3.
pub(crate) async fn complete_claim(
    store: &dyn crate::Store,
    audit: &crate::Audit,
    now: crate::Timestamp,
    app: &Application,
) -> Result<()> {
    let (ApplicationSubject::Enterprise, Some(id)) = (app.subject, app.enterprise_id) else {
        return Ok(());
    };
    // The enterprise certificate serves the platform its claim chose (B2).
    let admin = Authorization {
        id: AuthorizationId::new(),
        enterprise_id: id,
        user_id: app.user_id,
        platform_id: app.platform_id,
        permissions: Permission::ALL.to_vec(),
        application_id: app.id,
        state: AuthorizationState::Active,
        letter_hash: None,
        seal_hash: None,
        created_at: now,
        updated_at: now,
    };
    if store.complete_claim(&admin).await? {
        audit
            .append(
                &format!("user:{}", app.user_id),
                "enterprise_claimed",
                &format!("enterprise:{id}"),
                "admin",
            )
            .await?;
    }
    Ok(())
}
