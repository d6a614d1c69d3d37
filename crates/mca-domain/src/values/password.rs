use std::fmt;

use argon2::{Argon2, PasswordHasher, PasswordVerifier};

use crate::error::DomainError;

/// A login password (A2): 6–20 characters, each a digit, an ASCII letter or
/// an ASCII symbol (printable, no spaces), in any mix. `Debug` is redacted.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    /// Checks length and alphabet.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let len = input.chars().count();
        if !(6..=20).contains(&len) || !input.chars().all(|c| c.is_ascii_graphic()) {
            return Err(DomainError::WeakPassword);
        }
        Ok(Self(input.to_owned()))
    }

    /// Hashes with Argon2id (default parameters) and a fresh random salt.
    pub fn hash(&self) -> Result<PasswordHash, DomainError> {
        let salt_bytes: [u8; 16] =
            mca_crypto::rand::bytes().map_err(|_| DomainError::Internal("random source"))?;
        let phc = Argon2::default()
            .hash_password_with_salt(self.0.as_bytes(), &salt_bytes)
            .map_err(|_| DomainError::Internal("password hashing"))?;
        Ok(PasswordHash(phc.to_string()))
    }

    /// Whether this password matches `hash` (constant time inside argon2).
    pub fn matches(&self, hash: &PasswordHash) -> bool {
        Argon2::default()
            .verify_password(self.0.as_bytes(), hash.0.as_str())
            .is_ok()
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

/// An Argon2id hash in PHC string form, as stored. `Debug` is redacted.
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordHash(String);

impl PasswordHash {
    /// Wraps a stored PHC string (the store's row mapping uses this).
    pub fn from_stored(phc: String) -> Self {
        Self(phc)
    }

    /// The PHC string, for storing.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PasswordHash(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_passwords() {
        for p in [
            "123456",
            "abcdef",
            "Abc123!@#",
            "~!@#$%^&*()_+-=[]{}|",
            "a1b2c3d4e5f6g7h8i9j0",
        ] {
            assert!(Password::parse(p).is_ok(), "{p} refused");
        }
    }

    #[test]
    fn invalid_passwords() {
        for p in [
            "",
            "12345",
            "a1b2c3d4e5f6g7h8i9j0k",
            "abc def",
            "密码密码密码",
            "abc\tdef",
            "abcdé1",
        ] {
            assert_eq!(
                Password::parse(p).unwrap_err().code(),
                "weak_password",
                "{p:?}"
            );
        }
    }

    #[test]
    fn hash_verifies_only_the_same_password() {
        let p = Password::parse("Secret#2026").unwrap();
        let h = p.hash().unwrap();
        assert!(h.as_str().starts_with("$argon2id$"));
        assert!(p.matches(&h));
        assert!(!Password::parse("Secret#2027").unwrap().matches(&h));
        assert!(!p.matches(&PasswordHash::from_stored("garbage".into())));
        assert!(!format!("{p:?}{h:?}").contains("Secret"));
        assert!(!format!("{h:?}").contains("argon2"));
    }
}
