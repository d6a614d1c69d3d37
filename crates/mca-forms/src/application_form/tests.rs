use super::layout;
use super::*;
use crate::sheet::{BOTTOM, Sheet};

pub(crate) fn sample() -> ApplicationForm {
    ApplicationForm {
        application_number: "MCA-20261124-000123".to_owned(),
        application_date: FormDate {
            year: 2026,
            month: 11,
            day: 24,
        },
        name: "张三".to_owned(),
        id_number: "11010519491231002X".to_owned(),
        phone: "13800138000".to_owned(),
        province: "浙江省".to_owned(),
        trading_platform: "浙江省公共资源交易平台".to_owned(),
        ca_organization: "浙江省数字安全证书管理有限公司".to_owned(),
        validity_years: 2,
        fee_fen: 30_000,
        enterprise: None,
    }
}

fn enterprise_sample() -> ApplicationForm {
    with(|f| {
        f.enterprise = Some(EnterpriseParty {
            name: "杭州示例科技有限公司".to_owned(),
            credit_code: "91330100799655058B".to_owned(),
            legal_representative: "李四".to_owned(),
            legal_representative_id: "11010519491231002X".to_owned(),
        })
    })
}

/// A change to the sample and the field it breaks.
type Case = (Field, fn(&mut ApplicationForm));

fn with(change: impl FnOnce(&mut ApplicationForm)) -> ApplicationForm {
    let mut form = sample();
    change(&mut form);
    form
}

#[test]
fn sample_is_valid_and_renders_a_pdf() {
    let pdf = render(&sample()).unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    assert!(pdf.ends_with(b"%%EOF") || pdf.ends_with(b"%%EOF\n"));
    let text = String::from_utf8_lossy(&pdf);
    for needle in ["/STSong-Light", "/UniGB-UCS2-H", "/CIDFontType0", "(GB1)"] {
        assert!(text.contains(needle), "{needle}");
    }
    // No embedded font program, as the brief requires.
    assert!(!text.contains("/FontFile"));
}

#[test]
fn rendering_is_deterministic() {
    assert_eq!(render(&sample()).unwrap(), render(&sample()).unwrap());
}

#[test]
fn longest_valid_input_stays_on_the_page() {
    let form = with(|f| {
        f.name = "龘".repeat(30);
        f.province = "省".repeat(20);
        f.trading_platform = "台".repeat(40);
        f.ca_organization = "机".repeat(40);
        f.application_number = "X".repeat(32);
        f.validity_years = MAX_VALIDITY_YEARS;
        f.fee_fen = MAX_FEE_FEN - 1;
    });
    form.validate().unwrap();
    let bottom = layout::draw(&mut Sheet::new(), &form);
    assert!(bottom >= BOTTOM, "form ends at {bottom}");
}

#[test]
fn longest_valid_enterprise_form_stays_on_the_page() {
    let mut form = with(|f| {
        f.name = "龘".repeat(30);
        f.province = "省".repeat(20);
        f.trading_platform = "台".repeat(40);
        f.ca_organization = "机".repeat(40);
        f.application_number = "X".repeat(32);
        f.fee_fen = MAX_FEE_FEN - 1;
    });
    form.enterprise = Some(EnterpriseParty {
        name: "企".repeat(60),
        credit_code: "91330100799655058B".to_owned(),
        legal_representative: "龘".repeat(30),
        legal_representative_id: "11010519491231002X".to_owned(),
    });
    form.validate().unwrap();
    let bottom = layout::draw(&mut Sheet::new(), &form);
    assert!(bottom >= BOTTOM, "form ends at {bottom}");
}

#[test]
fn enterprise_form_names_the_enterprise_and_checks_its_fields() {
    let pdf = render(&enterprise_sample()).unwrap();
    assert_ne!(pdf, render(&sample()).unwrap());
    type EnterpriseCase = (Field, fn(&mut EnterpriseParty));
    let cases: [EnterpriseCase; 4] = [
        (Field::EnterpriseName, |e| e.name = " ".into()),
        (Field::CreditCode, |e| {
            e.credit_code = "91330100799655058b".into()
        }),
        (Field::LegalRepresentative, |e| {
            e.legal_representative.clear()
        }),
        (Field::LegalRepresentativeId, |e| {
            e.legal_representative_id = "1101051949123100".into()
        }),
    ];
    for (field, change) in cases {
        let mut form = enterprise_sample();
        change(form.enterprise.as_mut().unwrap());
        let err = render(&form).unwrap_err();
        assert!(
            matches!(err, Error::EmptyField(f) | Error::Malformed(f) if f == field),
            "{field}: {err:?}"
        );
    }
}

#[test]
fn empty_fields_are_rejected() {
    let cases: [Case; 7] = [
        (Field::Name, |f| f.name = "  ".into()),
        (Field::IdNumber, |f| f.id_number.clear()),
        (Field::Phone, |f| f.phone.clear()),
        (Field::Province, |f| f.province.clear()),
        (Field::TradingPlatform, |f| {
            f.trading_platform = "\u{3000}".into()
        }),
        (Field::CaOrganization, |f| f.ca_organization.clear()),
        (Field::ApplicationNumber, |f| f.application_number.clear()),
    ];
    for (field, change) in cases {
        let err = render(&with(change)).unwrap_err();
        assert_eq!(err, Error::EmptyField(field));
        assert!(err.message().contains("不能为空"));
    }
}

#[test]
fn malformed_fields_are_rejected() {
    let cases: [Case; 13] = [
        (Field::IdNumber, |f| {
            f.id_number = "11010519491231002x".into()
        }),
        (Field::IdNumber, |f| f.id_number = "1101051949123100".into()),
        (Field::IdNumber, |f| {
            f.id_number = "1101051949123100AX".into()
        }),
        (Field::Phone, |f| f.phone = "23800138000".into()),
        (Field::Phone, |f| f.phone = "1380013800a".into()),
        (Field::Phone, |f| f.phone = "1380013800".into()),
        (Field::Name, |f| f.name = " 张三".into()),
        (Field::Name, |f| f.name = "张\u{0}三".into()),
        (Field::Name, |f| f.name = "张𠀀".into()),
        (Field::Name, |f| f.name = "张\u{E000}".into()),
        (Field::ApplicationNumber, |f| {
            f.application_number = "MCA 1".into()
        }),
        (Field::ApplicationDate, |f| f.application_date.month = 13),
        (Field::ValidityYears, |f| f.validity_years = 0),
    ];
    for (field, change) in cases {
        assert_eq!(render(&with(change)), Err(Error::Malformed(field)));
    }
}

#[test]
fn dates_are_checked_against_the_calendar() {
    let date = |year, month, day| FormDate { year, month, day };
    assert!(date(2028, 2, 29).is_valid());
    assert!(date(2000, 2, 29).is_valid());
    assert!(!date(2100, 2, 29).is_valid());
    assert!(!date(2026, 2, 29).is_valid());
    assert!(!date(2026, 4, 31).is_valid());
    assert!(!date(2026, 1, 0).is_valid());
    assert!(!date(1999, 1, 1).is_valid());
    assert_eq!(date(2026, 11, 4).chinese(), "2026年11月4日");
}

#[test]
fn too_long_fields_are_rejected() {
    let err = render(&with(|f| f.name = "张".repeat(31))).unwrap_err();
    assert_eq!(
        err,
        Error::TooLong {
            field: Field::Name,
            max: 30
        }
    );
    let err = render(&with(|f| f.trading_platform = "台".repeat(41))).unwrap_err();
    assert_eq!(
        err,
        Error::TooLong {
            field: Field::TradingPlatform,
            max: 40
        }
    );
}

#[test]
fn fee_must_be_in_range() {
    assert_eq!(render(&with(|f| f.fee_fen = -1)), Err(Error::NegativeFee));
    assert_eq!(
        render(&with(|f| f.fee_fen = MAX_FEE_FEN + 1)),
        Err(Error::Malformed(Field::Fee))
    );
    assert_eq!(
        render(&with(|f| f.validity_years = MAX_VALIDITY_YEARS + 1)),
        Err(Error::Malformed(Field::ValidityYears))
    );
    render(&with(|f| f.fee_fen = 0)).unwrap();
}
