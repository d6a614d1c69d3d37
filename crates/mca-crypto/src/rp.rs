//! Relying-party messages (RP-API.md): the bytes a relying party's back end
//! MACs for every API call, the animated QR frames, webhook signatures, and
//! the exact bytes the phone signs for login and upload-confirmation
//! sessions. No I/O; the server, the SDK and the phone web app share it.
//!
//! Every MAC is HMAC-SM3 under a domain tag of its own, so a tag made for
//! one message kind never verifies as another. Byte layouts are documented
//! in `docs/protocol.md`, "Relying-party messages".

use core::fmt;

use crate::sm3::{hmac_sm3, hmac_sm3_verify, sm3};
use crate::{Error, Result};

/// The canonical text a relying party MACs for one API request:
///
/// ```text
/// MCA-RP-REQUEST-V1\n
/// {METHOD}\n
/// {path and query, exactly as sent}\n
/// {timestamp, unix seconds}\n
/// {nonce}\n
/// {lower-case hex of SM3(body)}
/// ```
///
/// The same shape as the device requests (`device::request_payload`) under
/// another tag, so one canonicalization serves both and neither's
/// signature can stand for the other's.
pub fn request_payload(
    method: &str,
    path_and_query: &str,
    timestamp: i64,
    nonce: &str,
    body: &[u8],
) -> Vec<u8> {
    format!(
        "MCA-RP-REQUEST-V1\n{}\n{}\n{}\n{}\n{}",
        method.to_ascii_uppercase(),
        path_and_query,
        timestamp,
        nonce,
        hex::encode(sm3(body))
    )
    .into_bytes()
}

/// HMAC-SM3 of [`request_payload`] under the relying party's API secret.
pub fn request_mac(
    key: &[u8],
    method: &str,
    path_and_query: &str,
    timestamp: i64,
    nonce: &str,
    body: &[u8],
) -> [u8; 32] {
    hmac_sm3(
        key,
        &request_payload(method, path_and_query, timestamp, nonce, body),
    )
}

/// Constant-time check of a request MAC (any other length is refused).
pub fn verify_request_mac(
    key: &[u8],
    method: &str,
    path_and_query: &str,
    timestamp: i64,
    nonce: &str,
    body: &[u8],
    mac: &[u8],
) -> bool {
    hmac_sm3_verify(
        key,
        &request_payload(method, path_and_query, timestamp, nonce, body),
        mac,
    )
}

/// The canonical text of a webhook delivery:
/// `MCA-RP-WEBHOOK-V1\n{timestamp}\n{lower-case hex of SM3(body)}`.
pub fn webhook_payload(timestamp: i64, body: &[u8]) -> Vec<u8> {
    format!(
        "MCA-RP-WEBHOOK-V1\n{}\n{}",
        timestamp,
        hex::encode(sm3(body))
    )
    .into_bytes()
}

/// HMAC-SM3 of [`webhook_payload`] under the relying party's API secret.
pub fn webhook_mac(key: &[u8], timestamp: i64, body: &[u8]) -> [u8; 32] {
    hmac_sm3(key, &webhook_payload(timestamp, body))
}

/// Constant-time check of a webhook MAC.
pub fn verify_webhook_mac(key: &[u8], timestamp: i64, body: &[u8], mac: &[u8]) -> bool {
    hmac_sm3_verify(key, &webhook_payload(timestamp, body), mac)
}

/// Appends `field` with a 4-byte big-endian length, so no two field lists
/// encode alike.
fn push_field(out: &mut Vec<u8>, field: &[u8]) {
    // Fields are bounded far below 4 GiB by the API's body limit; saturate
    // rather than wrap so an absurd input can never collide with a short one.
    let len = u32::try_from(field.len()).unwrap_or(u32::MAX);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(field);
}

fn tagged(tag: &[u8], fields: &[&[u8]]) -> Vec<u8> {
    let mut out = tag.to_vec();
    for f in fields {
        push_field(&mut out, f);
    }
    out
}

/// Domain tag of a QR frame MAC.
const QR_TAG: &[u8] = crate::domain::RP_QR_TAG;
/// Domain tag of the bytes signed for an auth (or cert) session.
pub const AUTH_TAG: &[u8] = crate::domain::RP_AUTH_TAG;
/// Domain tag of the bytes signed for a confirm session.
pub const CONFIRM_TAG: &[u8] = crate::domain::RP_CONFIRM_TAG;

/// Whether `data` begins like one of Mobile CA's own signed messages: a
/// relying party's raw data to sign must not, or it could ask the user to
/// "sign a document" whose bytes are another relying party's login
/// challenge. The same test as [`crate::domain::is_reserved`].
pub use crate::domain::is_reserved;

/// The exact bytes the phone signs for an auth session (scan-login, bind)
/// or a cert session: `"MCA-RP-AUTH-V1\0"` then the relying party's id,
/// the session id, its random challenge and the operation, each with a
/// 4-byte big-endian length. The tag makes a login signature useless as a
/// document signature; the ids and operation keep it to one session.
pub fn auth_challenge(
    rp_id: &str,
    session_id: &str,
    rp_challenge: &[u8],
    operation: &str,
) -> Vec<u8> {
    tagged(
        AUTH_TAG,
        &[
            rp_id.as_bytes(),
            session_id.as_bytes(),
            rp_challenge,
            operation.as_bytes(),
        ],
    )
}

/// The exact bytes the phone signs to confirm an upload receipt (K4):
/// `"MCA-RP-CONFIRM-V1\0"` then the relying party's id, the session id, the
/// file name (UTF-8), the file's hash and the receipt number, each with a
/// 4-byte big-endian length.
pub fn confirm_payload(
    rp_id: &str,
    session_id: &str,
    file_name: &str,
    file_hash: &[u8],
    receipt_number: &str,
) -> Vec<u8> {
    tagged(
        CONFIRM_TAG,
        &[
            rp_id.as_bytes(),
            session_id.as_bytes(),
            file_name.as_bytes(),
            file_hash,
            receipt_number.as_bytes(),
        ],
    )
}

/// The MAC of one QR frame: HMAC-SM3 under the session secret over
/// `"MCA-RP-QR-V1\0" ‖ u32 len(token) ‖ token ‖ u64 elapsed seconds` (big-endian).
pub fn qr_frame_mac(
    session_secret: &[u8; 32],
    public_token: &str,
    elapsed_seconds: u64,
) -> [u8; 32] {
    hmac_sm3(
        session_secret,
        &qr_frame_bytes(public_token, elapsed_seconds),
    )
}

fn qr_frame_bytes(public_token: &str, elapsed_seconds: u64) -> Vec<u8> {
    let mut out = tagged(QR_TAG, &[public_token.as_bytes()]);
    out.extend_from_slice(&elapsed_seconds.to_be_bytes());
    out
}

/// The scheme and path every QR link starts with.
const QR_PREFIX: &str = "mca://qr?";
/// Longest elapsed-seconds field accepted (10 digits: > 300 years).
const MAX_ELAPSED_DIGITS: usize = 10;

/// One frame of the animated QR code: the session's public token, the
/// seconds since the session was created, and the frame MAC.
///
/// The one canonical text form is
/// `mca://qr?t=<token>&s=<elapsed>&m=<64 lower-case hex>`, fields in that
/// order, elapsed in decimal without leading zeros. It is read by the
/// Mobile CA app's own scanner only; an `https://` form is deliberately not
/// offered, since a phone's system camera would open it in a browser and
/// hand the frame to a web page instead of the app. Parsing is strict, so
/// each frame has exactly one encoding.
#[derive(Clone, PartialEq, Eq)]
pub struct QrLink {
    public_token: String,
    elapsed_seconds: u64,
    mac: [u8; 32],
}

impl QrLink {
    /// The frame for `elapsed_seconds` (what the relying party's back end,
    /// holding the session secret, serves every second).
    pub fn new(
        session_secret: &[u8; 32],
        public_token: &str,
        elapsed_seconds: u64,
    ) -> Result<Self> {
        if !token_ok(public_token) {
            return Err(Error::MalformedMessage);
        }
        Ok(Self {
            public_token: public_token.to_owned(),
            elapsed_seconds,
            mac: qr_frame_mac(session_secret, public_token, elapsed_seconds),
        })
    }

    /// Parses the canonical text form; anything else is
    /// [`Error::MalformedMessage`]. The MAC is not checked here.
    pub fn parse(text: &str) -> Result<Self> {
        let bad = Error::MalformedMessage;
        let rest = text.strip_prefix(QR_PREFIX).ok_or(bad)?;
        let mut parts = rest.split('&');
        let mut field = |name: &str| -> Result<&str> {
            parts
                .next()
                .and_then(|p| p.strip_prefix(name))
                .and_then(|p| p.strip_prefix('='))
                .ok_or(bad)
        };
        let (token, elapsed, mac) = (field("t")?, field("s")?, field("m")?);
        if parts.next().is_some() || !token_ok(token) {
            return Err(bad);
        }
        let digits_ok = !elapsed.is_empty()
            && elapsed.len() <= MAX_ELAPSED_DIGITS
            && elapsed.bytes().all(|c| c.is_ascii_digit())
            && (elapsed == "0" || !elapsed.starts_with('0'));
        if !digits_ok {
            return Err(bad);
        }
        let elapsed_seconds = elapsed.parse().map_err(|_| bad)?;
        if mac.len() != 64 || mac.bytes().any(|c| c.is_ascii_uppercase()) {
            return Err(bad);
        }
        let mut tag = [0u8; 32];
        hex::decode_to_slice(mac, &mut tag).map_err(|_| bad)?;
        Ok(Self {
            public_token: token.to_owned(),
            elapsed_seconds,
            mac: tag,
        })
    }

    /// The session's public token.
    pub fn public_token(&self) -> &str {
        &self.public_token
    }

    /// Seconds since the session was created, as the frame claims.
    pub fn elapsed_seconds(&self) -> u64 {
        self.elapsed_seconds
    }

    /// Whether the MAC is right under `session_secret` (constant time).
    pub fn verify(&self, session_secret: &[u8; 32]) -> bool {
        hmac_sm3_verify(
            session_secret,
            &qr_frame_bytes(&self.public_token, self.elapsed_seconds),
            &self.mac,
        )
    }
}

/// 16–64 characters of `[A-Za-z0-9_-]`: nothing that needs escaping in a
/// URL, and long enough to be unguessable.
fn token_ok(token: &str) -> bool {
    (16..=64).contains(&token.len())
        && token
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
}

impl fmt::Display for QrLink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{QR_PREFIX}t={}&s={}&m={}",
            self.public_token,
            self.elapsed_seconds,
            hex::encode(self.mac)
        )
    }
}

impl fmt::Debug for QrLink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "QrLink({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sm3::hmac_sm3;

    const KEY: &[u8] = b"0123456789abcdef0123456789abcdef";
    const SECRET: [u8; 32] = [7u8; 32];
    const TOKEN: &str = "0f1e2d3c4b5a69788796a5b4c3d2e1f0";

    #[test]
    fn request_mac_is_hmac_sm3_of_the_canonical_text() {
        let text = request_payload(
            "post",
            "/api/rp/v1/sessions?x=1",
            1_795_478_400,
            "n-1",
            b"{}",
        );
        assert_eq!(
            String::from_utf8(text.clone()).unwrap(),
            format!(
                "MCA-RP-REQUEST-V1\nPOST\n/api/rp/v1/sessions?x=1\n1795478400\nn-1\n{}",
                hex::encode(sm3(b"{}"))
            )
        );
        let mac = request_mac(
            KEY,
            "post",
            "/api/rp/v1/sessions?x=1",
            1_795_478_400,
            "n-1",
            b"{}",
        );
        assert_eq!(mac, hmac_sm3(KEY, &text));
        // Pinned once (and cross-checked with `openssl dgst -sm3 -hmac`):
        // a change to the canonical text breaks every SDK.
        assert_eq!(
            hex::encode(mac),
            "24598e6ec434177a95097f9db598fba7e1a1d4d6606ba6a5b08b6b647b4d7e28"
        );
    }

    #[test]
    fn request_mac_refuses_any_change() {
        let args = ("GET", "/a?b=1", 100i64, "nonce", &b"body"[..]);
        let mac = request_mac(KEY, args.0, args.1, args.2, args.3, args.4);
        assert!(verify_request_mac(
            KEY, args.0, args.1, args.2, args.3, args.4, &mac
        ));
        assert!(verify_request_mac(
            KEY, "get", args.1, args.2, args.3, args.4, &mac
        ));
        let others: [(&str, &str, i64, &str, &[u8]); 5] = [
            ("POST", args.1, args.2, args.3, args.4),
            (args.0, "/a?b=2", args.2, args.3, args.4),
            (args.0, args.1, 101, args.3, args.4),
            (args.0, args.1, args.2, "nonce2", args.4),
            (args.0, args.1, args.2, args.3, b"bodY"),
        ];
        for (m, p, t, n, b) in others {
            assert!(
                !verify_request_mac(KEY, m, p, t, n, b, &mac),
                "{m} {p} {t} {n}"
            );
        }
        assert!(!verify_request_mac(
            b"other key",
            args.0,
            args.1,
            args.2,
            args.3,
            args.4,
            &mac
        ));
        let mut flipped = mac;
        flipped[0] ^= 0x80;
        assert!(!verify_request_mac(
            KEY, args.0, args.1, args.2, args.3, args.4, &flipped
        ));
        assert!(!verify_request_mac(
            KEY,
            args.0,
            args.1,
            args.2,
            args.3,
            args.4,
            &mac[..31]
        ));
    }

    #[test]
    fn webhook_mac_binds_time_and_body() {
        let mac = webhook_mac(KEY, 1_795_478_400, b"{\"event\":1}");
        assert_eq!(
            webhook_payload(1_795_478_400, b"{\"event\":1}"),
            format!(
                "MCA-RP-WEBHOOK-V1\n1795478400\n{}",
                hex::encode(sm3(b"{\"event\":1}"))
            )
            .into_bytes()
        );
        assert_eq!(
            hex::encode(mac),
            "73d8143aec121e9aab4de747dc6f75f6a99b80c715f2ce0d35eb174a65afe05d"
        );
        assert!(verify_webhook_mac(
            KEY,
            1_795_478_400,
            b"{\"event\":1}",
            &mac
        ));
        assert!(!verify_webhook_mac(
            KEY,
            1_795_478_401,
            b"{\"event\":1}",
            &mac
        ));
        assert!(!verify_webhook_mac(
            KEY,
            1_795_478_400,
            b"{\"event\":2}",
            &mac
        ));
        // A request MAC over the same body never passes as a webhook MAC.
        let req = request_mac(KEY, "POST", "/", 1_795_478_400, "", b"{\"event\":1}");
        assert!(!verify_webhook_mac(
            KEY,
            1_795_478_400,
            b"{\"event\":1}",
            &req
        ));
    }

    #[test]
    fn qr_links_round_trip_and_verify() {
        let link = QrLink::new(&SECRET, TOKEN, 17).unwrap();
        let text = link.to_string();
        assert_eq!(
            text,
            format!(
                "mca://qr?t={TOKEN}&s=17&m={}",
                hex::encode(qr_frame_mac(&SECRET, TOKEN, 17))
            )
        );
        assert_eq!(
            hex::encode(qr_frame_mac(&SECRET, TOKEN, 17)),
            "9e2c5fe5f7a180ba3602eaa9b255c6979d098d2f077f9842a192acba50189782"
        );
        let parsed = QrLink::parse(&text).unwrap();
        assert_eq!(parsed, link);
        assert_eq!(
            (parsed.public_token(), parsed.elapsed_seconds()),
            (TOKEN, 17)
        );
        assert!(parsed.verify(&SECRET));
        assert!(!parsed.verify(&[8u8; 32]));
        assert_eq!(
            QrLink::parse("mca://qr?t=0123456789abcdef&s=0&m="),
            Err(Error::MalformedMessage)
        );
        let zero = QrLink::new(&SECRET, TOKEN, 0).unwrap();
        assert_eq!(QrLink::parse(&zero.to_string()).unwrap(), zero);
    }

    #[test]
    fn a_tampered_frame_does_not_verify() {
        let link = QrLink::new(&SECRET, TOKEN, 42).unwrap();
        let text = link.to_string();
        // Another second, another token, a flipped MAC digit.
        let later = text.replace("&s=42&", "&s=43&");
        assert!(!QrLink::parse(&later).unwrap().verify(&SECRET));
        let other_token = text.replace(TOKEN, "0f1e2d3c4b5a69788796a5b4c3d2e1f1");
        assert!(!QrLink::parse(&other_token).unwrap().verify(&SECRET));
        let mac_start = text.len() - 64;
        let mut flipped = text.clone().into_bytes();
        flipped[mac_start] = if flipped[mac_start] == b'0' {
            b'1'
        } else {
            b'0'
        };
        let flipped = String::from_utf8(flipped).unwrap();
        assert!(!QrLink::parse(&flipped).unwrap().verify(&SECRET));
    }

    #[test]
    fn only_the_canonical_form_parses() {
        let good = QrLink::new(&SECRET, TOKEN, 5).unwrap().to_string();
        let mac = &good[good.len() - 64..];
        let bad = [
            good.replace("mca://qr?", "https://example.com/q?"),
            good.replace("mca://", "MCA://"),
            good.replace("&s=5&", "&s=05&"),
            good.replace("&s=5&", "&s=+5&"),
            good.replace("&s=5&", "&s=&"),
            good.replace("&s=5&", "&s=99999999999&"),
            good.replace(mac, &mac.to_uppercase()),
            good.replace(mac, &mac[..62]),
            format!("{good}&x=1"),
            format!("mca://qr?s=5&t={TOKEN}&m={mac}"),
            format!("mca://qr?t=short&s=5&m={mac}"),
            format!("mca://qr?t={TOKEN}%20&s=5&m={mac}"),
            String::new(),
        ];
        for text in bad {
            assert_eq!(QrLink::parse(&text), Err(Error::MalformedMessage), "{text}");
        }
        assert_eq!(
            QrLink::new(&SECRET, "has space in it!!", 1),
            Err(Error::MalformedMessage)
        );
    }

    #[test]
    fn auth_challenge_layout_is_pinned_and_unambiguous() {
        let bytes = auth_challenge("rp1", "s1", &[0xAA, 0xBB], "login");
        let mut expected = b"MCA-RP-AUTH-V1\0".to_vec();
        for f in [&b"rp1"[..], b"s1", &[0xAA, 0xBB], b"login"] {
            expected.extend_from_slice(&(f.len() as u32).to_be_bytes());
            expected.extend_from_slice(f);
        }
        assert_eq!(bytes, expected);
        assert_eq!(
            hex::encode(sm3(&bytes)),
            "20a8c73e2f281d0bb3a957bf14c1cca36095f957417f60d03deae9baddd02747"
        );
        // Moving bytes between fields changes the message.
        assert_ne!(bytes, auth_challenge("rp1s", "1", &[0xAA, 0xBB], "login"));
        assert_ne!(bytes, auth_challenge("rp1", "s1", &[0xAA], "\u{bb}login"));
        assert_ne!(bytes, auth_challenge("rp1", "s1", &[0xAA, 0xBB], "bind"));
        assert!(is_reserved(&bytes));
    }

    #[test]
    fn confirm_payload_layout_and_separation_from_auth() {
        let c = confirm_payload("rp1", "s1", "投标文件.zip", &[1; 32], "R-2026-0001");
        assert!(c.starts_with(CONFIRM_TAG));
        assert_eq!(
            hex::encode(sm3(&c)),
            "2947f607dc1cb08ff4e028e52c66c4658361a9c301ac0ff78bc54463c46bb42d"
        );
        let a = auth_challenge("rp1", "s1", &[1; 32], "R-2026-0001");
        assert_ne!(&c[CONFIRM_TAG.len()..], &a[AUTH_TAG.len()..]);
        assert!(is_reserved(&c));
        assert!(!is_reserved(b"%PDF-1.7"));
        assert_ne!(
            confirm_payload("rp1", "s1", "a", &[1], "b"),
            confirm_payload("rp1", "s1", "a\0\0\0\x01", &[], "b")
        );
    }
}
