use std::fmt;

use serde::Serialize;

use crate::error::DomainError;

/// A person's legal name as on the resident ID card: 2–30 characters of
/// Chinese characters, the middle dot `·` of transliterated names, or
/// Latin letters and single spaces (foreign permanent residents).
#[derive(Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct PersonName(String);

impl PersonName {
    /// Trims and validates.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let s = input.trim();
        let len = s.chars().count();
        let allowed = |c: char| {
            matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}' | '·' | ' ')
                || c.is_ascii_alphabetic()
        };
        let ok = (2..=30).contains(&len)
            && s.chars().all(allowed)
            && !s.starts_with('·')
            && !s.ends_with('·')
            && !s.contains("··")
            && !s.contains("  ");
        if ok {
            Ok(Self(s.to_owned()))
        } else {
            Err(DomainError::InvalidName)
        }
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `张*` / `欧阳**`: the first character and stars, for logs.
    pub fn masked(&self) -> String {
        let mut chars = self.0.chars();
        let first = chars.next().unwrap_or('*');
        format!("{first}{}", "*".repeat(chars.count()))
    }
}

impl fmt::Debug for PersonName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PersonName({})", self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_names() {
        for n in [
            "张三",
            "欧阳娜娜",
            "迪丽热巴·迪力木拉提",
            " 李四 ",
            "John Smith",
            "王㐀",
        ] {
            assert!(PersonName::parse(n).is_ok(), "{n} refused");
        }
        assert_eq!(PersonName::parse("张三丰").unwrap().masked(), "张**");
    }

    #[test]
    fn invalid_names() {
        for n in [
            "",
            "张",
            "·张三",
            "张三·",
            "张··三",
            "张三1",
            "张三<script>",
            "a  b",
            &"张".repeat(31),
        ] {
            assert_eq!(
                PersonName::parse(n).unwrap_err().code(),
                "invalid_name",
                "{n:?}"
            );
        }
    }
}
