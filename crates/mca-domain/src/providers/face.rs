use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::error::ProviderError;
use crate::{IdNumber, PersonName};

/// A face-verification session opened with the provider.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FaceSession {
    /// The provider's id for it (e.g. Alipay's certify_id).
    pub id: String,
    /// Where the phone goes to do the face scan.
    pub url: String,
}

/// The provider's verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaceOutcome {
    /// The face matches the name and ID number.
    Passed,
    /// It does not (or the user gave up).
    Failed,
    /// The user has not finished yet.
    Pending,
}

/// A third-party face-verification service (A3; the manual uses Alipay).
#[async_trait]
pub trait FaceVerifier: Send + Sync {
    /// Opens a session for this person.
    async fn start(
        &self,
        name: &PersonName,
        id_number: &IdNumber,
    ) -> Result<FaceSession, ProviderError>;

    /// Asks for the session's result.
    async fn outcome(&self, session_id: &str) -> Result<FaceOutcome, ProviderError>;
}

/// The development face verifier: every session ends with the default
/// outcome (passed, unless changed) or with the outcome decided for it.
#[derive(Debug)]
pub struct DevFaceVerifier {
    default: Mutex<FaceOutcome>,
    decided: Mutex<HashMap<String, FaceOutcome>>,
}

impl Default for DevFaceVerifier {
    fn default() -> Self {
        Self {
            default: Mutex::new(FaceOutcome::Passed),
            decided: Mutex::default(),
        }
    }
}

impl DevFaceVerifier {
    /// A verifier that passes everyone until told otherwise.
    pub fn new() -> Self {
        Self::default()
    }

    /// The outcome of sessions nobody decided.
    pub fn set_default(&self, outcome: FaceOutcome) {
        *self.default.lock().unwrap_or_else(|p| p.into_inner()) = outcome;
    }

    /// Decides one session's outcome.
    pub fn decide(&self, session_id: &str, outcome: FaceOutcome) {
        self.decided
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(session_id.to_owned(), outcome);
    }
}

#[async_trait]
impl FaceVerifier for DevFaceVerifier {
    async fn start(
        &self,
        _name: &PersonName,
        _id_number: &IdNumber,
    ) -> Result<FaceSession, ProviderError> {
        let id = format!("dev-{}", uuid::Uuid::now_v7().simple());
        Ok(FaceSession {
            url: format!("dev://face/{id}"),
            id,
        })
    }

    async fn outcome(&self, session_id: &str) -> Result<FaceOutcome, ProviderError> {
        if !session_id.starts_with("dev-") {
            return Err(ProviderError {
                provider: "dev-face",
                reason: "unknown session".into(),
            });
        }
        let decided = self
            .decided
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(session_id)
            .copied();
        Ok(decided.unwrap_or(*self.default.lock().unwrap_or_else(|p| p.into_inner())))
    }
}
