//! CA review (M1): reviewer accounts per CA organization with their own
//! Argon2id credentials (separate from app users), the pending list of
//! their CA with the applicant's pictures, approve, or reject with a
//! reason. The applicant is told by inbox message: "证书申请失败" with the
//! reason (edit and resubmit), or "请下载证书".

use std::sync::Arc;

use serde::Serialize;

use crate::store::{
    Application, ApplicationKind, ApplicationState, ApplicationSubject, Blob, MessageAction,
    MessageKind, Reviewer, Store,
};
use crate::{
    ApplicationId, Audit, CaId, Clock, DomainError, KeyVault, Messages, Password, Result,
    ReviewerId, SealedSecret, Timestamp,
};

/// How long a reviewer's login token is accepted: one working day.
pub const REVIEWER_TOKEN_SECONDS: i64 = 8 * 3600;

const TOKEN_AAD: &[u8] = b"MCA-REVIEWER-TOKEN-V1";

/// A pending application as the reviewer sees it.
#[derive(Clone, Debug)]
pub struct PendingApplication {
    /// The application.
    pub application: Application,
    /// The applicant's legal name (from real-name verification).
    pub applicant_name: String,
    /// The applicant's masked ID number.
    pub id_number_masked: String,
    /// The photographed signed form.
    pub form_photo: Blob,
    /// The signature picture.
    pub signature: Blob,
    /// For an enterprise application: the enterprise (its legal
    /// representative's ID number masked) and its business licence.
    pub enterprise: Option<(crate::store::Enterprise, Blob)>,
    /// For an agent's application (C, D2, E): its authorization letter and
    /// the admin's seal over it, checked.
    pub authorization: Option<SealedAuthorization>,
}

/// An authorization as the reviewer checks it (C3 → M1).
#[derive(Clone, Debug)]
pub struct SealedAuthorization {
    /// The authorization.
    pub authorization: crate::store::Authorization,
    /// The letter (PDF).
    pub letter: Blob,
    /// The admin's GM/T 0010 SignedData over the letter, once sealed.
    pub seal: Option<Blob>,
    /// Whether the seal verifies over the letter, by a certificate of one
    /// of our CAs that names this enterprise (subject serialNumber).
    pub seal_verified: bool,
}

/// A reviewer as shown (no hash).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ReviewerView {
    /// The reviewer.
    pub id: ReviewerId,
    /// Their CA organization.
    pub ca_id: CaId,
    /// Login name.
    pub username: String,
    /// Display name.
    pub display_name: String,
}

impl From<&Reviewer> for ReviewerView {
    fn from(r: &Reviewer) -> Self {
        Self {
            id: r.id,
            ca_id: r.ca_id,
            username: r.username.clone(),
            display_name: r.display_name.clone(),
        }
    }
}

/// The review service.
#[derive(Clone)]
pub struct Review {
    store: Arc<dyn Store>,
    cas: Arc<super::Authorities>,
    vault: Arc<KeyVault>,
    clock: Arc<dyn Clock>,
    audit: Audit,
    messages: Messages,
}

fn check_username(s: &str) -> Result<()> {
    let ok = (3..=32).contains(&s.len())
        && s.bytes()
            .all(|c| c.is_ascii_alphanumeric() || b"_.-".contains(&c));
    if !ok {
        return Err(DomainError::InvalidInput("username"));
    }
    Ok(())
}

impl Review {
    /// The review service.
    pub fn new(
        store: Arc<dyn Store>,
        cas: Arc<super::Authorities>,
        vault: Arc<KeyVault>,
        clock: Arc<dyn Clock>,
        audit: Audit,
        messages: Messages,
    ) -> Self {
        Self {
            store,
            cas,
            vault,
            clock,
            audit,
            messages,
        }
    }

    /// Creates a reviewer account of a CA organization (operator action).
    pub async fn create_reviewer(
        &self,
        ca: CaId,
        username: &str,
        display_name: &str,
        password: &Password,
    ) -> Result<ReviewerView> {
        check_username(username)?;
        let n = display_name.trim().chars().count();
        if n == 0 || n > 50 || display_name.chars().any(char::is_control) {
            return Err(DomainError::InvalidInput("display_name"));
        }
        if !self
            .store
            .ca_organizations()
            .await?
            .iter()
            .any(|c| c.id == ca)
        {
            return Err(DomainError::NotFound("ca"));
        }
        let r = Reviewer {
            id: ReviewerId::new(),
            ca_id: ca,
            username: username.to_owned(),
            display_name: display_name.to_owned(),
            password_hash: password.hash()?,
            created_at: self.clock.now(),
        };
        match self.store.insert_reviewer(&r).await {
            Err(e) if e.is_conflict() => return Err(DomainError::AlreadyExists),
            other => other?,
        }
        self.audit
            .append(
                "operator",
                "reviewer_created",
                &format!("reviewer:{}", r.id),
                &format!("ca:{ca} {username}"),
            )
            .await?;
        Ok((&r).into())
    }

    /// Reviewer login: the reviewer on a right username and password.
    pub async fn login(&self, username: &str, password: &Password) -> Result<ReviewerView> {
        let r = self.store.reviewer_by_username(username).await?;
        match r {
            Some(r) if password.matches(&r.password_hash) => {
                self.audit
                    .append(
                        &format!("reviewer:{}", r.id),
                        "reviewer_login",
                        &format!("reviewer:{}", r.id),
                        "",
                    )
                    .await?;
                Ok((&r).into())
            }
            _ => Err(DomainError::WrongCredentials),
        }
    }

    /// A login token for `reviewer`, valid for [`REVIEWER_TOKEN_SECONDS`]:
    /// the reviewer id and expiry sealed under the key vault, so every
    /// instance sharing the key-encryption key accepts it and nobody can
    /// forge or extend one. Not stored; a removed reviewer's token stops
    /// working because [`Review::authenticate`] looks the reviewer up.
    pub fn issue_token(&self, reviewer: &ReviewerView) -> Result<String> {
        let expires = self.clock.now().plus(REVIEWER_TOKEN_SECONDS);
        let plain = format!("{}\n{}", reviewer.id, expires.0);
        let sealed = self.vault.seal(TOKEN_AAD, plain.as_bytes())?;
        Ok(hex::encode(sealed.as_bytes()))
    }

    /// The reviewer of a token from [`Review::issue_token`]; expired,
    /// forged or unknown tokens are `Unauthenticated`.
    pub async fn authenticate(&self, token: &str) -> Result<ReviewerView> {
        let sealed = hex::decode(token).map_err(|_| DomainError::Unauthenticated)?;
        let plain = self
            .vault
            .open(TOKEN_AAD, &SealedSecret::from_bytes(sealed))
            .map_err(|_| DomainError::Unauthenticated)?;
        let text = std::str::from_utf8(&plain).map_err(|_| DomainError::Unauthenticated)?;
        let (id, expires) = text.split_once('\n').ok_or(DomainError::Unauthenticated)?;
        let expires = Timestamp(expires.parse().map_err(|_| DomainError::Unauthenticated)?);
        let id: ReviewerId = id.parse().map_err(|_| DomainError::Unauthenticated)?;
        if self.clock.now() >= expires {
            return Err(DomainError::Unauthenticated);
        }
        Ok((&self.reviewer(id).await?).into())
    }

    /// One application of the reviewer's CA, with its pictures (to review
    /// one without loading the whole pending list).
    pub async fn application(
        &self,
        reviewer: ReviewerId,
        id: ApplicationId,
    ) -> Result<PendingApplication> {
        let r = self.reviewer(reviewer).await?;
        let app = self
            .store
            .application(id)
            .await?
            .filter(|a| a.ca_id == r.ca_id)
            .ok_or(DomainError::NotFound("application"))?;
        self.with_pictures(app).await
    }

    async fn with_pictures(&self, app: Application) -> Result<PendingApplication> {
        let identity = self
            .store
            .identity(app.user_id)
            .await?
            .ok_or(DomainError::IdentityNotVerified)?;
        let blob = |h| async move {
            self.store
                .blob(&h)
                .await?
                .ok_or(DomainError::NotFound("upload"))
        };
        let enterprise = match app.enterprise_id {
            Some(id) => {
                let e = self
                    .store
                    .enterprise(id)
                    .await?
                    .ok_or(DomainError::NotFound("enterprise"))?;
                let licence = blob(e.licence_hash).await?;
                Some((e, licence))
            }
            None => None,
        };
        let authorization = match self.store.authorization_of_application(app.id).await? {
            Some(a) if a.letter_hash.is_some() => Some(self.sealed(a, enterprise.as_ref()).await?),
            _ => None,
        };
        Ok(PendingApplication {
            authorization,
            enterprise,
            form_photo: blob(app.form_photo_hash).await?,
            signature: blob(app.signature_hash).await?,
            applicant_name: identity.name.as_str().to_owned(),
            id_number_masked: identity.id_number_masked,
            application: app,
        })
    }

    /// The letter and seal of `a`, the seal checked over the letter.
    async fn sealed(
        &self,
        a: crate::store::Authorization,
        enterprise: Option<&(crate::store::Enterprise, Blob)>,
    ) -> Result<SealedAuthorization> {
        let blob = |h: [u8; 32]| async move {
            self.store
                .blob(&h)
                .await?
                .ok_or(DomainError::NotFound("upload"))
        };
        let letter = blob(a.letter_hash.ok_or(DomainError::NotFound("letter"))?).await?;
        let seal = match a.seal_hash {
            Some(h) => Some(blob(h).await?),
            None => None,
        };
        let issuers: Vec<_> = self
            .cas
            .iter()
            .map(|(_, ca)| ca.issuing().clone())
            .collect();
        // One signer, and it is the enterprise's own certificate (CN = O =
        // its name, serialNumber = its credit code), not a staff member's.
        let seal_verified = match (&seal, enterprise) {
            (Some(seal), Some((e, _))) => {
                mca_pki::gmt0010::signed::verify(&seal.bytes, Some(&letter.bytes), &[], &issuers)
                    .is_ok_and(|v| match v.signers.as_slice() {
                        [one] => {
                            let subject = one.certificate.subject();
                            let attr = |oid| mca_pki::name::attribute(subject, oid);
                            attr(mca_pki::oids::AT_SERIAL_NUMBER).as_deref()
                                == Some(e.credit_code.as_str())
                                && attr(mca_pki::oids::AT_COMMON_NAME).as_deref()
                                    == Some(e.name.as_str())
                        }
                        _ => false,
                    })
            }
            _ => false,
        };
        Ok(SealedAuthorization {
            authorization: a,
            letter,
            seal,
            seal_verified,
        })
    }

    async fn reviewer(&self, id: ReviewerId) -> Result<Reviewer> {
        self.store
            .reviewer(id)
            .await?
            .ok_or(DomainError::Unauthenticated)
    }

    /// The reviewer's CA's applications waiting for review, oldest first,
    /// with the applicant's name and pictures.
    pub async fn pending(&self, reviewer: ReviewerId) -> Result<Vec<PendingApplication>> {
        let r = self.reviewer(reviewer).await?;
        let apps = self
            .store
            .applications_in_state(r.ca_id, ApplicationState::Submitted)
            .await?;
        let mut out = Vec::with_capacity(apps.len());
        for app in apps {
            out.push(self.with_pictures(app).await?);
        }
        Ok(out)
    }

    /// Moves a submitted application of the reviewer's CA to `to`.
    async fn decide(
        &self,
        reviewer: ReviewerId,
        id: ApplicationId,
        to: ApplicationState,
        reason: Option<&str>,
    ) -> Result<Application> {
        let r = self.reviewer(reviewer).await?;
        let app = self
            .store
            .application(id)
            .await?
            .filter(|a| a.ca_id == r.ca_id)
            .ok_or(DomainError::NotFound("application"))?;
        if app.state != ApplicationState::Submitted {
            return Err(DomainError::ApplicationState);
        }
        if to == ApplicationState::Approved {
            crate::enterprises::require_authorization(&*self.store, &app).await?;
        }
        let mut next = app.clone();
        next.state = to;
        next.reject_reason = reason.map(str::to_owned);
        next.reviewer_id = Some(r.id);
        next.updated_at = self.clock.now();
        if !self.store.update_application(&next, app.state).await? {
            return Err(DomainError::ApplicationState);
        }
        self.audit
            .append(
                &format!("reviewer:{}", r.id),
                if to == ApplicationState::Approved {
                    "application_approved"
                } else {
                    "application_rejected"
                },
                &format!("application:{id}"),
                reason.unwrap_or(""),
            )
            .await?;
        Ok(next)
    }

    /// Approves: the applicant gets "请下载证书" ("认领企业，请下载证书" for
    /// a claim, B6: the download makes them the enterprise's admin;
    /// "加入成功，请下载证书" for an agent, C4).
    pub async fn approve(&self, reviewer: ReviewerId, id: ApplicationId) -> Result<Application> {
        let app = self
            .decide(reviewer, id, ApplicationState::Approved, None)
            .await?;
        let later = app.subject == ApplicationSubject::Enterprise
            && self
                .store
                .authorization_of_application(app.id)
                .await?
                .is_some();
        let (title, body) = match (app.subject, app.kind) {
            (ApplicationSubject::Person, ApplicationKind::Renewal) => {
                ("续期证书", "您的证书续期申请已通过审核，请下载续期证书。")
            }
            (_, ApplicationKind::Renewal) => (
                "续期证书",
                "您的企业证书续期申请已通过审核，请下载续期证书；下载后原证书的授权由新证书承接。",
            ),
            (ApplicationSubject::Enterprise, ApplicationKind::Reapplication)
            | (ApplicationSubject::Agent, ApplicationKind::Reapplication) => {
                ("请下载证书", "您的企业证书重新申请已通过审核，请下载证书。")
            }
            // The admin's new certificate (D3) has its authorization already;
            // a claim's is made at the download.
            (ApplicationSubject::Enterprise, _) if later => {
                ("请下载证书", "您的企业证书申请已通过审核，请下载企业证书。")
            }
            (ApplicationSubject::Enterprise, _) => (
                "认领企业，请下载证书",
                "您的企业认领申请已通过审核，请下载企业证书；下载后您将成为该企业的管理员。",
            ),
            (ApplicationSubject::Agent, _) => (
                "加入成功，请下载证书",
                "您的企业证书申请已通过审核，请下载证书；证书仅可在企业授权的交易平台使用。",
            ),
            _ => ("请下载证书", "您的证书申请已通过审核，请下载证书。"),
        };
        self.messages
            .send(
                app.user_id,
                MessageKind::DownloadCertificate,
                title,
                body,
                Some(MessageAction {
                    name: "download_certificate".into(),
                    target: id.to_string(),
                }),
            )
            .await?;
        Ok(app)
    }

    /// Rejects with a reason (1–200 characters): the applicant gets
    /// "证书申请失败" with it and may edit and resubmit.
    pub async fn reject(
        &self,
        reviewer: ReviewerId,
        id: ApplicationId,
        reason: &str,
    ) -> Result<Application> {
        let n = reason.trim().chars().count();
        if n == 0 || n > 200 || reason.chars().any(|c| c.is_control() && c != '\n') {
            return Err(DomainError::InvalidInput("reason"));
        }
        let reason = reason.trim();
        let app = self
            .decide(reviewer, id, ApplicationState::Rejected, Some(reason))
            .await?;
        self.messages
            .send(
                app.user_id,
                MessageKind::CertificateApplicationFailed,
                "证书申请失败",
                &format!("您的证书申请未通过审核，原因：{reason}。请修改后重新提交。"),
                Some(MessageAction {
                    name: "edit_application".into(),
                    target: id.to_string(),
                }),
            )
            .await?;
        Ok(app)
    }
}
