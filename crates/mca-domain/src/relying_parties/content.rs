//! What a session asks of the user ([`SessionContent`]) and what comes
//! back ([`Completion`]), with the checks that keep both within bounds.
//! Both are stored as JSON (byte strings as lower-case hex).

use mca_crypto::rp::{auth_challenge, confirm_payload, is_reserved};
use serde::{Deserialize, Serialize};

use crate::store::RpOperation;
use crate::{DomainError, RelyingPartyId, Result, RpSessionId, Timestamp};

/// Most items in one sign session, envelopes in one decrypt session.
pub const MAX_ITEMS: usize = 20;
/// Longest data to sign in one item (raw data, attached SignedData).
pub const MAX_DATA_BYTES: usize = 64 * 1024;
/// Longest envelope (SM2 ciphertext or EnvelopedData).
pub const MAX_ENVELOPE_BYTES: usize = 16 * 1024;
/// Longest result of one item (a SignedData or seal with its certificate).
pub const MAX_RESULT_BYTES: usize = 256 * 1024;
/// Challenge length bounds (bytes of the relying party's randomness).
pub const CHALLENGE_BYTES: std::ops::RangeInclusive<usize> = 16..=64;

/// What kind of signature an item of a sign session asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignItemKind {
    /// An SM2 signature over the data (with Z_A); at most 64 KiB, and not
    /// starting with `MCA-` (Mobile CA's own domain tags).
    RawData,
    /// An SM2 signature over a 32-byte SM3 digest the relying party made.
    Digest,
    /// A GM/T 0010 SignedData without content; the data is the content's
    /// 32-byte SM3 digest.
    SignedDataDetached,
    /// A GM/T 0010 SignedData carrying the data (at most 64 KiB).
    SignedDataAttached,
    /// A GB/T 38540 electronic seal over a document; the data is the
    /// document's 32-byte SM3 digest.
    Seal,
}

/// One thing to sign, with the label the app shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignItem {
    /// Shown to the user, e.g. "投标文件 第3章 商务标".
    pub label: String,
    /// What to make.
    pub kind: SignItemKind,
    /// The bytes (see [`SignItemKind`]).
    #[serde(with = "hex")]
    pub data: Vec<u8>,
}

/// The encoding of a content-key envelope.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EnvelopeKind {
    /// SM2 ciphertext (GM/T 0009 SM2Cipher DER) of the content key.
    Sm2Cipher,
    /// A GM/T 0010 EnvelopedData.
    EnvelopedData,
}

/// One envelope to open and re-encrypt to the relying party.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Envelope {
    /// Shown to the user, e.g. the bidder's file name.
    pub label: String,
    /// Its encoding.
    pub kind: EnvelopeKind,
    /// The bytes.
    #[serde(with = "hex")]
    pub data: Vec<u8>,
}

/// Why an auth session is asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthPurpose {
    /// Scan-login (J2, L1, K1).
    Login,
    /// Scan-bind an account to the certificate (J1).
    Bind,
}

/// What a session asks of the user.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "operation", rename_all = "snake_case")]
pub enum SessionContent {
    /// Sign a login or binding challenge.
    Auth {
        /// Login or bind.
        purpose: AuthPurpose,
        /// The relying party's random challenge.
        #[serde(with = "hex")]
        challenge: Vec<u8>,
    },
    /// Sign or seal items.
    Sign {
        /// 1–20 items.
        items: Vec<SignItem>,
    },
    /// Hand over the encryption certificate with a signature over a
    /// challenge.
    Cert {
        /// The relying party's random challenge.
        #[serde(with = "hex")]
        challenge: Vec<u8>,
    },
    /// Re-encrypt content keys to the relying party's ephemeral key, only
    /// inside its opening window.
    Decrypt {
        /// 1–20 envelopes.
        envelopes: Vec<Envelope>,
        /// The relying party's ephemeral SM2 public key (SEC1).
        #[serde(with = "hex")]
        rp_public_key: Vec<u8>,
        /// Opening starts.
        not_before: Timestamp,
        /// Opening ends.
        not_after: Timestamp,
    },
    /// Confirm an upload receipt (K4).
    Confirm {
        /// The uploaded file's name.
        file_name: String,
        /// Its hash (16–64 bytes; SM3 is 32).
        #[serde(with = "hex")]
        file_hash: Vec<u8>,
        /// The platform's receipt number.
        receipt_number: String,
    },
}

/// 1–`max` characters, no control characters.
fn text_ok(s: &str, max: usize) -> bool {
    let n = s.chars().count();
    (1..=max).contains(&n) && !s.chars().any(char::is_control)
}

impl SessionContent {
    /// The operation it is.
    pub fn operation(&self) -> RpOperation {
        match self {
            Self::Auth { .. } => RpOperation::Auth,
            Self::Sign { .. } => RpOperation::Sign,
            Self::Cert { .. } => RpOperation::Cert,
            Self::Decrypt { .. } => RpOperation::Decrypt,
            Self::Confirm { .. } => RpOperation::Confirm,
        }
    }

    /// Checks every field at creation (`now` for the opening window).
    pub fn check(&self, now: Timestamp) -> Result<()> {
        match self {
            Self::Auth { challenge, .. } | Self::Cert { challenge } => {
                if !CHALLENGE_BYTES.contains(&challenge.len()) {
                    return Err(DomainError::InvalidInput("challenge"));
                }
            }
            Self::Sign { items } => {
                if items.is_empty() || items.len() > MAX_ITEMS {
                    return Err(DomainError::InvalidInput("items"));
                }
                for item in items {
                    if !text_ok(&item.label, 64) {
                        return Err(DomainError::InvalidInput("label"));
                    }
                    let ok = match item.kind {
                        SignItemKind::RawData => {
                            (1..=MAX_DATA_BYTES).contains(&item.data.len())
                                && !is_reserved(&item.data)
                        }
                        SignItemKind::SignedDataAttached => {
                            (1..=MAX_DATA_BYTES).contains(&item.data.len())
                        }
                        SignItemKind::Digest
                        | SignItemKind::SignedDataDetached
                        | SignItemKind::Seal => item.data.len() == 32,
                    };
                    if !ok {
                        return Err(DomainError::InvalidInput("data"));
                    }
                }
            }
            Self::Decrypt {
                envelopes,
                rp_public_key,
                not_before,
                not_after,
            } => {
                if envelopes.is_empty() || envelopes.len() > MAX_ITEMS {
                    return Err(DomainError::InvalidInput("envelopes"));
                }
                for e in envelopes {
                    if !text_ok(&e.label, 64) {
                        return Err(DomainError::InvalidInput("label"));
                    }
                    if !(1..=MAX_ENVELOPE_BYTES).contains(&e.data.len()) {
                        return Err(DomainError::InvalidInput("envelope"));
                    }
                }
                // Decoding validates: on the curve, not the identity.
                mca_crypto::sm2::Point::from_sec1(rp_public_key)
                    .map_err(|_| DomainError::InvalidInput("rp_public_key"))?;
                if not_after <= not_before || *not_after <= now {
                    return Err(DomainError::InvalidInput("opening window"));
                }
            }
            Self::Confirm {
                file_name,
                file_hash,
                receipt_number,
            } => {
                if !text_ok(file_name, 255) {
                    return Err(DomainError::InvalidInput("file_name"));
                }
                if !(16..=64).contains(&file_hash.len()) {
                    return Err(DomainError::InvalidInput("file_hash"));
                }
                if !text_ok(receipt_number, 64) {
                    return Err(DomainError::InvalidInput("receipt_number"));
                }
            }
        }
        Ok(())
    }

    /// The labels the app lists (items, envelopes, the file name).
    pub fn labels(&self) -> Vec<&str> {
        match self {
            Self::Sign { items } => items.iter().map(|i| i.label.as_str()).collect(),
            Self::Decrypt { envelopes, .. } => envelopes.iter().map(|e| e.label.as_str()).collect(),
            Self::Confirm { file_name, .. } => vec![file_name.as_str()],
            Self::Auth { .. } | Self::Cert { .. } => Vec::new(),
        }
    }

    /// The exact bytes the phone signs for an auth, cert or confirm
    /// session (`mca_crypto::rp`), bound to the relying party and the
    /// session; `None` for sign and decrypt sessions, whose items say what
    /// is signed.
    pub fn signed_bytes(&self, rp: RelyingPartyId, session: RpSessionId) -> Option<Vec<u8>> {
        let (rp, session) = (rp.to_string(), session.to_string());
        match self {
            Self::Auth { purpose, challenge } => {
                let operation = match purpose {
                    AuthPurpose::Login => "auth:login",
                    AuthPurpose::Bind => "auth:bind",
                };
                Some(auth_challenge(&rp, &session, challenge, operation))
            }
            Self::Cert { challenge } => Some(auth_challenge(&rp, &session, challenge, "cert")),
            Self::Confirm {
                file_name,
                file_hash,
                receipt_number,
            } => Some(confirm_payload(
                &rp,
                &session,
                file_name,
                file_hash,
                receipt_number,
            )),
            Self::Sign { .. } | Self::Decrypt { .. } => None,
        }
    }

    /// Whether `now` is inside a decrypt session's opening window (always
    /// for other sessions).
    pub fn in_window(&self, now: Timestamp) -> bool {
        match self {
            Self::Decrypt {
                not_before,
                not_after,
                ..
            } => *not_before <= now && now <= *not_after,
            _ => true,
        }
    }
}

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

    fn item(kind: SignItemKind, data: Vec<u8>) -> SignItem {
        SignItem {
            label: "招标文件".into(),
            kind,
            data,
        }
    }

    #[test]
    fn sign_items_are_bounded_and_never_mobile_ca_messages() {
        let now = Timestamp(1000);
        let ok = SessionContent::Sign {
            items: vec![
                item(SignItemKind::RawData, b"hello".to_vec()),
                item(SignItemKind::Digest, vec![1; 32]),
                item(SignItemKind::Seal, vec![2; 32]),
            ],
        };
        ok.check(now).unwrap();
        for bad in [
            item(SignItemKind::RawData, b"MCA-RP-AUTH-V1\0x".to_vec()),
            item(SignItemKind::RawData, Vec::new()),
            item(SignItemKind::RawData, vec![0; MAX_DATA_BYTES + 1]),
            item(SignItemKind::Digest, vec![1; 31]),
            item(SignItemKind::SignedDataDetached, vec![1; 33]),
            SignItem {
                label: String::new(),
                ..item(SignItemKind::Digest, vec![1; 32])
            },
            SignItem {
                label: "a\nb".into(),
                ..item(SignItemKind::Digest, vec![1; 32])
            },
        ] {
            let content = SessionContent::Sign { items: vec![bad] };
            assert!(content.check(now).is_err(), "{content:?}");
        }
        let too_many = SessionContent::Sign {
            items: vec![item(SignItemKind::Digest, vec![1; 32]); MAX_ITEMS + 1],
        };
        assert!(too_many.check(now).is_err());
        assert!(SessionContent::Sign { items: vec![] }.check(now).is_err());
    }

    #[test]
    fn decrypt_needs_a_valid_key_and_a_future_window() {
        let key = mca_crypto::sm2::SecretKey::generate().unwrap();
        let content = |pk: Vec<u8>, nb: i64, na: i64| SessionContent::Decrypt {
            envelopes: vec![Envelope {
                label: "投标人A".into(),
                kind: EnvelopeKind::Sm2Cipher,
                data: vec![0x30, 1, 2],
            }],
            rp_public_key: pk,
            not_before: Timestamp(nb),
            not_after: Timestamp(na),
        };
        let pk = key.public_key().to_sec1().to_vec();
        content(pk.clone(), 900, 2000)
            .check(Timestamp(1000))
            .unwrap();
        assert!(
            content(pk.clone(), 900, 1000)
                .check(Timestamp(1000))
                .is_err()
        );
        assert!(
            content(pk.clone(), 2000, 1900)
                .check(Timestamp(1000))
                .is_err()
        );
        let mut off_curve = pk.clone();
        off_curve[64] ^= 1;
        assert!(
            content(off_curve, 900, 2000)
                .check(Timestamp(1000))
                .is_err()
        );
        let c = content(pk, 1100, 1200);
        assert!(!c.in_window(Timestamp(1099)));
        assert!(c.in_window(Timestamp(1100)) && c.in_window(Timestamp(1200)));
        assert!(!c.in_window(Timestamp(1201)));
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

    #[test]
    fn signed_bytes_bind_the_relying_party_session_and_purpose() {
        let (rp, s) = (RelyingPartyId::new(), RpSessionId::new());
        let login = SessionContent::Auth {
            purpose: AuthPurpose::Login,
            challenge: vec![9; 16],
        };
        let bind = SessionContent::Auth {
            purpose: AuthPurpose::Bind,
            challenge: vec![9; 16],
        };
        let a = login.signed_bytes(rp, s).unwrap();
        assert!(a.starts_with(mca_crypto::rp::AUTH_TAG));
        assert_ne!(Some(a.clone()), bind.signed_bytes(rp, s));
        assert_ne!(
            Some(a.clone()),
            login.signed_bytes(RelyingPartyId::new(), s)
        );
        assert_ne!(Some(a), login.signed_bytes(rp, RpSessionId::new()));
        assert_eq!(
            SessionContent::Sign { items: vec![] }.signed_bytes(rp, s),
            None
        );
    }
}
