//! The two-party signature step every operation shares (§2): the
//! server's challenge, the check that it signs what was asked, the partial
//! signature with e computed here, sealed to the server's transport key,
//! and the share refresh ρ the answer carries (§6).

use mca_crypto::sm2::{Point, SecretKey};
use mca_crypto::twoparty::messages::{PartialSignature, ShareRefresh, SignChallenge};
use mca_crypto::twoparty::transport;
use serde_json::{Value, json};

use crate::CoreError;
use crate::stored::{Secrets, StoredKey};
use crate::wire::{Request, field, open, text};

/// What the server's step 1 answer carries.
pub(crate) struct Challenge {
    pub(crate) session_id: String,
    pub(crate) challenge: SignChallenge,
    pub(crate) transport_key: Point,
}

impl Challenge {
    pub(crate) fn from_json(v: &Value) -> Result<Self, CoreError> {
        Ok(Challenge {
            session_id: text(v, "session_id")?,
            challenge: field(v, "challenge")?,
            transport_key: field(v, "transport_key")?,
        })
    }
}

/// What the rule "the challenge signs what was asked" expects.
pub(crate) enum Expect<'a> {
    /// These exact bytes.
    Exactly(&'a [u8]),
    /// Bytes starting with this prefix and `len` more bytes (a server nonce).
    Prefix(&'a [u8], usize),
    /// Bytes only the server can form (the CSR of a new key), checked by
    /// the certificate that comes back.
    Unchecked,
}

/// A finish request in flight: the reply key the answer is sealed to,
/// which lives only until the answer is opened.
pub(crate) struct Pending {
    reply: SecretKey,
    pub(crate) session_id: String,
}

/// The finish request of a two-party step: checks the challenge, signs with
/// the unmasked share and seals s1 for the session.
pub(crate) fn finish(
    key: &StoredKey,
    secrets: &Secrets<'_>,
    c: &Challenge,
    expect: Expect<'_>,
    path: String,
    extra: Option<(&str, Value)>,
) -> Result<(Request, Pending), CoreError> {
    let message = &c.challenge.message;
    let asked = match expect {
        Expect::Exactly(bytes) => message == bytes,
        Expect::Prefix(prefix, len) => {
            message.len() == prefix.len() + len && message.starts_with(prefix)
        }
        Expect::Unchecked => true,
    };
    // The server could otherwise slip other bytes in to be signed.
    if !asked {
        return Err(CoreError::protocol("challenge message"));
    }
    let share = secrets.unmask(&key.signing)?;
    let partial: PartialSignature = share.sign(&key.public_key, &c.challenge)?;
    let sealed = transport::seal(&c.transport_key, &c.session_id, &partial)?;
    let reply = SecretKey::generate()?;
    let mut body = json!({
        "session_id": c.session_id,
        "partial": sealed,
        "reply_key": reply.public_key(),
    });
    if let Some((name, value)) = extra {
        body[name] = value;
    }
    Ok((
        Request::post(path, Some(body)),
        Pending {
            reply,
            session_id: c.session_id.clone(),
        },
    ))
}

impl Pending {
    /// Applies the refresh of a successful finish answer to the stored
    /// signing share (c ← c·ρ, no PIN needed).
    pub(crate) fn refresh(&self, body: &Value, key: &mut StoredKey) -> Result<(), CoreError> {
        let refresh: ShareRefresh = open(&self.reply, &self.session_id, body, "refresh")?;
        key.signing.apply_refresh(&refresh);
        Ok(())
    }

    /// Opens another sealed field of the answer.
    pub(crate) fn open<M: transport::SealedMessage>(
        &self,
        body: &Value,
        name: &str,
    ) -> Result<M, CoreError> {
        open(&self.reply, &self.session_id, body, name)
    }
}
