//! End-to-end sealing of protocol messages (PROTOCOL.md §7): s1, T2, share
//! refresh values and delivered shares travel encrypted between phone and
//! server on top of TLS, so a TLS-terminating proxy or a request log never
//! sees them.
//!
//! The scheme is ECIES over SM2: a fresh ephemeral key k, the shared point
//! k·R, SM3-KDF(x ‖ y ‖ ephemeral ‖ recipient) → SM4-GCM key and nonce. The
//! caller's `aad` binds the sealed bytes to their context (e.g. the session
//! id and the message type) so they cannot be replayed elsewhere.

use serde::{Deserialize, Serialize};
use sm2::elliptic_curve::group::Group as _;
use sm2::ProjectivePoint;
use zeroize::Zeroizing;

use crate::sm2::{Point, SecretKey};
use crate::sm3::kdf;
use crate::{Error, Result, rand, sm4};

/// A sealed message: the sender's ephemeral public key and SM4-GCM
/// ciphertext ‖ tag. JSON: `{"epk": hex, "ct": hex}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sealed {
    /// Ephemeral public key kG.
    pub epk: Point,
    /// Ciphertext followed by the 16-byte tag.
    #[serde(with = "hex::serde")]
    pub ct: Vec<u8>,
}

fn keys(shared: &Point, epk: &Point, recipient: &Point) -> Zeroizing<Vec<u8>> {
    let mut z = Zeroizing::new(Vec::with_capacity(64 + 65 + 65));
    z.extend_from_slice(&shared.to_sec1()[1..]);
    z.extend_from_slice(&epk.to_sec1());
    z.extend_from_slice(&recipient.to_sec1());
    kdf(&z, sm4::KEY_LEN + sm4::GCM_NONCE_LEN)
}

/// Seal `plaintext` to `recipient`, bound to `aad`.
pub fn seal(recipient: &Point, aad: &[u8], plaintext: &[u8]) -> Result<Sealed> {
    let k = rand::nonzero_scalar()?;
    let epk = Point::from_projective(&ProjectivePoint::mul_by_generator(&k))?;
    let shared = Point::from_projective(&(recipient.projective() * *k))?;
    let km = keys(&shared, &epk, recipient);
    let ct = sm4::gcm_seal(&km[..16], &km[16..], aad, plaintext)?;
    Ok(Sealed { epk, ct })
}

/// Open a sealed message with the recipient's key; fails if it was
/// tampered with, sealed to another key, or bound to another `aad`.
pub fn open(recipient: &SecretKey, aad: &[u8], sealed: &Sealed) -> Result<Zeroizing<Vec<u8>>> {
    let shared = Point::from_projective(&(sealed.epk.projective() * **recipient.scalar()))
        .map_err(|_| Error::DecryptionFailed)?;
    let km = keys(&shared, &sealed.epk, recipient.public_key());
    sm4::gcm_open(&km[..16], &km[16..], aad, &sealed.ct).map(Zeroizing::new)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_open_and_binding() {
        let r = SecretKey::generate().unwrap();
        let s = seal(r.public_key(), b"ctx", b"s1 value").unwrap();
        assert_eq!(&open(&r, b"ctx", &s).unwrap()[..], b"s1 value");
        assert_eq!(open(&r, b"other", &s).err(), Some(Error::DecryptionFailed));
        let other = SecretKey::generate().unwrap();
        assert_eq!(open(&other, b"ctx", &s).err(), Some(Error::DecryptionFailed));
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(serde_json::from_str::<Sealed>(&json).unwrap(), s);
    }
}
