//! CA private keys encrypted at rest.
//!
//! File format (JSON, one object):
//! ```text
//! { "format": "mca-key-v1",
//!   "kdf": "pbkdf2-hmac-sm3", "rounds": 100000, "salt": "<16 bytes hex>",
//!   "cipher": "sm4-gcm", "nonce": "<12 bytes hex>",
//!   "public_key": "<65-byte SEC1 point hex>",
//!   "ciphertext": "<SM4-GCM(key, nonce, aad = public_key, d) hex>" }
//! ```
//! The 16-byte SM4 key is PBKDF2-HMAC-SM3(passphrase, salt, rounds). The
//! public key is the GCM associated data, so a file whose public key was
//! swapped fails to open; the decrypted key must also match it.

use mca_crypto::sm2::{Point, SecretKey};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::{Error, Result};

/// PBKDF2 rounds for new key files.
pub const DEFAULT_ROUNDS: u32 = 100_000;
const FORMAT: &str = "mca-key-v1";

#[derive(Serialize, Deserialize)]
struct KeyFile {
    format: String,
    kdf: String,
    rounds: u32,
    #[serde(with = "hex::serde")]
    salt: Vec<u8>,
    cipher: String,
    #[serde(with = "hex::serde")]
    nonce: Vec<u8>,
    public_key: Point,
    #[serde(with = "hex::serde")]
    ciphertext: Vec<u8>,
}

fn derive(passphrase: &[u8], salt: &[u8], rounds: u32) -> Zeroizing<[u8; 16]> {
    let mut k = Zeroizing::new([0u8; 16]);
    mca_crypto::sm3::pbkdf2_sm3(passphrase, salt, rounds, &mut *k);
    k
}

/// Encrypts `key` under `passphrase` into the key-file bytes.
pub fn encrypt(key: &SecretKey, passphrase: &[u8], rounds: u32) -> Result<Vec<u8>> {
    if passphrase.is_empty() {
        return Err(Error::InvalidRequest("口令不能为空".into()));
    }
    let salt = mca_crypto::rand::bytes::<16>()?;
    let nonce = mca_crypto::rand::bytes::<12>()?;
    let public_key = *key.public_key();
    let k = derive(passphrase, &salt, rounds);
    let ciphertext =
        mca_crypto::sm4::gcm_seal(&*k, &nonce, &public_key.to_sec1(), &*key.to_bytes())?;
    let file = KeyFile {
        format: FORMAT.into(),
        kdf: "pbkdf2-hmac-sm3".into(),
        rounds,
        salt: salt.to_vec(),
        cipher: "sm4-gcm".into(),
        nonce: nonce.to_vec(),
        public_key,
        ciphertext,
    };
    Ok(serde_json::to_vec_pretty(&file).expect("key file serializes"))
}

/// Reads a key file's public key without the passphrase.
pub fn public_key(file: &[u8]) -> Result<Point> {
    Ok(parse(file)?.public_key)
}

fn parse(file: &[u8]) -> Result<KeyFile> {
    let f: KeyFile = serde_json::from_slice(file).map_err(|e| Error::Malformed {
        what: "key file",
        reason: e.to_string(),
    })?;
    if f.format != FORMAT || f.kdf != "pbkdf2-hmac-sm3" || f.cipher != "sm4-gcm" {
        return Err(Error::Unsupported("key file format"));
    }
    if f.salt.len() < 16 || f.nonce.len() != 12 || f.rounds < 1000 {
        return Err(Error::Malformed {
            what: "key file",
            reason: "salt, nonce or rounds".into(),
        });
    }
    Ok(f)
}

/// Decrypts a key file.
pub fn decrypt(file: &[u8], passphrase: &[u8]) -> Result<SecretKey> {
    let f = parse(file)?;
    let k = derive(passphrase, &f.salt, f.rounds);
    let d = Zeroizing::new(
        mca_crypto::sm4::gcm_open(&*k, &f.nonce, &f.public_key.to_sec1(), &f.ciphertext)
            .map_err(|_| Error::KeyDecryption)?,
    );
    let key = SecretKey::from_bytes(&d).map_err(|_| Error::KeyDecryption)?;
    if *key.public_key() != f.public_key {
        return Err(Error::KeyDecryption);
    }
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_wrong_passphrase() {
        let key = SecretKey::generate().unwrap();
        let file = encrypt(&key, b"correct horse", 1000).unwrap();
        let back = decrypt(&file, b"correct horse").unwrap();
        assert_eq!(back.public_key(), key.public_key());
        assert_eq!(public_key(&file).unwrap(), *key.public_key());
        assert_eq!(decrypt(&file, b"wrong").unwrap_err(), Error::KeyDecryption);
        // The secret never appears in the file in clear.
        let hex_d = hex::encode(*key.to_bytes());
        assert!(!String::from_utf8_lossy(&file).contains(&hex_d));
    }

    #[test]
    fn tampered_files_are_rejected() {
        let key = SecretKey::generate().unwrap();
        let file = encrypt(&key, b"pw", 1000).unwrap();
        let mut v: serde_json::Value = serde_json::from_slice(&file).unwrap();
        // Swapping the public key breaks the GCM associated data.
        v["public_key"] = serde_json::json!(SecretKey::generate().unwrap().public_key().to_hex());
        let swapped = serde_json::to_vec(&v).unwrap();
        assert_eq!(decrypt(&swapped, b"pw").unwrap_err(), Error::KeyDecryption);
        assert!(matches!(
            decrypt(b"{}", b"pw"),
            Err(Error::Malformed { .. })
        ));
        assert!(matches!(
            decrypt(b"\xff", b"pw"),
            Err(Error::Malformed { .. })
        ));
        assert!(encrypt(&key, b"", 1000).is_err());
    }
}
