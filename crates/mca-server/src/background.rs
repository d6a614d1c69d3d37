//! Work the server does on its own. At start-up, before serving: withdrawing
//! downloads the phone never finished (`Issuance::sweep_unfinished`:
//! certificates a crash left behind for a key still pending are revoked)
//! and publishing the CRLs no instance has published yet. Then, every
//! `reminder_interval_seconds`, the same withdrawal and the expiry
//! reminders (D6/D8), and every [`CRL_SWEEP`], the CRLs that are due
//! (`Revocation::publish_due`: older than `crl_refresh_seconds`, or missing
//! a revocation). All are safe on several instances at once: a key is
//! retired by one conditional UPDATE, each reminder is sent once, and the
//! highest-numbered CRL wins. Nothing here signs a certificate: only the
//! phone's own step 3 does.

use std::time::Duration;

use tokio::task::JoinHandle;

use crate::state::AppState;

/// How often the CRLs are checked for being due. Cheap (one row per CA
/// and a count), and it bounds how long a revocation made outside the
/// revocation service (a re-key's superseded certificates) waits.
pub const CRL_SWEEP: Duration = Duration::from_secs(60);

async fn withdraw_unfinished(state: &AppState) {
    match state.certs.issuance.sweep_unfinished().await {
        Ok(0) => {}
        Ok(n) => tracing::info!(downloads = n, "withdrew unfinished downloads"),
        Err(e) => tracing::warn!(error = %e, "withdrawing unfinished downloads failed"),
    }
}

async fn publish_crls(state: &AppState) {
    match state.certs.revocation.publish_due().await {
        Ok(0) => {}
        Ok(n) => tracing::info!(crls = n, "CRLs published"),
        Err(e) => tracing::warn!(error = %e, "publishing CRLs failed"),
    }
}

/// Withdraws unfinished downloads and publishes missing CRLs now (so the
/// first CRL request costs no signature), then spawns the periodic loops.
pub async fn start(state: &AppState, reminder_every: Duration) -> JoinHandle<()> {
    withdraw_unfinished(state).await;
    publish_crls(state).await;
    let state = state.clone();
    tokio::spawn(async move {
        let mut remind = tokio::time::interval(reminder_every);
        remind.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut crls = tokio::time::interval(CRL_SWEEP);
        crls.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = remind.tick() => {
                    withdraw_unfinished(&state).await;
                    match state.certs.reminders.send_due().await {
                        Ok(0) => {}
                        Ok(n) => tracing::info!(reminders = n, "expiry reminders sent"),
                        Err(e) => tracing::warn!(error = %e, "sending expiry reminders failed"),
                    }
                }
                _ = crls.tick() => publish_crls(&state).await,
            }
        }
    })
}
