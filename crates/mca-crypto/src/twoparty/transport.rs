//! End-to-end sealing of the protocol messages that carry secrets
//! (PROTOCOL.md §7; docs/protocol.md, "Sealed"): s1 (phone → server), T2,
//! ρ and delivered shares (server → phone). Phone and server both call
//! these, so the `aad` binding is written once.
//!
//! Phone → server messages are sealed to the server's transport key;
//! server → phone messages to an ephemeral key the phone sends with its
//! request and keeps in memory only. The `aad` is
//! `"MCA-SEAL-V1\0" ‖ kind ‖ "\0" ‖ context`, where the context is the
//! signing session (or, for a delivery, the application), so a sealed
//! value answers exactly one step of one session.

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::messages::{BlindedResult, PartialSignature, ShareDelivery, ShareRefresh};
use crate::seal::{self, Sealed};
use crate::sm2::{Point, SecretKey};
use crate::{Error, Result};

/// A protocol message that travels sealed, with the name its `aad` binds.
pub trait SealedMessage: Serialize + DeserializeOwned {
    /// The message kind in the `aad`.
    const KIND: &'static str;
}

impl SealedMessage for PartialSignature {
    const KIND: &'static str = "partial-signature";
}
impl SealedMessage for BlindedResult {
    const KIND: &'static str = "blinded-result";
}
impl SealedMessage for ShareRefresh {
    const KIND: &'static str = "share-refresh";
}
impl SealedMessage for ShareDelivery {
    const KIND: &'static str = "share-delivery";
}

fn aad(kind: &str, context: &str) -> Vec<u8> {
    let mut aad = b"MCA-SEAL-V1\0".to_vec();
    aad.extend_from_slice(kind.as_bytes());
    aad.push(0);
    aad.extend_from_slice(context.as_bytes());
    aad
}

/// Seals `message` to `recipient` for the step named by `context`.
pub fn seal<M: SealedMessage>(recipient: &Point, context: &str, message: &M) -> Result<Sealed> {
    let json =
        zeroize::Zeroizing::new(serde_json::to_vec(message).map_err(|_| Error::MalformedMessage)?);
    seal::seal(recipient, &aad(M::KIND, context), &json)
}

/// Opens a sealed message of type `M` for the step named by `context`;
/// fails if it was sealed for another key, kind or step, or tampered with.
/// The decoded message has passed the wire checks of its type.
pub fn open<M: SealedMessage>(recipient: &SecretKey, context: &str, sealed: &Sealed) -> Result<M> {
    let json = seal::open(recipient, &aad(M::KIND, context), sealed)?;
    serde_json::from_slice(&json).map_err(|_| Error::MalformedMessage)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::twoparty::phone::KeyGeneration;
    use crate::twoparty::server;

    fn partial() -> PartialSignature {
        let (kg, req) = KeyGeneration::start().unwrap();
        let (key, resp) = server::generate_signing_key(&req).unwrap();
        let secret = [7u8; 32];
        let (masked, p) = kg.finish(&resp, b"123456", &secret).unwrap();
        let (_session, challenge) = key.begin_sign(b"msg").unwrap();
        masked
            .unmask(b"123456", &secret)
            .unwrap()
            .sign(&p, &challenge)
            .unwrap()
    }

    #[test]
    fn sealed_messages_open_only_for_their_kind_step_and_key() {
        let server = SecretKey::generate().unwrap();
        let msg = partial();
        let sealed = seal(server.public_key(), "session-1", &msg).unwrap();
        let opened: PartialSignature = open(&server, "session-1", &sealed).unwrap();
        assert_eq!(opened, msg);
        // Another step of the protocol, another session, another key.
        assert!(open::<PartialSignature>(&server, "session-2", &sealed).is_err());
        assert!(open::<ShareRefresh>(&server, "session-1", &sealed).is_err());
        let other = SecretKey::generate().unwrap();
        assert!(open::<PartialSignature>(&other, "session-1", &sealed).is_err());
        // The plaintext does not travel.
        let json = serde_json::to_string(&sealed).unwrap();
        assert!(!json.contains(&serde_json::to_value(&msg).unwrap()["s1"].as_str().unwrap()[..16]));
    }
}
