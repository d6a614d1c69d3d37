use std::fmt;

use crate::error::DomainError;
use crate::time::Timestamp;

/// A resident identity number (公民身份号码, GB 11643-1999): 6-digit region
/// code, 8-digit birth date, 3-digit sequence, ISO 7064 MOD 11-2 check
/// character (`0`–`9` or `X`).
///
/// Shown and logged only masked ([`IdNumber::masked`]); the full number
/// leaves this type only through [`IdNumber::expose`], for sealing at rest
/// and for the certificate's IdentityCode extension.
#[derive(Clone, PartialEq, Eq)]
pub struct IdNumber(String);

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK: &[u8; 11] = b"10X98765432";
/// First two digits: the province-level divisions of GB/T 2260 (including
/// Hong Kong, Macao and Taiwan residence-permit codes 81–83).
const PROVINCES: [u32; 34] = [
    11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52,
    53, 54, 61, 62, 63, 64, 65, 71, 81, 82,
];

impl IdNumber {
    /// Validates a number against its checksum, its province code and a
    /// plausible birth date: a real calendar date, not before 1900-01-01
    /// and not after today (in China, per `now`). A lower-case `x` is
    /// accepted and normalized.
    pub fn parse(input: &str, now: Timestamp) -> Result<Self, DomainError> {
        let s = input.trim().to_ascii_uppercase();
        let b = s.as_bytes();
        if b.len() != 18
            || !b[..17].iter().all(u8::is_ascii_digit)
            || !(b[17].is_ascii_digit() || b[17] == b'X')
        {
            return Err(DomainError::InvalidIdNumber);
        }
        let digit = |i: usize| u32::from(b[i] - b'0');
        let sum: u32 = (0..17).map(|i| digit(i) * WEIGHTS[i]).sum();
        if CHECK[(sum % 11) as usize] != b[17] {
            return Err(DomainError::InvalidIdNumber);
        }
        if !PROVINCES.contains(&(digit(0) * 10 + digit(1))) {
            return Err(DomainError::InvalidIdNumber);
        }
        let num = |from: usize, to: usize| (from..to).fold(0u32, |n, i| n * 10 + digit(i));
        let (y, m, d) = (num(6, 10) as i32, num(10, 12), num(12, 14));
        if !is_calendar_date(y, m, d) || y < 1900 || (y, m, d) > now.china_date() {
            return Err(DomainError::InvalidIdNumber);
        }
        Ok(Self(s))
    }

    /// The birth date (year, month, day).
    pub fn birth_date(&self) -> (i32, u32, u32) {
        let n = |r: std::ops::Range<usize>| self.0[r].parse::<u32>().unwrap_or(0);
        (n(6..10) as i32, n(10..12), n(12..14))
    }

    /// `3301**********123X`: the form for screens and logs.
    pub fn masked(&self) -> String {
        format!("{}**********{}", &self.0[..4], &self.0[14..])
    }

    /// The full number. Callers seal it at rest and never log it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

fn is_calendar_date(y: i32, m: u32, d: u32) -> bool {
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&d)
}

impl fmt::Debug for IdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IdNumber({})", self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-11-24T00:00:00Z.
    const NOW: Timestamp = Timestamp(1_795_478_400);

    /// Completes 17 digits with their GB 11643 check character.
    fn with_check(first17: &str) -> String {
        let sum: u32 = first17
            .bytes()
            .zip(WEIGHTS)
            .map(|(c, w)| u32::from(c - b'0') * w)
            .sum();
        format!("{first17}{}", CHECK[(sum % 11) as usize] as char)
    }

    #[test]
    fn real_format_numbers_with_correct_check_digits() {
        // The examples of GB 11643 and of common ID-number documentation.
        let id = IdNumber::parse("11010519491231002X", NOW).unwrap();
        assert_eq!(id.birth_date(), (1949, 12, 31));
        assert_eq!(id.masked(), "1101**********002X");
        assert!(
            IdNumber::parse("11010519491231002x", NOW).is_ok(),
            "lower-case x"
        );
        let hangzhou = with_check("33010619900307123");
        assert!(IdNumber::parse(&hangzhou, NOW).is_ok());
        let leap = with_check("33020320000229456");
        assert!(IdNumber::parse(&leap, NOW).is_ok());
        let born_today = with_check("33010620261124001");
        assert!(IdNumber::parse(&born_today, NOW).is_ok());
    }

    #[test]
    fn wrong_check_digits_are_refused() {
        for n in [
            "110105194912310021",
            "110105194912310020",
            "330106199003071230",
        ] {
            let good = with_check(&n[..17]);
            assert_ne!(good, n, "sample {n} must be a wrong check");
            assert_eq!(
                IdNumber::parse(n, NOW).unwrap_err().code(),
                "invalid_id_number"
            );
        }
    }

    #[test]
    fn implausible_birth_dates_are_refused() {
        for first17 in [
            "44052418800101001", // 1880: the GB example itself, before 1900
            "33010618991231123", // before 1900
            "33010620261125001", // tomorrow
            "33010620300101001", // future
            "33010619900230123", // 30 February
            "33010619901301123", // month 13
            "33010619900100123", // day 0
            "33010619010229123", // 1901 not a leap year
        ] {
            let n = with_check(first17);
            assert!(IdNumber::parse(&n, NOW).is_err(), "{n} accepted");
        }
    }

    #[test]
    fn malformed_numbers_are_refused() {
        for n in [
            "",
            "11010519491231002",
            "11010519491231002XX",
            "1101051949123100X2",
            "11010519491231002Y",
            "１１0105194912310021",
        ] {
            assert!(IdNumber::parse(n, NOW).is_err(), "{n:?} accepted");
        }
        // Valid checksum, but 99 is no province.
        let n = with_check("99010619900307123");
        assert!(IdNumber::parse(&n, NOW).is_err());
    }

    #[test]
    fn debug_is_masked() {
        let id = IdNumber::parse("11010519491231002X", NOW).unwrap();
        assert!(!format!("{id:?}").contains("19491231"));
    }
}
