//! Work the server does on its own: at start-up, completing or rolling
//! back the issuances a crash interrupted (`Issuance::resume`), and then,
//! every `reminder_interval_seconds`, the expiry reminders (D6/D8). Both
//! are safe on several instances at once: each intent completes once
//! (conditional UPDATE) and each reminder is sent once.

use std::time::Duration;

use tokio::task::JoinHandle;

use crate::state::AppState;

/// Resumes open issuances now (before serving, so a phone asking for its
/// certificates finds them), then spawns the reminder loop.
pub async fn start(state: &AppState, reminder_every: Duration) -> JoinHandle<()> {
    match state.certs.issuance.resume().await {
        Ok(0) => {}
        Ok(n) => tracing::info!(intents = n, "resumed interrupted issuances"),
        Err(e) => tracing::error!(error = %e, "resuming interrupted issuances failed"),
    }
    let reminders = state.certs.reminders.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(reminder_every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match reminders.send_due().await {
                Ok(0) => {}
                Ok(n) => tracing::info!(reminders = n, "expiry reminders sent"),
                Err(e) => tracing::warn!(error = %e, "sending expiry reminders failed"),
            }
        }
    })
}
