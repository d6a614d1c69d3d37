//! The authorization letter (授权书, C3/D2): the enterprise authorizes one
//! person to act for it on one trading platform with an enterprise
//! certificate of their own. The admin seals exactly these bytes with the
//! enterprise certificate (a two-party SM2 signature over the PDF, kept as
//! GM/T 0010 SignedData) and the CA reviews letter and seal.
//!
//! Like the application form, it prints the full resident ID number: it
//! is the document the CA checks the person against.

use crate::application_form::{FormDate, id_number_shape, text};
use crate::error::{Error, Field, Result};
use crate::sheet::{self, FOOTER, LEFT, PAGE, RIGHT, Sheet, WIDTH};
use crate::{application_form::MAX_VALIDITY_YEARS, cjk_font};

/// Everything printed on the letter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthorizationLetter {
    /// The letter's number (编号): ASCII letters, digits and `-`, at most 32.
    pub letter_number: String,
    /// The day it was made.
    pub date: FormDate,
    /// 企业名称, at most 60 characters.
    pub enterprise_name: String,
    /// 统一社会信用代码 (shape only; the domain checks the check character).
    pub credit_code: String,
    /// The authorized person's name, at most 30.
    pub holder_name: String,
    /// Their resident ID number.
    pub holder_id_number: String,
    /// Their mobile number.
    pub holder_phone: String,
    /// The trading platform the authorization covers, at most 40.
    pub trading_platform: String,
    /// The CA issuing the certificate, at most 40.
    pub ca_organization: String,
    /// What may be done there (Chinese labels, 1–8 of at most 10
    /// characters each).
    pub permissions: Vec<String>,
    /// The certificate's validity, 1 to [`MAX_VALIDITY_YEARS`] years.
    pub validity_years: u32,
}

impl AuthorizationLetter {
    /// Checks every field; [`render`] calls this first.
    pub fn validate(&self) -> Result<()> {
        text(Field::ApplicationNumber, &self.letter_number, 32)?;
        let ascii = |c: char| c.is_ascii_alphanumeric() || c == '-';
        if !self.letter_number.chars().all(ascii) {
            return Err(Error::Malformed(Field::ApplicationNumber));
        }
        if !self.date.is_valid() {
            return Err(Error::Malformed(Field::ApplicationDate));
        }
        text(Field::EnterpriseName, &self.enterprise_name, 60)?;
        text(Field::CreditCode, &self.credit_code, 18)?;
        text(Field::Name, &self.holder_name, 30)?;
        text(Field::IdNumber, &self.holder_id_number, 18)?;
        if !id_number_shape(&self.holder_id_number) {
            return Err(Error::Malformed(Field::IdNumber));
        }
        text(Field::Phone, &self.holder_phone, 11)?;
        text(Field::TradingPlatform, &self.trading_platform, 40)?;
        text(Field::CaOrganization, &self.ca_organization, 40)?;
        if self.permissions.is_empty() || self.permissions.len() > 8 {
            return Err(Error::Malformed(Field::Permissions));
        }
        for p in &self.permissions {
            text(Field::Permissions, p, 10)?;
        }
        if !(1..=MAX_VALIDITY_YEARS).contains(&self.validity_years) {
            return Err(Error::Malformed(Field::ValidityYears));
        }
        Ok(())
    }
}

/// Checks `letter` and renders it as a one-page A4 PDF. Deterministic: the
/// same letter is the same bytes (what the admin sealed is what is shown).
pub fn render(letter: &AuthorizationLetter) -> Result<Vec<u8>> {
    letter.validate()?;
    let mut sheet = Sheet::new();
    draw(&mut sheet, letter);
    let title = format!("授权书 {}", letter.letter_number);
    Ok(sheet::document(sheet, &title))
}

/// Lays the letter out; returns where its lowest line ended.
pub(crate) fn draw(sheet: &mut Sheet, l: &AuthorizationLetter) -> f32 {
    const SIZE: f32 = 11.0;
    const LEADING: f32 = 18.0;
    let mut y = PAGE.1 - 40.0;
    sheet.text_right(RIGHT, y, 9.0, &format!("编号：{}", l.letter_number));
    y -= 40.0;
    sheet.heading(
        PAGE.0 / 2.0 - cjk_font::width("授权书", 22.0) / 2.0,
        y,
        22.0,
        "授权书",
    );
    y -= 40.0;
    let paragraph = |sheet: &mut Sheet, y: &mut f32, text: &str| {
        for line in cjk_font::wrap(text, SIZE, WIDTH - 2.0 * SIZE) {
            sheet.text(LEFT, *y, SIZE, &line);
            *y -= LEADING;
        }
        *y -= 6.0;
    };
    paragraph(sheet, &mut y, &format!("致{}：", l.ca_organization));
    let body = format!(
        "　　兹授权我单位人员{}（公民身份号码：{}，手机号码：{}）作为我单位在{}的经办人，使用{}签发给其本人的企业数字证书（密钥由其手机与移动CA服务器分别保管），以我单位名义办理以下事项：{}。",
        l.holder_name,
        l.holder_id_number,
        l.holder_phone,
        l.trading_platform,
        l.ca_organization,
        l.permissions.join("、"),
    );
    paragraph(sheet, &mut y, &body);
    let term = format!(
        "　　本授权自发证机构审核通过之日起生效，与证书有效期一致（{}年）；我单位删除该授权或该人员后，授权即行终止，证书在该交易平台不再可用。",
        l.validity_years
    );
    paragraph(sheet, &mut y, &term);
    paragraph(
        sheet,
        &mut y,
        "　　被授权人在授权范围内使用该证书所作的电子签名和电子签章，我单位予以承认，并承担相应的法律责任。",
    );
    paragraph(sheet, &mut y, "　　特此授权。");
    y -= 30.0;
    let x = LEFT + WIDTH * 0.45;
    for line in [
        format!("授权单位：{}", l.enterprise_name),
        format!("统一社会信用代码：{}", l.credit_code),
        "（以企业数字证书电子签章）".to_owned(),
        format!("日期：{}", l.date.chinese()),
    ] {
        for part in cjk_font::wrap(&line, SIZE, RIGHT - x) {
            sheet.text(x, y, SIZE, &part);
            y -= LEADING;
        }
    }
    let note =
        "本授权书由移动CA根据企业管理员提交的信息生成，经企业数字证书签章后提交发证机构审核。";
    sheet.text_centered(PAGE.0 / 2.0, FOOTER, 8.0, note);
    y
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sheet::BOTTOM;

    fn sample() -> AuthorizationLetter {
        AuthorizationLetter {
            letter_number: "MCA-AUTH-20261204-0001".into(),
            date: FormDate {
                year: 2026,
                month: 12,
                day: 4,
            },
            enterprise_name: "杭州示例科技有限公司".into(),
            credit_code: "91330100799655058B".into(),
            holder_name: "王五".into(),
            holder_id_number: "330102199003154562".into(),
            holder_phone: "13600136001".into(),
            trading_platform: "浙江省公共资源交易平台".into(),
            ca_organization: "浙江省数字安全证书管理有限公司".into(),
            permissions: vec!["登录".into(), "签名".into(), "签章".into(), "解密".into()],
            validity_years: 1,
        }
    }

    #[test]
    fn renders_deterministically() {
        let pdf = render(&sample()).unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
        assert_eq!(pdf, render(&sample()).unwrap());
    }

    #[test]
    fn longest_valid_letter_stays_on_the_page() {
        let mut l = sample();
        l.enterprise_name = "企".repeat(60);
        l.holder_name = "龘".repeat(30);
        l.trading_platform = "台".repeat(40);
        l.ca_organization = "机".repeat(40);
        l.letter_number = "X".repeat(32);
        l.permissions = vec!["权".repeat(10); 8];
        l.validate().unwrap();
        let bottom = draw(&mut Sheet::new(), &l);
        assert!(bottom >= BOTTOM, "letter ends at {bottom}");
    }

    #[test]
    fn bad_fields_are_refused() {
        type Case = (Field, fn(&mut AuthorizationLetter));
        let cases: [Case; 4] = [
            (Field::Permissions, |l| l.permissions.clear()),
            (Field::IdNumber, |l| l.holder_id_number = "123".into()),
            (Field::EnterpriseName, |l| l.enterprise_name = " ".into()),
            (Field::ValidityYears, |l| l.validity_years = 0),
        ];
        for (field, change) in cases {
            let mut l = sample();
            change(&mut l);
            let err = render(&l).unwrap_err();
            assert!(
                matches!(err, Error::EmptyField(f) | Error::Malformed(f) | Error::TooLong { field: f, .. } if f == field),
                "{field}: {err:?}"
            );
        }
    }
}
