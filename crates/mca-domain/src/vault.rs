//! [`KeyVault`]: seals secrets at rest (server key shares, CA keys, ID
//! numbers) with SM4-GCM under a key-encryption key (KEK) from
//! configuration (PROTOCOL.md §7). The record's identity is the AAD, so a
//! sealed value copied onto another row does not open. Each sealed value
//! names its KEK by id, so keys can be rotated: new values use the active
//! KEK, old ones still open with theirs. An HSM-backed vault can replace
//! this type later behind the same `seal`/`open`.

use std::collections::HashMap;
use std::fmt;

use zeroize::Zeroizing;

/// Why sealing or opening failed. Carries no key or plaintext bytes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VaultError {
    /// A KEK is not 16 bytes of hex, or a key id is malformed.
    #[error("malformed key-encryption key")]
    BadKey,
    /// No KEK with the sealed value's id is configured.
    #[error("unknown key id")]
    UnknownKeyId,
    /// The sealed bytes are not in the expected format.
    #[error("malformed sealed value")]
    Malformed,
    /// Authentication failed: wrong KEK, tampered ciphertext or wrong AAD.
    #[error("sealed value does not open")]
    Tampered,
    /// The random source failed.
    #[error("random source failed")]
    Rng,
}

/// A sealed secret: version 1 bytes `01 ‖ len(key_id) ‖ key_id ‖ nonce(12)
/// ‖ SM4-GCM ciphertext+tag`.
#[derive(Clone, PartialEq, Eq)]
pub struct SealedSecret(Vec<u8>);

impl SealedSecret {
    /// Wraps stored bytes (checked when opened).
    pub fn from_bytes(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }

    /// The bytes to store.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The id of the KEK that sealed it.
    pub fn key_id(&self) -> Result<&str, VaultError> {
        let (id, _, _) = self.parts()?;
        Ok(id)
    }

    fn parts(&self) -> Result<(&str, &[u8], &[u8]), VaultError> {
        let b = &self.0;
        if b.len() < 2 || b[0] != 1 {
            return Err(VaultError::Malformed);
        }
        let n = usize::from(b[1]);
        let rest = b.get(2 + n..).ok_or(VaultError::Malformed)?;
        let id = std::str::from_utf8(&b[2..2 + n]).map_err(|_| VaultError::Malformed)?;
        if rest.len() < 12 + 16 {
            return Err(VaultError::Malformed);
        }
        Ok((id, &rest[..12], &rest[12..]))
    }
}

impl fmt::Debug for SealedSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SealedSecret({} bytes)", self.0.len())
    }
}

/// The key-encryption keys and the id of the one that seals new values.
pub struct KeyVault {
    active: String,
    keys: HashMap<String, Zeroizing<[u8; 16]>>,
}

impl fmt::Debug for KeyVault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "KeyVault(active: {}, {} keys)",
            self.active,
            self.keys.len()
        )
    }
}

impl KeyVault {
    /// A vault sealing with `active`; `keys` are `(id, 32 hex digits)` and
    /// must include the active id. Ids are 1–64 chars of `[A-Za-z0-9_.-]`.
    pub fn new<'a>(
        active: &str,
        keys: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, VaultError> {
        let mut map = HashMap::new();
        for (id, hex_key) in keys {
            let id_ok = (1..=64).contains(&id.len())
                && id
                    .bytes()
                    .all(|c| c.is_ascii_alphanumeric() || b"_.-".contains(&c));
            let mut key = Zeroizing::new([0u8; 16]);
            if !id_ok || hex::decode_to_slice(hex_key.trim(), key.as_mut()).is_err() {
                return Err(VaultError::BadKey);
            }
            map.insert(id.to_owned(), key);
        }
        if !map.contains_key(active) {
            return Err(VaultError::UnknownKeyId);
        }
        Ok(Self {
            active: active.to_owned(),
            keys: map,
        })
    }

    /// A vault with one fresh random KEK, for tests and throw-away
    /// development databases (sealed values die with the process).
    pub fn ephemeral() -> Result<Self, VaultError> {
        let key: Zeroizing<[u8; 16]> =
            Zeroizing::new(mca_crypto::rand::bytes().map_err(|_| VaultError::Rng)?);
        let hex_key = Zeroizing::new(hex::encode(key.as_ref()));
        Self::new("ephemeral", [("ephemeral", hex_key.as_str())])
    }

    /// Seals `plaintext` under the active KEK, bound to `aad` (the record's
    /// identity, e.g. `b"identity:<user id>"`).
    pub fn seal(&self, aad: &[u8], plaintext: &[u8]) -> Result<SealedSecret, VaultError> {
        let key = &self.keys[&self.active];
        let nonce: [u8; 12] = mca_crypto::rand::bytes().map_err(|_| VaultError::Rng)?;
        let ct = mca_crypto::sm4::gcm_seal(key.as_ref(), &nonce, aad, plaintext)
            .map_err(|_| VaultError::BadKey)?;
        let id = self.active.as_bytes();
        let mut out = Vec::with_capacity(2 + id.len() + 12 + ct.len());
        out.push(1);
        out.push(id.len() as u8);
        out.extend_from_slice(id);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ct);
        Ok(SealedSecret(out))
    }

    /// Opens a sealed value with the KEK it names; fails unless `aad` is
    /// the one it was sealed with and nothing was altered.
    pub fn open(
        &self,
        aad: &[u8],
        sealed: &SealedSecret,
    ) -> Result<Zeroizing<Vec<u8>>, VaultError> {
        let (id, nonce, ct) = sealed.parts()?;
        let key = self.keys.get(id).ok_or(VaultError::UnknownKeyId)?;
        mca_crypto::sm4::gcm_open(key.as_ref(), nonce, aad, ct)
            .map(Zeroizing::new)
            .map_err(|_| VaultError::Tampered)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const K1: &str = "00112233445566778899aabbccddeeff";
    const K2: &str = "ffeeddccbbaa99887766554433221100";

    #[test]
    fn seals_and_opens_with_the_same_aad() {
        let v = KeyVault::new("k1", [("k1", K1)]).unwrap();
        let s = v.seal(b"share:1", b"server share").unwrap();
        assert_eq!(s.key_id().unwrap(), "k1");
        assert_eq!(v.open(b"share:1", &s).unwrap().as_slice(), b"server share");
        assert!(!s.as_bytes().windows(12).any(|w| w == b"server share"));
        assert!(!format!("{v:?}{s:?}").contains(K1));
    }

    #[test]
    fn wrong_aad_fails() {
        let v = KeyVault::new("k1", [("k1", K1)]).unwrap();
        let s = v.seal(b"share:1", b"secret").unwrap();
        assert_eq!(v.open(b"share:2", &s).unwrap_err(), VaultError::Tampered);
    }

    #[test]
    fn tampered_ciphertext_fails() {
        let v = KeyVault::new("k1", [("k1", K1)]).unwrap();
        let s = v.seal(b"a", b"secret").unwrap();
        for i in 2 + 2..s.as_bytes().len() {
            let mut b = s.as_bytes().to_vec();
            b[i] ^= 1;
            assert!(
                v.open(b"a", &SealedSecret::from_bytes(b)).is_err(),
                "byte {i}"
            );
        }
        let short = SealedSecret::from_bytes(s.as_bytes()[..10].to_vec());
        assert_eq!(v.open(b"a", &short).unwrap_err(), VaultError::Malformed);
    }

    #[test]
    fn wrong_or_unknown_key_id_fails() {
        let v1 = KeyVault::new("k1", [("k1", K1)]).unwrap();
        let s = v1.seal(b"a", b"secret").unwrap();
        // Same id, different key bytes: authentication fails.
        let other = KeyVault::new("k1", [("k1", K2)]).unwrap();
        assert_eq!(other.open(b"a", &s).unwrap_err(), VaultError::Tampered);
        // Id not configured.
        let v2 = KeyVault::new("k2", [("k2", K2)]).unwrap();
        assert_eq!(v2.open(b"a", &s).unwrap_err(), VaultError::UnknownKeyId);
    }

    #[test]
    fn rotation_keeps_old_values_readable() {
        let old = KeyVault::new("k1", [("k1", K1)]).unwrap();
        let s = old.seal(b"a", b"secret").unwrap();
        let rotated = KeyVault::new("k2", [("k1", K1), ("k2", K2)]).unwrap();
        assert_eq!(rotated.open(b"a", &s).unwrap().as_slice(), b"secret");
        assert_eq!(rotated.seal(b"a", b"x").unwrap().key_id().unwrap(), "k2");
    }

    #[test]
    fn bad_configuration_is_refused() {
        assert_eq!(
            KeyVault::new("k1", [("k1", "00")]).unwrap_err(),
            VaultError::BadKey
        );
        assert_eq!(
            KeyVault::new("k 1", [("k 1", K1)]).unwrap_err(),
            VaultError::BadKey
        );
        assert_eq!(
            KeyVault::new("k2", [("k1", K1)]).unwrap_err(),
            VaultError::UnknownKeyId
        );
    }
}
