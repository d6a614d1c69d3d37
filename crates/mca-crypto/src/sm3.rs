//! SM3 (GB/T 32905), HMAC-SM3, and the SM3-based key derivation functions.

use hmac::{Hmac, KeyInit, Mac};
use sm3::{Digest, Sm3};
use zeroize::Zeroizing;

/// SM3 digest of `data`.
pub fn sm3(data: &[u8]) -> [u8; 32] {
    Sm3::digest(data).into()
}

/// SM3 digest of several parts, hashed as their concatenation.
pub fn sm3_parts(parts: &[&[u8]]) -> [u8; 32] {
    let mut h = Sm3::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().into()
}

/// HMAC-SM3 of `data` under `key` (any key length).
pub fn hmac_sm3(key: &[u8], data: &[u8]) -> [u8; 32] {
    let mut mac = <Hmac<Sm3> as KeyInit>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// Constant-time check of an HMAC-SM3 tag.
pub fn hmac_sm3_verify(key: &[u8], data: &[u8], tag: &[u8]) -> bool {
    let mut mac = <Hmac<Sm3> as KeyInit>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(data);
    mac.verify_slice(tag).is_ok()
}

/// The key derivation function of GB/T 32918.4 §5.4.3: SM3(Z ‖ ct) for
/// ct = 1, 2, … concatenated and truncated to `len` bytes.
pub fn kdf(z: &[u8], len: usize) -> Zeroizing<Vec<u8>> {
    let mut out = Zeroizing::new(Vec::with_capacity(len + 32));
    let mut ct: u32 = 1;
    while out.len() < len {
        out.extend_from_slice(&sm3_parts(&[z, &ct.to_be_bytes()]));
        ct += 1;
    }
    out.truncate(len);
    out
}

/// PBKDF2 with HMAC-SM3 (RFC 8018 with SM3 as the PRF).
pub fn pbkdf2_sm3(password: &[u8], salt: &[u8], rounds: u32, out: &mut [u8]) {
    pbkdf2::pbkdf2_hmac::<Sm3>(password, salt, rounds, out);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_verify_rejects_a_flipped_tag() {
        let tag = hmac_sm3(b"key", b"data");
        assert!(hmac_sm3_verify(b"key", b"data", &tag));
        let mut bad = tag;
        bad[31] ^= 1;
        assert!(!hmac_sm3_verify(b"key", b"data", &bad));
        assert!(!hmac_sm3_verify(b"key", b"data", &tag[..16]));
    }

    #[test]
    fn kdf_is_a_prefix_stream() {
        let long = kdf(b"z", 70);
        let short = kdf(b"z", 33);
        assert_eq!(&long[..33], &short[..]);
        assert_eq!(&long[..32], &sm3_parts(&[b"z", &1u32.to_be_bytes()]));
    }
}
