//! Identity numbers in certificate subjects: the resident identity card
//! number (GB 11643-1999) and the unified social credit code (GB 32100-2015),
//! both with their check characters verified before issuance.

use crate::{Error, Result};

/// Checks an 18-character resident identity number and its ISO 7064
/// MOD 11-2 check character.
pub fn check_resident_id(id: &str) -> Result<()> {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECK: &[u8; 11] = b"10X98765432";
    let b = id.as_bytes();
    let bad = || Error::InvalidRequest("居民身份证号码无效".into());
    if b.len() != 18 || !b[..17].iter().all(u8::is_ascii_digit) {
        return Err(bad());
    }
    let sum: u32 = b[..17]
        .iter()
        .zip(WEIGHTS)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    if CHECK[(sum % 11) as usize] != b[17] {
        return Err(bad());
    }
    Ok(())
}

/// Checks an 18-character unified social credit code and its MOD 31 check
/// character.
pub fn check_credit_code(code: &str) -> Result<()> {
    const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
    const WEIGHTS: [u32; 17] = [
        1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
    ];
    let bad = || Error::InvalidRequest("统一社会信用代码无效".into());
    let b = code.as_bytes();
    if b.len() != 18 {
        return Err(bad());
    }
    let value = |c: u8| {
        ALPHABET
            .iter()
            .position(|&a| a == c)
            .map(|v| v as u32)
            .ok_or_else(bad)
    };
    let mut sum = 0;
    for (c, w) in b[..17].iter().zip(WEIGHTS) {
        sum += value(*c)? * w;
    }
    let check = (31 - sum % 31) % 31;
    if value(b[17])? != check {
        return Err(bad());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resident_id_checksum() {
        check_resident_id("11010519491231002X").unwrap();
        check_resident_id("110105194912310021").unwrap_err();
        check_resident_id("11010519491231002").unwrap_err();
        check_resident_id("1101051949123100AX").unwrap_err();
    }

    #[test]
    fn credit_code_checksum() {
        check_credit_code("91350100M000100Y43").unwrap();
        check_credit_code("91350100M000100Y44").unwrap_err();
        check_credit_code("91350100M000100Y4").unwrap_err();
        check_credit_code("91350100M000100YI3").unwrap_err();
    }
}
