//! The documents an application prints from its applicant's verified
//! data: the application form (D4, and B3 for an enterprise), the
//! authorization letter's applicant part (through [`Printed`]), and a
//! signature picture generated from the name.

use super::{Applications, CertificateInfo};
use crate::{DomainError, Result, UserId};

/// What a printed document says of its applicant and certificate info
/// (see [`Applications::printed`]). The ID number is the full one: these
/// are the papers the applicant signs and the reviewer checks.
pub(crate) struct Printed {
    pub(crate) name: String,
    pub(crate) id_number: String,
    pub(crate) phone: String,
    pub(crate) province: String,
    pub(crate) platform: String,
    pub(crate) ca: String,
    pub(crate) years: u32,
    pub(crate) fee_fen: i64,
    pub(crate) date: mca_forms::application_form::FormDate,
    /// The day and the user (`20261204-0193a1b2`): the number printed on
    /// the document, so the one photographed can be matched to its user.
    pub(crate) number: String,
}

impl Applications {
    /// What a printed document (the application form, an authorization
    /// letter) says of a verified user and the certificate info they chose.
    pub(crate) async fn printed(&self, user: UserId, info: &CertificateInfo) -> Result<Printed> {
        self.identity.require_verified(user).await?;
        let (years, fee_fen) = self.price(info).await?;
        let id_number = self.identity.id_number(user).await?;
        let record = self
            .store
            .identity(user)
            .await?
            .ok_or(DomainError::IdentityNotVerified)?;
        let phone = self
            .store
            .user(user)
            .await?
            .ok_or(DomainError::NotFound("user"))?
            .phone;
        let name_of = |found: Option<String>, what| found.ok_or(DomainError::NotFound(what));
        let province = name_of(
            self.store
                .provinces()
                .await?
                .into_iter()
                .find(|p| p.id == info.province_id)
                .map(|p| p.name),
            "province",
        )?;
        let platform = name_of(
            self.store
                .platforms()
                .await?
                .into_iter()
                .find(|p| p.id == info.platform_id)
                .map(|p| p.name),
            "platform",
        )?;
        let ca = name_of(
            self.store
                .ca_organizations()
                .await?
                .into_iter()
                .find(|c| c.id == info.ca_id)
                .map(|c| c.name),
            "ca",
        )?;
        let (year, month, day) = self.clock.now().china_date();
        let user_ref: String = user
            .to_string()
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .take(8)
            .collect();
        Ok(Printed {
            name: record.name.as_str().to_owned(),
            id_number: id_number.expose().to_owned(),
            phone: phone.as_str().to_owned(),
            province,
            platform,
            ca,
            years,
            fee_fen,
            date: mca_forms::application_form::FormDate {
                year: year as u16,
                month: month as u8,
                day: day as u8,
            },
            number: format!("{year:04}{month:02}{day:02}-{user_ref}"),
        })
    }

    /// The application form (D4) filled with the applicant's data for the
    /// chosen certificate info, as a one-page PDF to print, sign and
    /// photograph. Its number is the user's and the day's, so the form the
    /// reviewer sees in the photo can be matched to the applicant.
    pub async fn form_pdf(&self, user: UserId, info: CertificateInfo) -> Result<Vec<u8>> {
        self.form_pdf_for(user, info, None).await
    }

    /// [`Applications::form_pdf`] for a personal form, or with `enterprise`
    /// the enterprise's form (B3) its 经办人 signs and the enterprise stamps.
    pub(crate) async fn form_pdf_for(
        &self,
        user: UserId,
        info: CertificateInfo,
        enterprise: Option<mca_forms::application_form::EnterpriseParty>,
    ) -> Result<Vec<u8>> {
        let p = self.printed(user, &info).await?;
        let form = mca_forms::application_form::ApplicationForm {
            application_number: format!("MCA-{}", p.number),
            application_date: p.date,
            name: p.name,
            id_number: p.id_number,
            phone: p.phone,
            province: p.province,
            trading_platform: p.platform,
            ca_organization: p.ca,
            validity_years: p.years,
            fee_fen: p.fee_fen,
            enterprise,
        };
        mca_forms::application_form::render(&form).map_err(|e| match e {
            // Domain values passed their own checks; only their length
            // (what the printed form fits) can still refuse them.
            mca_forms::Error::TooLong { .. } => DomainError::InvalidInput("enterprise"),
            _ => DomainError::Internal("form"),
        })
    }

    /// A signature picture generated from the applicant's verified name
    /// (D4, for applicants without a handwritten one), drawn with `font`
    /// (a CJK TrueType font).
    pub async fn signature_from_name(&self, user: UserId, font: &[u8]) -> Result<Vec<u8>> {
        self.identity.require_verified(user).await?;
        let record = self
            .store
            .identity(user)
            .await?
            .ok_or(DomainError::IdentityNotVerified)?;
        mca_forms::signature_image::from_name(record.name.as_str(), font)
            .map_err(|_| DomainError::Internal("signature font"))
    }
}
