//! SM2 digital signatures (GB/T 32918.2) with the standard user ID.
//!
//! Z_A is computed here (the `sm2` crate keeps its own private), so that the
//! phone, the server and the PKI all hash exactly the same bytes. Signatures
//! leave as DER `SEQUENCE { r, s }` for certificates, CRLs and CMS, or as raw
//! r‖s where an interface says so.

use core::fmt;

use der::asn1::UintRef;
use der::{Decode, Encode, Sequence};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sm2::dsa::{Signature as CrateSignature, VerifyingKey};
use sm2::elliptic_curve::group::Group as _;
use sm2::elliptic_curve::point::AffineCoordinates;
use sm2::{NonZeroScalar, ProjectivePoint, Scalar};
use sm3::{Digest, Sm3};
use zeroize::{Zeroize, ZeroizeOnDrop};

use super::point::Point;
use super::scalar;
use crate::{Error, Result, rand};

/// The default user ID of GM/T 0009: "1234567812345678".
pub const DEFAULT_ID: &[u8] = b"1234567812345678";

/// a ‖ b ‖ x_G ‖ y_G of the recommended curve (GB/T 32918.5), hashed into
/// every Z_A.
const CURVE_PARAMS: [u8; 128] = hex_literal(concat!(
    "FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC",
    "28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93",
    "32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7",
    "BC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0",
));

const fn hex_literal(s: &str) -> [u8; 128] {
    const fn nibble(c: u8) -> u8 {
        match c {
            b'0'..=b'9' => c - b'0',
            b'A'..=b'F' => c - b'A' + 10,
            _ => panic!("upper-case hex only"),
        }
    }
    let b = s.as_bytes();
    let mut out = [0u8; 128];
    let mut i = 0;
    while i < 128 {
        out[i] = nibble(b[2 * i]) << 4 | nibble(b[2 * i + 1]);
        i += 1;
    }
    out
}

/// Z_A = SM3(ENTL_A ‖ ID_A ‖ a ‖ b ‖ x_G ‖ y_G ‖ x_A ‖ y_A).
pub fn z_a(id: &[u8], public_key: &Point) -> [u8; 32] {
    let entl = u16::try_from(id.len() * 8).expect("ID shorter than 8 KiB");
    let mut h = Sm3::new();
    h.update(entl.to_be_bytes());
    h.update(id);
    h.update(CURVE_PARAMS);
    h.update(&public_key.to_sec1()[1..]);
    h.finalize().into()
}

/// e = SM3(Z_A ‖ M) with the default ID: the digest that is actually signed.
pub fn digest(public_key: &Point, message: &[u8]) -> [u8; 32] {
    digest_with_id(DEFAULT_ID, public_key, message)
}

/// e = SM3(Z_A ‖ M) with an explicit user ID.
pub fn digest_with_id(id: &[u8], public_key: &Point, message: &[u8]) -> [u8; 32] {
    let mut h = Sm3::new();
    h.update(z_a(id, public_key));
    h.update(message);
    h.finalize().into()
}

/// An SM2 signature (r, s), both in [1, n−1].
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Signature {
    r: NonZeroScalar,
    s: NonZeroScalar,
}

#[derive(Sequence)]
struct DerSignature<'a> {
    r: UintRef<'a>,
    s: UintRef<'a>,
}

impl Signature {
    /// Build from scalars, rejecting zero and values ≥ n.
    pub fn from_scalars(r: &[u8], s: &[u8]) -> Result<Self> {
        let r = scalar::nonzero_from_bytes(r).map_err(|_| Error::MalformedSignature)?;
        let s = scalar::nonzero_from_bytes(s).map_err(|_| Error::MalformedSignature)?;
        Ok(Signature { r, s })
    }

    pub(crate) fn from_nonzero(r: NonZeroScalar, s: NonZeroScalar) -> Self {
        Signature { r, s }
    }

    /// Parse DER `SEQUENCE { INTEGER r, INTEGER s }`.
    pub fn from_der(bytes: &[u8]) -> Result<Self> {
        let d = DerSignature::from_der(bytes).map_err(|_| Error::MalformedSignature)?;
        let pad = |m: &[u8]| scalar::pad_32(m).ok_or(Error::MalformedSignature);
        Self::from_scalars(&pad(d.r.as_bytes())?, &pad(d.s.as_bytes())?)
    }

    /// DER `SEQUENCE { INTEGER r, INTEGER s }`: what certificates, CRLs, CMS
    /// and seals carry.
    pub fn to_der(&self) -> Vec<u8> {
        let (r, s) = (self.r_bytes(), self.s_bytes());
        DerSignature {
            r: UintRef::new(&r).expect("32 bytes"),
            s: UintRef::new(&s).expect("32 bytes"),
        }
        .to_der()
        .expect("signature encodes")
    }

    /// Parse raw r‖s (64 bytes).
    pub fn from_raw(bytes: &[u8]) -> Result<Self> {
        if bytes.len() != 64 {
            return Err(Error::MalformedSignature);
        }
        Self::from_scalars(&bytes[..32], &bytes[32..])
    }

    /// Raw r‖s (64 bytes).
    pub fn to_raw(&self) -> [u8; 64] {
        let mut out = [0u8; 64];
        out[..32].copy_from_slice(&self.r_bytes());
        out[32..].copy_from_slice(&self.s_bytes());
        out
    }

    /// r as 32 big-endian bytes.
    pub fn r_bytes(&self) -> [u8; 32] {
        scalar::to_bytes(&self.r)
    }

    /// s as 32 big-endian bytes.
    pub fn s_bytes(&self) -> [u8; 32] {
        scalar::to_bytes(&self.s)
    }
}

impl fmt::Debug for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Signature({})", hex::encode(self.to_raw()))
    }
}

/// Serialized as lower-case hex of the DER encoding.
impl Serialize for Signature {
    fn serialize<S: Serializer>(&self, s: S) -> core::result::Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(self.to_der()))
    }
}

impl<'de> Deserialize<'de> for Signature {
    fn deserialize<D: Deserializer<'de>>(d: D) -> core::result::Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        let bytes = hex::decode(s.as_ref()).map_err(serde::de::Error::custom)?;
        Signature::from_der(&bytes).map_err(serde::de::Error::custom)
    }
}

/// An SM2 public key: a validated point with signature verification.
pub type PublicKey = Point;

impl Point {
    /// Verify a signature on `message` under this key with the default ID.
    pub fn verify(&self, message: &[u8], signature: &Signature) -> Result<()> {
        self.verify_digest(&digest(self, message), signature)
    }

    /// Verify a signature on a precomputed e = SM3(Z_A ‖ M).
    pub fn verify_digest(&self, e: &[u8; 32], signature: &Signature) -> Result<()> {
        // The `sm2` crate's verifier checks e against (r, s); we hand it our
        // own e so Z_A is computed in exactly one place.
        let vk = VerifyingKey::from_affine("1234567812345678", *self.affine())
            .map_err(|_| Error::InvalidPoint)?;
        let sig = CrateSignature::from_scalars(signature.r_bytes(), signature.s_bytes())
            .map_err(|_| Error::MalformedSignature)?;
        use sm2::dsa::signature::hazmat::PrehashVerifier;
        vk.verify_prehash(e, &sig).map_err(|_| Error::BadSignature)
    }
}

/// An SM2 private key held in one piece: CA keys, seal-making keys, test
/// keys. Users' keys are never held like this (see `twoparty`).
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct SecretKey {
    d: NonZeroScalar,
    #[zeroize(skip)]
    public: Point,
}

impl SecretKey {
    /// A fresh random key.
    pub fn generate() -> Result<Self> {
        Ok(Self::from_scalar(rand::nonzero_scalar()?))
    }

    /// From 32 big-endian bytes; d must be in [1, n−2] (d = n−1 has no
    /// (1+d)⁻¹).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let d = scalar::nonzero_from_bytes(bytes)?;
        if bool::from((*d + Scalar::ONE).is_zero()) {
            return Err(Error::InvalidScalar);
        }
        Ok(Self::from_scalar(d))
    }

    pub(crate) fn from_scalar(d: NonZeroScalar) -> Self {
        let public = Point::from_projective(&ProjectivePoint::mul_by_generator(&d))
            .expect("non-zero scalar times G is not the identity");
        SecretKey { d, public }
    }

    /// The private scalar, big-endian, in a buffer wiped on drop.
    pub fn to_bytes(&self) -> zeroize::Zeroizing<[u8; 32]> {
        zeroize::Zeroizing::new(scalar::to_bytes(&self.d))
    }

    pub(crate) fn scalar(&self) -> &NonZeroScalar {
        &self.d
    }

    /// The public key dG.
    pub fn public_key(&self) -> &Point {
        &self.public
    }

    /// Sign `message` with the default ID and a fresh random nonce.
    pub fn sign(&self, message: &[u8]) -> Result<Signature> {
        self.sign_digest(&digest(&self.public, message))
    }

    /// Sign a precomputed e = SM3(Z_A ‖ M) with a fresh random nonce.
    pub fn sign_digest(&self, e: &[u8; 32]) -> Result<Signature> {
        loop {
            let k = rand::nonzero_scalar()?;
            match self.sign_digest_with_nonce(e, &k) {
                Err(Error::Degenerate) => continue,
                other => return other,
            }
        }
    }

    /// GB/T 32918.2 §6.1 steps A4–A7 with a given nonce. Public only to the
    /// crate: the official vectors fix k.
    pub(crate) fn sign_digest_with_nonce(
        &self,
        e: &[u8; 32],
        k: &NonZeroScalar,
    ) -> Result<Signature> {
        let e = scalar::reduce_32(e);
        let kg = ProjectivePoint::mul_by_generator(k).to_affine();
        let r = e + scalar::reduce_32(&kg.x());
        if bool::from(r.is_zero()) || bool::from((r + **k).is_zero()) {
            return Err(Error::Degenerate);
        }
        let one_plus_d = scalar::nonzero(*self.d + Scalar::ONE)?;
        let s = *scalar::invert(&one_plus_d) * (**k - r * *self.d);
        let s = scalar::nonzero(s)?;
        Ok(Signature::from_nonzero(scalar::nonzero(r)?, s))
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretKey(public: {})", self.public.to_hex())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn curve_constants_match_the_generator() {
        use sm2::elliptic_curve::sec1::ToSec1Point;
        let g = ProjectivePoint::GENERATOR.to_affine().to_sec1_point(false);
        assert_eq!(&CURVE_PARAMS[64..], &g.as_bytes()[1..]);
    }

    #[test]
    fn sign_verify_and_tamper() {
        let key = SecretKey::generate().unwrap();
        let sig = key.sign(b"bid file").unwrap();
        key.public_key().verify(b"bid file", &sig).unwrap();
        assert_eq!(
            key.public_key().verify(b"bid filE", &sig),
            Err(Error::BadSignature)
        );
        let other = SecretKey::generate().unwrap();
        assert_eq!(
            other.public_key().verify(b"bid file", &sig),
            Err(Error::BadSignature)
        );
    }

    #[test]
    fn der_and_raw_round_trip() {
        let key = SecretKey::generate().unwrap();
        let sig = key.sign(b"m").unwrap();
        assert_eq!(Signature::from_der(&sig.to_der()).unwrap(), sig);
        assert_eq!(Signature::from_raw(&sig.to_raw()).unwrap(), sig);
        let json = serde_json::to_string(&sig).unwrap();
        assert_eq!(serde_json::from_str::<Signature>(&json).unwrap(), sig);
    }

    #[test]
    fn malformed_signatures_are_errors() {
        assert_eq!(
            Signature::from_der(&[0x30, 0x00]),
            Err(Error::MalformedSignature)
        );
        assert_eq!(
            Signature::from_der(b"garbage"),
            Err(Error::MalformedSignature)
        );
        assert_eq!(
            Signature::from_raw(&[0u8; 64]),
            Err(Error::MalformedSignature)
        );
        assert_eq!(
            Signature::from_raw(&[1u8; 63]),
            Err(Error::MalformedSignature)
        );
        // r = n is out of range.
        let n = hex::decode("fffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123")
            .unwrap();
        let mut raw = n.clone();
        raw.extend([1u8; 32]);
        assert_eq!(Signature::from_raw(&raw), Err(Error::MalformedSignature));
    }

    #[test]
    fn key_n_minus_one_is_refused() {
        let n_minus_1 =
            hex::decode("fffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54122")
                .unwrap();
        assert_eq!(
            SecretKey::from_bytes(&n_minus_1).err(),
            Some(Error::InvalidScalar)
        );
    }
}
