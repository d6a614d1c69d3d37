//! What an `Ok` session hands its relying party ([`Completion`]: the
//! certificates and one [`ItemResult`] per item), checked against what the
//! session asked. Stored as JSON (byte strings as lower-case hex).

use serde::{Deserialize, Serialize};

use super::content::{MAX_RESULT_BYTES, SessionContent, SignItemKind};
use crate::{DomainError, Result};

/// The result of one item.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "der", rename_all = "snake_case")]
pub enum ItemResult {
    /// An SM2 signature (DER), for raw data, digests and the signed bytes
    /// of auth, cert and confirm sessions.
    Signature(#[serde(with = "hex")] Vec<u8>),
    /// A GM/T 0010 SignedData (DER).
    SignedData(#[serde(with = "hex")] Vec<u8>),
    /// A GB/T 38540 seal signature (DER).
    Seal(#[serde(with = "hex")] Vec<u8>),
    /// The content key re-encrypted to the relying party's ephemeral key
    /// (SM2Cipher DER).
    ContentKey(#[serde(with = "hex")] Vec<u8>),
}

impl ItemResult {
    fn bytes(&self) -> &[u8] {
        match self {
            Self::Signature(b) | Self::SignedData(b) | Self::Seal(b) | Self::ContentKey(b) => b,
        }
    }
}

/// What an `Ok` session hands the relying party: the certificates used
/// (DER, the signing certificate first; a cert session adds the encryption
/// certificate) and one result per item, in order.
#[derive(Clone, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Completion {
    /// DER certificates.
    #[serde(with = "hex_list")]
    pub certificates: Vec<Vec<u8>>,
    /// One per item (sign), per envelope (decrypt), or one signature.
    pub items: Vec<ItemResult>,
}

impl Completion {
    /// Checks that the results answer exactly what `content` asked.
    pub fn check(&self, content: &SessionContent) -> Result<()> {
        let bad = DomainError::InvalidInput("results");
        let sizes_ok = self
            .items
            .iter()
            .map(ItemResult::bytes)
            .chain(self.certificates.iter().map(Vec::as_slice))
            .all(|b| (1..=MAX_RESULT_BYTES).contains(&b.len()));
        if !sizes_ok || self.certificates.len() > 4 {
            return Err(bad);
        }
        let one_signature = matches!(self.items.as_slice(), [ItemResult::Signature(_)]);
        let ok = match content {
            SessionContent::Auth { .. } | SessionContent::Confirm { .. } => {
                one_signature && !self.certificates.is_empty()
            }
            SessionContent::Cert { .. } => one_signature && self.certificates.len() >= 2,
            SessionContent::Sign { items } => {
                !self.certificates.is_empty()
                    && items.len() == self.items.len()
                    && items.iter().zip(&self.items).all(|(i, r)| {
                        matches!(
                            (i.kind, r),
                            (
                                SignItemKind::RawData | SignItemKind::Digest,
                                ItemResult::Signature(_)
                            ) | (
                                SignItemKind::SignedDataDetached | SignItemKind::SignedDataAttached,
                                ItemResult::SignedData(_)
                            ) | (SignItemKind::Seal, ItemResult::Seal(_))
                        )
                    })
            }
            SessionContent::Decrypt { envelopes, .. } => {
                envelopes.len() == self.items.len()
                    && self
                        .items
                        .iter()
                        .all(|r| matches!(r, ItemResult::ContentKey(_)))
            }
        };
        if ok { Ok(()) } else { Err(bad) }
    }
}

/// A list of byte strings as a JSON array of hex strings.
mod hex_list {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &[Vec<u8>], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(v.iter().map(hex::encode))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Vec<u8>>, D::Error> {
        Vec::<String>::deserialize(d)?
            .iter()
            .map(|h| hex::decode(h).map_err(serde::de::Error::custom))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::relying_parties::content::SignItem;

    fn item(kind: SignItemKind, data: Vec<u8>) -> SignItem {
        SignItem {
            label: "招标文件".into(),
            kind,
            data,
        }
    }

    #[test]
    fn completions_must_answer_what_was_asked() {
        let sign = SessionContent::Sign {
            items: vec![
                item(SignItemKind::RawData, b"x".to_vec()),
                item(SignItemKind::SignedDataAttached, b"y".to_vec()),
                item(SignItemKind::Seal, vec![0; 32]),
            ],
        };
        let good = Completion {
            certificates: vec![vec![0x30]],
            items: vec![
                ItemResult::Signature(vec![1]),
                ItemResult::SignedData(vec![2]),
                ItemResult::Seal(vec![3]),
            ],
        };
        good.check(&sign).unwrap();
        let mut swapped = good.clone();
        swapped.items.swap(1, 2);
        assert!(swapped.check(&sign).is_err());
        let mut short = good.clone();
        short.items.pop();
        assert!(short.check(&sign).is_err());
        let mut no_cert = good.clone();
        no_cert.certificates.clear();
        assert!(no_cert.check(&sign).is_err());
        let mut empty = good.clone();
        empty.items[0] = ItemResult::Signature(Vec::new());
        assert!(empty.check(&sign).is_err());

        let cert = SessionContent::Cert {
            challenge: vec![0; 16],
            expected_holder: None,
        };
        let one = Completion {
            certificates: vec![vec![0x30]],
            items: vec![ItemResult::Signature(vec![1])],
        };
        assert!(
            one.check(&cert).is_err(),
            "cert needs the encryption certificate too"
        );
        Completion {
            certificates: vec![vec![0x30], vec![0x31]],
            ..one.clone()
        }
        .check(&cert)
        .unwrap();
    }

    #[test]
    fn content_and_results_round_trip_as_json() {
        let c = SessionContent::Confirm {
            file_name: "投标文件.zip".into(),
            file_hash: vec![0xAB; 32],
            receipt_number: "R-1".into(),
        };
        let json = serde_json::to_string(&c).unwrap();
        assert!(json.contains("\"operation\":\"confirm\"") && json.contains(&"ab".repeat(32)));
        assert_eq!(serde_json::from_str::<SessionContent>(&json).unwrap(), c);
        let done = Completion {
            certificates: vec![vec![0x30, 0x82]],
            items: vec![ItemResult::ContentKey(vec![0xCD])],
        };
        let json = serde_json::to_string(&done).unwrap();
        assert_eq!(
            json,
            r#"{"certificates":["3082"],"items":[{"kind":"content_key","der":"cd"}]}"#
        );
        assert_eq!(serde_json::from_str::<Completion>(&json).unwrap(), done);
    }
}
