//! Device keys (PROTOCOL.md §3): every request of the phone is signed by a
//! key bound to the device, registered at first login, so a stolen bearer
//! token alone does nothing and protocol steps from any other device are
//! refused.
//!
//! ECDSA P-256 with SHA-256, because it is what Android Keystore, the Secure
//! Enclave and WebCrypto can hold non-extractably. Signatures are produced
//! as DER; verification also accepts the raw r‖s (64 bytes) that WebCrypto
//! emits.

use core::fmt;

use p256::ecdsa::signature::{Signer as _, Verifier as _};
use p256::ecdsa::{DerSignature, Signature, SigningKey, VerifyingKey};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use zeroize::Zeroizing;

use crate::sm3::sm3;
use crate::{Error, Result, rand};

/// A device's private key. The command-line phone keeps it in its state
/// directory; real phones keep it in hardware.
#[derive(Clone)]
pub struct DeviceKey(SigningKey);

impl fmt::Debug for DeviceKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DeviceKey(public: {})", self.public_key().to_hex())
    }
}

impl DeviceKey {
    /// A fresh key from the CSPRNG.
    pub fn generate() -> Result<Self> {
        loop {
            let bytes: Zeroizing<[u8; 32]> = Zeroizing::new(rand::bytes()?);
            // Rejection sampling: values ≥ n (probability ~2^-32) are retried.
            if let Ok(k) = SigningKey::from_slice(&bytes[..]) {
                return Ok(DeviceKey(k));
            }
        }
    }

    /// From the 32-byte big-endian private scalar.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        SigningKey::from_slice(bytes)
            .map(DeviceKey)
            .map_err(|_| Error::InvalidScalar)
    }

    /// The 32-byte private scalar, wiped on drop.
    pub fn to_bytes(&self) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(self.0.to_bytes().into())
    }

    /// The public key to register with the server.
    pub fn public_key(&self) -> DevicePublicKey {
        DevicePublicKey(*self.0.verifying_key())
    }

    /// Sign `message` (ECDSA P-256, SHA-256); DER-encoded signature.
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        let sig: DerSignature = self.0.sign(message);
        sig.as_bytes().to_vec()
    }
}

/// A registered device's public key.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct DevicePublicKey(VerifyingKey);

impl DevicePublicKey {
    /// Parse SEC1 (uncompressed or compressed); rejects off-curve points and
    /// the identity.
    pub fn from_sec1(bytes: &[u8]) -> Result<Self> {
        VerifyingKey::from_sec1_bytes(bytes)
            .map(DevicePublicKey)
            .map_err(|_| Error::InvalidPoint)
    }

    /// Uncompressed SEC1, 65 bytes.
    pub fn to_sec1(&self) -> Vec<u8> {
        self.0.to_sec1_point(false).as_bytes().to_vec()
    }

    /// Lower-case hex of the uncompressed SEC1 encoding.
    pub fn to_hex(&self) -> String {
        hex::encode(self.to_sec1())
    }

    /// Parse hex of a SEC1 encoding.
    pub fn from_hex(s: &str) -> Result<Self> {
        Self::from_sec1(&hex::decode(s).map_err(|_| Error::InvalidPoint)?)
    }

    /// Verify a DER or raw r‖s signature on `message`.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> Result<()> {
        let sig = if signature.len() == 64 {
            Signature::from_slice(signature)
        } else {
            Signature::from_der(signature)
        }
        .map_err(|_| Error::MalformedSignature)?;
        self.0
            .verify(message, &sig)
            .map_err(|_| Error::BadSignature)
    }
}

impl fmt::Debug for DevicePublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DevicePublicKey({})", self.to_hex())
    }
}

impl Serialize for DevicePublicKey {
    fn serialize<S: Serializer>(&self, s: S) -> core::result::Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_hex())
    }
}

impl<'de> Deserialize<'de> for DevicePublicKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> core::result::Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        DevicePublicKey::from_hex(&s).map_err(serde::de::Error::custom)
    }
}

/// The canonical bytes a device signs for one app request:
///
/// ```text
/// MCA-DEVICE-REQUEST-V1\n
/// {METHOD}\n
/// {path and query, exactly as sent}\n
/// {timestamp, unix seconds}\n
/// {nonce}\n
/// {lower-case hex of SM3(body)}
/// ```
///
/// Binding the body by its hash keeps the payload small for large uploads;
/// binding method and path stops a signature being moved to another route.
pub fn request_payload(
    method: &str,
    path_and_query: &str,
    timestamp_secs: i64,
    nonce: &str,
    body: &[u8],
) -> Vec<u8> {
    format!(
        "MCA-DEVICE-REQUEST-V1\n{}\n{}\n{}\n{}\n{}",
        method.to_ascii_uppercase(),
        path_and_query,
        timestamp_secs,
        nonce,
        hex::encode(sm3(body))
    )
    .into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_verify_round_trip_and_encodings() {
        let key = DeviceKey::generate().unwrap();
        let msg = request_payload(
            "post",
            "/api/app/v1/sessions?x=1",
            1_700_000_000,
            "n1",
            b"{}",
        );
        let sig = key.sign(&msg);
        let public = key.public_key();
        public.verify(&msg, &sig).unwrap();
        // WebCrypto's raw r‖s form verifies too.
        let raw = Signature::from_der(&sig).unwrap().to_bytes();
        public.verify(&msg, &raw).unwrap();
        let restored = DeviceKey::from_bytes(&key.to_bytes()[..]).unwrap();
        assert_eq!(restored.public_key(), public);
        let json = serde_json::to_string(&public).unwrap();
        assert_eq!(
            serde_json::from_str::<DevicePublicKey>(&json).unwrap(),
            public
        );
    }

    #[test]
    fn any_change_breaks_the_signature() {
        let key = DeviceKey::generate().unwrap();
        let sig = key.sign(&request_payload("GET", "/a", 1, "n", b""));
        let public = key.public_key();
        for other in [
            request_payload("POST", "/a", 1, "n", b""),
            request_payload("GET", "/b", 1, "n", b""),
            request_payload("GET", "/a", 2, "n", b""),
            request_payload("GET", "/a", 1, "m", b""),
            request_payload("GET", "/a", 1, "n", b"x"),
        ] {
            assert_eq!(public.verify(&other, &sig), Err(Error::BadSignature));
        }
        let stranger = DeviceKey::generate().unwrap().public_key();
        assert_eq!(
            stranger.verify(&request_payload("GET", "/a", 1, "n", b""), &sig),
            Err(Error::BadSignature)
        );
    }

    #[test]
    fn malformed_inputs_are_errors() {
        let public = DeviceKey::generate().unwrap().public_key();
        assert_eq!(
            public.verify(b"m", b"not a signature"),
            Err(Error::MalformedSignature)
        );
        assert_eq!(
            public.verify(b"m", &[0u8; 64]),
            Err(Error::MalformedSignature)
        );
        assert_eq!(
            DevicePublicKey::from_hex("04ab").err(),
            Some(Error::InvalidPoint)
        );
        assert_eq!(
            DevicePublicKey::from_sec1(&[4u8; 65]).err(),
            Some(Error::InvalidPoint)
        );
        assert_eq!(
            DeviceKey::from_bytes(&[0u8; 32]).err(),
            Some(Error::InvalidScalar)
        );
        assert!(format!("{:?}", DeviceKey::generate().unwrap()).starts_with("DeviceKey(public:"));
    }
}
