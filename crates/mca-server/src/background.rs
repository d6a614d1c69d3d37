//! Work the server does on its own, at start-up and then every
//! `reminder_interval_seconds`: withdrawing downloads the phone never
//! finished (`Issuance::sweep_unfinished`: certificates a crash left behind
//! for a key still pending are revoked) and sending the expiry reminders
//! (D6/D8). Both are safe on several instances at once: a key is retired
//! by one conditional UPDATE and each reminder is sent once. Nothing here
//! signs a certificate: only the phone's own step 3 does.

use std::time::Duration;

use tokio::task::JoinHandle;

use crate::state::AppState;

async fn sweep(state: &AppState) {
    match state.certs.issuance.sweep_unfinished().await {
        Ok(0) => {}
        Ok(n) => tracing::info!(downloads = n, "withdrew unfinished downloads"),
        Err(e) => tracing::warn!(error = %e, "withdrawing unfinished downloads failed"),
    }
}

/// Sweeps unfinished downloads now, then spawns the periodic loop.
pub async fn start(state: &AppState, reminder_every: Duration) -> JoinHandle<()> {
    sweep(state).await;
    let state = state.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(reminder_every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            sweep(&state).await;
            match state.certs.reminders.send_due().await {
                Ok(0) => {}
                Ok(n) => tracing::info!(reminders = n, "expiry reminders sent"),
                Err(e) => tracing::warn!(error = %e, "sending expiry reminders failed"),
            }
        }
    })
}
