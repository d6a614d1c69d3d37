//! The key management centre (§1.2): encryption keys are generated whole,
//! escrowed (the caller encrypts [`EncryptionKey::to_secret_bytes`] under
//! the KMC master key), and split per device. Recovery (G1) and forgotten
//! PINs re-split the same key, so envelopes made for the old device still
//! open on the new one.
//!
//! Signing keys never pass through here: they are generated jointly and are
//! never escrowed.

use core::fmt;

use sm2::Scalar;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use super::messages::{ShareDelivery, WireScalar};
use super::server::DecryptionShare;
use crate::sm2::{Point, SecretKey};
use crate::{Result, rand};

/// A whole encryption key d_e, held only by the KMC.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct EncryptionKey(SecretKey);

impl fmt::Debug for EncryptionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EncryptionKey(public: {})", self.0.public_key().to_hex())
    }
}

impl EncryptionKey {
    /// A fresh encryption key.
    pub fn generate() -> Result<Self> {
        Ok(EncryptionKey(SecretKey::generate()?))
    }

    /// The public key that goes into the encryption certificate.
    pub fn public_key(&self) -> &Point {
        self.0.public_key()
    }

    /// Split afresh: D_e = (1+d_e)⁻¹ = d_es·d_ep with d_ep random. Returns
    /// the server's share and the phone's share as a delivery message (to be
    /// sealed to the phone). Every call gives unrelated shares.
    pub fn split(&self) -> Result<(DecryptionShare, ShareDelivery)> {
        let one_plus_d = Option::from(sm2::NonZeroScalar::new(**self.0.scalar() + Scalar::ONE))
            .expect("d = n−1 is refused when the key is made");
        let big_d = crate::sm2::scalar::invert(&one_plus_d);
        let d_ep = rand::nonzero_scalar()?;
        let d_es = big_d * crate::sm2::scalar::invert(&d_ep);
        let public_key = *self.public_key();
        Ok((
            DecryptionShare::new(d_es, public_key),
            ShareDelivery {
                share: WireScalar(d_ep),
                public_key,
            },
        ))
    }

    /// The escrow form (encrypt it under the KMC master key).
    pub fn to_secret_bytes(&self) -> Zeroizing<[u8; 32]> {
        self.0.to_bytes()
    }

    /// Inverse of [`EncryptionKey::to_secret_bytes`].
    pub fn from_secret_bytes(bytes: &[u8]) -> Result<Self> {
        Ok(EncryptionKey(SecretKey::from_bytes(bytes)?))
    }

    /// The whole key, for the KMC's own use (e.g. decrypting during an
    /// audited recovery). Never leaves the KMC.
    pub fn secret_key(&self) -> &SecretKey {
        &self.0
    }
}
