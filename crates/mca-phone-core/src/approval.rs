//! Relying-party sessions (RP-API.md, contract C): [`scan_request`] claims
//! the session behind a scanned link, [`Approval`] approves it with a key
//! (one two-party signature per step; a decrypt session opens each content
//! key by the blinded protocol and re-encrypts it to the relying party's
//! key, so the server only relays ciphertext), [`refusal_request`] refuses.

use mca_crypto::sm2::{Ciphertext, Point};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::CoreError;
use crate::decryption::Blinded;
use crate::link::parse_scan_link;
use crate::next::{Next, Progress};
use crate::scanned::{Scanned, ScannedItem};
use crate::step::{self, Challenge, Expect, Pending};
use crate::stored::{Secrets, StoredKey};
use crate::wire::{APP, Answer, Request, field, text, text_opt};

/// How an approval (or refusal) ended on the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Approved {
    /// `complete` after the last step, `user_refused` after a refusal.
    pub state: String,
    /// `ok` when complete.
    pub result: Option<String>,
}

impl Approved {
    /// From the server's answer.
    pub fn from_json(v: &Value) -> Result<Self, CoreError> {
        Ok(Approved {
            state: text(v, "state")?,
            result: text_opt(v, "result"),
        })
    }
}

/// The scan request for a scanned `mca://qr?…` or same-device link; the
/// answer's body is read by [`Scanned::from_json`].
pub fn scan_request(link: &str) -> Result<Request, CoreError> {
    let link = parse_scan_link(link)?;
    Ok(Request::post(
        format!("{APP}/rp-sessions/scan"),
        Some(json!({ "link": link })),
    ))
}

/// The refusal request; the answer's body is read by
/// [`Approved::from_json`].
pub fn refusal_request(session_id: &str) -> Request {
    Request::post(format!("{APP}/rp-sessions/{session_id}/refusal"), None)
}

enum Stage {
    /// A sign step was asked for.
    Begun,
    /// Its signature is on its way.
    Finishing(Pending),
    /// Decrypt: envelope `index` was offered, blinded.
    Offered(usize, Blinded),
    /// Decrypt: its authorization is on its way.
    Authorizing(usize, Blinded, Pending),
    /// Decrypt: its content key went to the relying party.
    Delivered(usize),
    Finished,
}

/// An approval in progress.
pub struct Approval {
    scanned: Scanned,
    key: StoredKey,
    stage: Stage,
}

impl std::fmt::Debug for Approval {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Approval").finish_non_exhaustive()
    }
}

impl Approval {
    /// Begins approving `scanned` with `key`. A wrong PIN is the server's
    /// `wrong_pin`; approving again continues with the step that failed.
    pub fn start(scanned: Scanned, key: StoredKey) -> Result<(Self, Request), CoreError> {
        let mut machine = Approval {
            scanned,
            key,
            stage: Stage::Finished,
        };
        let request = if machine.scanned.operation == "decrypt" {
            machine.key.encryption_share()?;
            machine.rp_key()?;
            machine.offer(0)?
        } else {
            machine.stage = Stage::Begun;
            machine.begin_sign()
        };
        Ok((machine, request))
    }

    fn steps(&self) -> String {
        format!("{APP}/rp-sessions/{}/steps", self.scanned.session_id)
    }

    fn begin_sign(&self) -> Request {
        Request::post(self.steps(), Some(json!({ "key_id": self.key.key_id })))
    }

    fn rp_key(&self) -> Result<Point, CoreError> {
        self.scanned
            .rp_public_key
            .as_deref()
            .and_then(|k| Point::from_sec1(k).ok())
            .ok_or_else(|| CoreError::protocol("rp_public_key"))
    }

    /// Offers envelope `index`. After an interrupted approval the phone
    /// does not know how many envelopes are done, so it names the one it
    /// blinded and the server refuses any but the next; it tries them in
    /// order.
    fn offer(&mut self, index: usize) -> Result<Request, CoreError> {
        let envelope = self
            .scanned
            .envelopes
            .get(index)
            .ok_or_else(|| CoreError::protocol("no envelope is next"))?;
        let blinded = Blinded::start(self.envelope_ciphertext(envelope)?)?;
        let body = json!({ "key_id": self.key.key_id, "blinded": blinded.blinded, "index": index });
        self.stage = Stage::Offered(index, blinded);
        Ok(Request::post(self.steps(), Some(body)))
    }

    /// The SM2 ciphertext of an envelope's content key for this key.
    fn envelope_ciphertext(&self, envelope: &ScannedItem) -> Result<Ciphertext, CoreError> {
        let bad = || CoreError::protocol("envelope");
        let data = envelope.data.as_deref().ok_or_else(bad)?;
        match envelope.kind.as_str() {
            "sm2_cipher" => Ciphertext::from_der(data).map_err(|_| bad()),
            "enveloped_data" => {
                let cert = self.key.encryption_cert()?;
                mca_pki::gmt0010::enveloped::parse(data)
                    .and_then(|e| e.encrypted_key_for(&cert))
                    .map_err(|_| CoreError::State("该数字信封不是发给此加密密钥的".into()))
            }
            _ => Err(CoreError::protocol("envelope kind")),
        }
    }

    /// The server's answer to the last request.
    pub fn on_answer(
        &mut self,
        answer: Answer,
        secrets: &Secrets<'_>,
    ) -> Result<Next<Approved>, CoreError> {
        let stage = std::mem::replace(&mut self.stage, Stage::Finished);
        if let Stage::Offered(index, _) = stage
            && !answer.is_success()
        {
            let refused = CoreError::from_problem(answer.status, &answer.body);
            if refused.code() == "invalid_input" && index + 1 < self.scanned.envelopes.len() {
                return Ok(Next::send(Progress::Decrypting, self.offer(index + 1)?));
            }
            return Err(refused);
        }
        let body = answer.into_result()?;
        match stage {
            Stage::Begun => {
                let index: usize = field(&body, "index")?;
                let c = Challenge::from_json(&body)?;
                let fixed = self.scanned.signed_bytes();
                let shown = match &fixed {
                    Some(bytes) => c.challenge.message == *bytes,
                    None => self.scanned.item_matches(index, &c.challenge.message),
                };
                if text(&body, "kind")? != "sign" || !shown {
                    return Err(CoreError::protocol("step message"));
                }
                let path = format!("{}/{index}/finish", self.steps());
                // Checked just above against what the user was shown.
                let (request, pending) =
                    step::finish(&self.key, secrets, &c, Expect::Unchecked, path, None)?;
                self.stage = Stage::Finishing(pending);
                Ok(Next::send(Progress::Signing, request))
            }
            Stage::Finishing(pending) => {
                pending.refresh(&body, &mut self.key)?;
                let approved = Approved::from_json(&body)?;
                if approved.state == "confirming" {
                    self.stage = Stage::Begun;
                    Ok(Next::send(Progress::Signing, self.begin_sign()).storing(&self.key))
                } else {
                    Ok(Next::done(approved).storing(&self.key))
                }
            }
            Stage::Offered(index, blinded) => {
                if text(&body, "kind")? != "decrypt" || field::<usize>(&body, "index")? != index {
                    return Err(CoreError::protocol("step"));
                }
                let path = format!("{}/{index}/finish", self.steps());
                let (request, pending) = blinded.finish(&self.key, secrets, &body, path)?;
                self.stage = Stage::Authorizing(index, blinded, pending);
                Ok(Next::send(Progress::Decrypting, request))
            }
            Stage::Authorizing(index, blinded, pending) => {
                pending.refresh(&body, &mut self.key)?;
                let content_key = blinded.open(&self.key, secrets, &pending, &body)?;
                let to_rp = mca_crypto::sm2::encrypt(&self.rp_key()?, &content_key)?;
                let request = Request::post(
                    format!("{}/{index}/content-key", self.steps()),
                    Some(json!({ "ciphertext": hex::encode(to_rp.to_der()) })),
                );
                self.stage = Stage::Delivered(index);
                Ok(Next::send(Progress::Delivering, request).storing(&self.key))
            }
            Stage::Delivered(index) => {
                let approved = Approved::from_json(&body)?;
                if approved.state == "confirming" && index + 1 < self.scanned.envelopes.len() {
                    Ok(Next::send(Progress::Decrypting, self.offer(index + 1)?))
                } else {
                    Ok(Next::done(approved))
                }
            }
            Stage::Finished => Err(CoreError::Finished),
        }
    }
}
