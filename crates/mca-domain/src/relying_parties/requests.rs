//! Authentication of relying-party API requests: key id + HMAC-SM3 over
//! `mca_crypto::rp::request_payload` (method, path and query, timestamp,
//! nonce, body hash), a ±300 s window, and nonces used once, recorded in
//! the database so several server instances refuse a replay together.

use std::sync::Arc;

use mca_crypto::rp::verify_request_mac;

use super::Registry;
use crate::devices::{MAX_SKEW_SECS, NONCE_RETENTION_SECS};
use crate::store::Store;
use crate::{Clock, DomainError, RelyingPartyId, Result, RpKeyId};

/// A relying party's request, as the server's extractor collects it.
#[derive(Clone, Copy, Debug)]
pub struct RpRequest<'a> {
    /// The key id the relying party names.
    pub key_id: &'a str,
    /// HTTP method.
    pub method: &'a str,
    /// Path and query as sent.
    pub path_and_query: &'a str,
    /// Unix seconds the relying party signed at.
    pub timestamp: i64,
    /// 16–64 characters of `[A-Za-z0-9_-]`, fresh per request.
    pub nonce: &'a str,
    /// The request body.
    pub body: &'a [u8],
    /// The 32-byte HMAC-SM3.
    pub mac: &'a [u8],
}

/// The authenticated relying party of a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RpCaller {
    /// The relying party.
    pub rp: RelyingPartyId,
    /// The key it used.
    pub key_id: RpKeyId,
}

/// Checks relying-party requests.
#[derive(Clone)]
pub struct Requests {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    registry: Registry,
}

fn nonce_ok(nonce: &str) -> bool {
    (16..=64).contains(&nonce.len())
        && nonce
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
}

impl Requests {
    /// The request checker.
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>, registry: Registry) -> Self {
        Self {
            store,
            clock,
            registry,
        }
    }

    /// Authenticates a request: a known, unexpired key of an enabled
    /// relying party, a timestamp within ±300 s, a MAC that verifies, and
    /// a nonce the relying party has not used. The nonce is recorded only
    /// after the MAC verifies, so forged traffic cannot burn nonces.
    pub async fn authenticate(&self, req: &RpRequest<'_>) -> Result<RpCaller> {
        let now = self.clock.now();
        let key_id = RpKeyId::parse(req.key_id).ok_or(DomainError::Unauthenticated)?;
        let credential = self
            .store
            .rp_credential(key_id)
            .await?
            .filter(|c| c.expires_at.is_none_or(|t| t > now))
            .ok_or(DomainError::Unauthenticated)?;
        if (now.secs() - req.timestamp).abs() > MAX_SKEW_SECS {
            return Err(DomainError::StaleRequest);
        }
        if !nonce_ok(req.nonce) {
            return Err(DomainError::InvalidInput("nonce"));
        }
        let secret = self.registry.open(&credential)?;
        let mac_ok = verify_request_mac(
            &secret,
            req.method,
            req.path_and_query,
            req.timestamp,
            req.nonce,
            req.body,
            req.mac,
        );
        if !mac_ok {
            return Err(DomainError::BadSignature);
        }
        let rp = self.registry.get(credential.rp_id).await?;
        if rp.disabled_at.is_some() {
            return Err(DomainError::RelyingPartyDisabled);
        }
        if !self.store.record_rp_nonce(rp.id, req.nonce, now).await? {
            return Err(DomainError::Replay);
        }
        self.store
            .prune_rp_nonces(now.plus(-NONCE_RETENTION_SECS))
            .await?;
        Ok(RpCaller { rp: rp.id, key_id })
    }
}
