//! Scalars mod n: parsing with range checks, wide reduction, hex encoding.

use sm2::elliptic_curve::ff::PrimeField;
use sm2::elliptic_curve::ops::Reduce;
use sm2::{FieldBytes, NonZeroScalar, Scalar};

use crate::{Error, Result};

/// 2^256 mod n, for reducing wide byte strings. Because n > 2^255 this is
/// 2^256 − n.
const TWO_POW_256_MOD_N: [u8; 32] = [
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x8d, 0xfc, 0x20, 0x94, 0xde, 0x39, 0xfa, 0xd4, 0xac, 0x44, 0x0b, 0xf6, 0xc6, 0x2a, 0xbe, 0xdd,
];

/// Reduce a big-endian integer of up to 64 bytes mod n (constant time in
/// the value). Used for the PIN mask and for random scalars, so that the
/// result is statistically uniform.
pub fn reduce_wide(bytes: &[u8]) -> Scalar {
    assert!(bytes.len() <= 64, "reduce_wide takes at most 64 bytes");
    let mut padded = zeroize::Zeroizing::new([0u8; 64]);
    padded[64 - bytes.len()..].copy_from_slice(bytes);
    let hi = reduce_32(&padded[..32]);
    let lo = reduce_32(&padded[32..]);
    hi * reduce_32(&TWO_POW_256_MOD_N) + lo
}

/// Reduce a 32-byte big-endian integer mod n (e.g. a hash to the scalar e).
pub fn reduce_32(bytes: &[u8]) -> Scalar {
    let fb = FieldBytes::try_from(bytes).expect("32 bytes");
    <Scalar as Reduce<FieldBytes>>::reduce(&fb)
}

/// Parse 32 big-endian bytes as a scalar in [1, n−1].
pub fn nonzero_from_bytes(bytes: &[u8]) -> Result<NonZeroScalar> {
    let fb = FieldBytes::try_from(bytes).map_err(|_| Error::InvalidScalar)?;
    let s = Option::<Scalar>::from(Scalar::from_repr(fb)).ok_or(Error::InvalidScalar)?;
    Option::from(NonZeroScalar::new(s)).ok_or(Error::InvalidScalar)
}

/// Parse a 64-character hex string as a scalar in [1, n−1].
pub fn nonzero_from_hex(s: &str) -> Result<NonZeroScalar> {
    let mut bytes = zeroize::Zeroizing::new([0u8; 32]);
    hex::decode_to_slice(s, &mut bytes[..]).map_err(|_| Error::InvalidScalar)?;
    nonzero_from_bytes(&bytes[..])
}

/// Left-pad the magnitude of a DER INTEGER (leading zeros stripped) to 32
/// bytes; `None` if it is longer.
pub fn pad_32(magnitude: &[u8]) -> Option<[u8; 32]> {
    let mut out = [0u8; 32];
    let start = 32usize.checked_sub(magnitude.len())?;
    out[start..].copy_from_slice(magnitude);
    Some(out)
}

/// 32 big-endian bytes of a scalar.
pub fn to_bytes(s: &Scalar) -> [u8; 32] {
    s.to_repr().into()
}

/// Lower-case hex of a scalar (64 characters).
pub fn to_hex(s: &Scalar) -> String {
    hex::encode(to_bytes(s))
}

/// The multiplicative inverse of a non-zero scalar (constant time).
pub fn invert(s: &NonZeroScalar) -> NonZeroScalar {
    sm2::elliptic_curve::ops::Invert::invert(s)
}

/// The scalar 1.
pub fn one() -> NonZeroScalar {
    NonZeroScalar::new(Scalar::ONE).expect("1 is not zero")
}

/// Turn a scalar that must not be zero into a `NonZeroScalar`, or report
/// the degenerate case.
pub fn nonzero(s: Scalar) -> Result<NonZeroScalar> {
    Option::from(NonZeroScalar::new(s)).ok_or(Error::Degenerate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wide_reduction_matches_schoolbook() {
        // n itself reduces to zero, n + 5 to 5, 2^256 to the constant.
        let n = hex::decode("fffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123")
            .unwrap();
        assert_eq!(reduce_wide(&n), Scalar::ZERO);
        let mut two256 = vec![1u8];
        two256.extend([0u8; 32]);
        assert_eq!(to_bytes(&reduce_wide(&two256)), TWO_POW_256_MOD_N);
        let all_ff = [0xffu8; 48];
        // (2^384 − 1) mod n computed with Python's integers.
        assert_eq!(
            to_hex(&reduce_wide(&all_ff)),
            "8dfc20966c361b6a187a2760dea4e63ddea4e63d50a8c5a8726ecad3c62abedc"
        );
    }

    #[test]
    fn pad_32_left_pads_and_refuses_long_magnitudes() {
        assert_eq!(pad_32(&[1, 2]).unwrap()[30..], [1, 2]);
        assert_eq!(pad_32(&[]).unwrap(), [0u8; 32]);
        assert_eq!(pad_32(&[7u8; 32]).unwrap(), [7u8; 32]);
        assert_eq!(pad_32(&[1u8; 33]), None);
    }

    #[test]
    fn range_checks() {
        assert_eq!(
            nonzero_from_bytes(&[0u8; 32]).err(),
            Some(Error::InvalidScalar)
        );
        let n = hex::decode("fffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123")
            .unwrap();
        assert_eq!(nonzero_from_bytes(&n).err(), Some(Error::InvalidScalar));
        assert_eq!(
            nonzero_from_bytes(&[1u8; 31]).err(),
            Some(Error::InvalidScalar)
        );
        assert_eq!(nonzero_from_hex("zz").err(), Some(Error::InvalidScalar));
        assert!(nonzero_from_hex(&format!("{:064x}", 7)).is_ok());
    }
}
