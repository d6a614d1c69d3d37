//! Relying-party sessions on the phone (RP-API.md, contract C): scan a QR
//! frame, then approve with a key and its PIN, or refuse.
//!
//! What a session shows and what the phone agrees to sign are the phone
//! core's ([`mca_phone_core::scanned`], [`mca_phone_core::Approval`]); here
//! the requests are only sent.

use mca_phone_core::Approval;

use crate::PhoneError;
use crate::phone::Phone;

pub use mca_phone_core::{Approved, Scanned, ScannedItem, kind_label};

impl Phone {
    /// The key to approve with when the user names none: the only key on
    /// this phone with a signing certificate. With none or several, a
    /// 简体中文 reason listing them.
    pub fn only_key(&self) -> Result<String, PhoneError> {
        let keys = self.state_dir().keys()?;
        mca_phone_core::only_key(&keys).map_err(|e| {
            // The command line names the option that chooses.
            let hint = if keys.is_empty() {
                "（mca phone download）"
            } else {
                "（用 --key 指定）"
            };
            PhoneError::State(format!("{e}{hint}"))
        })
    }

    /// Scans a QR frame (`mca://qr?…`, or the same-device
    /// `https://…/app/#/scan?link=…`): the server checks it and claims the
    /// session for this device; what the user must be shown.
    pub async fn scan(&self, link: &str) -> Result<Scanned, PhoneError> {
        let request = mca_phone_core::scan_request(link)?;
        let body = self.client().send(&request).await?.into_result()?;
        Ok(Scanned::from_json(&body)?)
    }

    /// Refuses the session: it ends `user_refused`.
    pub async fn refuse(&self, session_id: &str) -> Result<Approved, PhoneError> {
        let request = mca_phone_core::refusal_request(session_id);
        let body = self.client().send(&request).await?.into_result()?;
        Ok(Approved::from_json(&body)?)
    }

    /// Approves the scanned session with `key_id` and its PIN: every step,
    /// one two-party signature each (a decrypt session also opens and
    /// re-encrypts each content key). A wrong PIN is the server's
    /// `wrong_pin`; approving again continues with the step that failed.
    pub async fn approve(
        &self,
        scanned: &Scanned,
        key_id: &str,
        pin: &str,
    ) -> Result<Approved, PhoneError> {
        let key = self.state_dir().key(key_id)?;
        let (machine, request) = Approval::start(scanned.clone(), key)?;
        self.drive(machine, request, pin, None).await
    }
}
