//! The phone's side of the protocol.
//!
//! What the phone persists is a [`MaskedShare`]: c = d_p·m mod n with
//! m = KDF(PIN, salt, device secret). There is no MAC, padding or check
//! value, so every PIN unmasks to *some* scalar and a thief holding the
//! phone's files learns nothing by trying PINs offline: only the server,
//! which alone holds d_s, can tell a right PIN from a wrong one (§3, §4).
//! For the same reason nothing else may be persisted: not P_p, not P_s, not
//! nonces, not transcripts.

use core::fmt;

use serde::{Deserialize, Serialize};
use sm2::elliptic_curve::group::Group as _;
use sm2::elliptic_curve::ops::{Invert as _, LinearCombination as _};
use sm2::{NonZeroScalar, ProjectivePoint, Scalar};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use super::messages::{
    BlindedPoint, BlindedResult, KeygenRequest, KeygenResponse, PartialSignature, ShareDelivery,
    ShareRefresh, SignChallenge, WireScalar,
};
use crate::sm2::{Ciphertext, Point, digest, scalar};
use crate::{Error, Result, rand, sm3};

/// PBKDF2-HMAC-SM3 rounds for the PIN mask. No offline PIN test exists
/// without the server's share; the rounds only slow an attacker who also
/// stole that share and the device secret.
pub const PIN_KDF_ROUNDS: u32 = 10_000;

/// Bytes of KDF output reduced mod n: ≥ 384 bits so that m is uniform.
const MASK_WIDE_LEN: usize = 48;

/// The device secret length accepted by [`pin_mask`].
pub const DEVICE_SECRET_MIN_LEN: usize = 16;

/// m = PBKDF2-HMAC-SM3(PIN, "MCA-PIN-MASK-V1" ‖ salt ‖ device secret), 48
/// bytes reduced mod n. Never zero.
fn pin_mask(pin: &[u8], salt: &[u8; 16], device_secret: &[u8]) -> Result<NonZeroScalar> {
    if device_secret.len() < DEVICE_SECRET_MIN_LEN {
        return Err(Error::InvalidLength);
    }
    let mut s = Zeroizing::new(Vec::with_capacity(15 + 16 + device_secret.len()));
    s.extend_from_slice(b"MCA-PIN-MASK-V1");
    s.extend_from_slice(salt);
    s.extend_from_slice(device_secret);
    let mut wide = Zeroizing::new([0u8; MASK_WIDE_LEN]);
    sm3::pbkdf2_sm3(pin, &s, PIN_KDF_ROUNDS, &mut wide[..]);
    // m = 0 has probability 2^-256; map it to 1 rather than fail, so that
    // no PIN is distinguishable by an error.
    let m = scalar::reduce_wide(&wide[..]);
    Ok(Option::from(NonZeroScalar::new(m)).unwrap_or_else(scalar::one))
}

/// A share in the clear, in memory only for the duration of one operation.
/// Wiped on drop; cannot be serialized.
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct Share(NonZeroScalar);

impl fmt::Debug for Share {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Share(..)")
    }
}

/// What the phone stores for each share: c = d·m and the salt of m.
/// JSON: `{"c": hex, "salt": hex}`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, Zeroize, ZeroizeOnDrop)]
pub struct MaskedShare {
    c: WireScalar,
    #[serde(with = "hex::serde")]
    salt: [u8; 16],
}

impl fmt::Debug for MaskedShare {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MaskedShare(..)")
    }
}

impl MaskedShare {
    /// Mask a share under a PIN with a fresh salt.
    pub fn mask(share: &Share, pin: &[u8], device_secret: &[u8]) -> Result<Self> {
        let salt = rand::bytes()?;
        let m = pin_mask(pin, &salt, device_secret)?;
        Ok(MaskedShare {
            c: WireScalar(share.0 * m),
            salt,
        })
    }

    /// d = c·m⁻¹. Succeeds for every PIN: a wrong PIN gives a wrong share,
    /// which only the server can detect.
    pub fn unmask(&self, pin: &[u8], device_secret: &[u8]) -> Result<Share> {
        let m = pin_mask(pin, &self.salt, device_secret)?;
        Ok(Share(self.c.0 * m.invert()))
    }

    /// Change the PIN (I3): c' = c·m_old⁻¹·m_new, under a fresh salt. The
    /// caller must first have proven the old PIN with a signature the server
    /// verified; a wrong old PIN here silently yields a useless share.
    pub fn remask(&self, old_pin: &[u8], new_pin: &[u8], device_secret: &[u8]) -> Result<Self> {
        let share = self.unmask(old_pin, device_secret)?;
        Self::mask(&share, new_pin, device_secret)
    }

    /// Apply a share refresh (§6): c ← c·ρ. Needs no PIN, since
    /// (d·m)·ρ = (d·ρ)·m.
    pub fn apply_refresh(&mut self, refresh: &ShareRefresh) {
        self.c = WireScalar(self.c.0 * refresh.rho.0);
    }
}

/// Key generation in progress on the phone (§1.1). Lives in memory between
/// the request and the response, never on disk.
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct KeyGeneration {
    d_p: NonZeroScalar,
}

impl KeyGeneration {
    /// Step 1: pick d_p, send P_p = d_p⁻¹·G.
    pub fn start() -> Result<(Self, KeygenRequest)> {
        let d_p = rand::nonzero_scalar()?;
        let p_p = Point::from_projective(&ProjectivePoint::mul_by_generator(&d_p.invert()))?;
        Ok((KeyGeneration { d_p }, KeygenRequest { phone_point: p_p }))
    }

    /// Step 3: check P == d_p⁻¹·P_s − G, then mask d_p under the PIN. P_s is
    /// dropped here: the caller gets only P and the masked share.
    pub fn finish(
        self,
        response: &KeygenResponse,
        pin: &[u8],
        device_secret: &[u8],
    ) -> Result<(MaskedShare, Point)> {
        let expected =
            response.server_point.projective() * *self.d_p.invert() - ProjectivePoint::GENERATOR;
        if expected != response.public_key.projective() {
            return Err(Error::KeyGenerationMismatch);
        }
        let masked = MaskedShare::mask(&Share(self.d_p), pin, device_secret)?;
        Ok((masked, response.public_key))
    }
}

impl Share {
    /// A share received from the KMC (§1.2), to be masked at once.
    pub fn from_delivery(delivery: &ShareDelivery) -> Share {
        Share(delivery.share.0)
    }

    /// Follow a share refresh in memory (§6), for a batch of items signed
    /// after one PIN entry: the stored [`MaskedShare`] must get the same ρ.
    pub fn apply_refresh(&mut self, refresh: &ShareRefresh) {
        self.0 *= refresh.rho.0;
    }

    /// §2 step 2: the partial signature on the challenge's message under the
    /// user's public key P. The phone computes e = SM3(Z_A ‖ M) itself from
    /// the bytes it showed the user, never trusting a digest from the server.
    pub fn sign(&self, public_key: &Point, challenge: &SignChallenge) -> Result<PartialSignature> {
        loop {
            let w_p = rand::nonzero_scalar()?;
            match self.sign_with_nonce(public_key, challenge, &w_p) {
                Err(Error::Degenerate) => continue,
                other => return other,
            }
        }
    }

    pub(crate) fn sign_with_nonce(
        &self,
        public_key: &Point,
        challenge: &SignChallenge,
        w_p: &NonZeroScalar,
    ) -> Result<PartialSignature> {
        let e = scalar::reduce_32(&digest(public_key, &challenge.message));
        // Q = w_p·G + d_p⁻¹·Q_s (Q_s was validated when deserialized).
        let q = ProjectivePoint::lincomb(&[
            (ProjectivePoint::GENERATOR, **w_p),
            (challenge.nonce_point.projective(), *self.0.invert()),
        ]);
        let q = Point::from_projective(&q).map_err(|_| Error::Degenerate)?;
        let r = e + scalar::reduce_32(&q.x());
        let r = scalar::nonzero(r)?;
        let s1 = scalar::nonzero(*self.0 * (*r + **w_p))?;
        Ok(PartialSignature {
            r: WireScalar(r),
            s1: WireScalar(s1),
        })
    }
}

/// Blinded decryption in progress on the phone (§5): holds the blinding
/// factor w and the ciphertext, in memory only.
pub struct Decryption {
    w: NonZeroScalar,
    ciphertext: Ciphertext,
}

impl Drop for Decryption {
    fn drop(&mut self) {
        self.w.zeroize();
    }
}

impl Decryption {
    /// Step 1: T1 = w·C1 with a fresh w. The server gets only T1.
    pub fn start(ciphertext: Ciphertext) -> Result<(Self, BlindedPoint)> {
        let w = rand::nonzero_scalar()?;
        Self::start_with_blind(ciphertext, w)
    }

    pub(crate) fn start_with_blind(
        ciphertext: Ciphertext,
        w: NonZeroScalar,
    ) -> Result<(Self, BlindedPoint)> {
        let t1 = Point::from_projective(&(ciphertext.c1.projective() * *w))?;
        Ok((Decryption { w, ciphertext }, BlindedPoint { t1 }))
    }

    /// Step 3: (x2, y2) = (w·d_ep)⁻¹·T2 − C1 = d_e·C1, then the KDF and the
    /// C3 check. The phone applies its share last, so the server never holds
    /// anything that decrypts.
    pub fn finish(self, share: &Share, response: &BlindedResult) -> Result<Zeroizing<Vec<u8>>> {
        let unblind = (*self.w * *share.0).invert();
        let unblind = Option::<Scalar>::from(unblind).ok_or(Error::Degenerate)?;
        let shared = response.t2.projective() * unblind - self.ciphertext.c1.projective();
        let shared = Point::from_projective(&shared).map_err(|_| Error::DecryptionFailed)?;
        self.ciphertext.open_with_shared_point(&shared)
    }
}
