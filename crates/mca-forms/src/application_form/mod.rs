//! The certificate application form: personal (数字证书申请表（个人）, F1/D4,
//! E2) or, with an [`EnterpriseParty`], the enterprise's (数字证书申请表
//! （企业）, B3: claiming an enterprise). The applicant downloads it filled
//! in, prints it, signs it by hand (an enterprise also stamps it with its
//! seal), photographs it and uploads the photo (checked by
//! [`form_photo`](crate::form_photo)); the CA keeps it as the signed
//! application.
//!
//! The form prints the **full** resident ID number: it is a paper
//! application the applicant signs and the CA reviewer compares against
//! the ID card, like every Chinese CA's form. The PDF is therefore personal
//! data: serve it only to its applicant.
//!
//! The input is plain data ([`ApplicationForm`]) so the server can fill it
//! from its own domain types; [`render`] validates it first.

mod layout;

use crate::cjk_font;
use crate::error::{Error, Field, Result};

/// Largest fee the form accepts, in fen (¥100,000,000.00): far above any
/// certificate fee, and it keeps the capital-numeral line on the form.
pub const MAX_FEE_FEN: i64 = 10_000_000_000;

/// Longest validity the form offers, in years.
pub const MAX_VALIDITY_YEARS: u32 = 10;

/// Everything printed on the form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApplicationForm {
    /// The order's application number (申请编号): ASCII letters, digits
    /// and `-`, at most 32.
    pub application_number: String,
    /// The day the application was made (申请日期).
    pub application_date: FormDate,
    /// The applicant's name as on the ID card (姓名), at most 30 characters.
    pub name: String,
    /// The 18-character resident ID number (公民身份号码); its check digit
    /// is the domain's business (`IdNumber::parse`), the form checks shape.
    pub id_number: String,
    /// The 11-digit mainland mobile number (手机号码).
    pub phone: String,
    /// Province of the trading platform (所在省份), e.g. `浙江省`.
    pub province: String,
    /// Trading platform the certificate is for (交易平台).
    pub trading_platform: String,
    /// The certificate authority that issues the certificate (发证机构).
    pub ca_organization: String,
    /// Validity in years, 1 to [`MAX_VALIDITY_YEARS`].
    pub validity_years: u32,
    /// Fee in fen (分), 0 to [`MAX_FEE_FEN`].
    pub fee_fen: i64,
    /// The enterprise applying (B1), whose 经办人 the applicant is; `None`
    /// for a personal certificate.
    pub enterprise: Option<EnterpriseParty>,
}

/// The enterprise on an enterprise form (B1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnterpriseParty {
    /// Registered name (企业名称), at most 60 characters.
    pub name: String,
    /// Unified social credit code (统一社会信用代码); its check character
    /// is the domain's business (`CreditCode::parse`), the form checks
    /// shape: 18 characters of digits and capital letters.
    pub credit_code: String,
    /// The legal representative's name (法定代表人), at most 30.
    pub legal_representative: String,
    /// The legal representative's resident ID number.
    pub legal_representative_id: String,
}

/// A calendar date (Gregorian, as printed: 2026年11月24日).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FormDate {
    /// Year, 2000–2999.
    pub year: u16,
    /// Month, 1–12.
    pub month: u8,
    /// Day of the month.
    pub day: u8,
}

impl FormDate {
    pub(crate) fn is_valid(self) -> bool {
        let y = self.year;
        let leap = y.is_multiple_of(4) && (!y.is_multiple_of(100) || y.is_multiple_of(400));
        let days = match self.month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return false,
        };
        (2000..=2999).contains(&self.year) && (1..=days).contains(&self.day)
    }

    pub(crate) fn chinese(self) -> String {
        format!("{}年{}月{}日", self.year, self.month, self.day)
    }
}

/// Checks `form` and renders it as a one-page A4 PDF.
pub fn render(form: &ApplicationForm) -> Result<Vec<u8>> {
    form.validate()?;
    Ok(layout::render(form))
}

impl ApplicationForm {
    /// Checks every field; [`render`] calls this first.
    pub fn validate(&self) -> Result<()> {
        let ascii_code = |c: char| c.is_ascii_alphanumeric() || c == '-';
        text(Field::ApplicationNumber, &self.application_number, 32)?;
        if !self.application_number.chars().all(ascii_code) {
            return Err(Error::Malformed(Field::ApplicationNumber));
        }
        if !self.application_date.is_valid() {
            return Err(Error::Malformed(Field::ApplicationDate));
        }
        text(Field::Name, &self.name, 30)?;
        text(Field::IdNumber, &self.id_number, 18)?;
        if !id_number_shape(&self.id_number) {
            return Err(Error::Malformed(Field::IdNumber));
        }
        text(Field::Phone, &self.phone, 11)?;
        let digits = self.phone.bytes().all(|b| b.is_ascii_digit());
        if self.phone.len() != 11 || !digits || !self.phone.starts_with('1') {
            return Err(Error::Malformed(Field::Phone));
        }
        text(Field::Province, &self.province, 20)?;
        text(Field::TradingPlatform, &self.trading_platform, 40)?;
        text(Field::CaOrganization, &self.ca_organization, 40)?;
        if !(1..=MAX_VALIDITY_YEARS).contains(&self.validity_years) {
            return Err(Error::Malformed(Field::ValidityYears));
        }
        if self.fee_fen < 0 {
            return Err(Error::NegativeFee);
        }
        if self.fee_fen > MAX_FEE_FEN {
            return Err(Error::Malformed(Field::Fee));
        }
        if let Some(e) = &self.enterprise {
            e.validate()?;
        }
        Ok(())
    }

    fn fee(&self) -> u64 {
        // Validated: 0 ≤ fee ≤ MAX_FEE_FEN.
        self.fee_fen.unsigned_abs()
    }
}

impl EnterpriseParty {
    /// Checks the enterprise's fields as the form prints them (the domain
    /// checks the credit code's and ID number's check characters).
    pub fn validate(&self) -> Result<()> {
        text(Field::EnterpriseName, &self.name, 60)?;
        text(Field::CreditCode, &self.credit_code, 18)?;
        let code = self.credit_code.as_bytes();
        let shape = |b: &u8| b.is_ascii_digit() || b.is_ascii_uppercase();
        if code.len() != 18 || !code.iter().all(shape) {
            return Err(Error::Malformed(Field::CreditCode));
        }
        text(Field::LegalRepresentative, &self.legal_representative, 30)?;
        text(
            Field::LegalRepresentativeId,
            &self.legal_representative_id,
            18,
        )?;
        if !id_number_shape(&self.legal_representative_id) {
            return Err(Error::Malformed(Field::LegalRepresentativeId));
        }
        Ok(())
    }
}

/// A printed text field: not blank, no surrounding whitespace, at most
/// `max` characters, every character printable by the PDF font.
pub(crate) fn text(field: Field, value: &str, max: usize) -> Result<()> {
    if value.trim().is_empty() {
        return Err(Error::EmptyField(field));
    }
    if value.chars().count() > max {
        return Err(Error::TooLong { field, max });
    }
    if value.trim() != value || !value.chars().all(cjk_font::printable) {
        return Err(Error::Malformed(field));
    }
    Ok(())
}

/// 17 digits and a check character (digit or `X`), GB 11643.
pub(crate) fn id_number_shape(id: &str) -> bool {
    let bytes = id.as_bytes();
    bytes.len() == 18
        && bytes[..17].iter().all(u8::is_ascii_digit)
        && (bytes[17].is_ascii_digit() || bytes[17] == b'X')
}

#[cfg(test)]
mod tests;
