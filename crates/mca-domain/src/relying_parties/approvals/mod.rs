//! Approving a claimed session with the user's key (RP-API.md, contract
//! C): one two-party signature per item, in order, because a key allows
//! one outstanding signing session (PROTOCOL.md §2).
//!
//! Before each step the key and its certificate are checked: a locked
//! key ends the session `pin_locked`, a revoked or expired signing
//! certificate `certificate_revoked`/`certificate_expired`, and the D2
//! platform rule `not_authorized`. What each step signs:
//! - auth, cert, confirm: [`RpSession::signed_bytes`] (domain-separated,
//!   bound to the relying party and the session);
//! - raw data: the data;
//! - SignedData: the signed attributes prepared here
//!   (`mca_pki::gmt0010::signed`);
//! - seal: the `TBS_Sign` prepared here under a personal seal made for
//!   the user by the CA's seal maker (until enterprise seals exist);
//! - decrypt: the authorization of one blinded decryption (§5); the phone
//!   then re-encrypts the content key to the relying party's key and the
//!   server stores only that ciphertext.
//!
//! The server assembles each SignedData or seal from the verified
//! signature. Which item comes next is the session's stored steps
//! ([`RpStepStore`](crate::store::RpStepStore)), never process memory, so
//! any instance can continue; the last step completes the session.

use std::sync::Arc;

use mca_crypto::twoparty::messages::{BlindedPoint, BlindedResult, PartialSignature, ShareRefresh};
use mca_pki::cert::Certificate;

use super::content::{SessionContent, SignItemKind};
use super::results::{Completion, ItemResult};
use super::sessions::{RpSession, Sessions};
use crate::certificates::{Authorities, Keys, Seals, SignBegun};
use crate::store::{
    CertificateRecord, RpEndResult, RpSessionState, RpStepRecord, RpStepState, Store,
};
use crate::{Caller, Clock, DomainError, Result, RpSessionId, SigningKeyId, SigningSessionId};

mod checks;
mod prepare;

/// What a step does with the key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepKind {
    /// A two-party signature on the step's message.
    Sign,
    /// A blinded decryption, gated by a signature on its authorization.
    Decrypt,
}

/// A begun step, for the phone.
#[derive(Clone, Debug)]
pub struct Step {
    /// Which item (0-based).
    pub index: u32,
    /// How many steps the session has.
    pub total: u32,
    /// Sign or decrypt.
    pub kind: StepKind,
    /// The two-party signing session and its challenge.
    pub begun: SignBegun,
}

/// A finished signing step.
#[derive(Clone, Debug)]
pub struct SignStepFinished {
    /// ρ for the phone (§6).
    pub refresh: ShareRefresh,
    /// The completed session, if this was the last step.
    pub completed: Option<RpSession>,
}

/// How many steps `content` takes.
pub fn step_count(content: &SessionContent) -> u32 {
    let n = match content {
        SessionContent::Sign { items } => items.len(),
        SessionContent::Decrypt { envelopes, .. } => envelopes.len(),
        _ => 1,
    };
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// The approval service.
#[derive(Clone)]
pub struct Approvals {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    sessions: Sessions,
    keys: Keys,
    seals: Seals,
}

impl Approvals {
    /// The approval service over the session and key services, with the
    /// CA hierarchies whose seal makers make personal seals.
    pub fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        sessions: Sessions,
        keys: Keys,
        cas: Arc<Authorities>,
    ) -> Self {
        Self {
            seals: Seals::new(store.clone(), clock.clone(), cas),
            store,
            clock,
            sessions,
            keys,
        }
    }

    /// The user refuses on the phone: the session ends `user_refused`.
    pub async fn refuse(&self, caller: Caller, id: RpSessionId) -> Result<RpSession> {
        self.sessions
            .fail(caller, id, RpEndResult::UserRefused)
            .await
    }

    /// Ends the session with `result` and answers `error` (also when a
    /// racing finish won: the phone's answer is the same).
    async fn end<T>(
        &self,
        caller: Caller,
        id: RpSessionId,
        result: RpEndResult,
        error: DomainError,
    ) -> Result<T> {
        match self.sessions.fail(caller, id, result).await {
            Ok(_) | Err(DomainError::SessionFinished) => Err(error),
            Err(e) => Err(e),
        }
    }

    /// A key that locked (fifth wrong PIN, stale clone) ends the session.
    async fn key_outcome<T>(&self, caller: Caller, id: RpSessionId, r: Result<T>) -> Result<T> {
        match r {
            Err(e @ (DomainError::KeyLocked | DomainError::CloneDetected)) => {
                self.end(caller, id, RpEndResult::PinLocked, e).await
            }
            other => other,
        }
    }

    /// The next step of the session the caller's device claimed, with
    /// `key`: checks, then `Confirming`, then a signing session on the
    /// step's message (for a decrypt session on the authorization of the
    /// blinded point `t1`, which decrypt steps need and others refuse).
    /// With `expected`, a step other than that one is refused before
    /// anything begins (a phone resuming a decrypt session blinds the
    /// envelope it expects and learns whether it is next).
    pub async fn begin_step(
        &self,
        caller: Caller,
        id: RpSessionId,
        key: SigningKeyId,
        t1: Option<&BlindedPoint>,
        expected: Option<u32>,
    ) -> Result<Step> {
        let cert_rec = self.check_key(caller, id, key).await?;
        let s = self.sessions.begin_confirming(caller, id).await?;
        let steps = self.store.rp_steps(id).await?;
        if steps.iter().any(|st| st.key_id != key) {
            return Err(DomainError::InvalidInput("key_id"));
        }
        let index = steps
            .iter()
            .take_while(|st| st.state == RpStepState::Done)
            .count() as u32;
        let total = step_count(&s.content);
        if index >= total {
            return Err(DomainError::SessionFinished);
        }
        if expected.is_some_and(|e| e != index) {
            return Err(DomainError::InvalidInput("index"));
        }
        let now = self.clock.now();
        let decrypt = matches!(s.content, SessionContent::Decrypt { .. });
        let (kind, begun, prepared) = match (decrypt, t1) {
            (true, Some(t1)) => {
                let begun = self.keys.begin_decrypt(caller, key, t1).await;
                (StepKind::Decrypt, begun, None)
            }
            (false, None) => {
                let is_seal = matches!(&s.content, SessionContent::Sign { items }
                    if items.get(index as usize).is_some_and(|i| i.kind == SignItemKind::Seal));
                let cert = Certificate::from_der(&cert_rec.der)
                    .map_err(|_| DomainError::Internal("stored certificate"))?;
                let seal = if is_seal {
                    // The holder's seal: the enterprise's, or their own.
                    Some(self.seals.for_certificate(&cert_rec).await?.der)
                } else {
                    None
                };
                let prepared = match Self::prepare(&s, index, &cert, now, seal.as_deref()) {
                    Err(DomainError::InvalidInput("digest")) => {
                        return self
                            .end(
                                caller,
                                id,
                                RpEndResult::ProtocolFailure,
                                DomainError::InvalidInput("digest"),
                            )
                            .await;
                    }
                    other => other?,
                };
                let begun = self
                    .keys
                    .begin_composed_sign(caller, key, prepared.message())
                    .await;
                (StepKind::Sign, begun, seal)
            }
            _ => return Err(DomainError::InvalidInput("blinded")),
        };
        let begun = self.key_outcome(caller, id, begun).await?;
        let step = RpStepRecord {
            session_id: id,
            index,
            key_id: key,
            signing_session_id: begun.session_id,
            state: RpStepState::Begun,
            prepared_at: now,
            prepared,
            result: None,
        };
        if !self.store.put_rp_step(&step).await? {
            return Err(DomainError::InvalidInput("step"));
        }
        Ok(Step {
            index,
            total,
            kind,
            begun,
        })
    }

    /// The session (confirming, held by the caller) and its step `index`
    /// in state `state` under `signing_session`.
    async fn open_step(
        &self,
        caller: Caller,
        id: RpSessionId,
        index: u32,
        signing_session: Option<SigningSessionId>,
        state: RpStepState,
    ) -> Result<(RpSession, RpStepRecord)> {
        let s = self.sessions.claimed(caller, id).await?;
        if s.state != RpSessionState::Confirming {
            return Err(DomainError::SessionFinished);
        }
        if !s.content.in_window(self.clock.now()) {
            return Err(DomainError::OutsideOpeningWindow);
        }
        let step = self
            .store
            .rp_steps(id)
            .await?
            .into_iter()
            .find(|st| {
                st.index == index
                    && st.state == state
                    && signing_session.is_none_or(|ss| st.signing_session_id == ss)
            })
            .ok_or(DomainError::NotFound("step"))?;
        Ok((s, step))
    }

    /// Finishes signing step `index`: the server finalizes and verifies
    /// (a wrong PIN is counted, the fifth locks the key and ends the
    /// session `pin_locked`), assembles the item's result and, after the
    /// last step, completes the session.
    pub async fn finish_sign_step(
        &self,
        caller: Caller,
        id: RpSessionId,
        index: u32,
        signing_session: SigningSessionId,
        partial: &PartialSignature,
    ) -> Result<SignStepFinished> {
        let (s, step) = self
            .open_step(caller, id, index, Some(signing_session), RpStepState::Begun)
            .await?;
        if matches!(s.content, SessionContent::Decrypt { .. }) {
            return Err(DomainError::InvalidInput("step"));
        }
        let cert_rec = self.signing_certificate(caller, step.key_id).await?;
        let cert = Certificate::from_der(&cert_rec.der)
            .map_err(|_| DomainError::Internal("stored certificate"))?;
        let prepared = Self::prepare(&s, index, &cert, step.prepared_at, step.prepared.as_deref())?;
        let finished = self
            .keys
            .finish_sign(caller, step.key_id, signing_session, partial)
            .await;
        let finished = self.key_outcome(caller, id, finished).await?;
        let result = prepared.assemble(&finished.signature)?;
        let json =
            serde_json::to_vec(&result).map_err(|_| DomainError::Internal("encode result"))?;
        if !self
            .store
            .advance_rp_step(
                id,
                index,
                signing_session,
                RpStepState::Begun,
                RpStepState::Done,
                Some(&json),
            )
            .await?
        {
            return Err(DomainError::Internal("step finished twice"));
        }
        Ok(SignStepFinished {
            refresh: finished.refresh,
            completed: self.complete_if_last(caller, &s, &cert_rec, index).await?,
        })
    }

    /// Finishes the blinded decryption of decrypt step `index` (only inside
    /// the opening window): T2 and ρ for the phone. The step then waits for
    /// the re-encrypted content key.
    pub async fn finish_decrypt_step(
        &self,
        caller: Caller,
        id: RpSessionId,
        index: u32,
        signing_session: SigningSessionId,
        partial: &PartialSignature,
        t1: &BlindedPoint,
    ) -> Result<(BlindedResult, ShareRefresh)> {
        let (s, step) = self
            .open_step(caller, id, index, Some(signing_session), RpStepState::Begun)
            .await?;
        if !matches!(s.content, SessionContent::Decrypt { .. }) {
            return Err(DomainError::InvalidInput("step"));
        }
        let done = self
            .keys
            .finish_decrypt(caller, step.key_id, signing_session, partial, t1)
            .await;
        let done = self.key_outcome(caller, id, done).await?;
        if !self
            .store
            .advance_rp_step(
                id,
                index,
                signing_session,
                RpStepState::Begun,
                RpStepState::Signed,
                None,
            )
            .await?
        {
            return Err(DomainError::Internal("step finished twice"));
        }
        Ok(done)
    }

    /// The content key of decrypt step `index`, re-encrypted by the phone
    /// to the relying party's key (SM2Cipher DER): stored as the item's
    /// result; after the last envelope the session completes.
    pub async fn content_key(
        &self,
        caller: Caller,
        id: RpSessionId,
        index: u32,
        ciphertext: &[u8],
    ) -> Result<Option<RpSession>> {
        let (s, step) = self
            .open_step(caller, id, index, None, RpStepState::Signed)
            .await?;
        if ciphertext.len() > super::content::MAX_ENVELOPE_BYTES
            || mca_crypto::sm2::Ciphertext::from_der(ciphertext).is_err()
        {
            return Err(DomainError::InvalidInput("ciphertext"));
        }
        let json = serde_json::to_vec(&ItemResult::ContentKey(ciphertext.to_vec()))
            .map_err(|_| DomainError::Internal("encode result"))?;
        if !self
            .store
            .advance_rp_step(
                id,
                index,
                step.signing_session_id,
                RpStepState::Signed,
                RpStepState::Done,
                Some(&json),
            )
            .await?
        {
            return Err(DomainError::NotFound("step"));
        }
        let cert_rec = self.signing_certificate(caller, step.key_id).await?;
        self.complete_if_last(caller, &s, &cert_rec, index).await
    }

    /// After step `index`: if it was the last, the results of every step
    /// with the certificates (the signing one first; cert and decrypt
    /// sessions add the encryption one) complete the session `Ok`.
    async fn complete_if_last(
        &self,
        caller: Caller,
        s: &RpSession,
        signing: &CertificateRecord,
        index: u32,
    ) -> Result<Option<RpSession>> {
        if index + 1 < step_count(&s.content) {
            return Ok(None);
        }
        let mut items = Vec::new();
        for st in self.store.rp_steps(s.id).await? {
            let json = st
                .result
                .filter(|_| st.state == RpStepState::Done)
                .ok_or(DomainError::Internal("unfinished step"))?;
            items.push(
                serde_json::from_slice::<ItemResult>(&json)
                    .map_err(|_| DomainError::Internal("stored step result"))?,
            );
        }
        let mut certificates = vec![signing.der.clone()];
        if matches!(
            s.content,
            SessionContent::Cert { .. } | SessionContent::Decrypt { .. }
        ) {
            certificates.push(self.encryption_certificate(caller, signing).await?.der);
        }
        let done = self
            .sessions
            .complete_ok(
                caller,
                s.id,
                Completion {
                    certificates,
                    items,
                },
            )
            .await?;
        Ok(Some(done))
    }
}
