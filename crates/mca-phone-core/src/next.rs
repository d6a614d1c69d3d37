//! [`Next`]: what a machine asks its shell to do after an answer.

use serde::{Deserialize, Serialize};

use crate::stored::StoredKey;
use crate::wire::Request;

/// The stage an operation is in, for a progress screen. Serialized as the
/// lower-case names of the JS contract (`keygen`, `possession`,
/// `certificates`, `done`, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Progress {
    /// Two-party key generation (download, re-key).
    Keygen,
    /// Proving possession of the new key (the two-party CSR signature).
    Possession,
    /// Collecting the certificates and the encryption share.
    Certificates,
    /// A two-party signature.
    Signing,
    /// A blinded decryption.
    Decrypting,
    /// Looking through earlier certificates of the same key.
    Searching,
    /// Handing a content key to a relying party.
    Delivering,
    /// Finished.
    Done,
}

impl Progress {
    /// The name, as in the JS contract.
    pub fn as_str(self) -> &'static str {
        match self {
            Progress::Keygen => "keygen",
            Progress::Possession => "possession",
            Progress::Certificates => "certificates",
            Progress::Signing => "signing",
            Progress::Decrypting => "decrypting",
            Progress::Searching => "searching",
            Progress::Delivering => "delivering",
            Progress::Done => "done",
        }
    }
}

/// What to do next: first save `store` (replacing the key of the same id)
/// and forget `forget`, then send the request or finish with the output.
/// Saving comes first so that a crash between steps never loses a share
/// the server already counts on.
#[derive(Debug)]
#[must_use]
pub struct Next<T> {
    /// The stage the operation is now in.
    pub progress: Progress,
    /// A key to save before anything else.
    pub store: Option<StoredKey>,
    /// A key id to forget (the old key after a re-key).
    pub forget: Option<String>,
    /// Send another request, or done.
    pub then: Then<T>,
}

/// The second half of [`Next`].
#[derive(Debug)]
pub enum Then<T> {
    /// Send this request and hand its answer to the machine.
    Send(crate::wire::Request),
    /// The operation finished with this output.
    Done(T),
}

impl<T> Next<T> {
    pub(crate) fn send(progress: Progress, request: Request) -> Self {
        Next {
            progress,
            store: None,
            forget: None,
            then: Then::Send(request),
        }
    }

    pub(crate) fn done(output: T) -> Self {
        Next {
            progress: Progress::Done,
            store: None,
            forget: None,
            then: Then::Done(output),
        }
    }

    pub(crate) fn storing(mut self, key: &StoredKey) -> Self {
        self.store = Some(key.clone());
        self
    }

    /// The request to send, if any.
    pub fn request(&self) -> Option<&Request> {
        match &self.then {
            Then::Send(r) => Some(r),
            Then::Done(_) => None,
        }
    }
}

/// What every operation machine does, so a shell can drive any of them
/// with one loop.
pub trait Machine {
    /// What the operation ends with.
    type Output;

    /// The server's answer to the last request.
    fn on_answer(
        &mut self,
        answer: crate::wire::Answer,
        secrets: &crate::stored::Secrets<'_>,
    ) -> Result<Next<Self::Output>, crate::CoreError>;
}

macro_rules! machine {
    ($($t:ty => $o:ty),* $(,)?) => {$(
        impl Machine for $t {
            type Output = $o;
            fn on_answer(
                &mut self,
                answer: crate::wire::Answer,
                secrets: &crate::stored::Secrets<'_>,
            ) -> Result<Next<$o>, crate::CoreError> {
                <$t>::on_answer(self, answer, secrets)
            }
        }
    )*};
}

machine! {
    crate::download::Download => StoredKey,
    crate::signing::Signing => Vec<u8>,
    crate::decryption::Decryption => zeroize::Zeroizing<Vec<u8>>,
    crate::decryption::Envelope => Vec<u8>,
    crate::pin_change::PinChange => (),
    crate::approval::Approval => crate::approval::Approved,
}
