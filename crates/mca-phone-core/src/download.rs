//! [`Download`]: the certificates of an approved application onto this
//! phone (M6, PROTOCOL.md §1), and the same steps for a re-key after a
//! forgotten PIN (I3) or a recovery on a new phone (G1).
//!
//! 1. `keygen`: P_p goes up; P and P_s come back; the phone checks
//!    P == d_p⁻¹·P_s − G, masks d_p under the PIN and forgets P_s.
//! 2. `possession`: a two-party signature on the server's CSR.
//! 3. `certificates`: the certificates and the encryption share, sealed to
//!    a reply key; the phone checks that both certificates certify its
//!    keys and masks the share. Repeatable ([`Download::resume`]).

use mca_crypto::sm2::SecretKey;
use mca_crypto::twoparty::messages::{KeygenResponse, ShareDelivery};
use mca_crypto::twoparty::phone::{KeyGeneration, Share};
use serde_json::{Value, json};

use crate::CoreError;
use crate::next::{Next, Progress};
use crate::step::{self, Challenge, Expect, Pending};
use crate::stored::{Secrets, StoredKey};
use crate::wire::{APP, Answer, Request, field, open, text};

enum Stage {
    Keygen(KeyGeneration),
    Possession(StoredKey, Pending),
    Certificates(StoredKey, SecretKey),
    Finished,
}

/// A download (or re-key) in progress.
pub struct Download {
    stage: Stage,
    /// A re-key forgets this key at the end.
    replaces: Option<String>,
}

impl std::fmt::Debug for Download {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Download").finish_non_exhaustive()
    }
}

impl Download {
    /// Step 1 of downloading application `application_id`.
    pub fn start(application_id: &str) -> Result<(Self, Request), CoreError> {
        let (kg, keygen) = KeyGeneration::start()?;
        let path = format!("{APP}/me/applications/{application_id}/download");
        let request = Request::post(path, Some(json!({ "keygen": keygen })));
        Ok((Self::new(Stage::Keygen(kg), None), request))
    }

    /// A forgotten PIN (I3), or with `recovery_order` the recovery of
    /// `old_key_id` on this new phone (G1): new signing keys, the escrowed
    /// encryption key re-split. The old key is forgotten at the end.
    pub fn rekey(
        old_key_id: &str,
        reverification_id: &str,
        code: &str,
        recovery_order: Option<&str>,
    ) -> Result<(Self, Request), CoreError> {
        let (kg, keygen) = KeyGeneration::start()?;
        let body = json!({
            "keygen": keygen,
            "reverification_id": reverification_id,
            "code": code,
            "recovery_order_id": recovery_order,
        });
        let path = format!("{APP}/me/keys/{old_key_id}/rekey");
        let request = Request::post(path, Some(body));
        Ok((
            Self::new(Stage::Keygen(kg), Some(old_key_id.to_owned())),
            request,
        ))
    }

    /// Step 3 again for a key whose download was interrupted after step 2.
    pub fn resume(key: StoredKey) -> Result<(Self, Request), CoreError> {
        let (stage, request) = certificates_request(key)?;
        Ok((Self::new(stage, None), request))
    }

    fn new(stage: Stage, replaces: Option<String>) -> Self {
        Download { stage, replaces }
    }

    /// The stage the download is in.
    pub fn progress(&self) -> Progress {
        match self.stage {
            Stage::Keygen(_) => Progress::Keygen,
            Stage::Possession(..) => Progress::Possession,
            Stage::Certificates(..) => Progress::Certificates,
            Stage::Finished => Progress::Done,
        }
    }

    /// The server's answer to the last request. `secrets.pin` is the PIN
    /// the new key gets.
    pub fn on_answer(
        &mut self,
        answer: Answer,
        secrets: &Secrets<'_>,
    ) -> Result<Next<StoredKey>, CoreError> {
        let stage = std::mem::replace(&mut self.stage, Stage::Finished);
        let body = answer.into_result()?;
        match stage {
            Stage::Keygen(kg) => {
                let (key, request, pending) = keygen_answer(kg, &body, secrets)?;
                let next = Next::send(Progress::Possession, request).storing(&key);
                self.stage = Stage::Possession(key, pending);
                Ok(next)
            }
            Stage::Possession(mut key, pending) => {
                pending.refresh(&body, &mut key)?;
                let (stage, request) = certificates_request(key)?;
                let Stage::Certificates(key, _) = &stage else {
                    unreachable!("certificates_request gives the certificates stage")
                };
                let next = Next::send(Progress::Certificates, request).storing(key);
                self.stage = stage;
                Ok(next)
            }
            Stage::Certificates(mut key, reply) => {
                certificates_answer(&mut key, &reply, &body, secrets)?;
                let mut next = Next::done(key.clone()).storing(&key);
                next.forget = self.replaces.take();
                Ok(next)
            }
            Stage::Finished => Err(CoreError::Finished),
        }
    }
}

/// Step 1's answer: check P, mask the share, sign the CSR.
fn keygen_answer(
    kg: KeyGeneration,
    body: &Value,
    secrets: &Secrets<'_>,
) -> Result<(StoredKey, Request, Pending), CoreError> {
    if let Some(message) = crate::checks::check_pin(secrets.pin) {
        return Err(CoreError::Input(message));
    }
    let keygen: KeygenResponse = field(body, "keygen")?;
    let (signing, public_key) = kg
        .finish(&keygen, secrets.pin.as_bytes(), secrets.device_secret)
        .map_err(|e| match e {
            mca_crypto::Error::KeyGenerationMismatch => CoreError::protocol("public key"),
            other => other.into(),
        })?;
    let key = StoredKey {
        key_id: text(body, "key_id")?,
        application_id: text(body, "application_id")?,
        public_key,
        signing,
        encryption: None,
        signing_certificate: None,
        encryption_certificate: None,
    };
    let csr = Challenge::from_json(body)?;
    let path = format!("{APP}/me/keys/{}/possession", key.key_id);
    // The CSR's bytes are formed by the server; the certificate that comes
    // back is checked against P instead.
    let (request, pending) = step::finish(&key, secrets, &csr, Expect::Unchecked, path, None)?;
    Ok((key, request, pending))
}

fn certificates_request(key: StoredKey) -> Result<(Stage, Request), CoreError> {
    let reply = SecretKey::generate()?;
    let path = format!("{APP}/me/applications/{}/certificates", key.application_id);
    let request = Request::post(path, Some(json!({ "reply_key": reply.public_key() })));
    Ok((Stage::Certificates(key, reply), request))
}

/// Step 3's answer: the certificates must certify the keys this phone
/// holds; the delivered share is masked at once.
fn certificates_answer(
    key: &mut StoredKey,
    reply: &SecretKey,
    body: &Value,
    secrets: &Secrets<'_>,
) -> Result<(), CoreError> {
    let delivery: ShareDelivery = open(reply, &key.application_id, body, "delivery")?;
    let signing_pem = text(&body["signing"], "pem")?;
    let encryption_pem = text(&body["encryption"], "pem")?;
    let parse = |pem: &str, what: &str| {
        mca_pki::cert::Certificate::from_pem(pem).map_err(|_| CoreError::protocol(what))
    };
    let signing = parse(&signing_pem, "signing")?;
    let encryption = parse(&encryption_pem, "encryption")?;
    if signing.public_key() != &key.public_key || encryption.public_key() != &delivery.public_key {
        return Err(CoreError::protocol("certificate keys"));
    }
    key.encryption = Some(secrets.mask(&Share::from_delivery(&delivery))?);
    key.signing_certificate = Some(signing_pem);
    key.encryption_certificate = Some(encryption_pem);
    Ok(())
}
