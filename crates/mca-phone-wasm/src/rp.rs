//! Relying-party sessions: scan a QR link (or the same-device link), show
//! what the core says it asks, approve with a key and PIN, or refuse.
//!
//! A claimed session cannot be fetched again without a fresh QR frame, so
//! the scanned sessions are kept in memory (not stored) until approved or
//! refused; a wrong PIN keeps it, and approving again retries.

use js_sys::Promise;
use mca_phone_core::{
    Approval, Approved, Progress, Scanned, only_key, refusal_request, scan_request,
};
use wasm_bindgen::prelude::*;
use zeroize::Zeroizing;

use crate::browser::to_js;
use crate::error::PhoneError;
use crate::keystore;
use crate::machines::{Pins, drive};
use crate::phone::{Phone, promise};

#[wasm_bindgen]
impl Phone {
    /// Claims the session of a scanned link: the `Scanned` view (labels
    /// in Chinese, computed by the core).
    pub fn scan(&self, link: String) -> Promise {
        let client = self.client.clone();
        let scanned = self.scanned.clone();
        promise(async move {
            let request = scan_request(&link)?;
            let body = client.send(&request).await?.into_result()?;
            let session = Scanned::from_json(&body)?;
            let view = to_js(&session.view())?;
            scanned
                .borrow_mut()
                .insert(session.session_id.clone(), session);
            Ok(view)
        })
    }

    /// Approves a scanned session with key `key_id` (or `null`: the only
    /// key with a certificate) and the PIN: `{ state, result }`.
    pub fn approve(&self, session_id: String, key_id: Option<String>, pin: String) -> Promise {
        let client = self.client.clone();
        let scanned = self.scanned.clone();
        let pin = Zeroizing::new(pin);
        promise(async move {
            let session = scanned
                .borrow()
                .get(&session_id)
                .cloned()
                .ok_or_else(|| PhoneError::invalid_input("请先扫描业务系统的二维码"))?;
            let keys = keystore::all().await?;
            let key_id = match key_id {
                Some(id) => id,
                None => only_key(&keys)?,
            };
            let key = keys
                .into_iter()
                .find(|k| k.key_id == key_id)
                .ok_or_else(|| PhoneError::invalid_input("本机没有这个证书密钥"))?;
            let (machine, request) = Approval::start(session, key)?;
            let pins = Pins {
                pin: &pin,
                new_pin: None,
            };
            let approved: Approved =
                drive(&client, machine, request, pins, Progress::Signing, None).await?;
            scanned.borrow_mut().remove(&session_id);
            to_js(&approved)
        })
    }

    /// Refuses a scanned session: `{ state, result }`.
    pub fn refuse(&self, session_id: String) -> Promise {
        let client = self.client.clone();
        let scanned = self.scanned.clone();
        promise(async move {
            let body = client
                .send(&refusal_request(&session_id))
                .await?
                .into_result()?;
            scanned.borrow_mut().remove(&session_id);
            to_js(&Approved::from_json(&body)?)
        })
    }
}
