//! Enterprises (issue 12): claiming one (B1–B6) makes the claimant its
//! admin; joining, authorizations and staff (C–E) come next.
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

use std::sync::Arc;

use crate::certificates::Applications;
use crate::store::{Enterprise, EnterpriseState, MemberRole, Store};
use crate::{
    Audit, Clock, CreditCode, DomainError, EnterpriseId, IdNumber, KeyVault, PersonName, Result,
    Timestamp, UserId,
};

pub mod claims;

pub use claims::ClaimUploads;

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
}

/// The vault AAD of an enterprise's legal representative's ID number.
fn legal_rep_aad(id: EnterpriseId) -> Vec<u8> {
    format!("enterprise-legal-rep:{id}").into_bytes()
}

impl Enterprises {
    /// The enterprise service, on the application service its claims go
    /// through.
    pub fn new(
        store: Arc<dyn Store>,
        vault: Arc<KeyVault>,
        clock: Arc<dyn Clock>,
        audit: Audit,
        applications: Applications,
    ) -> Self {
        Self {
            store,
            vault,
            clock,
            audit,
            applications,
        }
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
