//! Webhook deliveries (contract A.5): on every state change of a session
//! created with a `callback_url`, Mobile CA POSTs
//! `{"event_id","session_id","state","result"}` with
//! [`HEADER_WEBHOOK_TIMESTAMP`] and [`HEADER_WEBHOOK_SIGNATURE`] = hex of
//! `mca_crypto::rp::webhook_mac(API secret, timestamp, body)`.
//!
//! Delivery is at least once: remember `event_id`s to drop repeats. A
//! webhook is only a hint: the collect call is the truth, so answer it by
//! collecting the session, never by trusting the event's state.

use serde::Deserialize;

use crate::secret::ApiSecret;
use crate::sessions::{EndResult, SessionState};
use crate::{Error, Result};

/// Header carrying the delivery's unix seconds.
pub const HEADER_WEBHOOK_TIMESTAMP: &str = "x-mca-webhook-timestamp";
/// Header carrying the hex HMAC-SM3 of the delivery.
pub const HEADER_WEBHOOK_SIGNATURE: &str = "x-mca-webhook-signature";

/// One verified delivery.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct WebhookEvent {
    /// Unique per event; repeats of a delivery carry the same one.
    pub event_id: String,
    /// The session that changed.
    pub session_id: String,
    /// Its new state.
    pub state: SessionState,
    /// Its end result, once complete.
    #[serde(default)]
    pub result: Option<EndResult>,
}

/// Checks a delivery: the MAC over the exact body bytes under the API
/// secret, and a timestamp within `tolerance_secs` of `now` (unix
/// seconds), so a captured delivery cannot be replayed later. Then parses
/// the event.
pub fn verify_webhook(
    key: &ApiSecret,
    timestamp: &str,
    signature: &str,
    body: &[u8],
    now: i64,
    tolerance_secs: u64,
) -> Result<WebhookEvent> {
    let ts = parse_timestamp(timestamp)
        .ok_or_else(|| Error::verification("webhook timestamp is not unix seconds"))?;
    let mut mac = [0u8; 32];
    let hex_ok = signature.len() == 64
        && !signature.bytes().any(|c| c.is_ascii_uppercase())
        && hex::decode_to_slice(signature, &mut mac).is_ok();
    if !hex_ok || !mca_crypto::rp::verify_webhook_mac(key.expose(), ts, body, &mac) {
        return Err(Error::verification("webhook signature does not verify"));
    }
    if now.abs_diff(ts) > tolerance_secs {
        return Err(Error::verification(
            "webhook timestamp outside the tolerance",
        ));
    }
    serde_json::from_slice(body).map_err(|_| Error::verification("webhook body is not an event"))
}

/// Decimal digits only (no sign, no spaces), at most 12 of them.
fn parse_timestamp(text: &str) -> Option<i64> {
    if text.is_empty() || text.len() > 12 || !text.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_795_478_400;

    fn key() -> ApiSecret {
        ApiSecret::from_bytes([0x42; 32])
    }

    fn body() -> Vec<u8> {
        br#"{"event_id":"e-1","session_id":"s-1","state":"complete","result":"ok"}"#.to_vec()
    }

    fn sign(ts: i64, body: &[u8]) -> String {
        hex::encode(mca_crypto::rp::webhook_mac(key().expose(), ts, body))
    }

    #[test]
    fn a_fresh_signed_delivery_verifies() {
        let event = verify_webhook(
            &key(),
            &NOW.to_string(),
            &sign(NOW, &body()),
            &body(),
            NOW + 30,
            300,
        )
        .unwrap();
        assert_eq!(
            event,
            WebhookEvent {
                event_id: "e-1".into(),
                session_id: "s-1".into(),
                state: SessionState::Complete,
                result: Some(EndResult::Ok),
            }
        );
    }

    #[test]
    fn tampered_bodies_and_old_timestamps_are_refused() {
        let ts = NOW.to_string();
        let good = sign(NOW, &body());
        let tampered = body()
            .iter()
            .map(|&c| if c == b'1' { b'2' } else { c })
            .collect::<Vec<u8>>();
        assert!(verify_webhook(&key(), &ts, &good, &tampered, NOW, 300).is_err());
        // The same body under a later timestamp header: the MAC binds it.
        assert!(verify_webhook(&key(), &(NOW + 1).to_string(), &good, &body(), NOW, 300).is_err());
        // Correctly signed, but too old (a replay), or from the future.
        let old = NOW - 301;
        assert!(
            verify_webhook(
                &key(),
                &old.to_string(),
                &sign(old, &body()),
                &body(),
                NOW,
                300
            )
            .is_err()
        );
        let ahead = NOW + 301;
        assert!(
            verify_webhook(
                &key(),
                &ahead.to_string(),
                &sign(ahead, &body()),
                &body(),
                NOW,
                300
            )
            .is_err()
        );
        // Another key, an upper-case or short signature, a signed timestamp
        // in another notation.
        let other = ApiSecret::from_bytes([0x43; 32]);
        assert!(verify_webhook(&other, &ts, &good, &body(), NOW, 300).is_err());
        assert!(verify_webhook(&key(), &ts, &good.to_uppercase(), &body(), NOW, 300).is_err());
        assert!(verify_webhook(&key(), &ts, &good[..62], &body(), NOW, 300).is_err());
        assert!(verify_webhook(&key(), &format!("+{ts}"), &good, &body(), NOW, 300).is_err());
        // Still fine at the edge of the tolerance.
        let edge = NOW - 300;
        assert!(
            verify_webhook(
                &key(),
                &edge.to_string(),
                &sign(edge, &body()),
                &body(),
                NOW,
                300
            )
            .is_ok()
        );
    }

    #[test]
    fn a_signed_body_that_is_no_event_is_refused() {
        let junk = b"[1,2,3]";
        assert!(
            verify_webhook(&key(), &NOW.to_string(), &sign(NOW, junk), junk, NOW, 300).is_err()
        );
    }
}
