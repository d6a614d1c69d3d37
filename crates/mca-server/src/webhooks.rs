//! Webhooks (RP-API.md, "Collecting the result"): an optional push of a
//! session's state changes to a callback URL its relying party registered
//! and named at creation.
//!
//! One small task per such session watches it through the same
//! `Sessions::collect` the poll answers from (so timeouts are seen too)
//! and POSTs `{"event_id","session_id","state","result"}` on each change,
//! with `x-mca-webhook-timestamp` and `x-mca-webhook-signature` (hex of
//! `mca_crypto::rp::webhook_mac` under the relying party's current API
//! secret). Delivery is at least once and best effort: a few retries, no
//! redirects, nothing persisted — a server restart or another instance
//! does not resume the watch. The poll endpoint is the truth.

use std::sync::OnceLock;
use std::time::Duration;

use mca_domain::relying_parties::RpCaller;
use mca_domain::relying_parties::sessions::SESSION_TTL_SECS;
use mca_domain::store::RpSessionState;
use mca_domain::{RpSessionId, UserId};
use serde::Serialize;

use crate::state::AppState;

/// Header carrying the delivery time, Unix seconds.
pub const HEADER_TIMESTAMP: &str = "x-mca-webhook-timestamp";
/// Header carrying the hex HMAC-SM3 of the delivery.
pub const HEADER_SIGNATURE: &str = "x-mca-webhook-signature";

/// How often a watched session is looked at.
const WATCH_EVERY: Duration = Duration::from_secs(1);
/// Attempts per event (then it is dropped; the poll still answers).
const ATTEMPTS: u32 = 4;
/// First pause between attempts; doubled after each.
const FIRST_BACKOFF: Duration = Duration::from_secs(1);
/// One attempt's time limit.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);

/// One delivered event.
#[derive(Debug, Serialize)]
pub struct WebhookEvent {
    /// Unique per event; the same in every retry of it.
    pub event_id: String,
    /// The session.
    pub session_id: String,
    /// Its state now.
    pub state: &'static str,
    /// Its end result, when complete.
    pub result: Option<&'static str>,
}

fn client() -> &'static reqwest::Client {
    static CLIENT: OnceLock<reqwest::Client> = OnceLock::new();
    CLIENT.get_or_init(|| {
        reqwest::Client::builder()
            // The registered URL, not wherever it redirects.
            .redirect(reqwest::redirect::Policy::none())
            .timeout(ATTEMPT_TIMEOUT)
            .build()
            .unwrap_or_default()
    })
}

/// Watches `session` and pushes its state changes to `url` until it is
/// complete, gone, or past its lifetime.
pub fn watch(state: &AppState, caller: RpCaller, session: RpSessionId, url: String) {
    let state = state.clone();
    tokio::spawn(async move {
        // Real time, so a stopped clock (tests) cannot keep a task alive.
        let give_up = tokio::time::Instant::now()
            + Duration::from_secs(u64::try_from(SESSION_TTL_SECS).unwrap_or(300) + 30);
        let mut last = RpSessionState::Created;
        while tokio::time::Instant::now() < give_up {
            tokio::time::sleep(WATCH_EVERY).await;
            let s = match state.rp.sessions.collect(&caller, session).await {
                Ok(s) => s,
                Err(e) => {
                    tracing::debug!(%session, error = %e, "webhook watch ends");
                    return;
                }
            };
            if s.state == last {
                continue;
            }
            last = s.state;
            let event = WebhookEvent {
                // A fresh UUID v7 (any typed id makes one).
                event_id: UserId::new().to_string(),
                session_id: session.to_string(),
                state: s.state.as_str(),
                result: s.result.map(|r| r.as_str()),
            };
            deliver(&state, &caller, &url, &event).await;
            if s.state == RpSessionState::Complete {
                return;
            }
        }
    });
}

/// Posts `event` to `url`, retrying with backoff; failures are logged.
async fn deliver(state: &AppState, caller: &RpCaller, url: &str, event: &WebhookEvent) {
    let body = match serde_json::to_vec(event) {
        Ok(b) => b,
        Err(e) => return tracing::error!(error = %e, "webhook event encoding"),
    };
    let mut backoff = FIRST_BACKOFF;
    for attempt in 1..=ATTEMPTS {
        // The key is read per attempt: a rotation between retries signs
        // with the new current key, the one the relying party checks.
        let key = match state.rp.registry.webhook_key(caller.rp).await {
            Ok(k) => k,
            Err(e) => return tracing::warn!(error = %e, "webhook key unavailable"),
        };
        let timestamp = state.services.clock.now().secs();
        let mac = mca_crypto::rp::webhook_mac(&key, timestamp, &body);
        let sent = client()
            .post(url)
            .header("content-type", "application/json")
            .header(HEADER_TIMESTAMP, timestamp.to_string())
            .header(HEADER_SIGNATURE, hex::encode(mac))
            .body(body.clone())
            .send()
            .await;
        match sent {
            Ok(r) if r.status().is_success() => return,
            Ok(r) => {
                tracing::warn!(event = %event.event_id, status = %r.status(), attempt, "webhook refused")
            }
            Err(e) => {
                tracing::warn!(event = %event.event_id, error = %e, attempt, "webhook not delivered")
            }
        }
        if attempt < ATTEMPTS {
            tokio::time::sleep(backoff).await;
            backoff *= 2;
        }
    }
}
