use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::DomainError;

/// A mainland China mobile number: 11 digits starting `1[3-9]`, stored
/// without the country code. A leading `+86`/`86` and spaces or hyphens
/// between groups are accepted on input.
#[derive(Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Phone(String);

impl Phone {
    /// Validates and normalizes a phone number.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let compact: String = input
            .trim()
            .chars()
            .filter(|c| *c != ' ' && *c != '-')
            .collect();
        let digits = compact
            .strip_prefix("+86")
            .or_else(|| {
                (compact.len() == 13)
                    .then(|| compact.strip_prefix("86"))
                    .flatten()
            })
            .unwrap_or(&compact);
        let b = digits.as_bytes();
        let ok = b.len() == 11
            && b.iter().all(u8::is_ascii_digit)
            && b[0] == b'1'
            && (b'3'..=b'9').contains(&b[1]);
        if ok {
            Ok(Self(digits.to_owned()))
        } else {
            Err(DomainError::InvalidPhone)
        }
    }

    /// The 11 digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `138****5678`, for logs and screens.
    pub fn masked(&self) -> String {
        format!("{}****{}", &self.0[..3], &self.0[7..])
    }
}

/// Phone numbers are personal data: `Debug` (and so logs) shows the masked
/// form.
impl fmt::Debug for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Phone({})", self.masked())
    }
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Phone {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Phone::parse(&s).map_err(|_| serde::de::Error::custom("invalid phone number"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_numbers() {
        for (input, want) in [
            ("13800138000", "13800138000"),
            ("+8613912345678", "13912345678"),
            ("8619912345678", "19912345678"),
            (" 158-1234-5678 ", "15812345678"),
            ("166 0000 0000", "16600000000"),
        ] {
            assert_eq!(Phone::parse(input).unwrap().as_str(), want, "{input}");
        }
    }

    #[test]
    fn invalid_numbers() {
        for input in [
            "",
            "1380013800",
            "138001380001",
            "12800138000",
            "23800138000",
            "1380013800a",
            "+85213800138",
            "０13800138000",
            "+1 13800138000",
            "86 1380013800",
        ] {
            assert!(Phone::parse(input).is_err(), "{input:?} accepted");
        }
    }

    #[test]
    fn debug_is_masked() {
        let p = Phone::parse("13812345678").unwrap();
        assert_eq!(p.masked(), "138****5678");
        assert!(!format!("{p:?}").contains("13812345678"));
    }
}
