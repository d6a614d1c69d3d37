//! Relying-party sessions on the phone (RP-API.md, contract C): scan a QR
//! frame, then approve with a key and its PIN, or refuse.
//!
//! The phone signs only what it was shown: for auth, cert and confirm it
//! recomputes the exact bytes (`mca_crypto::rp`) from the scanned session
//! and compares; for raw data it checks the message's SM3 against the
//! item's; for SignedData and seals it checks that the prepared structure
//! carries the document's SM3. For decryption it opens each content key by
//! the blinded protocol and re-encrypts it to the relying party's key, so
//! the server only relays ciphertext.

use mca_crypto::sm2::{Ciphertext, Point};
use mca_crypto::twoparty::messages::{BlindedPoint, BlindedResult};
use mca_crypto::twoparty::phone::Decryption;
use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::PhoneError;
use crate::certificates::{Challenge, crypto, field, open, protocol, text};
use crate::phone::{APP, Phone};

/// One item or envelope of a scanned session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScannedItem {
    /// Its label.
    pub label: String,
    /// Its kind (`raw_data`, `seal`, …, `sm2_cipher`, `enveloped_data`).
    pub kind: String,
    /// Sign items: SM3 of the document signed.
    pub sm3: Option<Vec<u8>>,
    /// Envelopes: the envelope.
    pub data: Option<Vec<u8>>,
}

/// What the user is shown for an item's or envelope's kind (the wire
/// names are for programs, not people).
pub fn kind_label(kind: &str) -> &'static str {
    match kind {
        "raw_data" => "数据签名",
        "digest" => "摘要签名",
        "signed_data_detached" => "数字签名（不含原文）",
        "signed_data_attached" => "数字签名（含原文）",
        "seal" => "电子签章",
        "sm2_cipher" | "enveloped_data" => "数字信封解密",
        _ => "未知类型",
    }
}

impl ScannedItem {
    /// The kind in 简体中文 ([`kind_label`]).
    pub fn kind_label(&self) -> &'static str {
        kind_label(&self.kind)
    }

    /// Sign items: the document's SM3 as the user compares it with the
    /// platform's page, `a1b2c3d4…e5f6a7b8` (the first and last 8 hex
    /// digits: enough to tell documents apart at a glance).
    pub fn digest_text(&self) -> Option<String> {
        let hex = hex::encode(self.sm3.as_deref()?);
        if hex.len() <= 16 {
            return Some(hex);
        }
        Some(format!("{}…{}", &hex[..8], &hex[hex.len() - 8..]))
    }
}

/// A scanned session, claimed by this phone: what the user is shown. It
/// serializes so a phone can keep it while the user decides (the claimed
/// session cannot be fetched again without a fresh QR frame).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Scanned {
    /// The session.
    pub session_id: String,
    /// The relying party's registered name.
    pub relying_party: String,
    /// Its id.
    pub relying_party_id: String,
    /// `auth`, `sign`, `cert`, `decrypt`, `confirm`.
    pub operation: String,
    /// Auth: `login` or `bind`.
    pub purpose: Option<String>,
    /// Auth and cert: the relying party's challenge.
    pub challenge: Option<Vec<u8>>,
    /// Sign items.
    pub items: Vec<ScannedItem>,
    /// Envelopes.
    pub envelopes: Vec<ScannedItem>,
    /// Decrypt: the relying party's key.
    pub rp_public_key: Option<Vec<u8>>,
    /// Confirm: the file name.
    pub file_name: Option<String>,
    /// Confirm: the file's hash.
    pub file_hash: Option<Vec<u8>>,
    /// Confirm: the receipt number.
    pub receipt_number: Option<String>,
    /// The browser's address, if given.
    pub end_user_ip: Option<String>,
    /// The session's state.
    pub state: String,
}

/// How an approval ended on the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Approved {
    /// `complete` after the last step.
    pub state: String,
    /// `ok` when complete.
    pub result: Option<String>,
}

fn hex_opt(v: &Value, name: &str) -> Result<Option<Vec<u8>>, PhoneError> {
    match v.get(name).and_then(Value::as_str) {
        Some(h) => hex::decode(h).map(Some).map_err(|_| protocol(name)),
        None => Ok(None),
    }
}

fn text_opt(v: &Value, name: &str) -> Option<String> {
    v.get(name).and_then(Value::as_str).map(str::to_owned)
}

fn items(v: &Value, name: &str) -> Result<Vec<ScannedItem>, PhoneError> {
    v.get(name)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|i| {
            Ok(ScannedItem {
                label: text(i, "label")?,
                kind: text(i, "kind")?,
                sm3: hex_opt(i, "sm3")?,
                data: hex_opt(i, "data")?,
            })
        })
        .collect()
}

impl Scanned {
    fn from(v: &Value) -> Result<Self, PhoneError> {
        Ok(Scanned {
            session_id: text(v, "session_id")?,
            relying_party: text(v, "relying_party")?,
            relying_party_id: text(v, "relying_party_id")?,
            operation: text(v, "operation")?,
            purpose: text_opt(v, "purpose"),
            challenge: hex_opt(v, "challenge")?,
            items: items(v, "items")?,
            envelopes: items(v, "envelopes")?,
            rp_public_key: hex_opt(v, "rp_public_key")?,
            file_name: text_opt(v, "file_name"),
            file_hash: hex_opt(v, "file_hash")?,
            receipt_number: text_opt(v, "receipt_number"),
            end_user_ip: text_opt(v, "end_user_ip"),
            state: text(v, "state")?,
        })
    }

    /// The exact bytes an auth, cert or confirm session signs, recomputed
    /// here from what was shown (never taken from the server).
    pub fn signed_bytes(&self) -> Option<Vec<u8>> {
        let (rp, session) = (&self.relying_party_id, &self.session_id);
        match self.operation.as_str() {
            "auth" => {
                let op = match self.purpose.as_deref()? {
                    "login" => "auth:login",
                    "bind" => "auth:bind",
                    _ => return None,
                };
                Some(mca_crypto::rp::auth_challenge(
                    rp,
                    session,
                    self.challenge.as_deref()?,
                    op,
                ))
            }
            "cert" => Some(mca_crypto::rp::auth_challenge(
                rp,
                session,
                self.challenge.as_deref()?,
                "cert",
            )),
            "confirm" => Some(mca_crypto::rp::confirm_payload(
                rp,
                session,
                self.file_name.as_deref()?,
                self.file_hash.as_deref()?,
                self.receipt_number.as_deref()?,
            )),
            _ => None,
        }
    }

    /// Whether `message` is what sign item `index` should sign: the raw
    /// data itself (by its SM3), or a structure carrying the document's
    /// SM3 (SignedData signed attributes, a seal's `TBS_Sign`).
    fn item_matches(&self, index: usize, message: &[u8]) -> bool {
        let Some(item) = self.items.get(index) else {
            return false;
        };
        let Some(sm3) = item.sm3.as_deref() else {
            return false;
        };
        match item.kind.as_str() {
            "raw_data" => mca_crypto::sm3::sm3(message) == sm3,
            "signed_data_detached" | "signed_data_attached" | "seal" => {
                sm3.len() == 32 && message.windows(32).any(|w| w == sm3)
            }
            // A bare digest is never signed (it could be any message).
            _ => false,
        }
    }
}

impl Phone {
    /// The key to approve with when the user names none: the only key on
    /// this phone with a signing certificate. With none or several, a
    /// 简体中文 reason listing them and how to choose.
    pub fn only_key(&self) -> Result<String, PhoneError> {
        let usable: Vec<String> = self
            .state_dir()
            .keys()?
            .into_iter()
            .filter(|k| k.signing_certificate.is_some())
            .map(|k| k.key_id)
            .collect();
        match usable.as_slice() {
            [only] => Ok(only.clone()),
            [] => Err(PhoneError::State(
                "本机没有可用的证书密钥：请先下载证书（mca phone download）".into(),
            )),
            several => Err(PhoneError::State(format!(
                "本机有{}个证书密钥，请用 --key 指定其一：{}",
                several.len(),
                several.join("、")
            ))),
        }
    }

    /// Scans a QR frame (`mca://qr?…`): the server checks it and claims the
    /// session for this device; what the user must be shown.
    pub async fn scan(&self, link: &str) -> Result<Scanned, PhoneError> {
        let v = self
            .call(
                Method::POST,
                &format!("{APP}/rp-sessions/scan"),
                Some(json!({ "link": link })),
            )
            .await?;
        Scanned::from(&v)
    }

    /// Refuses the session: it ends `user_refused`.
    pub async fn refuse(&self, session_id: &str) -> Result<Approved, PhoneError> {
        let path = format!("{APP}/rp-sessions/{session_id}/refusal");
        let v = self.call(Method::POST, &path, None).await?;
        Ok(Approved {
            state: text(&v, "state")?,
            result: text_opt(&v, "result"),
        })
    }

    /// Approves the scanned session with `key_id` and its PIN: every step,
    /// one two-party signature each (a decrypt session also opens and
    /// re-encrypts each content key). A wrong PIN is the server's
    /// `wrong_pin`; approving again continues with the step that failed.
    pub async fn approve(
        &self,
        scanned: &Scanned,
        key_id: &str,
        pin: &str,
    ) -> Result<Approved, PhoneError> {
        if scanned.operation == "decrypt" {
            return self.approve_decrypt(scanned, key_id, pin).await;
        }
        let mut key = self.state_dir().key(key_id)?;
        let steps = format!("{APP}/rp-sessions/{}/steps", scanned.session_id);
        let fixed = scanned.signed_bytes();
        loop {
            let begun = self
                .call(Method::POST, &steps, Some(json!({ "key_id": key_id })))
                .await?;
            let index: usize = field(&begun, "index")?;
            let c = Challenge::from(&begun)?;
            if text(&begun, "kind")? != "sign"
                || (fixed.is_none() && !scanned.item_matches(index, &c.challenge.message))
            {
                return Err(protocol("step message"));
            }
            let (done, _) = self
                .finish(
                    &mut key,
                    &format!("{steps}/{index}/finish"),
                    pin,
                    &c,
                    fixed.as_deref(),
                    None,
                )
                .await?;
            let state = text(&done, "state")?;
            if state != "confirming" {
                return Ok(Approved {
                    state,
                    result: text_opt(&done, "result"),
                });
            }
        }
    }

    /// The decrypt steps: T1 → signed authorization → T2 → the content key
    /// here → re-encrypted to the relying party's key → the server.
    async fn approve_decrypt(
        &self,
        scanned: &Scanned,
        key_id: &str,
        pin: &str,
    ) -> Result<Approved, PhoneError> {
        let mut key = self.state_dir().key(key_id)?;
        let encryption = key
            .encryption
            .clone()
            .ok_or_else(|| PhoneError::State("the encryption share was never delivered".into()))?;
        let rp_key = scanned
            .rp_public_key
            .as_deref()
            .and_then(|k| Point::from_sec1(k).ok())
            .ok_or_else(|| protocol("rp_public_key"))?;
        let steps = format!("{APP}/rp-sessions/{}/steps", scanned.session_id);
        let mut last = Approved {
            state: "confirming".into(),
            result: None,
        };
        let mut from = 0;
        while from < scanned.envelopes.len() {
            let next = self.next_envelope(scanned, &steps, key_id, from).await?;
            let Some((index, decryption, blinded, begun)) = next else {
                return Err(protocol("no envelope is next"));
            };
            from = index + 1;
            let c = Challenge::from(&begun)?;
            let expected = mca_crypto::twoparty::server::decryption_authorization(
                c.session_id.as_bytes(),
                &blinded,
            );
            let (done, reply) = self
                .finish(
                    &mut key,
                    &format!("{steps}/{index}/finish"),
                    pin,
                    &c,
                    Some(&expected),
                    Some(("blinded", json!(blinded))),
                )
                .await?;
            let t2: BlindedResult = open(&reply, &c.session_id, &done, "blinded_result")?;
            let share = self.unmask(&encryption, pin)?;
            let content_key = decryption.finish(&share, &t2).map_err(crypto)?;
            let to_rp = mca_crypto::sm2::encrypt(&rp_key, &content_key).map_err(crypto)?;
            let v = self
                .call(
                    Method::POST,
                    &format!("{steps}/{index}/content-key"),
                    Some(json!({ "ciphertext": hex::encode(to_rp.to_der()) })),
                )
                .await?;
            last = Approved {
                state: text(&v, "state")?,
                result: text_opt(&v, "result"),
            };
            if last.state != "confirming" {
                break;
            }
        }
        Ok(last)
    }

    /// Begins the next decrypt step. After an interrupted approval the
    /// phone does not know how many envelopes are done, so it names the
    /// envelope it blinded (`index`) and the server refuses any but the
    /// next one before beginning anything; it tries them in order.
    async fn next_envelope(
        &self,
        scanned: &Scanned,
        steps: &str,
        key_id: &str,
        from: usize,
    ) -> Result<Option<(usize, Decryption, BlindedPoint, Value)>, PhoneError> {
        for (i, envelope) in scanned.envelopes.iter().enumerate().skip(from) {
            let ct = self.envelope_ciphertext(key_id, envelope).await?;
            let (decryption, blinded) = Decryption::start(ct).map_err(crypto)?;
            let body = json!({ "key_id": key_id, "blinded": blinded, "index": i });
            let begun = match self.call(Method::POST, steps, Some(body)).await {
                Err(e) if e.code() == Some("invalid_input") => continue,
                other => other?,
            };
            if text(&begun, "kind")? != "decrypt" || field::<usize>(&begun, "index")? != i {
                return Err(protocol("step"));
            }
            return Ok(Some((i, decryption, blinded, begun)));
        }
        Ok(None)
    }

    /// The SM2 ciphertext of an envelope's content key for this key's
    /// encryption certificate.
    async fn envelope_ciphertext(
        &self,
        key_id: &str,
        envelope: &ScannedItem,
    ) -> Result<Ciphertext, PhoneError> {
        let data = envelope
            .data
            .as_deref()
            .ok_or_else(|| protocol("envelope"))?;
        match envelope.kind.as_str() {
            "sm2_cipher" => Ciphertext::from_der(data).map_err(|_| protocol("envelope")),
            "enveloped_data" => {
                let key = self.state_dir().key(key_id)?;
                let pem = key.encryption_certificate.ok_or_else(|| {
                    PhoneError::State("no encryption certificate on this phone".into())
                })?;
                let cert = mca_pki::cert::Certificate::from_pem(&pem)
                    .map_err(|_| protocol("certificate"))?;
                mca_pki::gmt0010::enveloped::parse(data)
                    .and_then(|e| e.encrypted_key_for(&cert))
                    .map_err(|_| {
                        PhoneError::State(
                            "the envelope is not addressed to this encryption key".into(),
                        )
                    })
            }
            _ => Err(protocol("envelope kind")),
        }
    }
}
