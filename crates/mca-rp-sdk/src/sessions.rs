//! The session types of the RP API (contract A.1–A.3): what a relying
//! party asks for, what creation returns, and the session view the long
//! poll answers. These are this crate's own serde types; they mirror the
//! server's JSON, so a platform needs nothing but this crate.
//!
//! Byte strings are lower-case hex on the wire; times are RFC 3339 text
//! on the wire and unix seconds here (see [`crate::time`]). The server
//! refuses unknown fields in a request: what this crate sends is exactly
//! the documented body.

use serde::{Deserialize, Serialize};

use crate::secret::QrSecret;
use crate::time::{de_time, ser_time};

/// Why an auth session is asked for. It is part of the signed bytes
/// (`auth:login` / `auth:bind`), so a login signature is no binding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthPurpose {
    /// Scan-login.
    Login,
    /// Scan-bind an existing platform account to the certificate.
    Bind,
}

impl AuthPurpose {
    /// The operation text the phone signs (`mca_crypto::rp::auth_challenge`).
    pub fn signed_operation(self) -> &'static str {
        match self {
            AuthPurpose::Login => "auth:login",
            AuthPurpose::Bind => "auth:bind",
        }
    }
}

/// What one item of a sign session asks for.
///
/// A bare `digest` item is not offered: the server refuses it
/// (`unsupported_item`), because signing a caller-supplied e could sign
/// another relying party's login challenge.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignItemKind {
    /// An SM2 signature (with Z_A) over the data; the data must not start
    /// with `MCA-`.
    RawData,
    /// A GM/T 0010 SignedData without content; the data is SM3(content).
    SignedDataDetached,
    /// A GM/T 0010 SignedData carrying the data.
    SignedDataAttached,
    /// A GB/T 38540 electronic seal signature; the data is SM3(document).
    Seal,
}

/// One thing to sign, with the label the app shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignItem {
    /// Shown to the user (1–64 characters), e.g. "招标公告".
    pub label: String,
    /// What to make.
    pub kind: SignItemKind,
    /// The bytes the server receives (see [`SignItemKind`]).
    #[serde(with = "hex")]
    pub data: Vec<u8>,
}

impl SignItem {
    /// A plain SM2 signature over `data`.
    pub fn raw_data(label: impl Into<String>, data: impl Into<Vec<u8>>) -> Self {
        Self::new(label, SignItemKind::RawData, data.into())
    }

    /// A detached SignedData over `content` (only its SM3 digest is sent).
    pub fn signed_data_detached(label: impl Into<String>, content: &[u8]) -> Self {
        Self::new(
            label,
            SignItemKind::SignedDataDetached,
            mca_crypto::sm3::sm3(content).to_vec(),
        )
    }

    /// An attached SignedData carrying `content` (at most 64 KiB).
    pub fn signed_data_attached(label: impl Into<String>, content: impl Into<Vec<u8>>) -> Self {
        Self::new(label, SignItemKind::SignedDataAttached, content.into())
    }

    /// An electronic seal over `document` (only its SM3 digest is sent).
    pub fn seal(label: impl Into<String>, document: &[u8]) -> Self {
        Self::new(
            label,
            SignItemKind::Seal,
            mca_crypto::sm3::sm3(document).to_vec(),
        )
    }

    fn new(label: impl Into<String>, kind: SignItemKind, data: Vec<u8>) -> Self {
        SignItem {
            label: label.into(),
            kind,
            data,
        }
    }
}

/// The encoding of a content-key envelope.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EnvelopeKind {
    /// GM/T 0009 SM2Cipher DER of the content key.
    Sm2Cipher,
    /// A GM/T 0010 EnvelopedData.
    EnvelopedData,
}

/// One envelope whose content key the user re-encrypts to the relying
/// party.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Envelope {
    /// Shown to the user, e.g. "某公司投标文件".
    pub label: String,
    /// Its encoding.
    pub kind: EnvelopeKind,
    /// The bytes.
    #[serde(with = "hex")]
    pub data: Vec<u8>,
}

/// When a decrypt session may run (unix seconds, both ends included).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OpeningWindow {
    /// Opening starts.
    pub not_before: i64,
    /// Opening ends.
    pub not_after: i64,
}

/// Whom a bind (or cert) session expects the certificate to name: the
/// platform account's holder. Another person's certificate ends the
/// session [`EndResult::HolderMismatch`] before anything is signed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpectedHolder {
    /// The person's name (the certificate subject's CN).
    pub name: String,
    /// An enterprise account's unified social credit code (the subject's
    /// serialNumber); a personal certificate never matches one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credit_code: Option<String>,
}

/// What a session asks of the user (the body of `POST /sessions`, tagged
/// by `operation`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "operation", rename_all = "snake_case")]
pub enum SessionRequest {
    /// Sign a login or binding challenge.
    Auth {
        /// Login or bind.
        purpose: AuthPurpose,
        /// 16–64 random bytes of the relying party ([`random_challenge`]).
        #[serde(with = "hex")]
        challenge: Vec<u8>,
        /// Binding a known account: whom the certificate must name.
        #[serde(skip_serializing_if = "Option::is_none")]
        expected_holder: Option<ExpectedHolder>,
    },
    /// Sign or seal 1–20 items.
    Sign {
        /// The items, in the order the results come back.
        items: Vec<SignItem>,
    },
    /// Hand over the encryption certificate with a signature over a
    /// challenge.
    Cert {
        /// 16–64 random bytes.
        #[serde(with = "hex")]
        challenge: Vec<u8>,
        /// Whom the certificate must name, if the account is known.
        #[serde(skip_serializing_if = "Option::is_none")]
        expected_holder: Option<ExpectedHolder>,
    },
    /// Re-encrypt 1–20 content keys to `rp_public_key`.
    Decrypt {
        /// The envelopes, in the order the content keys come back.
        envelopes: Vec<Envelope>,
        /// The relying party's ephemeral SM2 public key (SEC1).
        #[serde(with = "hex")]
        rp_public_key: Vec<u8>,
        /// Opening starts (unix seconds; RFC 3339 on the wire).
        #[serde(serialize_with = "ser_time")]
        not_before: i64,
        /// Opening ends (unix seconds; RFC 3339 on the wire), at most 24
        /// hours after the start and not yet past.
        #[serde(serialize_with = "ser_time")]
        not_after: i64,
    },
    /// Confirm an upload receipt.
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

/// 32 fresh random bytes for an auth or cert challenge. Keep them with
/// your session: [`crate::Verifier::verify_auth`] needs them back.
pub fn random_challenge() -> crate::Result<[u8; 32]> {
    mca_crypto::rand::bytes().map_err(|_| crate::Error::Crypto("random source"))
}

/// The body of `POST /sessions`.
#[derive(Serialize)]
pub(crate) struct CreateBody<'a> {
    #[serde(flatten)]
    pub request: &'a SessionRequest,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_user_ip: Option<&'a str>,
}

/// What an operation is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Operation {
    /// Scan-login, scan-bind.
    Auth,
    /// Sign or seal items.
    Sign,
    /// Hand over the encryption certificate.
    Cert,
    /// Re-encrypt content keys.
    Decrypt,
    /// Confirm an upload receipt.
    Confirm,
}

/// Where a session stands. `Complete` never changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionState {
    /// Waiting for a phone to scan the QR code.
    Created,
    /// Claimed by one phone; the user sees what is asked.
    Scanned,
    /// The user is entering the PIN.
    Confirming,
    /// Finished; see the result.
    Complete,
}

impl SessionState {
    /// The wire text.
    pub fn as_str(self) -> &'static str {
        match self {
            SessionState::Created => "created",
            SessionState::Scanned => "scanned",
            SessionState::Confirming => "confirming",
            SessionState::Complete => "complete",
        }
    }
}

/// How a session ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EndResult {
    /// Done; the completion holds the results.
    Ok,
    /// The user declined on the phone.
    UserRefused,
    /// Staff without an authorization for this platform.
    NotAuthorized,
    /// The certificate is revoked.
    CertificateRevoked,
    /// The certificate has expired.
    CertificateExpired,
    /// The key is locked.
    PinLocked,
    /// The certificate does not name the [`ExpectedHolder`].
    HolderMismatch,
    /// Not scanned or not finished in time.
    Timeout,
    /// Cancelled by the relying party.
    Cancelled,
    /// The phone and server could not complete the protocol.
    ProtocolFailure,
    /// A result this SDK version does not know; the hint says what to show.
    #[serde(other)]
    Other,
}

impl EndResult {
    /// The wire text (`None` for [`EndResult::Other`]).
    pub fn as_str(self) -> Option<&'static str> {
        Some(match self {
            EndResult::Ok => "ok",
            EndResult::UserRefused => "user_refused",
            EndResult::NotAuthorized => "not_authorized",
            EndResult::CertificateRevoked => "certificate_revoked",
            EndResult::CertificateExpired => "certificate_expired",
            EndResult::PinLocked => "pin_locked",
            EndResult::HolderMismatch => "holder_mismatch",
            EndResult::Timeout => "timeout",
            EndResult::Cancelled => "cancelled",
            EndResult::ProtocolFailure => "protocol_failure",
            EndResult::Other => return None,
        })
    }
}

/// What the web page should show: a stable code (the state while
/// unfinished, the end result after) and Mobile CA's 简体中文 text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hint {
    /// Stable code, e.g. `outstanding`, `scanned`, `user_refused`.
    pub code: String,
    /// Text for the page, e.g. "已扫描，请在手机上确认".
    pub message: String,
}

/// The result of one item, in request order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "der", rename_all = "snake_case")]
pub enum ItemResult {
    /// An SM2 signature (DER): raw data, and the signed bytes of auth,
    /// cert and confirm sessions.
    Signature(#[serde(with = "hex")] Vec<u8>),
    /// A GM/T 0010 SignedData (DER).
    SignedData(#[serde(with = "hex")] Vec<u8>),
    /// A GB/T 38540 `SES_Signature` (DER).
    Seal(#[serde(with = "hex")] Vec<u8>),
    /// The content key re-encrypted to the relying party's ephemeral key
    /// (SM2Cipher DER); open it with [`crate::open_content_key`].
    ContentKey(#[serde(with = "hex")] Vec<u8>),
}

/// What a session that ended `ok` hands back: the user's certificates (DER,
/// the signing certificate first; a cert session adds the encryption
/// certificate) and one result per item.
#[derive(Clone, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Completion {
    /// DER certificates.
    #[serde(with = "hex_list")]
    pub certificates: Vec<Vec<u8>>,
    /// One per item (sign), per envelope (decrypt), or one signature.
    pub items: Vec<ItemResult>,
}

/// A session as `GET /sessions/{id}` (and cancel) answer it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionView {
    /// The session.
    pub session_id: String,
    /// What it asks.
    pub operation: Operation,
    /// Where it stands.
    pub state: SessionState,
    /// How it ended (once complete).
    #[serde(default)]
    pub result: Option<EndResult>,
    /// What the page should show.
    #[serde(default)]
    pub hint: Option<Hint>,
    /// The results (complete + ok only).
    #[serde(default)]
    pub completion: Option<Completion>,
    /// Auth, cert and confirm: the exact bytes the user's key signed, as
    /// the server says. [`crate::Verifier`] recomputes them instead of
    /// trusting this field.
    #[serde(default, with = "opt_hex")]
    pub signed_bytes: Option<Vec<u8>>,
}

impl SessionView {
    /// Whether the session is finished (its state never changes again).
    pub fn is_complete(&self) -> bool {
        self.state == SessionState::Complete
    }

    /// The completion of a session that ended `ok`; `None` otherwise.
    pub fn ok_completion(&self) -> Option<&Completion> {
        match (self.state, self.result) {
            (SessionState::Complete, Some(EndResult::Ok)) => self.completion.as_ref(),
            _ => None,
        }
    }
}

/// A new session, as `POST /sessions` returned it.
#[derive(Clone, Debug)]
pub struct Created {
    /// The session (for collect, cancel and the signed bytes).
    pub session_id: String,
    /// The token the QR frames carry.
    pub public_token: String,
    /// The frame secret: keep it on the back end, never in the browser.
    pub qr_secret: QrSecret,
    /// `created`.
    pub state: SessionState,
    /// Unclaimed after this instant, the session times out.
    pub claim_deadline: i64,
    /// Unfinished after this instant, the session times out.
    pub expires_at: i64,
    /// This machine's clock when the answer arrived: frames count from it.
    pub received_at: i64,
    /// Whether this answers a retry with the same Idempotency-Key (200).
    pub replayed: bool,
}

/// The JSON of a creation answer.
#[derive(Deserialize)]
pub(crate) struct CreatedWire {
    pub session_id: String,
    pub public_token: String,
    pub qr_secret: String,
    pub state: SessionState,
    #[serde(deserialize_with = "de_time")]
    pub claim_deadline: i64,
    #[serde(deserialize_with = "de_time")]
    pub expires_at: i64,
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

/// An optional byte string as hex or `null`.
mod opt_hex {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &Option<Vec<u8>>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(b) => s.serialize_str(&hex::encode(b)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<u8>>, D::Error> {
        Option::<String>::deserialize(d)?
            .map(|h| hex::decode(h).map_err(serde::de::Error::custom))
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_serialize_as_the_contract_says() {
        let auth = SessionRequest::Auth {
            purpose: AuthPurpose::Login,
            challenge: vec![0xAB; 16],
            expected_holder: None,
        };
        let body = serde_json::to_value(CreateBody {
            request: &auth,
            end_user_ip: Some("203.0.113.7"),
        })
        .unwrap();
        assert_eq!(
            body,
            serde_json::json!({"operation":"auth","purpose":"login",
                "challenge":"ab".repeat(16),"end_user_ip":"203.0.113.7"})
        );
        let sign = SessionRequest::Sign {
            items: vec![
                SignItem::raw_data("招标公告", b"hello".to_vec()),
                SignItem::seal("投标文件", b"%PDF"),
            ],
        };
        let body = serde_json::to_value(CreateBody {
            request: &sign,
            end_user_ip: None,
        })
        .unwrap();
        assert_eq!(
            body,
            serde_json::json!({"operation":"sign","items":[
                {"label":"招标公告","kind":"raw_data","data":"68656c6c6f"},
                {"label":"投标文件","kind":"seal","data":hex::encode(mca_crypto::sm3::sm3(b"%PDF"))}]})
        );
        let decrypt = SessionRequest::Decrypt {
            envelopes: vec![Envelope {
                label: "某公司投标文件".into(),
                kind: EnvelopeKind::Sm2Cipher,
                data: vec![0x30, 0],
            }],
            rp_public_key: vec![4, 1],
            not_before: 10,
            not_after: 1_795_478_400,
        };
        assert_eq!(
            serde_json::to_value(&decrypt).unwrap(),
            serde_json::json!({"operation":"decrypt","envelopes":[{"label":"某公司投标文件",
                "kind":"sm2_cipher","data":"3000"}],"rp_public_key":"0401",
                "not_before":"1970-01-01T00:00:10Z","not_after":"2026-11-24T00:00:00Z"})
        );
    }

    #[test]
    fn session_views_parse_and_ignore_unknown_fields() {
        let json = serde_json::json!({
            "session_id":"s-1","operation":"auth","state":"complete","result":"ok",
            "hint":{"code":"ok","message":"操作已完成"},
            "completion":{"certificates":["3082"],"items":[{"kind":"signature","der":"3044"}]},
            "signed_bytes":"4d4341","new_field":[1,2]});
        let view: SessionView = serde_json::from_value(json).unwrap();
        assert_eq!(view.result, Some(EndResult::Ok));
        assert_eq!(view.signed_bytes.as_deref(), Some(&b"MCA"[..]));
        let done = view.ok_completion().unwrap();
        assert_eq!(done.certificates, vec![vec![0x30, 0x82]]);
        assert_eq!(done.items, vec![ItemResult::Signature(vec![0x30, 0x44])]);

        let open: SessionView = serde_json::from_value(serde_json::json!({
            "session_id":"s-1","operation":"sign","state":"scanned","result":null,
            "hint":{"code":"scanned","message":"已扫描，请在手机上确认"},
            "completion":null,"signed_bytes":null}))
        .unwrap();
        assert!(open.ok_completion().is_none() && !open.is_complete());
        let later: SessionView = serde_json::from_value(serde_json::json!({
            "session_id":"s-1","operation":"sign","state":"complete","result":"on_hold"}))
        .unwrap();
        assert_eq!(later.result, Some(EndResult::Other));
        assert!(later.ok_completion().is_none());
    }

    #[test]
    fn created_sessions_hide_their_secret_and_make_frames() {
        let created = Created {
            session_id: "s-1".into(),
            public_token: "0f1e2d3c4b5a69788796a5b4c3d2e1f0".into(),
            qr_secret: QrSecret::from_bytes([0xCD; 32]),
            state: SessionState::Created,
            claim_deadline: 1_180,
            expires_at: 1_300,
            received_at: 1_000,
            replayed: false,
        };
        let printed = format!("{created:?}");
        assert!(
            !printed.contains("cdcd") && printed.contains("redacted"),
            "{printed}"
        );
        let frame = created.frames().unwrap().frame_at(1_003);
        assert_eq!(frame.elapsed_seconds(), 3);
        assert!(frame.verify(&[0xCD; 32]));
    }
}
