//! Work the server does on its own: at start-up, completing or rolling
//! back the issuances a crash interrupted (`Issuance::resume`) and
//! publishing the CRLs no instance has published yet; then, every
//! `reminder_interval_seconds`, the expiry reminders (D6/D8), and every
//! [`CRL_SWEEP`], the CRLs that are due (`Revocation::publish_due`: older
//! than `crl_refresh_seconds`, or missing a revocation). All are safe on
//! several instances at once: each intent completes once (conditional
//! UPDATE), each reminder is sent once, and the highest-numbered CRL wins.

use std::time::Duration;

use tokio::task::JoinHandle;

use crate::state::AppState;

/// How often the CRLs are checked for being due. Cheap (one row per CA
/// and a count), and it bounds how long a revocation made outside the
/// revocation service (a re-key's superseded certificates) waits.
pub const CRL_SWEEP: Duration = Duration::from_secs(60);

/// Resumes open issuances and publishes missing CRLs now (before serving,
/// so a phone asking for its certificates finds them and the first CRL
/// request costs no signature), then spawns the reminder and CRL loops.
pub async fn start(state: &AppState, reminder_every: Duration) -> JoinHandle<()> {
    match state.certs.issuance.resume().await {
        Ok(0) => {}
        Ok(n) => tracing::info!(intents = n, "resumed interrupted issuances"),
        Err(e) => tracing::error!(error = %e, "resuming interrupted issuances failed"),
    }
    let revocation = state.certs.revocation.clone();
    let publish = move || {
        let revocation = revocation.clone();
        async move {
            match revocation.publish_due().await {
                Ok(0) => {}
                Ok(n) => tracing::info!(crls = n, "CRLs published"),
                Err(e) => tracing::warn!(error = %e, "publishing CRLs failed"),
            }
        }
    };
    publish().await;
    let reminders = state.certs.reminders.clone();
    tokio::spawn(async move {
        let mut remind = tokio::time::interval(reminder_every);
        remind.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut sweep = tokio::time::interval(CRL_SWEEP);
        sweep.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = remind.tick() => match reminders.send_due().await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(reminders = n, "expiry reminders sent"),
                    Err(e) => tracing::warn!(error = %e, "sending expiry reminders failed"),
                },
                _ = sweep.tick() => publish().await,
            }
        }
    })
}
