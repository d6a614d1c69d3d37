//! Input checks the app shows as the user types: each returns `None` when
//! the text is valid, else the 简体中文 message to show under the field. The
//! server checks the same rules again; these only spare a round trip.

/// 手机号: a mainland mobile number, 11 digits starting with 1.
pub fn check_phone(text: &str) -> Option<String> {
    let t = text.trim();
    if t.is_empty() {
        return Some("请输入手机号".into());
    }
    if t.len() != 11 || !t.bytes().all(|b| b.is_ascii_digit()) || !t.starts_with('1') {
        return Some("请输入11位手机号".into());
    }
    None
}

/// 姓名 as on the resident identity card: 2–30 characters of Chinese, or
/// letters with the middle dot of minority and foreign names.
pub fn check_name(text: &str) -> Option<String> {
    let t = text.trim();
    if t.is_empty() {
        return Some("请输入姓名".into());
    }
    let len = t.chars().count();
    if !(2..=30).contains(&len) {
        return Some("姓名应为2至30个字".into());
    }
    let allowed = |c: char| {
        ('\u{4e00}'..='\u{9fff}').contains(&c)
            || ('\u{3400}'..='\u{4dbf}').contains(&c)
            || c.is_ascii_alphabetic()
            || c == '·'
            || c == '•'
    };
    if !t.chars().all(allowed) || t.starts_with('·') || t.ends_with('·') {
        return Some("姓名只能包含汉字、字母和间隔号“·”".into());
    }
    None
}

/// 身份证号码 (GB 11643): 18 characters, 17 digits and the ISO 7064
/// MOD 11-2 check character (a digit or X). Partial input while typing gets
/// a message too; the UI shows it after blur or at 18 characters.
pub fn check_id_number(text: &str) -> Option<String> {
    let t = text.trim().to_ascii_uppercase();
    if t.is_empty() {
        return Some("请输入身份证号码".into());
    }
    let b = t.as_bytes();
    let digits_ok = b.iter().take(17).all(u8::is_ascii_digit);
    let last_ok = b.len() < 18 || b[17].is_ascii_digit() || b[17] == b'X';
    if !digits_ok || !last_ok {
        return Some("身份证号码只能包含数字，最后一位可以是X".into());
    }
    if b.len() != 18 {
        return Some("身份证号码应为18位".into());
    }
    if mca_pki::identity::check_resident_id(&t).is_err() {
        return Some("身份证号码校验位不正确".into());
    }
    None
}

/// 登录密码, the server's rule (mca-domain `Password::parse`): 6–20
/// characters, each a digit, an ASCII letter or a printable ASCII symbol,
/// no spaces.
pub fn check_password(text: &str) -> Option<String> {
    let len = text.chars().count();
    if len == 0 {
        return Some("请输入密码".into());
    }
    if !(6..=20).contains(&len) {
        return Some("密码应为6至20位".into());
    }
    if !text.chars().all(|c| c.is_ascii_graphic()) {
        return Some("密码只能包含数字、字母和符号，不能有空格".into());
    }
    None
}

/// 证书PIN码: exactly 6 digits.
pub fn check_pin(text: &str) -> Option<String> {
    if text.is_empty() {
        return Some("请输入证书PIN码".into());
    }
    if text.len() != 6 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Some("证书PIN码应为6位数字".into());
    }
    None
}

/// 短信验证码: 6 digits.
pub fn check_sms_code(text: &str) -> Option<String> {
    let t = text.trim();
    if t.is_empty() {
        return Some("请输入验证码".into());
    }
    if t.len() != 6 || !t.bytes().all(|b| b.is_ascii_digit()) {
        return Some("验证码应为6位数字".into());
    }
    None
}

/// 统一社会信用代码 (GB 32100): 18 characters of its alphabet, the last the
/// MOD 31 check character; lower case is accepted (the server keeps it
/// upper case).
pub fn check_credit_code(text: &str) -> Option<String> {
    let t = text.trim().to_ascii_uppercase();
    if t.is_empty() {
        return Some("请输入统一社会信用代码".into());
    }
    if t.len() != 18 {
        return Some("统一社会信用代码应为18位".into());
    }
    if mca_pki::identity::check_credit_code(&t).is_err() {
        return Some("统一社会信用代码不正确，请核对营业执照".into());
    }
    None
}

/// 企业名称: 2–60 characters after trimming, the server's rule.
pub fn check_enterprise_name(text: &str) -> Option<String> {
    let len = text.trim().chars().count();
    if len == 0 {
        return Some("请输入企业名称".into());
    }
    if !(2..=60).contains(&len) {
        return Some("企业名称应为2至60个字".into());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_numbers() {
        assert_eq!(check_phone("13800138000"), None);
        assert_eq!(check_phone(" 13800138000 "), None);
        assert_eq!(check_phone("").as_deref(), Some("请输入手机号"));
        for bad in ["1380013800", "138001380001", "23800138000", "1380013800a"] {
            assert_eq!(
                check_phone(bad).as_deref(),
                Some("请输入11位手机号"),
                "{bad}"
            );
        }
    }

    #[test]
    fn names() {
        for ok in ["张三", "欧阳娜娜", "阿依古丽·买买提", "John"] {
            assert_eq!(check_name(ok), None, "{ok}");
        }
        assert!(check_name("").is_some());
        assert_eq!(check_name("张").as_deref(), Some("姓名应为2至30个字"));
        assert!(check_name("张三1").is_some());
        assert!(check_name("·张三").is_some());
        assert!(check_name(&"张".repeat(31)).is_some());
    }

    #[test]
    fn id_numbers_with_check_character() {
        // 11010519491231002X is the standard's example number.
        assert_eq!(check_id_number("11010519491231002X"), None);
        assert_eq!(check_id_number("11010519491231002x"), None);
        assert_eq!(
            check_id_number("110105194912310021").as_deref(),
            Some("身份证号码校验位不正确")
        );
        assert_eq!(
            check_id_number("1101051949").as_deref(),
            Some("身份证号码应为18位")
        );
        assert_eq!(
            check_id_number("11010519491231002Y").as_deref(),
            Some("身份证号码只能包含数字，最后一位可以是X")
        );
        assert!(check_id_number("1101X5194912310021").is_some());
        assert!(check_id_number("").is_some());
    }

    #[test]
    fn passwords_follow_the_server_rule() {
        for ok in [
            "123456",
            "abcdef",
            "Abc123!@#",
            "~!@#$%^&*()_+-=[]{}|",
            "a1b2c3d4e5f6g7h8i9j0",
        ] {
            assert_eq!(check_password(ok), None, "{ok}");
        }
        assert_eq!(check_password("12345").as_deref(), Some("密码应为6至20位"));
        assert!(check_password(&"a".repeat(21)).is_some());
        assert!(check_password("abc 123").is_some());
        assert!(check_password("密码密码密码").is_some());
        assert!(check_password("").is_some());
    }

    #[test]
    fn credit_codes_and_enterprise_names() {
        assert_eq!(check_credit_code("91350100M000100Y43"), None);
        assert_eq!(check_credit_code("91350100m000100y43"), None);
        assert_eq!(
            check_credit_code("91350100M000100Y44").as_deref(),
            Some("统一社会信用代码不正确，请核对营业执照")
        );
        assert_eq!(
            check_credit_code("91350100M").as_deref(),
            Some("统一社会信用代码应为18位")
        );
        assert!(check_credit_code("").is_some());
        assert_eq!(check_enterprise_name(" 杭州示例科技有限公司 "), None);
        assert!(check_enterprise_name("杭").is_some());
        assert!(check_enterprise_name(&"杭".repeat(61)).is_some());
        assert!(check_enterprise_name("  ").is_some());
    }

    #[test]
    fn pins_and_sms_codes_are_six_digits() {
        assert_eq!(check_pin("246810"), None);
        for bad in ["", "12345", "1234567", "12345a", "１２３４５６"] {
            assert!(check_pin(bad).is_some(), "{bad}");
        }
        assert_eq!(check_sms_code("123456"), None);
        for bad in ["", "12345", "abcdef", "1234567"] {
            assert!(check_sms_code(bad).is_some(), "{bad}");
        }
    }
}
