//! Drives the core's state machines over fetch and IndexedDB: send the
//! request (device-signed), hand the answer to the machine with the
//! secrets of that step, save or forget keys as told, report progress,
//! repeat until done.
//!
//! The PIN-mask device secret is computed from the WebCrypto key for each
//! step and wiped when the step returns, so it lives no longer than the
//! machine needs it; the PIN is the caller's `Zeroizing` string.

use js_sys::Function;
use mca_phone_core::{
    Answer, Approval, Approved, CoreError, Download, Envelope, Next, PinChange, Progress, Secrets,
    Signing, StoredKey, Then,
};
use wasm_bindgen::JsValue;

use crate::client::Client;
use crate::error::PhoneError;
use crate::{browser, keystore};

/// One of the core's machines: `on_answer(answer, secrets) -> Next`.
pub trait Machine {
    /// What the operation ends with.
    type Output;
    /// The machine's `on_answer`.
    fn answer(
        &mut self,
        answer: Answer,
        secrets: &Secrets<'_>,
    ) -> Result<Next<Self::Output>, CoreError>;
}

macro_rules! machine {
    ($machine:ty, $output:ty) => {
        impl Machine for $machine {
            type Output = $output;
            fn answer(
                &mut self,
                answer: Answer,
                secrets: &Secrets<'_>,
            ) -> Result<Next<$output>, CoreError> {
                self.on_answer(answer, secrets)
            }
        }
    };
}

machine!(Download, StoredKey);
machine!(Signing, Vec<u8>);
machine!(Envelope, Vec<u8>);
machine!(PinChange, ());
machine!(Approval, Approved);

/// The PIN(s) of one operation.
pub struct Pins<'a> {
    /// The PIN (for a PIN change the old one, for a re-key the new one).
    pub pin: &'a str,
    /// A PIN change's new PIN.
    pub new_pin: Option<&'a str>,
}

/// Runs `machine` from its first `request` to the end. `on_progress`
/// (a JS function, optional) is called with each stage name, starting
/// with `first`.
pub async fn drive<M: Machine>(
    client: &Client,
    mut machine: M,
    mut request: mca_phone_core::Request,
    pins: Pins<'_>,
    first: Progress,
    on_progress: Option<&Function>,
) -> Result<M::Output, PhoneError> {
    report(on_progress, first);
    loop {
        let answer = client.send(&request).await?;
        let next = {
            let device_secret = browser::pin_mask_secret().await?;
            let mut secrets = Secrets::new(pins.pin, &device_secret);
            if let Some(new_pin) = pins.new_pin {
                secrets = secrets.with_new_pin(new_pin);
            }
            machine.answer(answer, &secrets)?
        };
        // Saving comes first: the server may already count on the share.
        if let Some(key) = next.store {
            keystore::save(key).await?;
        }
        if let Some(id) = next.forget {
            keystore::forget(&id).await?;
        }
        report(on_progress, next.progress);
        match next.then {
            Then::Send(r) => request = r,
            Then::Done(output) => return Ok(output),
        }
    }
}

fn report(on_progress: Option<&Function>, progress: Progress) {
    if let Some(f) = on_progress {
        // The UI's callback failing must not stop the operation.
        let _ = f.call1(&JsValue::NULL, &JsValue::from_str(progress.as_str()));
    }
}
