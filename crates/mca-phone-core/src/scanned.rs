//! What a relying-party session shows (RP-API.md, contract C), and the
//! bytes the phone agrees to sign for it.
//!
//! The phone signs only what it was shown: for auth, cert and confirm it
//! recomputes the exact bytes ([`Scanned::signed_bytes`]) from the scanned
//! session; for raw data it checks the message's SM3 against the item's;
//! for SignedData and seals it checks that the prepared structure carries
//! the document's SM3 ([`Scanned::item_matches`]).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::CoreError;
use crate::wire::{hex_opt, text, text_opt};

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

/// What the user is shown for a session's operation.
pub fn operation_label(operation: &str, purpose: Option<&str>) -> &'static str {
    match (operation, purpose) {
        ("auth", Some("bind")) => "绑定账号",
        ("auth", _) => "扫码登录",
        ("sign", _) => "签名",
        ("cert", _) => "提供证书",
        ("decrypt", _) => "解密",
        ("confirm", _) => "确认文件",
        _ => "未知操作",
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

    fn from_json(i: &Value) -> Result<Self, CoreError> {
        Ok(ScannedItem {
            label: text(i, "label")?,
            kind: text(i, "kind")?,
            sm3: hex_opt(i, "sm3")?,
            data: hex_opt(i, "data")?,
        })
    }

    fn view(&self) -> ItemView {
        ItemView {
            label: self.label.clone(),
            kind: self.kind.clone(),
            kind_label: self.kind_label().to_owned(),
            digest_text: self.digest_text(),
        }
    }
}

/// A scanned session, claimed by this phone: what the user is shown. It
/// serializes so a phone can keep it while the user decides (the claimed
/// session cannot be fetched again without a fresh QR frame).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
    /// The browser's city, if the server located it.
    #[serde(default)]
    pub city: Option<String>,
    /// The session's state.
    pub state: String,
}

/// One item as the app shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemView {
    /// Its label.
    pub label: String,
    /// Its wire kind.
    pub kind: String,
    /// The kind in 简体中文.
    pub kind_label: String,
    /// Sign items: the short digest text.
    pub digest_text: Option<String>,
}

/// A scanned session as the app shows it: labels computed here, no raw
/// bytes (JS contract `Scanned`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScannedView {
    /// The session.
    pub session_id: String,
    /// The relying party's name.
    pub relying_party: String,
    /// The operation's wire name.
    pub operation: String,
    /// The operation in 简体中文.
    pub operation_label: String,
    /// Auth: `login` or `bind`.
    pub purpose: Option<String>,
    /// Sign items.
    pub items: Vec<ItemView>,
    /// Envelopes.
    pub envelopes: Vec<ItemView>,
    /// Confirm: the file name.
    pub file_name: Option<String>,
    /// Confirm: the receipt number.
    pub receipt_number: Option<String>,
    /// The browser's address.
    pub end_user_ip: Option<String>,
    /// The browser's city.
    pub city: Option<String>,
    /// The session's state.
    pub state: String,
}

impl Scanned {
    /// From the server's answer to the scan.
    pub fn from_json(v: &Value) -> Result<Self, CoreError> {
        let items = |name: &str| -> Result<Vec<ScannedItem>, CoreError> {
            v.get(name)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(ScannedItem::from_json)
                .collect()
        };
        Ok(Scanned {
            session_id: text(v, "session_id")?,
            relying_party: text(v, "relying_party")?,
            relying_party_id: text(v, "relying_party_id")?,
            operation: text(v, "operation")?,
            purpose: text_opt(v, "purpose"),
            challenge: hex_opt(v, "challenge")?,
            items: items("items")?,
            envelopes: items("envelopes")?,
            rp_public_key: hex_opt(v, "rp_public_key")?,
            file_name: text_opt(v, "file_name"),
            file_hash: hex_opt(v, "file_hash")?,
            receipt_number: text_opt(v, "receipt_number"),
            end_user_ip: text_opt(v, "end_user_ip"),
            city: text_opt(v, "city"),
            state: text(v, "state")?,
        })
    }

    /// What the app shows.
    pub fn view(&self) -> ScannedView {
        ScannedView {
            session_id: self.session_id.clone(),
            relying_party: self.relying_party.clone(),
            operation: self.operation.clone(),
            operation_label: operation_label(&self.operation, self.purpose.as_deref()).to_owned(),
            purpose: self.purpose.clone(),
            items: self.items.iter().map(ScannedItem::view).collect(),
            envelopes: self.envelopes.iter().map(ScannedItem::view).collect(),
            file_name: self.file_name.clone(),
            receipt_number: self.receipt_number.clone(),
            end_user_ip: self.end_user_ip.clone(),
            city: self.city.clone(),
            state: self.state.clone(),
        }
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
    pub fn item_matches(&self, index: usize, message: &[u8]) -> bool {
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn session(operation: &str, extra: Value) -> Scanned {
        let mut v = json!({
            "session_id": "s-1", "relying_party": "某交易平台", "relying_party_id": "rp-1",
            "operation": operation, "state": "scanned",
        });
        for (k, x) in extra.as_object().unwrap() {
            v[k] = x.clone();
        }
        Scanned::from_json(&v).unwrap()
    }

    #[test]
    fn auth_cert_and_confirm_sign_bytes_recomputed_here() {
        let login = session("auth", json!({"purpose": "login", "challenge": "0102"}));
        assert_eq!(
            login.signed_bytes().unwrap(),
            mca_crypto::rp::auth_challenge("rp-1", "s-1", &[1, 2], "auth:login")
        );
        let bind = session("auth", json!({"purpose": "bind", "challenge": "0102"}));
        assert_ne!(bind.signed_bytes(), login.signed_bytes());
        let odd = session("auth", json!({"purpose": "other", "challenge": "0102"}));
        assert_eq!(odd.signed_bytes(), None);
        let cert = session("cert", json!({"challenge": "0102"}));
        assert_eq!(
            cert.signed_bytes().unwrap(),
            mca_crypto::rp::auth_challenge("rp-1", "s-1", &[1, 2], "cert")
        );
        let confirm = session(
            "confirm",
            json!({"file_name": "标书.pdf", "file_hash": "aa", "receipt_number": "R1"}),
        );
        assert_eq!(
            confirm.signed_bytes().unwrap(),
            mca_crypto::rp::confirm_payload("rp-1", "s-1", "标书.pdf", &[0xaa], "R1")
        );
        assert_eq!(session("sign", json!({})).signed_bytes(), None);
    }

    #[test]
    fn sign_items_match_only_their_document() {
        let doc = b"the tender document";
        let sm3 = mca_crypto::sm3::sm3(doc);
        let items = json!({"items": [
            {"label": "投标文件", "kind": "raw_data", "sm3": hex::encode(sm3)},
            {"label": "签名", "kind": "signed_data_detached", "sm3": hex::encode(sm3)},
            {"label": "摘要", "kind": "digest", "sm3": hex::encode(sm3)},
        ]});
        let s = session("sign", items);
        assert!(s.item_matches(0, doc));
        assert!(!s.item_matches(0, b"another document"));
        let attrs = [b"attrs:".as_slice(), &sm3, b":end"].concat();
        assert!(s.item_matches(1, &attrs));
        assert!(!s.item_matches(1, b"attributes without the hash"));
        assert!(!s.item_matches(2, &sm3), "a bare digest is never signed");
        assert!(!s.item_matches(3, doc), "no such item");
    }

    #[test]
    fn the_view_has_chinese_labels_and_short_digests() {
        let s = session(
            "sign",
            json!({"items": [{"label": "投标文件", "kind": "seal", "sm3": "00112233445566778899aabbccddeeff"}],
                   "city": "杭州"}),
        );
        let v = s.view();
        assert_eq!(v.operation_label, "签名");
        assert_eq!(v.items[0].kind_label, "电子签章");
        assert_eq!(v.items[0].digest_text.as_deref(), Some("00112233…ccddeeff"));
        assert_eq!(v.city.as_deref(), Some("杭州"));
        assert_eq!(kind_label("enveloped_data"), "数字信封解密");
        assert_eq!(kind_label("x"), "未知类型");
        assert_eq!(operation_label("auth", Some("bind")), "绑定账号");
        assert!(Scanned::from_json(&json!({"session_id": "s"})).is_err());
    }
}
