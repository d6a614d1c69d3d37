//! Enterprises (issue 12): claiming one (B1–B6) makes the claimant its
//! admin; joining (C1–C4) makes a person its staff under an authorization
//! (D2) its admin sealed.
//!
//! A claim is an application (`ApplicationSubject::Enterprise`) like a
//! personal one: paid, reviewed by the CA, downloaded over the air; the
//! certificate it issues names the enterprise (GM/T 0015 enterprise
//! holder: O = CN = name, serialNumber = credit code) and its key is split
//! with the claimant's phone. The enterprise row holds the claim's details
//! and is unique by credit code, so there is at most one open claim per
//! enterprise and a claimed one cannot be claimed again.
//!
//! # Layout
//! - [`claims`]: the claim form, claiming, resubmitting after a rejection,
//!   and the completion when the admin's certificate is downloaded.
//! - [`invitations`]: the admin invites a person by name and phone (D1);
//!   the invitee accepts it with the certificate they ask for.
//! - [`joins`]: the query, the join request (admin details, counted
//!   tries), the admin's inbox and list, the activation at the download.
//! - [`requests`]: the letter and the pending authorization every request
//!   makes (joins, E1 staff requests, D2 grants).
//! - [`seals`]: the admin's seal over a letter; who may see it.
//! - [`renewals`]: the admin's new enterprise certificate (D3) and the
//!   renewal and re-application of enterprise certificates (D5/D7,
//!   E3/E5): a new authorization, sealed (or, expired, photographed),
//!   that supersedes the old one at the download.
//! - [`admin`]: the admin's people and authorizations (D1, D2): lists
//!   with history, deleting an authorization, deleting a person.
//! - [`authorizations`]: the D2 source relying-party sessions consult.

use std::sync::Arc;

use crate::certificates::{Applications, Revocation};
use crate::store::{Application, Enterprise, EnterpriseState, MemberRole, Store};
use crate::{
    Audit, Clock, CreditCode, DomainError, EnterpriseId, IdNumber, Identity, KeyVault, Messages,
    PersonName, Result, Timestamp, UserId,
};

pub mod admin;
pub mod authorizations;
pub mod claims;
pub mod invitations;
pub mod joins;
pub mod renewals;
pub mod requests;
pub mod seals;

pub use admin::Member;
pub use authorizations::StoreAuthorizations;
pub use claims::ClaimUploads;
pub use joins::{JOIN_TRIES, JoinAsk, JoinRequest};

/// What B1 asks about the enterprise, validated.
#[derive(Clone, PartialEq, Eq)]
pub struct EnterpriseDetails {
    /// 企业名称 (as the form prints it: at most 60 characters).
    pub name: String,
    /// 统一社会信用代码 (GB 32100).
    pub credit_code: CreditCode,
    /// 法定代表人.
    pub legal_rep_name: PersonName,
    /// The legal representative's resident ID number (GB 11643).
    pub legal_rep_id: IdNumber,
}

impl std::fmt::Debug for EnterpriseDetails {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "EnterpriseDetails({}, {}, {})",
            self.name,
            self.credit_code.as_str(),
            self.legal_rep_id.masked()
        )
    }
}

impl EnterpriseDetails {
    /// Parses B1's fields; each bad one is its own error (the credit
    /// code's check character: `invalid_credit_code`).
    pub fn parse(
        name: &str,
        credit_code: &str,
        legal_rep_name: &str,
        legal_rep_id: &str,
        now: Timestamp,
    ) -> Result<Self> {
        let credit_code = CreditCode::parse(credit_code)?;
        let legal_rep_name = PersonName::parse(legal_rep_name)?;
        let legal_rep_id = IdNumber::parse(legal_rep_id, now)?;
        let details = Self {
            name: name.trim().to_owned(),
            credit_code,
            legal_rep_name,
            legal_rep_id,
        };
        details
            .form_party()
            .validate()
            .map_err(|_| DomainError::InvalidInput("enterprise_name"))?;
        if details.name.chars().count() < 2 {
            return Err(DomainError::InvalidInput("enterprise_name"));
        }
        Ok(details)
    }

    /// The enterprise as the application form prints it.
    pub(crate) fn form_party(&self) -> mca_forms::application_form::EnterpriseParty {
        mca_forms::application_form::EnterpriseParty {
            name: self.name.clone(),
            credit_code: self.credit_code.as_str().to_owned(),
            legal_representative: self.legal_rep_name.as_str().to_owned(),
            legal_representative_id: self.legal_rep_id.expose().to_owned(),
        }
    }
}

/// An enterprise as its admin or a claimant sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnterpriseView {
    /// The enterprise.
    pub enterprise: Enterprise,
    /// The user's role, once a member (the claimant before the download:
    /// none).
    pub role: Option<MemberRole>,
}

/// The enterprise service.
#[derive(Clone)]
pub struct Enterprises {
    store: Arc<dyn Store>,
    vault: Arc<KeyVault>,
    clock: Arc<dyn Clock>,
    audit: Audit,
    applications: Applications,
    identity: Identity,
    messages: Messages,
    revocation: Revocation,
}

/// What step 3 of a download does for an enterprise application: a claim
/// completes (B6), a join's authorization becomes active (C4).
pub(crate) async fn on_download(
    store: &dyn Store,
    audit: &Audit,
    now: Timestamp,
    app: &Application,
) -> Result<()> {
    claims::complete_claim(store, audit, now, app).await?;
    joins::activate(store, audit, now, app).await
}

/// Refuses to go on with an enterprise application whose authorization
/// ended (CA approval, download, re-key): a removed person, a deleted
/// authorization or a superseded one gets no certificate, nor does the
/// renewal of a line whose authorization ended meanwhile. A claim has
/// none until its download.
pub(crate) async fn require_authorization(store: &dyn Store, app: &Application) -> Result<()> {
    use crate::store::{ApplicationSubject, AuthorizationState};
    if app.subject == ApplicationSubject::Person {
        return Ok(());
    }
    let own = match store.authorization_of_application(app.id).await? {
        Some(a)
            if matches!(
                a.state,
                AuthorizationState::Pending | AuthorizationState::Active
            ) =>
        {
            a
        }
        None if app.subject == ApplicationSubject::Enterprise => return Ok(()),
        _ => return Err(DomainError::AuthorizationEnded),
    };
    let Some(previous) = app.previous_certificate_id else {
        return Ok(());
    };
    match authorization_of_certificate(store, previous).await? {
        Some(old) if old.state == AuthorizationState::Active => Ok(()),
        // This renewal took over (a repeated download, a re-key).
        Some(old)
            if old.state == AuthorizationState::Superseded
                && own.state == AuthorizationState::Active =>
        {
            Ok(())
        }
        _ => Err(DomainError::AuthorizationEnded),
    }
}

/// The authorization of the application certificate `id` was issued for.
pub(crate) async fn authorization_of_certificate(
    store: &dyn Store,
    id: crate::CertificateId,
) -> Result<Option<crate::store::Authorization>> {
    let Some(cert) = store.certificate(id).await? else {
        return Ok(None);
    };
    Ok(store
        .authorization_of_application(cert.application_id)
        .await?)
}

/// The vault AAD of an enterprise's legal representative's ID number.
fn legal_rep_aad(id: EnterpriseId) -> Vec<u8> {
    format!("enterprise-legal-rep:{id}").into_bytes()
}

impl Enterprises {
    /// The enterprise service next to `services` (same clock, audit log,
    /// identity and inbox), on the application service its claims and
    /// joins go through.
    pub fn new(
        services: &crate::Services,
        store: Arc<dyn Store>,
        vault: Arc<KeyVault>,
        applications: Applications,
        revocation: Revocation,
    ) -> Self {
        Self {
            store,
            vault,
            clock: services.clock.clone(),
            audit: services.audit.clone(),
            applications,
            identity: services.identity.clone(),
            messages: services.messages.clone(),
            revocation,
        }
    }

    /// The same service revoking through `revocation` (e.g. with the
    /// configured CRL schedule).
    pub fn with_revocation(mut self, revocation: Revocation) -> Self {
        self.revocation = revocation;
        self
    }

    async fn log(&self, user: UserId, action: &str, id: EnterpriseId, detail: &str) -> Result<()> {
        self.audit
            .append(
                &format!("user:{user}"),
                action,
                &format!("enterprise:{id}"),
                detail,
            )
            .await
            .map(|_| ())
    }

    /// The enterprises the user claims or belongs to, oldest first.
    pub async fn mine(&self, user: UserId) -> Result<Vec<EnterpriseView>> {
        let mut out: Vec<EnterpriseView> = Vec::new();
        for m in self.store.memberships_of(user).await? {
            if let Some(enterprise) = self.store.enterprise(m.enterprise_id).await? {
                out.push(EnterpriseView {
                    enterprise,
                    role: Some(m.role),
                });
            }
        }
        for app in self.store.applications_of(user).await? {
            let Some(id) = app.enterprise_id else {
                continue;
            };
            if out.iter().any(|v| v.enterprise.id == id) {
                continue;
            }
            if let Some(enterprise) = self
                .store
                .enterprise(id)
                .await?
                .filter(|e| e.state == EnterpriseState::Claiming && e.claimant_id == user)
            {
                out.push(EnterpriseView {
                    enterprise,
                    role: None,
                });
            }
        }
        Ok(out)
    }
}
