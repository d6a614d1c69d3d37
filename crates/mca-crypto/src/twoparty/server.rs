//! The server's side of the protocol.
//!
//! The server finalizes every signature and verifies it before releasing it
//! (§2), which is what lets it count wrong PINs (§4) and detect stale clones
//! (§6). A [`SigningKey`]'s state changes on every successful signature
//! (share refresh), so the caller persists it after each
//! [`SigningKey::finish_sign`], encrypted at rest (§7).

use core::fmt;

use sm2::elliptic_curve::group::Group as _;
use sm2::elliptic_curve::ops::Invert as _;
use sm2::{NonZeroScalar, ProjectivePoint, Scalar};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use super::messages::{
    BlindedPoint, BlindedResult, KeygenRequest, KeygenResponse, PartialSignature, ShareRefresh,
    SignChallenge, WireScalar,
};
use crate::sm2::{Point, Signature, digest, scalar};
use crate::{Error, Result, rand, sm3};

/// The server's half of a user's signing key, with the refresh state of §6.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct SigningKey {
    /// d_s in force.
    current: NonZeroScalar,
    /// A refresh sent to the phone but not yet proven: (d_s·ρ⁻¹, ρ).
    pending: Option<(NonZeroScalar, NonZeroScalar)>,
    /// The share replaced by the last confirmed refresh: a signature that
    /// verifies only under it comes from a stale clone.
    retired: Option<NonZeroScalar>,
    #[zeroize(skip)]
    public_key: Point,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SigningKey(public: {})", self.public_key.to_hex())
    }
}

/// A signature the server has finalized and verified, with the exact
/// message it covers. Only [`SigningKey::finish_sign`] makes one, so holding
/// it proves the PIN was right for this message.
#[derive(Clone, Debug)]
pub struct VerifiedSignature {
    signature: Signature,
    message: Vec<u8>,
}

impl VerifiedSignature {
    /// The standard SM2 signature, verifiable by anyone under P.
    pub fn signature(&self) -> &Signature {
        &self.signature
    }

    /// The bytes signed.
    pub fn message(&self) -> &[u8] {
        &self.message
    }
}

/// The result of a successful two-party signature: the signature and the
/// share refresh to send to the phone (sealed).
#[derive(Debug)]
pub struct Signed {
    /// The verified signature.
    pub signature: VerifiedSignature,
    /// ρ for the phone; the server's state already expects it.
    pub refresh: ShareRefresh,
}

/// One outstanding signing session: the server's secret nonce w_s and the
/// message. At most one may exist per key (§2): the caller enforces that
/// where sessions are stored, and consumes the session on finish so w_s is
/// never used twice.
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct SigningSession {
    w_s: NonZeroScalar,
    #[zeroize(skip)]
    message: Vec<u8>,
}

impl fmt::Debug for SigningSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SigningSession(..)")
    }
}

impl SigningSession {
    /// Secret serialization for storage between requests (encrypt it at
    /// rest): w_s ‖ message.
    pub fn to_secret_bytes(&self) -> Zeroizing<Vec<u8>> {
        let mut out = Zeroizing::new(scalar::to_bytes(&self.w_s).to_vec());
        out.extend_from_slice(&self.message);
        out
    }

    /// Inverse of [`SigningSession::to_secret_bytes`].
    pub fn from_secret_bytes(bytes: &[u8]) -> Result<Self> {
        if bytes.len() < 32 {
            return Err(Error::InvalidLength);
        }
        Ok(SigningSession {
            w_s: scalar::nonzero_from_bytes(&bytes[..32])?,
            message: bytes[32..].to_vec(),
        })
    }

    /// The message this session signs.
    pub fn message(&self) -> &[u8] {
        &self.message
    }
}

/// §1.1 step 2: validate P_p (done by its type), pick d_s, compute
/// P = d_s⁻¹·P_p − G and P_s = d_s⁻¹·G.
pub fn generate_signing_key(request: &KeygenRequest) -> Result<(SigningKey, KeygenResponse)> {
    loop {
        let d_s = rand::nonzero_scalar()?;
        let inv = d_s.invert();
        let p = request.phone_point.projective() * *inv - ProjectivePoint::GENERATOR;
        // P = O would mean d = 0 (d_s·d_p = 1); P = −2G... is fine. Retry on O.
        let Ok(public_key) = Point::from_projective(&p) else {
            continue;
        };
        let server_point = Point::from_projective(&ProjectivePoint::mul_by_generator(&inv))?;
        let key = SigningKey::new(d_s, public_key);
        return Ok((
            key,
            KeygenResponse {
                public_key,
                server_point,
            },
        ));
    }
}

impl SigningKey {
    pub(crate) fn new(d_s: NonZeroScalar, public_key: Point) -> Self {
        SigningKey {
            current: d_s,
            pending: None,
            retired: None,
            public_key,
        }
    }

    /// The user's public key P.
    pub fn public_key(&self) -> &Point {
        &self.public_key
    }

    /// §2 step 1: a fresh w_s and Q_s = w_s·G for `message`.
    pub fn begin_sign(&self, message: &[u8]) -> Result<(SigningSession, SignChallenge)> {
        let w_s = rand::nonzero_scalar()?;
        Ok(Self::begin_with_nonce(message, w_s))
    }

    pub(crate) fn begin_with_nonce(
        message: &[u8],
        w_s: NonZeroScalar,
    ) -> (SigningSession, SignChallenge) {
        let nonce_point = Point::from_projective(&ProjectivePoint::mul_by_generator(&w_s))
            .expect("non-zero scalar times G");
        let challenge = SignChallenge {
            nonce_point,
            message: message.to_vec(),
        };
        (
            SigningSession {
                w_s,
                message: message.to_vec(),
            },
            challenge,
        )
    }

    /// §2 step 3: s = d_s·(s1 + w_s) − r, verified against P and the
    /// server's own e before anything is released.
    ///
    /// - `Ok`: the PIN was right; reset the failure counter, persist `self`
    ///   (its refresh state moved on) and send `refresh` to the phone.
    /// - [`Error::PartialSignatureRejected`]: wrong PIN (or a tampered
    ///   message); count a failure. Nothing is released.
    /// - [`Error::StaleCloneDetected`]: the partial signature comes from a
    ///   copy of the phone's storage older than the last refresh; lock the
    ///   key and alert the user.
    pub fn finish_sign(
        &mut self,
        session: SigningSession,
        partial: &PartialSignature,
    ) -> Result<Signed> {
        let e = digest(&self.public_key, &session.message);
        let attempt =
            |share: &NonZeroScalar| finalize(share, &session, partial, &self.public_key, &e);

        let (signature, confirmed) = if let Some((next, _)) = &self.pending {
            match attempt(next) {
                Ok(sig) => (sig, true),
                // The phone has not applied ρ yet: the old share is still good.
                Err(_) => (
                    attempt(&self.current).map_err(|_| self.rejection(&attempt))?,
                    false,
                ),
            }
        } else {
            (
                attempt(&self.current).map_err(|_| self.rejection(&attempt))?,
                false,
            )
        };

        if confirmed {
            let (next, _) = self.pending.take().expect("pending checked above");
            self.retired = Some(self.current);
            self.current = next;
        }
        let rho = match &self.pending {
            // Resend the same ρ until the phone proves it applied it.
            Some((_, rho)) => *rho,
            None => {
                let rho = rand::nonzero_scalar()?;
                self.pending = Some((scalar::invert(&rho) * self.current, rho));
                rho
            }
        };
        Ok(Signed {
            signature: VerifiedSignature {
                signature,
                message: session.message.clone(),
            },
            refresh: ShareRefresh {
                rho: WireScalar(rho),
            },
        })
    }

    fn rejection(&self, attempt: &dyn Fn(&NonZeroScalar) -> Result<Signature>) -> Error {
        match &self.retired {
            Some(old) if attempt(old).is_ok() => Error::StaleCloneDetected,
            _ => Error::PartialSignatureRejected,
        }
    }

    /// Secret serialization for storage (encrypt it at rest): a version
    /// byte, P, the current share, then optional pending (share, ρ) and
    /// retired share.
    pub fn to_secret_bytes(&self) -> Zeroizing<Vec<u8>> {
        let mut out = Zeroizing::new(vec![1u8]);
        out.extend_from_slice(&self.public_key.to_sec1());
        out.extend_from_slice(&scalar::to_bytes(&self.current));
        match &self.pending {
            Some((next, rho)) => {
                out.push(1);
                out.extend_from_slice(&scalar::to_bytes(next));
                out.extend_from_slice(&scalar::to_bytes(rho));
            }
            None => out.push(0),
        }
        match &self.retired {
            Some(old) => {
                out.push(1);
                out.extend_from_slice(&scalar::to_bytes(old));
            }
            None => out.push(0),
        }
        out
    }

    /// Inverse of [`SigningKey::to_secret_bytes`].
    pub fn from_secret_bytes(bytes: &[u8]) -> Result<Self> {
        let mut r = Reader(bytes);
        if r.take(1)? != [1] {
            return Err(Error::MalformedMessage);
        }
        let public_key = Point::from_sec1(r.take(65)?)?;
        let current = scalar::nonzero_from_bytes(r.take(32)?)?;
        let pending = match r.take(1)? {
            [0] => None,
            [1] => Some((
                scalar::nonzero_from_bytes(r.take(32)?)?,
                scalar::nonzero_from_bytes(r.take(32)?)?,
            )),
            _ => return Err(Error::MalformedMessage),
        };
        let retired = match r.take(1)? {
            [0] => None,
            [1] => Some(scalar::nonzero_from_bytes(r.take(32)?)?),
            _ => return Err(Error::MalformedMessage),
        };
        if !r.0.is_empty() {
            return Err(Error::MalformedMessage);
        }
        Ok(SigningKey {
            current,
            pending,
            retired,
            public_key,
        })
    }
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        if self.0.len() < n {
            return Err(Error::MalformedMessage);
        }
        let (head, tail) = self.0.split_at(n);
        self.0 = tail;
        Ok(head)
    }
}

/// s = d_s·(s1 + w_s) − r; reject s = 0 and r + s = n; verify.
fn finalize(
    d_s: &NonZeroScalar,
    session: &SigningSession,
    partial: &PartialSignature,
    public_key: &Point,
    e: &[u8; 32],
) -> Result<Signature> {
    let r: Scalar = *partial.r.0;
    let s = **d_s * (*partial.s1.0 + *session.w_s) - r;
    let s = scalar::nonzero(s)?;
    if bool::from((r + *s).is_zero()) {
        return Err(Error::Degenerate);
    }
    let signature = Signature::from_nonzero(partial.r.0, s);
    public_key.verify_digest(e, &signature)?;
    Ok(signature)
}

/// The server's half of a user's encryption key (§1.2), d_es.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct DecryptionShare {
    d_es: NonZeroScalar,
    #[zeroize(skip)]
    public_key: Point,
}

impl fmt::Debug for DecryptionShare {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DecryptionShare(public: {})", self.public_key.to_hex())
    }
}

/// The message the phone signs to authorize one blinded decryption step:
/// it binds the session and T1, so a signature for one request can open no
/// other (§5).
pub fn decryption_authorization(session_id: &[u8], request: &BlindedPoint) -> Vec<u8> {
    let mut m = crate::domain::DECRYPT_AUTH_TAG.to_vec();
    m.extend_from_slice(
        &u16::try_from(session_id.len())
            .unwrap_or(u16::MAX)
            .to_be_bytes(),
    );
    m.extend_from_slice(session_id);
    m.extend_from_slice(&sm3::sm3(&request.t1.to_sec1()));
    m
}

impl DecryptionShare {
    pub(crate) fn new(d_es: NonZeroScalar, public_key: Point) -> Self {
        DecryptionShare { d_es, public_key }
    }

    /// The encryption public key this share belongs to.
    pub fn public_key(&self) -> &Point {
        &self.public_key
    }

    /// §5 step 2: T2 = d_es⁻¹·T1, only against a verified signature on
    /// exactly [`decryption_authorization`]`(session_id, request)`. Takes T1,
    /// never C1: the server cannot run this on a ciphertext by itself.
    pub fn blind_decrypt(
        &self,
        session_id: &[u8],
        request: &BlindedPoint,
        authorization: &VerifiedSignature,
    ) -> Result<BlindedResult> {
        if authorization.message() != decryption_authorization(session_id, request).as_slice() {
            return Err(Error::NotAuthorized);
        }
        let t2 = Point::from_projective(&(request.t1.projective() * *self.d_es.invert()))?;
        Ok(BlindedResult { t2 })
    }

    /// Secret serialization for storage (encrypt it at rest): P_e ‖ d_es.
    pub fn to_secret_bytes(&self) -> Zeroizing<Vec<u8>> {
        let mut out = Zeroizing::new(self.public_key.to_sec1().to_vec());
        out.extend_from_slice(&scalar::to_bytes(&self.d_es));
        out
    }

    /// Inverse of [`DecryptionShare::to_secret_bytes`].
    pub fn from_secret_bytes(bytes: &[u8]) -> Result<Self> {
        if bytes.len() != 97 {
            return Err(Error::MalformedMessage);
        }
        Ok(DecryptionShare {
            public_key: Point::from_sec1(&bytes[..65])?,
            d_es: scalar::nonzero_from_bytes(&bytes[65..])?,
        })
    }
}
