use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::DomainError;

/// A six-digit SMS verification code. `Debug` is redacted; the digits leave
/// this type only through [`SmsCode::expose`], for the SMS provider.
#[derive(Clone, PartialEq, Eq)]
pub struct SmsCode(String);

impl SmsCode {
    /// Checks that the input is exactly six ASCII digits.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let s = input.trim();
        if s.len() == 6 && s.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(s.to_owned()))
        } else {
            Err(DomainError::MalformedCode)
        }
    }

    /// A uniformly random code from the CSPRNG.
    pub fn generate() -> Result<Self, DomainError> {
        // Rejection sampling keeps every code equally likely.
        loop {
            let b: [u8; 4] =
                mca_crypto::rand::bytes().map_err(|_| DomainError::Internal("random source"))?;
            let n = u32::from_be_bytes(b);
            if n < 4_294_000_000 {
                return Ok(Self(format!("{:06}", n % 1_000_000)));
            }
        }
    }

    /// The digits, for the SMS text only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SmsCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SmsCode(<redacted>)")
    }
}

/// What a code is for; a code sent for one purpose is useless for another.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum CodePurpose {
    /// A1: log in (registers at the first login).
    Login,
    /// I2: forgot password.
    ResetPassword,
    /// I1: confirm the new phone number.
    ChangePhone,
    /// I3/G1/§4: unlock a certificate key, forgotten PIN, recovery.
    CertificateKey,
    /// I3: change a certificate key's PIN (with the old PIN).
    PinChange,
}

impl CodePurpose {
    /// The stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            CodePurpose::Login => "login",
            CodePurpose::ResetPassword => "reset_password",
            CodePurpose::ChangePhone => "change_phone",
            CodePurpose::CertificateKey => "certificate_key",
            CodePurpose::PinChange => "pin_change",
        }
    }

    /// Parses the stored form.
    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::Login,
            Self::ResetPassword,
            Self::ChangePhone,
            Self::CertificateKey,
            Self::PinChange,
        ]
        .into_iter()
        .find(|p| p.as_str() == s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_six_digits() {
        assert_eq!(SmsCode::parse("012345").unwrap().expose(), "012345");
        for bad in ["", "12345", "1234567", "12345a", "１２３４５６", "12 345"] {
            assert_eq!(
                SmsCode::parse(bad).unwrap_err().code(),
                "malformed_code",
                "{bad:?}"
            );
        }
        for _ in 0..100 {
            let c = SmsCode::generate().unwrap();
            assert!(SmsCode::parse(c.expose()).is_ok());
            assert_eq!(format!("{c:?}"), "SmsCode(<redacted>)");
        }
    }

    #[test]
    fn purposes_round_trip() {
        for p in [
            CodePurpose::Login,
            CodePurpose::ResetPassword,
            CodePurpose::ChangePhone,
        ] {
            assert_eq!(CodePurpose::parse(p.as_str()), Some(p));
        }
        assert_eq!(CodePurpose::parse("pin"), None);
    }
}
