//! Randomness from the operating system (or the browser's
//! `crypto.getRandomValues` in WebAssembly). Never deterministic: the
//! two-party protocol breaks if a nonce repeats with a different peer input.

use sm2::NonZeroScalar;

use crate::{Error, Result};

/// `N` random bytes.
pub fn bytes<const N: usize>() -> Result<[u8; N]> {
    let mut out = [0u8; N];
    fill(&mut out)?;
    Ok(out)
}

/// Fill `buf` with random bytes.
pub fn fill(buf: &mut [u8]) -> Result<()> {
    getrandom::fill(buf).map_err(|_| Error::Rng)
}

/// A uniformly random non-zero scalar mod n.
pub fn nonzero_scalar() -> Result<NonZeroScalar> {
    loop {
        // 64 random bytes reduced mod n: bias below 2^-256.
        let wide: zeroize::Zeroizing<[u8; 64]> = zeroize::Zeroizing::new(bytes()?);
        let s = crate::sm2::scalar::reduce_wide(&wide[..]);
        if let Some(nz) = Option::<NonZeroScalar>::from(NonZeroScalar::new(s)) {
            return Ok(nz);
        }
    }
}
