//! The phone's side of a session: scan a frame (claim), go ahead
//! (`Confirming`), and finish it once, `Ok` with results or with the end
//! result of a refusal or a failed check.

use mca_crypto::rp::QrLink;

use super::{FRAME_MAX_AGE_SECS, FRAME_MAX_AHEAD_SECS, RpSession, Scanned, Sessions};
use crate::relying_parties::authorization::{ActingFor, is_authorized, needed};
use crate::relying_parties::results::Completion;
use crate::store::{RpEndResult, RpFinish, RpSessionState};
use crate::{Caller, DomainError, Result, RpSessionId};

impl Sessions {
    /// The phone scanned `link`: the frame must carry a valid MAC under
    /// the session's secret and be at most [`FRAME_MAX_AGE_SECS`] old; an
    /// unclaimed session is then claimed by the caller's device in one
    /// conditional `UPDATE` (a second device is refused). Scanning again
    /// from the claiming device answers the same session.
    pub async fn resolve_frame(&self, caller: Caller, link: &str) -> Result<Scanned> {
        self.identity.require_verified(caller.user).await?;
        let link = QrLink::parse(link).map_err(|_| DomainError::BadQr)?;
        let rec = self
            .store
            .rp_session_by_token(link.public_token())
            .await?
            .ok_or(DomainError::BadQr)?;
        if !link.verify(self.open_secret(&rec)?.expose()) {
            self.log(
                &format!("user:{}", caller.user),
                "rp_frame_forged",
                rec.id,
                &format!("device:{}", caller.device),
            )
            .await?;
            return Err(DomainError::BadQr);
        }
        let now = self.clock.now();
        let frame_at = i64::try_from(link.elapsed_seconds())
            .map(|s| rec.created_at.plus(s))
            .map_err(|_| DomainError::QrExpired)?;
        let age = now.secs() - frame_at.secs();
        if !(-FRAME_MAX_AHEAD_SECS..=FRAME_MAX_AGE_SECS).contains(&age) {
            return Err(DomainError::QrExpired);
        }
        let rp = self.registry.get(rec.rp_id).await?;
        if rp.disabled_at.is_some() {
            return Err(DomainError::RelyingPartyDisabled);
        }
        let session = self.claim(caller, rec.id).await?;
        Ok(Scanned {
            session,
            relying_party: rp.display_name,
        })
    }

    /// Claims the session for the caller's device, or answers it again if
    /// this device already holds it. Reached only through a verified frame.
    async fn claim(&self, caller: Caller, id: RpSessionId) -> Result<RpSession> {
        let s = self.current(id).await?.ok_or(DomainError::BadQr)?;
        if !s.content.in_window(self.clock.now()) {
            return Err(DomainError::OutsideOpeningWindow);
        }
        if s.state == RpSessionState::Created {
            let won = self
                .store
                .claim_rp_session(id, caller.user, caller.device, self.clock.now())
                .await?;
            if won {
                self.log(
                    &format!("user:{}", caller.user),
                    "rp_session_scanned",
                    id,
                    &format!("device:{}", caller.device),
                )
                .await?;
            }
        }
        let s = self.current(id).await?.ok_or(DomainError::BadQr)?;
        self.held_by(caller, s)
    }

    /// `s` if the caller's device holds it and it is unfinished.
    fn held_by(&self, caller: Caller, s: RpSession) -> Result<RpSession> {
        if s.is_complete() {
            return Err(DomainError::SessionFinished);
        }
        if s.device_id != Some(caller.device) {
            return Err(DomainError::SessionClaimed);
        }
        Ok(s)
    }

    /// The session the caller's device claimed (for the phone's screens
    /// and for the key operations that follow).
    pub async fn claimed(&self, caller: Caller, id: RpSessionId) -> Result<RpSession> {
        let s = self
            .current(id)
            .await?
            .ok_or(DomainError::NotFound("session"))?;
        if s.user_id != Some(caller.user) {
            return Err(DomainError::NotFound("session"));
        }
        self.held_by(caller, s)
    }

    /// The user goes ahead on the phone: `Scanned` → `Confirming`.
    pub async fn begin_confirming(&self, caller: Caller, id: RpSessionId) -> Result<RpSession> {
        let s = self.claimed(caller, id).await?;
        if !s.content.in_window(self.clock.now()) {
            return Err(DomainError::OutsideOpeningWindow);
        }
        if !self
            .store
            .confirm_rp_session(id, caller.device, self.clock.now())
            .await?
        {
            // Already confirming (a retry) is fine; anything else is not.
            let s = self.claimed(caller, id).await?;
            return if s.state == RpSessionState::Confirming {
                Ok(s)
            } else {
                Err(DomainError::SessionFinished)
            };
        }
        self.log(
            &format!("user:{}", caller.user),
            "rp_session_confirming",
            id,
            "",
        )
        .await?;
        self.claimed(caller, id).await
    }

    /// The key operations succeeded: stores the results (checked against
    /// what was asked) and completes the session `Ok`. Only the claiming
    /// device, only while confirming, only before expiry (and inside a
    /// decrypt session's opening window).
    pub async fn complete_ok(
        &self,
        caller: Caller,
        id: RpSessionId,
        completion: Completion,
    ) -> Result<RpSession> {
        let s = self.claimed(caller, id).await?;
        if s.state != RpSessionState::Confirming {
            return Err(DomainError::SessionFinished);
        }
        let now = self.clock.now();
        if !s.content.in_window(now) {
            return Err(DomainError::OutsideOpeningWindow);
        }
        completion.check(&s.content)?;
        let results =
            serde_json::to_vec(&completion).map_err(|_| DomainError::Internal("encode results"))?;
        let done = self
            .store
            .finish_rp_session(
                id,
                RpFinish::ConfirmingBy(caller.device),
                RpEndResult::Ok,
                Some(&results),
                now,
            )
            .await?;
        self.finished(caller, id, done, RpEndResult::Ok).await
    }

    /// The session ends without results: the user refused, or the key
    /// operation could not be done (revoked or expired certificate, locked
    /// key, protocol failure, no authorization). Only the claiming device.
    pub async fn fail(
        &self,
        caller: Caller,
        id: RpSessionId,
        reason: RpEndResult,
    ) -> Result<RpSession> {
        if matches!(
            reason,
            RpEndResult::Ok | RpEndResult::Timeout | RpEndResult::Cancelled
        ) {
            return Err(DomainError::InvalidInput("reason"));
        }
        self.claimed(caller, id).await?;
        let done = self
            .store
            .finish_rp_session(
                id,
                RpFinish::ClaimedBy(caller.device),
                reason,
                None,
                self.clock.now(),
            )
            .await?;
        self.finished(caller, id, done, reason).await
    }

    async fn finished(
        &self,
        caller: Caller,
        id: RpSessionId,
        done: bool,
        result: RpEndResult,
    ) -> Result<RpSession> {
        if !done {
            // Lost a race (cancel, timeout): report what the session is now.
            self.claimed(caller, id).await?;
            return Err(DomainError::SessionFinished);
        }
        self.log(
            &format!("user:{}", caller.user),
            "rp_session_completed",
            id,
            result.as_str(),
        )
        .await?;
        self.current(id)
            .await?
            .ok_or(DomainError::NotFound("session"))
    }

    /// The D2 rule before any key operation: a personal certificate may
    /// serve any relying party; one acting for an enterprise only the
    /// trading platform its active authorization covers, with the
    /// permissions the session needs. A refusal completes the
    /// session `NotAuthorized` and is returned as an error.
    pub async fn check_platform_authorization(
        &self,
        caller: Caller,
        id: RpSessionId,
        acting_for: &ActingFor,
    ) -> Result<()> {
        let s = self.claimed(caller, id).await?;
        let rp = self.registry.get(s.rp_id).await?;
        let needs = needed(&s.content);
        if is_authorized(
            self.authorizations.as_ref(),
            acting_for,
            rp.platform_id,
            &needs,
        )
        .await?
        {
            return Ok(());
        }
        // Whether or not this call wins the race to finish it, the answer
        // to the phone is the same refusal.
        match self.fail(caller, id, RpEndResult::NotAuthorized).await {
            Ok(_) | Err(DomainError::SessionFinished) => Err(DomainError::NotAuthorizedForPlatform),
            Err(e) => Err(e),
        }
    }
}
