//! Wire types of the two-party protocol.
//!
//! Encoding (stable; the server API and the phone web app carry these as
//! JSON): points are lower-case hex of the uncompressed SEC1 encoding
//! (130 characters, `04…`), scalars lower-case hex of 32 big-endian bytes
//! (64 characters), byte strings lower-case hex. Every point is validated
//! and every scalar range-checked when it is deserialized, so a handler that
//! got a message has already rejected off-curve points, the identity and
//! zero scalars.
//!
//! Messages marked *sealed* carry secret-derived values and must travel
//! inside [`crate::seal::Sealed`] between phone and server.

use core::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sm2::NonZeroScalar;
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::sm2::Point;
use crate::sm2::scalar;

/// A scalar in [1, n−1] on the wire (64 hex characters). Wiped on drop,
/// never printed.
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct WireScalar(pub(crate) NonZeroScalar);

impl WireScalar {
    /// Parse 64 hex characters, rejecting zero and values ≥ n.
    pub fn from_hex(s: &str) -> crate::Result<Self> {
        scalar::nonzero_from_hex(s).map(WireScalar)
    }

    /// Lower-case hex, 64 characters.
    pub fn to_hex(&self) -> String {
        scalar::to_hex(&self.0)
    }
}

impl fmt::Debug for WireScalar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WireScalar(..)")
    }
}

impl Serialize for WireScalar {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_hex())
    }
}

impl<'de> Deserialize<'de> for WireScalar {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = zeroize::Zeroizing::new(String::deserialize(d)?);
        WireScalar::from_hex(&s).map_err(serde::de::Error::custom)
    }
}

/// §1.1 step 1, phone → server: P_p = d_p⁻¹·G.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeygenRequest {
    /// P_p.
    pub phone_point: Point,
}

/// §1.1 step 2, server → phone: the joint public key P and P_s = d_s⁻¹·G.
/// The phone checks P and then forgets P_s.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeygenResponse {
    /// P, the user's public key.
    pub public_key: Point,
    /// P_s.
    pub server_point: Point,
}

/// §2 step 1, server → phone: the server's nonce point Q_s and the exact
/// bytes to be signed, which the phone shows (or parses and shows) and
/// hashes itself.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignChallenge {
    /// Q_s = w_s·G.
    pub nonce_point: Point,
    /// M, the bytes to be signed (not a digest: the phone computes e).
    #[serde(with = "hex::serde")]
    pub message: Vec<u8>,
}

/// §2 step 2, phone → server (*sealed*): r and s1 = d_p·(r + w_p).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartialSignature {
    /// r = (e + x(Q)) mod n.
    pub r: WireScalar,
    /// s1.
    pub s1: WireScalar,
}

/// §5 step 1, phone → server: T1 = w·C1, the blinded ciphertext point. The
/// server never sees C1.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlindedPoint {
    /// T1.
    pub t1: Point,
}

/// §5 step 2, server → phone (*sealed*): T2 = d_es⁻¹·T1.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlindedResult {
    /// T2.
    pub t2: Point,
}

/// §6, server → phone (*sealed*): the refresh factor ρ. The phone sets
/// c ← c·ρ; the server's share becomes d_s·ρ⁻¹.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShareRefresh {
    /// ρ.
    pub rho: WireScalar,
}

/// §1.2 and G1, server → phone (*sealed*): a freshly split encryption-key
/// share d_ep, which the phone masks with its PIN at once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShareDelivery {
    /// d_ep.
    pub share: WireScalar,
    /// The public key of the encryption key the share belongs to.
    pub public_key: Point,
}
