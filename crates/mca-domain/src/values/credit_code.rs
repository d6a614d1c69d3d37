use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::DomainError;

/// A unified social credit code (统一社会信用代码, GB 32100-2015): 18
/// characters from `0-9A-HJ-NP-RTUWXY` (no I, O, Z, S, V), the last a
/// MOD 31 check character. Used by enterprises (B, C) in later issues.
#[derive(Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct CreditCode(String);

const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

impl CreditCode {
    /// Validates the alphabet and the check character (upper-cases input).
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let s = input.trim().to_ascii_uppercase();
        let values: Option<Vec<u32>> = s
            .bytes()
            .map(|c| ALPHABET.iter().position(|a| *a == c).map(|p| p as u32))
            .collect();
        let values = values.ok_or(DomainError::InvalidCreditCode)?;
        if values.len() != 18 {
            return Err(DomainError::InvalidCreditCode);
        }
        if check_value(&values[..17]) != values[17] {
            return Err(DomainError::InvalidCreditCode);
        }
        Ok(Self(s))
    }

    /// The 18 characters.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn check_value(first17: &[u32]) -> u32 {
    let sum: u32 = first17.iter().zip(WEIGHTS).map(|(v, w)| v * w).sum();
    (31 - sum % 31) % 31
}

impl fmt::Debug for CreditCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CreditCode({})", self.0)
    }
}

impl fmt::Display for CreditCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for CreditCode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        CreditCode::parse(&s).map_err(|_| serde::de::Error::custom("invalid credit code"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn published_codes_are_accepted() {
        // Codes printed on public business licences.
        for code in [
            "91330100799655058B", // Alibaba (China) Co., Ltd., Hangzhou
            "91350100M000100Y43", // the GB 32100 worked example
            "91110000802100433B", // Bank of China Ltd.
        ] {
            assert!(CreditCode::parse(code).is_ok(), "{code} refused");
        }
        assert!(
            CreditCode::parse("91350100m000100y43").is_ok(),
            "lower case"
        );
    }

    #[test]
    fn wrong_check_characters_and_alphabet_are_refused() {
        for code in [
            "91330100799655058C",
            "91350100M000100Y44",
            "91350100M000100Y4",
            "91350100M000100Y433",
            "91350100I000100Y43", // I is not in the alphabet
            "91350100O000100Y43", // neither is O
            "",
        ] {
            assert_eq!(
                CreditCode::parse(code).unwrap_err().code(),
                "invalid_credit_code",
                "{code}"
            );
        }
    }
}
