//! [`PinChange`] (I3): an SMS code of purpose `pin_change`, the old PIN
//! proven by a signature the server verifies, then both shares re-masked
//! under the new PIN here. The server never learns either PIN.

use serde_json::json;

use crate::CoreError;
use crate::next::{Next, Progress};
use crate::step::{self, Challenge, Expect, Pending};
use crate::stored::{Secrets, StoredKey};
use crate::wire::{APP, Answer, Request};

/// The random bytes the server appends to the PIN-check message.
const PIN_CHECK_NONCE_LEN: usize = 16;

enum Stage {
    Begun,
    Finishing(Pending),
    Finished,
}

/// A PIN change in progress. `secrets.pin` is the old PIN and
/// `secrets.new_pin` the new one.
pub struct PinChange {
    key: StoredKey,
    stage: Stage,
}

impl std::fmt::Debug for PinChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PinChange").finish_non_exhaustive()
    }
}

/// The message the server asks a PIN check to sign begins with this.
fn pin_check_prefix(key_id: &str) -> Vec<u8> {
    let mut prefix = mca_crypto::domain::PIN_CHANGE_TAG.to_vec();
    prefix.extend_from_slice(format!("{key_id}\0").as_bytes());
    prefix
}

impl PinChange {
    /// Begins with the SMS code.
    pub fn start(key: StoredKey, code: &str) -> (Self, Request) {
        let path = format!("{APP}/me/keys/{}/pin-change", key.key_id);
        let request = Request::post(path, Some(json!({ "code": code })));
        let machine = PinChange {
            key,
            stage: Stage::Begun,
        };
        (machine, request)
    }

    /// The server's answer to the last request.
    pub fn on_answer(
        &mut self,
        answer: Answer,
        secrets: &Secrets<'_>,
    ) -> Result<Next<()>, CoreError> {
        let stage = std::mem::replace(&mut self.stage, Stage::Finished);
        let body = answer.into_result()?;
        match stage {
            Stage::Begun => {
                // Checked before the old PIN is used, so a bad new PIN
                // costs no attempt.
                let new_pin = secrets
                    .new_pin
                    .ok_or_else(|| CoreError::Input("请输入新的证书PIN码".into()))?;
                if let Some(message) = crate::checks::check_pin(new_pin) {
                    return Err(CoreError::Input(message));
                }
                let c = Challenge::from_json(&body)?;
                let prefix = pin_check_prefix(&self.key.key_id);
                let expect = Expect::Prefix(&prefix, PIN_CHECK_NONCE_LEN);
                let path = format!("{APP}/me/keys/{}/pin-change/finish", self.key.key_id);
                let (request, pending) = step::finish(&self.key, secrets, &c, expect, path, None)?;
                self.stage = Stage::Finishing(pending);
                Ok(Next::send(Progress::Signing, request))
            }
            Stage::Finishing(pending) => {
                pending.refresh(&body, &mut self.key)?;
                self.key.signing = secrets.remask(&self.key.signing)?;
                if let Some(e) = &self.key.encryption {
                    self.key.encryption = Some(secrets.remask(e)?);
                }
                Ok(Next::done(()).storing(&self.key))
            }
            Stage::Finished => Err(CoreError::Finished),
        }
    }
}
