//! What a session asks of the user ([`SessionContent`]), with the checks
//! that keep it within bounds. It is the relying party's request body as
//! much as the stored form (JSON, byte strings as lower-case hex, times
//! RFC 3339), so every type here refuses unknown fields: a misspelt
//! security field (say `expected_holdr`) must be an error, not ignored.

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
/// Longest opening window of a decrypt session (a bid opening is held
/// within one day; a wider window would let decryption run at any time).
pub const MAX_OPENING_WINDOW_SECS: i64 = 86_400;

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
#[serde(deny_unknown_fields)]
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
#[serde(deny_unknown_fields)]
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

/// Whom the relying party expects the certificate to name (J1 binding an
/// account it knows): the person's name, and for an enterprise certificate
/// the unified social credit code. Checked against the certificate's
/// subject before the key signs anything.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectedHolder {
    /// The holder's name as the platform account has it (the subject CN).
    pub name: String,
    /// The enterprise's credit code (the subject serialNumber), if the
    /// account is an enterprise's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credit_code: Option<String>,
}

impl ExpectedHolder {
    /// Whether a certificate whose subject has `common_name` and
    /// `credit_code` is this holder's. A credit code expected but absent
    /// (a personal certificate) does not match.
    pub fn matches(&self, common_name: Option<&str>, credit_code: Option<&str>) -> bool {
        let name_ok = common_name.is_some_and(|cn| cn.trim() == self.name.trim());
        let code_ok = match &self.credit_code {
            None => true,
            Some(want) => credit_code.is_some_and(|c| c.eq_ignore_ascii_case(want.trim())),
        };
        name_ok && code_ok
    }

    fn check(&self) -> Result<()> {
        if !text_ok(&self.name, 64) {
            return Err(DomainError::InvalidInput("expected_holder.name"));
        }
        if let Some(code) = &self.credit_code {
            crate::CreditCode::parse(code)
                .map_err(|_| DomainError::InvalidInput("expected_holder.credit_code"))?;
        }
        Ok(())
    }
}

/// What a session asks of the user.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "operation", rename_all = "snake_case", deny_unknown_fields)]
pub enum SessionContent {
    /// Sign a login or binding challenge.
    Auth {
        /// Login or bind.
        purpose: AuthPurpose,
        /// The relying party's random challenge.
        #[serde(with = "hex")]
        challenge: Vec<u8>,
        /// Whom the certificate must name (a binding to a known account).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        expected_holder: Option<ExpectedHolder>,
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
        /// Whom the certificate must name.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        expected_holder: Option<ExpectedHolder>,
    },
    /// Re-encrypt content keys to the relying party's ephemeral key, only
    /// inside its opening window.
    Decrypt {
        /// 1–20 envelopes.
        envelopes: Vec<Envelope>,
        /// The relying party's ephemeral SM2 public key (SEC1).
        #[serde(with = "hex")]
        rp_public_key: Vec<u8>,
        /// Opening starts (RFC 3339).
        #[serde(with = "crate::time::rfc3339")]
        not_before: Timestamp,
        /// Opening ends (RFC 3339); at most a day after the start.
        #[serde(with = "crate::time::rfc3339")]
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
            Self::Auth {
                challenge,
                expected_holder,
                ..
            }
            | Self::Cert {
                challenge,
                expected_holder,
            } => {
                if !CHALLENGE_BYTES.contains(&challenge.len()) {
                    return Err(DomainError::InvalidInput("challenge"));
                }
                if let Some(holder) = expected_holder {
                    holder.check()?;
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
                if not_after <= not_before {
                    return Err(DomainError::InvalidOpeningWindow(
                        "开标结束时间须晚于开始时间",
                    ));
                }
                if not_after.secs() - not_before.secs() > MAX_OPENING_WINDOW_SECS {
                    return Err(DomainError::InvalidOpeningWindow(
                        "开标时间窗口不得超过24小时",
                    ));
                }
                if *not_after <= now {
                    return Err(DomainError::InvalidOpeningWindow("开标时间窗口已结束"));
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
            Self::Auth {
                purpose, challenge, ..
            } => {
                let operation = match purpose {
                    AuthPurpose::Login => "auth:login",
                    AuthPurpose::Bind => "auth:bind",
                };
                Some(auth_challenge(&rp, &session, challenge, operation))
            }
            Self::Cert { challenge, .. } => Some(auth_challenge(&rp, &session, challenge, "cert")),
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

    /// Whom the certificate must name, if the relying party said.
    pub fn expected_holder(&self) -> Option<&ExpectedHolder> {
        match self {
            Self::Auth {
                expected_holder, ..
            }
            | Self::Cert {
                expected_holder, ..
            } => expected_holder.as_ref(),
            _ => None,
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

#[cfg(test)]
mod tests;
