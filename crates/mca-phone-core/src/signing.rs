//! [`Signing`]: a two-party SM2 signature on bytes the user chose (§2).
//! The server's challenge must be for exactly those bytes.

use serde_json::json;

use crate::CoreError;
use crate::next::{Next, Progress};
use crate::step::{self, Challenge, Expect, Pending};
use crate::stored::{Secrets, StoredKey};
use crate::wire::{APP, Answer, Request, text};

enum Stage {
    Begun,
    Finishing(Pending),
    Finished,
}

/// A signature in progress; the output is the DER SM2 signature.
pub struct Signing {
    key: StoredKey,
    message: Vec<u8>,
    stage: Stage,
}

impl std::fmt::Debug for Signing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signing").finish_non_exhaustive()
    }
}

impl Signing {
    /// Asks the server to begin signing `message` with `key`.
    pub fn start(key: StoredKey, message: &[u8]) -> (Self, Request) {
        let path = format!("{APP}/me/keys/{}/signatures", key.key_id);
        let request = Request::post(path, Some(json!({ "message": hex::encode(message) })));
        let machine = Signing {
            key,
            message: message.to_vec(),
            stage: Stage::Begun,
        };
        (machine, request)
    }

    /// The server's answer to the last request.
    pub fn on_answer(
        &mut self,
        answer: Answer,
        secrets: &Secrets<'_>,
    ) -> Result<Next<Vec<u8>>, CoreError> {
        let stage = std::mem::replace(&mut self.stage, Stage::Finished);
        let body = answer.into_result()?;
        match stage {
            Stage::Begun => {
                let c = Challenge::from_json(&body)?;
                let path = format!("{APP}/me/keys/{}/signatures/finish", self.key.key_id);
                let expect = Expect::Exactly(&self.message);
                let (request, pending) = step::finish(&self.key, secrets, &c, expect, path, None)?;
                self.stage = Stage::Finishing(pending);
                Ok(Next::send(Progress::Signing, request))
            }
            Stage::Finishing(pending) => {
                pending.refresh(&body, &mut self.key)?;
                let signature = hex::decode(text(&body, "signature")?)
                    .map_err(|_| CoreError::protocol("signature"))?;
                Ok(Next::done(signature).storing(&self.key))
            }
            Stage::Finished => Err(CoreError::Finished),
        }
    }
}
