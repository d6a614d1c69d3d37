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
use sm2::ProjectivePoint;
use sm2::elliptic_curve::group::Group as _;
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
    seal_with(&rand::nonzero_scalar()?, recipient, aad, plaintext)
}

/// [`seal`] with the ephemeral scalar given: only the known-answer test
/// that pins docs/protocol.md's worked example chooses it.
fn seal_with(
    k: &sm2::NonZeroScalar,
    recipient: &Point,
    aad: &[u8],
    plaintext: &[u8],
) -> Result<Sealed> {
    let k = *k;
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
        assert_eq!(
            open(&other, b"ctx", &s).err(),
            Some(Error::DecryptionFailed)
        );
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(serde_json::from_str::<Sealed>(&json).unwrap(), s);
    }

    /// The worked example of docs/protocol.md ("Sealed messages, byte by
    /// byte"), which `interop/app_client.py` recomputes from the text.
    #[test]
    fn documented_example() {
        let d = SecretKey::from_bytes(&[0x11; 32]).unwrap();
        let k = crate::sm2::scalar::reduce_wide(&[[0u8; 32], [0x22; 32]].concat());
        let k = Option::<sm2::NonZeroScalar>::from(sm2::NonZeroScalar::new(k)).unwrap();
        let aad = b"MCA-SEAL-V1\0share-refresh\x0001890000-0000-7000-8000-000000000001";
        let plaintext = format!("{{\"rho\":\"{}\"}}", "33".repeat(32));
        let sealed = seal_with(&k, d.public_key(), aad, plaintext.as_bytes()).unwrap();
        assert_eq!(
            hex::encode(sealed.epk.to_sec1()),
            "044467e6043f38645e740050f3d6c9d6a0bf6b13d3b57892842be9b75cca3ce8\
             84f0b5c27a16795142fa467fe6818cdb393c95f8e17d28f7e0a6557bbea8d65034"
        );
        assert_eq!(
            hex::encode(&sealed.ct),
            "54d2cde6a9738edd476bcecfc04654805a65b2a9d82d6f4832781e09453b134c\
             6b963a93b0d9259b7ff726205d66ed6f26f037a470a2904ee5ec129fd3f87ade\
             3ceedf66488e8df399ad814f8ecb7f7e9f27f0bcc5f9743974b5"
        );
        assert_eq!(&open(&d, aad, &sealed).unwrap()[..], plaintext.as_bytes());
    }
}
