//! The `Signer` interface: the only code that touches signing-key bytes.
//!
//! Every signed structure in this crate is built in two steps so the
//! interactive two-party protocol (the phone answers over the network) and
//! an HSM fit the same shape as a software key:
//! 1. *prepare* returns a [`ToBeSigned`] value whose [`ToBeSigned::message`]
//!    is the exact byte string to sign (a TBSCertificate, the DER of signed
//!    attributes, a `TBS_Sign`…);
//! 2. *assemble* takes the SM2 signature on those bytes (computed as
//!    SM3(Z_A ‖ M) with the standard ID), checks it against the expected
//!    public key, and builds the final structure.
//!
//! [`sign_with`] runs both steps against a synchronous [`Signer`].

use mca_crypto::sm2::{Point, SecretKey, Signature};

use crate::{Error, Result};

/// Something that produces SM2 signatures with the standard ID
/// (`1234567812345678`) for one public key: a software key, an HSM slot, or
/// a two-party session.
pub trait Signer {
    /// The public key the signatures verify under.
    fn public_key(&self) -> Point;
    /// Signs `message` (the signer computes e = SM3(Z_A ‖ message)).
    fn sign(&self, message: &[u8]) -> Result<Signature>;
}

/// A [`Signer`] over a private key held in memory (CA keys loaded from the
/// encrypted keystore).
pub struct SoftwareSigner {
    key: SecretKey,
}

impl SoftwareSigner {
    /// Wraps a key.
    pub fn new(key: SecretKey) -> Self {
        SoftwareSigner { key }
    }

    /// A fresh random key.
    pub fn generate() -> Result<Self> {
        Ok(SoftwareSigner {
            key: SecretKey::generate()?,
        })
    }

    /// The key, for the keystore to encrypt at rest.
    pub(crate) fn secret_key(&self) -> &SecretKey {
        &self.key
    }
}

impl core::fmt::Debug for SoftwareSigner {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "SoftwareSigner({})", self.key.public_key().to_hex())
    }
}

impl Signer for SoftwareSigner {
    fn public_key(&self) -> Point {
        *self.key.public_key()
    }

    fn sign(&self, message: &[u8]) -> Result<Signature> {
        Ok(self.key.sign(message)?)
    }
}

/// A structure prepared for signing: step 1 of the two-step signing.
pub trait ToBeSigned {
    /// What [`ToBeSigned::assemble`] builds.
    type Output;

    /// The exact bytes to sign (the phone shows and hashes these).
    fn message(&self) -> &[u8];

    /// The key the signature must verify under.
    fn signer_key(&self) -> &Point;

    /// Step 2: checks `signature` on [`ToBeSigned::message`] under
    /// [`ToBeSigned::signer_key`], then builds the signed structure.
    fn assemble(self, signature: &Signature) -> Result<Self::Output>;
}

/// Both steps against a synchronous signer.
pub fn sign_with<T: ToBeSigned>(tbs: T, signer: &dyn Signer) -> Result<T::Output> {
    if signer.public_key() != *tbs.signer_key() {
        return Err(Error::Signer(
            "signer key does not match the prepared structure".into(),
        ));
    }
    let signature = signer.sign(tbs.message())?;
    tbs.assemble(&signature)
}

/// The check every `assemble` does first: a wrong or forged signature never
/// ends up inside a structure we emit.
pub(crate) fn check(key: &Point, message: &[u8], signature: &Signature) -> Result<()> {
    key.verify(message, signature)
        .map_err(|_| Error::BadSignature("signature does not match the prepared bytes"))
}
