//! Blinded decryption (§5): [`Decryption`] of an SM2 ciphertext to the
//! key's encryption certificate, and [`Envelope`], a GM/T 0010
//! EnvelopedData opened by way of it. The server sees only T1 = w·C1, never
//! C1 or the result, and the phone checks that the signature it gives
//! authorizes exactly this T1 in this session.

use mca_crypto::sm2::Ciphertext;
use mca_crypto::twoparty::messages::{BlindedPoint, BlindedResult};
use mca_crypto::twoparty::phone;
use serde_json::{Value, json};
use zeroize::Zeroizing;

use crate::CoreError;
use crate::next::{Next, Progress, Then};
use crate::step::{self, Challenge, Expect, Pending};
use crate::stored::{Secrets, StoredKey};
use crate::wire::{APP, Answer, Request};

/// A blinded T1 and its authorization check, shared with relying-party
/// decrypt steps.
pub(crate) struct Blinded {
    pub(crate) decryption: phone::Decryption,
    pub(crate) blinded: BlindedPoint,
}

impl Blinded {
    pub(crate) fn start(ciphertext: Ciphertext) -> Result<Self, CoreError> {
        let (decryption, blinded) = phone::Decryption::start(ciphertext)?;
        Ok(Blinded {
            decryption,
            blinded,
        })
    }

    /// The finish request: the signature must authorize this T1 for this
    /// session, nothing else.
    pub(crate) fn finish(
        &self,
        key: &StoredKey,
        secrets: &Secrets<'_>,
        begun: &Value,
        path: String,
    ) -> Result<(Request, Pending), CoreError> {
        let c = Challenge::from_json(begun)?;
        let expected = mca_crypto::twoparty::server::decryption_authorization(
            c.session_id.as_bytes(),
            &self.blinded,
        );
        let extra = Some(("blinded", json!(self.blinded)));
        step::finish(key, secrets, &c, Expect::Exactly(&expected), path, extra)
    }

    /// Unblinds T2 with the encryption share: the plaintext.
    pub(crate) fn open(
        self,
        key: &StoredKey,
        secrets: &Secrets<'_>,
        pending: &Pending,
        done: &Value,
    ) -> Result<Zeroizing<Vec<u8>>, CoreError> {
        let t2: BlindedResult = pending.open(done, "blinded_result")?;
        let share = secrets.unmask(key.encryption_share()?)?;
        self.decryption
            .finish(&share, &t2)
            .map_err(|_| CoreError::Crypto("解密失败".into()))
    }
}

enum Stage {
    Begun(Blinded),
    Finishing(Blinded, Pending),
    Finished,
}

/// A decryption in progress; the output is the plaintext.
pub struct Decryption {
    key: StoredKey,
    stage: Stage,
}

impl std::fmt::Debug for Decryption {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Decryption").finish_non_exhaustive()
    }
}

impl Decryption {
    /// Blinds `ciphertext` and asks the server to begin.
    pub fn start(key: StoredKey, ciphertext: Ciphertext) -> Result<(Self, Request), CoreError> {
        key.encryption_share()?;
        let blinded = Blinded::start(ciphertext)?;
        let path = format!("{APP}/me/keys/{}/decryptions", key.key_id);
        let request = Request::post(path, Some(json!({ "blinded": blinded.blinded })));
        let machine = Decryption {
            key,
            stage: Stage::Begun(blinded),
        };
        Ok((machine, request))
    }

    /// The server's answer to the last request.
    pub fn on_answer(
        &mut self,
        answer: Answer,
        secrets: &Secrets<'_>,
    ) -> Result<Next<Zeroizing<Vec<u8>>>, CoreError> {
        let stage = std::mem::replace(&mut self.stage, Stage::Finished);
        let body = answer.into_result()?;
        match stage {
            Stage::Begun(blinded) => {
                let path = format!("{APP}/me/keys/{}/decryptions/finish", self.key.key_id);
                let (request, pending) = blinded.finish(&self.key, secrets, &body, path)?;
                self.stage = Stage::Finishing(blinded, pending);
                Ok(Next::send(Progress::Decrypting, request))
            }
            Stage::Finishing(blinded, pending) => {
                pending.refresh(&body, &mut self.key)?;
                let plain = blinded.open(&self.key, secrets, &pending, &body)?;
                Ok(Next::done(plain).storing(&self.key))
            }
            Stage::Finished => Err(CoreError::Finished),
        }
    }
}

enum EnvelopeStage {
    /// Fetching the user's certificates to find an earlier one of the key.
    Listing,
    Decrypting(Box<Decryption>),
    Finished,
}

/// A GM/T 0010 digital envelope being opened: the content key by blinded
/// decryption, then SM4. The envelope may name an earlier certificate of
/// the same escrowed key (before a renewal or a recovery); then the user's
/// certificates are fetched and searched.
pub struct Envelope {
    key: StoredKey,
    der: Vec<u8>,
    stage: EnvelopeStage,
}

impl std::fmt::Debug for Envelope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Envelope").finish_non_exhaustive()
    }
}

fn not_for_this_key() -> CoreError {
    CoreError::State("该数字信封不是发给此加密密钥的".into())
}

impl Envelope {
    /// Starts opening `der` with `key`.
    pub fn start(key: StoredKey, der: &[u8]) -> Result<(Self, Request), CoreError> {
        let current = key.encryption_cert()?;
        let envelope = mca_pki::gmt0010::enveloped::parse(der)
            .map_err(|e| CoreError::Input(format!("不是数字信封: {e}")))?;
        let (stage, request) = match envelope.encrypted_key_for(&current) {
            Ok(ct) => {
                let (d, request) = Decryption::start(key.clone(), ct)?;
                (EnvelopeStage::Decrypting(Box::new(d)), request)
            }
            Err(_) => (
                EnvelopeStage::Listing,
                Request::get(format!("{APP}/me/certificates")),
            ),
        };
        let machine = Envelope {
            key,
            der: der.to_vec(),
            stage,
        };
        Ok((machine, request))
    }

    /// The server's answer to the last request.
    pub fn on_answer(
        &mut self,
        answer: Answer,
        secrets: &Secrets<'_>,
    ) -> Result<Next<Vec<u8>>, CoreError> {
        let stage = std::mem::replace(&mut self.stage, EnvelopeStage::Finished);
        match stage {
            EnvelopeStage::Listing => {
                let listed = answer.into_result()?;
                let ct = self.search(&listed)?.ok_or_else(not_for_this_key)?;
                let (d, request) = Decryption::start(self.key.clone(), ct)?;
                self.stage = EnvelopeStage::Decrypting(Box::new(d));
                Ok(Next::send(Progress::Decrypting, request))
            }
            EnvelopeStage::Decrypting(mut d) => {
                let next = d.on_answer(answer, secrets)?;
                let (progress, store) = (next.progress, next.store);
                let then = match next.then {
                    Then::Send(r) => {
                        self.stage = EnvelopeStage::Decrypting(d);
                        Then::Send(r)
                    }
                    Then::Done(content_key) => {
                        let envelope = mca_pki::gmt0010::enveloped::parse(&self.der)
                            .map_err(|e| CoreError::Input(format!("不是数字信封: {e}")))?;
                        let plain = envelope
                            .decrypt_content(&content_key)
                            .map_err(|e| CoreError::Crypto(format!("数字信封无法打开: {e}")))?;
                        Then::Done(plain)
                    }
                };
                Ok(Next {
                    progress,
                    store,
                    forget: None,
                    then,
                })
            }
            EnvelopeStage::Finished => Err(CoreError::Finished),
        }
    }

    /// The content key's ciphertext for an earlier certificate of the same
    /// encryption key among the user's certificates at the server.
    fn search(&self, listed: &Value) -> Result<Option<Ciphertext>, CoreError> {
        let current = self.key.encryption_cert()?;
        let envelope = mca_pki::gmt0010::enveloped::parse(&self.der)
            .map_err(|e| CoreError::Input(format!("不是数字信封: {e}")))?;
        let found = listed
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|c| c["pem"].as_str())
            .filter_map(|p| mca_pki::cert::Certificate::from_pem(p).ok())
            .filter(|cert| cert.public_key() == current.public_key())
            .find_map(|cert| envelope.encrypted_key_for(&cert).ok());
        Ok(found)
    }
}
