//! More enterprise certificates: the admin's new one for another platform
//! (D3), and the renewal (D5, E3) and re-application (D7, E5) of an
//! enterprise certificate.
//!
//! Each is an application with a new pending authorization and its letter,
//! like a join: the admin seals the letter with a valid enterprise
//! certificate, then the CA reviews it. The renewed line keeps its
//! platform and permissions; when the new certificate is downloaded its
//! authorization becomes active and supersedes the old one
//! (`joins::activate`), and deleting it ends the whole line
//! (`admin::end_authorization`). An admin whose enterprise certificate has
//! expired has nothing to seal with: D7 takes the photographed letter,
//! stamped with the enterprise's physical seal, and goes straight to the CA.

use super::Enterprises;
use super::requests::Ask;
use crate::certificates::CertificateInfo;
use crate::store::{
    Application, ApplicationKind, ApplicationState, ApplicationSubject, AuthorizationState, Order,
    Permission,
};
use crate::{CertificateId, DomainError, EnterpriseId, Result, UserId, ValidityOptionId};

impl Enterprises {
    /// D3: the admin asks for another enterprise certificate (another
    /// platform or CA), with every permission; paid, it waits for their
    /// seal with an enterprise certificate they hold.
    pub async fn new_certificate(
        &self,
        admin: UserId,
        enterprise: EnterpriseId,
        info: CertificateInfo,
    ) -> Result<(Application, Order)> {
        let e = self.require_admin(admin, enterprise).await?;
        self.applications.check_can_apply(admin, &info).await?;
        let ask = Ask {
            subject: ApplicationSubject::Enterprise,
            kind: ApplicationKind::New,
            previous: None,
            letter_photo: None,
        };
        let created = self
            .ask(admin, &e, info, Permission::ALL.to_vec(), ask)
            .await?;
        self.log(
            admin,
            "certificate_requested",
            enterprise,
            &format!("application:{}", created.0.id),
        )
        .await?;
        Ok(created)
    }

    /// D5/D6/D7/D8, E3–E6: applies again for the holder of `previous` (a
    /// signing certificate): a renewal in the window before its end, a
    /// re-application once it has expired. A personal certificate reuses
    /// its original pictures (as `Applications::apply_again` does); an
    /// enterprise one keeps its platform and permissions under a new
    /// letter for the admin to seal, except the admin's own expired one
    /// (D7), which needs `letter_photo`, the stamped letter photographed
    /// (see [`Self::reapplication_letter`]). Refused once the certificate's
    /// authorization ended (deleted, or superseded by an earlier renewal).
    pub async fn apply_again(
        &self,
        user: UserId,
        previous: CertificateId,
        validity_option_id: ValidityOptionId,
        letter_photo: Option<&[u8]>,
    ) -> Result<(Application, Order)> {
        let (original, kind) = self.applications.again(user, previous).await?;
        if original.subject == ApplicationSubject::Person {
            if letter_photo.is_some() {
                return Err(DomainError::InvalidInput("letter_photo"));
            }
            return self
                .applications
                .again_as_person(user, previous, &original, kind, validity_option_id)
                .await;
        }
        let (e, permissions) = self.line_of(user, &original).await?;
        // One renewal at a time: two would fork the line into two active
        // authorizations.
        let open = self
            .store
            .applications_of(user)
            .await?
            .into_iter()
            .any(|a| {
                a.previous_certificate_id == Some(previous)
                    && !matches!(
                        a.state,
                        ApplicationState::Withdrawn | ApplicationState::Issued
                    )
            });
        if open {
            return Err(DomainError::ApplicationState);
        }
        let photographed = original.subject == ApplicationSubject::Enterprise
            && kind == ApplicationKind::Reapplication;
        let letter_photo = match (photographed, letter_photo) {
            (true, Some(p)) => Some(self.applications.check_photo("letter_photo", p)?),
            (false, None) => None,
            _ => return Err(DomainError::InvalidInput("letter_photo")),
        };
        let info = CertificateInfo::renewing(&original, validity_option_id);
        let ask = Ask {
            subject: original.subject,
            kind,
            previous: Some(previous),
            letter_photo,
        };
        let created = self.ask(user, &e, info, permissions, ask).await?;
        self.log(
            user,
            if kind == ApplicationKind::Renewal {
                "certificate_renewal_requested"
            } else {
                "certificate_reapplied"
            },
            e.id,
            &format!("application:{} for certificate:{previous}", created.0.id),
        )
        .await?;
        Ok(created)
    }

    /// D7: the letter to print, stamp and photograph for re-applying for
    /// the admin's expired enterprise certificate `previous` with
    /// `validity_option_id` (PDF, not stored: the application stores the
    /// letter it is made with).
    pub async fn reapplication_letter(
        &self,
        user: UserId,
        previous: CertificateId,
        validity_option_id: ValidityOptionId,
    ) -> Result<Vec<u8>> {
        let (original, kind) = self.applications.again(user, previous).await?;
        if original.subject != ApplicationSubject::Enterprise {
            return Err(DomainError::NotFound("certificate"));
        }
        if kind != ApplicationKind::Reapplication {
            return Err(DomainError::ApplicationState);
        }
        let (e, permissions) = self.line_of(user, &original).await?;
        let info = CertificateInfo::renewing(&original, validity_option_id);
        self.applications.check_can_apply(user, &info).await?;
        self.letter(user, &e, &info, &permissions).await
    }

    /// The enterprise and permissions of the certificate line `original`
    /// began, while its authorization is in force and the user still
    /// holds their role.
    async fn line_of(
        &self,
        user: UserId,
        original: &Application,
    ) -> Result<(crate::store::Enterprise, Vec<Permission>)> {
        let enterprise = original
            .enterprise_id
            .ok_or(DomainError::Internal("enterprise application"))?;
        let a = self
            .store
            .authorization_of_application(original.id)
            .await?
            .filter(|a| a.state == AuthorizationState::Active && a.user_id == user)
            .ok_or(DomainError::AuthorizationEnded)?;
        let e = if original.subject == ApplicationSubject::Enterprise {
            self.require_admin(user, enterprise).await?
        } else {
            self.store
                .enterprise(enterprise)
                .await?
                .ok_or(DomainError::NotFound("enterprise"))?
        };
        Ok((e, a.permissions))
    }
}
