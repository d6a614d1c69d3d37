//! SM2 public-key encryption (GB/T 32918.4).
//!
//! Three encodings exist in the wild, and each interface must say which it
//! takes: ASN.1 `SM2Cipher` (GM/T 0009, what we emit), raw C1‖C3‖C2 (the
//! current order) and raw C1‖C2‖C3 (the 2010 draft order).
//!
//! Decryption is split so that the two-party protocol can reuse its last
//! step: whoever computes the shared point (x2, y2) = d·C1 — in one piece, or
//! blinded across phone and server — calls [`Ciphertext::open_with_shared_point`].

use der::asn1::{OctetStringRef, UintRef};
use der::{Decode, Encode, Sequence};
use sm2::elliptic_curve::group::Group as _;
use sm2::{NonZeroScalar, ProjectivePoint};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::point::Point;
use super::scalar;
use super::sign::SecretKey;
use crate::sm3::{kdf, sm3_parts};
use crate::{Error, Result, rand};

/// An SM2 ciphertext: C1 = kG, C3 = SM3(x2 ‖ M ‖ y2), C2 = M ⊕ KDF(x2 ‖ y2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ciphertext {
    /// The ephemeral point kG.
    pub c1: Point,
    /// The hash check value.
    pub c3: [u8; 32],
    /// The masked message.
    pub c2: Vec<u8>,
}

/// GM/T 0009 `SM2Cipher ::= SEQUENCE { XCoordinate INTEGER, YCoordinate
/// INTEGER, HASH OCTET STRING (32), CipherText OCTET STRING }`.
#[derive(Sequence)]
struct Sm2Cipher<'a> {
    x: UintRef<'a>,
    y: UintRef<'a>,
    hash: &'a OctetStringRef,
    cipher_text: &'a OctetStringRef,
}

/// Encrypt `message` to `public_key` with a fresh random k.
pub fn encrypt(public_key: &Point, message: &[u8]) -> Result<Ciphertext> {
    if message.is_empty() {
        return Err(Error::InvalidLength);
    }
    loop {
        let k = rand::nonzero_scalar()?;
        match encrypt_with_nonce(public_key, message, &k) {
            Err(Error::Degenerate) => continue,
            other => return other,
        }
    }
}

pub(crate) fn encrypt_with_nonce(
    public_key: &Point,
    message: &[u8],
    k: &NonZeroScalar,
) -> Result<Ciphertext> {
    let c1 = Point::from_projective(&ProjectivePoint::mul_by_generator(k))?;
    // h = 1 for SM2, so S = hP is P itself and cannot be the identity.
    let shared = Point::from_projective(&(public_key.projective() * **k))?;
    let (c2, c3) = mask(&shared, message)?;
    Ok(Ciphertext { c1, c3, c2 })
}

/// XOR `data` with KDF(x2 ‖ y2) and compute C3 over the plaintext.
fn mask(shared: &Point, plaintext: &[u8]) -> Result<(Vec<u8>, [u8; 32])> {
    let xy = Zeroizing::new(shared.to_sec1());
    let t = kdf(&xy[1..], plaintext.len());
    if t.iter().all(|b| *b == 0) {
        return Err(Error::Degenerate);
    }
    let c2 = plaintext.iter().zip(t.iter()).map(|(m, k)| m ^ k).collect();
    let c3 = sm3_parts(&[&xy[1..33], plaintext, &xy[33..]]);
    Ok((c2, c3))
}

impl Ciphertext {
    /// Decrypt with a private key held in one piece.
    pub fn decrypt(&self, key: &SecretKey) -> Result<Zeroizing<Vec<u8>>> {
        let shared = Point::from_projective(&(self.c1.projective() * **key.scalar()))?;
        self.open_with_shared_point(&shared)
    }

    /// The last steps of decryption (B4–B7) given (x2, y2) = d·C1.
    pub fn open_with_shared_point(&self, shared: &Point) -> Result<Zeroizing<Vec<u8>>> {
        let xy = Zeroizing::new(shared.to_sec1());
        let t = kdf(&xy[1..], self.c2.len());
        if self.c2.is_empty() || t.iter().all(|b| *b == 0) {
            return Err(Error::DecryptionFailed);
        }
        let m: Zeroizing<Vec<u8>> =
            Zeroizing::new(self.c2.iter().zip(t.iter()).map(|(c, k)| c ^ k).collect());
        let u = sm3_parts(&[&xy[1..33], &m, &xy[33..]]);
        if bool::from(u.ct_eq(&self.c3)) {
            Ok(m)
        } else {
            Err(Error::DecryptionFailed)
        }
    }

    /// GM/T 0009 `SM2Cipher` DER.
    pub fn to_der(&self) -> Vec<u8> {
        let (x, y) = (self.c1.x(), self.c1.y());
        Sm2Cipher {
            x: UintRef::new(&x).expect("32 bytes"),
            y: UintRef::new(&y).expect("32 bytes"),
            hash: OctetStringRef::new(&self.c3).expect("32 bytes"),
            cipher_text: OctetStringRef::new(&self.c2).expect("length fits"),
        }
        .to_der()
        .expect("SM2Cipher encodes")
    }

    /// Parse GM/T 0009 `SM2Cipher` DER; C1 is validated.
    pub fn from_der(bytes: &[u8]) -> Result<Self> {
        let c = Sm2Cipher::from_der(bytes).map_err(|_| Error::DecryptionFailed)?;
        let pad = |m: &[u8]| scalar::pad_32(m).ok_or(Error::DecryptionFailed);
        let (x, y) = (pad(c.x.as_bytes())?, pad(c.y.as_bytes())?);
        let c3: [u8; 32] = c
            .hash
            .as_bytes()
            .try_into()
            .map_err(|_| Error::DecryptionFailed)?;
        Ok(Ciphertext {
            c1: Point::from_xy(&x, &y).map_err(|_| Error::DecryptionFailed)?,
            c3,
            c2: c.cipher_text.as_bytes().to_vec(),
        })
    }

    /// Raw C1 ‖ C3 ‖ C2 with C1 uncompressed (04 ‖ X ‖ Y).
    pub fn to_c1c3c2(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(97 + self.c2.len());
        out.extend_from_slice(&self.c1.to_sec1());
        out.extend_from_slice(&self.c3);
        out.extend_from_slice(&self.c2);
        out
    }

    /// Parse raw C1 ‖ C3 ‖ C2 (C1 uncompressed, with its 04 prefix).
    pub fn from_c1c3c2(bytes: &[u8]) -> Result<Self> {
        if bytes.len() < 65 + 32 + 1 {
            return Err(Error::DecryptionFailed);
        }
        Ok(Ciphertext {
            c1: Point::from_sec1(&bytes[..65]).map_err(|_| Error::DecryptionFailed)?,
            c3: bytes[65..97].try_into().expect("32 bytes"),
            c2: bytes[97..].to_vec(),
        })
    }

    /// Parse raw C1 ‖ C2 ‖ C3 (the 2010 draft order).
    pub fn from_c1c2c3(bytes: &[u8]) -> Result<Self> {
        if bytes.len() < 65 + 32 + 1 {
            return Err(Error::DecryptionFailed);
        }
        let split = bytes.len() - 32;
        Ok(Ciphertext {
            c1: Point::from_sec1(&bytes[..65]).map_err(|_| Error::DecryptionFailed)?,
            c3: bytes[split..].try_into().expect("32 bytes"),
            c2: bytes[65..split].to_vec(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_in_all_encodings() {
        let key = SecretKey::generate().unwrap();
        let ct = encrypt(key.public_key(), b"content key 0123").unwrap();
        assert_eq!(&ct.decrypt(&key).unwrap()[..], b"content key 0123");
        assert_eq!(Ciphertext::from_der(&ct.to_der()).unwrap(), ct);
        assert_eq!(Ciphertext::from_c1c3c2(&ct.to_c1c3c2()).unwrap(), ct);
        let mut c1c2c3 = ct.c1.to_sec1().to_vec();
        c1c2c3.extend_from_slice(&ct.c2);
        c1c2c3.extend_from_slice(&ct.c3);
        assert_eq!(Ciphertext::from_c1c2c3(&c1c2c3).unwrap(), ct);
    }

    #[test]
    fn tampering_and_wrong_key_fail() {
        let key = SecretKey::generate().unwrap();
        let mut ct = encrypt(key.public_key(), b"secret").unwrap();
        let other = SecretKey::generate().unwrap();
        assert_eq!(ct.decrypt(&other).err(), Some(Error::DecryptionFailed));
        ct.c2[0] ^= 1;
        assert_eq!(ct.decrypt(&key).err(), Some(Error::DecryptionFailed));
    }

    #[test]
    fn malformed_encodings_are_errors() {
        assert_eq!(
            Ciphertext::from_der(b"\x30\x03\x02\x01\x01").err(),
            Some(Error::DecryptionFailed)
        );
        assert_eq!(
            Ciphertext::from_c1c3c2(&[4u8; 97]).err(),
            Some(Error::DecryptionFailed)
        );
        assert_eq!(
            Ciphertext::from_c1c2c3(&[4u8; 20]).err(),
            Some(Error::DecryptionFailed)
        );
        assert_eq!(
            encrypt(SecretKey::generate().unwrap().public_key(), b"").err(),
            Some(Error::InvalidLength)
        );
    }

    #[test]
    fn interoperates_with_the_sm2_crate() {
        // Independent implementation: RustCrypto's `sm2::pke`.
        let key = SecretKey::generate().unwrap();
        let theirs = sm2::pke::DecryptingKey::from_slice(&key.to_bytes()[..]).unwrap();
        let ct = encrypt(key.public_key(), b"interop").unwrap();
        assert_eq!(theirs.decrypt_der(&ct.to_der()).unwrap(), b"interop");
        assert_eq!(theirs.decrypt(&ct.to_c1c3c2()).unwrap(), b"interop");
        let mut rng = OsRng;
        let their_ct = theirs
            .encrypting_key()
            .encrypt_der(&mut rng, b"from them")
            .unwrap();
        assert_eq!(
            &Ciphertext::from_der(&their_ct)
                .unwrap()
                .decrypt(&key)
                .unwrap()[..],
            b"from them"
        );
    }

    struct OsRng;
    impl sm2::elliptic_curve::rand_core::TryRng for OsRng {
        type Error = core::convert::Infallible;
        fn try_next_u32(&mut self) -> core::result::Result<u32, Self::Error> {
            Ok(u32::from_le_bytes(rand::bytes().unwrap()))
        }
        fn try_next_u64(&mut self) -> core::result::Result<u64, Self::Error> {
            Ok(u64::from_le_bytes(rand::bytes().unwrap()))
        }
        fn try_fill_bytes(&mut self, dst: &mut [u8]) -> core::result::Result<(), Self::Error> {
            rand::fill(dst).unwrap();
            Ok(())
        }
    }
    impl sm2::elliptic_curve::rand_core::TryCryptoRng for OsRng {}
}
