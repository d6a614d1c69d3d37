//! Curve points received from outside: every one is validated (on the
//! curve, not the point at infinity) at the moment it is decoded, so the rest
//! of the code cannot hold an unchecked point.

use core::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sm2::elliptic_curve::point::AffineCoordinates;
use sm2::elliptic_curve::sec1::{FromSec1Point, ToSec1Point};
use sm2::{AffinePoint, ProjectivePoint, Sec1Point};

use crate::{Error, Result};

/// A validated curve point: on the SM2 curve and not the identity. Used for
/// public keys, nonce points and blinded ciphertext points alike.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Point(AffinePoint);

impl Point {
    /// Decode SEC1 bytes (uncompressed 04‖X‖Y, or compressed), rejecting
    /// anything not on the curve and the identity.
    pub fn from_sec1(bytes: &[u8]) -> Result<Self> {
        let encoded = Sec1Point::from_bytes(bytes).map_err(|_| Error::InvalidPoint)?;
        if encoded.is_identity() {
            return Err(Error::InvalidPoint);
        }
        let affine = Option::<AffinePoint>::from(AffinePoint::from_sec1_point(&encoded))
            .ok_or(Error::InvalidPoint)?;
        Self::from_affine(affine)
    }

    /// Decode the 64-byte X‖Y form (no 04 prefix) used by SM2Cipher and some
    /// other implementations.
    pub fn from_xy(x: &[u8; 32], y: &[u8; 32]) -> Result<Self> {
        let mut buf = [0u8; 65];
        buf[0] = 4;
        buf[1..33].copy_from_slice(x);
        buf[33..].copy_from_slice(y);
        Self::from_sec1(&buf)
    }

    /// Wrap a computed point, rejecting the identity.
    pub fn from_projective(p: &ProjectivePoint) -> Result<Self> {
        Self::from_affine(p.to_affine())
    }

    fn from_affine(a: AffinePoint) -> Result<Self> {
        if bool::from(a.is_identity()) {
            return Err(Error::InvalidPoint);
        }
        Ok(Point(a))
    }

    /// Uncompressed SEC1 encoding, 65 bytes: 04 ‖ X ‖ Y.
    pub fn to_sec1(&self) -> [u8; 65] {
        let enc = self.0.to_sec1_point(false);
        enc.as_bytes()
            .try_into()
            .expect("uncompressed point is 65 bytes")
    }

    /// The affine x coordinate, big-endian.
    pub fn x(&self) -> [u8; 32] {
        self.0.x().into()
    }

    /// The affine y coordinate, big-endian.
    pub fn y(&self) -> [u8; 32] {
        let b = self.to_sec1();
        b[33..].try_into().expect("32 bytes")
    }

    /// As an affine point for arithmetic.
    pub fn affine(&self) -> &AffinePoint {
        &self.0
    }

    /// As a projective point for arithmetic.
    pub fn projective(&self) -> ProjectivePoint {
        ProjectivePoint::from(self.0)
    }

    /// Lower-case hex of the uncompressed encoding.
    pub fn to_hex(&self) -> String {
        hex::encode(self.to_sec1())
    }

    /// Parse hex of a SEC1 encoding.
    pub fn from_hex(s: &str) -> Result<Self> {
        let bytes = hex::decode(s).map_err(|_| Error::InvalidPoint)?;
        Self::from_sec1(&bytes)
    }
}

impl fmt::Debug for Point {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Point({})", self.to_hex())
    }
}

impl Serialize for Point {
    fn serialize<S: Serializer>(&self, s: S) -> core::result::Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_hex())
    }
}

impl<'de> Deserialize<'de> for Point {
    fn deserialize<D: Deserializer<'de>>(d: D) -> core::result::Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Point::from_hex(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const G: &str = "0432c4ae2c1f1981195f9904466a39c9948fe30bbff2660be1715a4589334c74c7bc3736a2f4f6779c59bdcee36b692153d0a9877cc62a474002df32e52139f0a0";

    #[test]
    fn generator_round_trips() {
        let g = Point::from_hex(G).unwrap();
        assert_eq!(g.to_hex(), G);
        assert_eq!(g.projective(), ProjectivePoint::GENERATOR);
        assert_eq!(Point::from_xy(&g.x(), &g.y()).unwrap(), g);
    }

    #[test]
    fn off_curve_identity_and_garbage_are_rejected() {
        let mut off = hex::decode(G).unwrap();
        off[64] ^= 1;
        assert_eq!(Point::from_sec1(&off), Err(Error::InvalidPoint));
        assert_eq!(Point::from_sec1(&[0u8]), Err(Error::InvalidPoint));
        assert_eq!(Point::from_sec1(&[4u8; 65]), Err(Error::InvalidPoint));
        assert_eq!(Point::from_sec1(&[]), Err(Error::InvalidPoint));
        assert_eq!(
            Point::from_projective(&ProjectivePoint::IDENTITY),
            Err(Error::InvalidPoint)
        );
        assert_eq!(Point::from_hex("04zz"), Err(Error::InvalidPoint));
        assert!(serde_json::from_str::<Point>("\"00\"").is_err());
    }
}
