//! The phone's certificate keys: the local list, download, signing,
//! opening envelopes, PIN change, unlock and re-key/recovery, each a
//! machine of the core driven by [`crate::machines::drive`].

use js_sys::{Function, Promise, Uint8Array};
use mca_phone_core::{Download, Envelope, Method, PinChange, Progress, Signing, check_pin};
use serde_json::{Value, json};
use wasm_bindgen::prelude::*;
use zeroize::Zeroizing;

use crate::browser::to_js;
use crate::client::{APP, Client};
use crate::error::PhoneError;
use crate::keystore;
use crate::machines::{Pins, drive};
use crate::phone::{Phone, json_result, promise, segment, text};

/// The PIN rule of the core, checked before anything is sent.
fn pin_rule(pin: &str) -> Result<(), PhoneError> {
    match check_pin(pin) {
        Some(message) => Err(PhoneError::invalid_input(&message)),
        None => Ok(()),
    }
}

/// A JS callback, if the UI passed a function.
fn callback(on_progress: JsValue) -> Option<Function> {
    on_progress.dyn_into::<Function>().ok()
}

/// Signs `bytes` with key `key_id` and `pin`: the DER signature.
pub(crate) async fn sign_with(
    client: &Client,
    key_id: &str,
    pin: &str,
    bytes: &[u8],
) -> Result<Vec<u8>, PhoneError> {
    let key = keystore::get(key_id).await?;
    let (machine, request) = Signing::start(key, bytes);
    let pins = Pins { pin, new_pin: None };
    drive(client, machine, request, pins, Progress::Signing, None).await
}

#[wasm_bindgen]
impl Phone {
    /// The keys on this phone, without secrets:
    /// `[{ key_id, application_id, has_certificates, subject?, serial?, not_after? }]`.
    pub fn keys(&self) -> Promise {
        promise(async move {
            let summaries: Vec<_> = keystore::all().await?.iter().map(|k| k.summary()).collect();
            to_js(&summaries)
        })
    }

    /// Downloads the certificates of an approved application under a new
    /// PIN; `onProgress(step)` sees keygen, possession, certificates,
    /// done. Resolves with the local key summary.
    pub fn download(&self, application_id: String, pin: String, on_progress: JsValue) -> Promise {
        let client = self.client.clone();
        let pin = Zeroizing::new(pin);
        let on_progress = callback(on_progress);
        promise(async move {
            pin_rule(&pin)?;
            let (machine, request) = Download::start(&application_id)?;
            let pins = Pins {
                pin: &pin,
                new_pin: None,
            };
            let key = drive(
                &client,
                machine,
                request,
                pins,
                Progress::Keygen,
                on_progress.as_ref(),
            )
            .await?;
            to_js(&key.summary())
        })
    }

    /// Signs `bytes` with key `key_id` (two-party SM2 with SM3 and the
    /// default user id): the DER signature.
    pub fn sign(&self, key_id: String, pin: String, bytes: Vec<u8>) -> Promise {
        let client = self.client.clone();
        let pin = Zeroizing::new(pin);
        promise(async move {
            let der = sign_with(&client, &key_id, &pin, &bytes).await?;
            Ok(Uint8Array::from(&der[..]).into())
        })
    }

    /// Opens a GM/T 0010 digital envelope for key `key_id`: the content.
    #[wasm_bindgen(js_name = openEnvelope)]
    pub fn open_envelope(&self, key_id: String, pin: String, der: Vec<u8>) -> Promise {
        let client = self.client.clone();
        let pin = Zeroizing::new(pin);
        promise(async move {
            let key = keystore::get(&key_id).await?;
            let (machine, request) = Envelope::start(key, &der)?;
            let pins = Pins {
                pin: &pin,
                new_pin: None,
            };
            let content = Zeroizing::new(
                drive(&client, machine, request, pins, Progress::Decrypting, None).await?,
            );
            Ok(Uint8Array::from(&content[..]).into())
        })
    }

    /// Changes the PIN of key `key_id` with an SMS code of purpose
    /// `pin_change`; the old PIN is proven to the server, the shares are
    /// re-masked here.
    #[wasm_bindgen(js_name = changePin)]
    pub fn change_pin(
        &self,
        key_id: String,
        code: String,
        old_pin: String,
        new_pin: String,
    ) -> Promise {
        let client = self.client.clone();
        let (old_pin, new_pin) = (Zeroizing::new(old_pin), Zeroizing::new(new_pin));
        promise(async move {
            pin_rule(&new_pin)?;
            let key = keystore::get(&key_id).await?;
            let (machine, request) = PinChange::start(key, &code);
            let pins = Pins {
                pin: &old_pin,
                new_pin: Some(&new_pin),
            };
            drive(&client, machine, request, pins, Progress::Signing, None).await?;
            Ok(JsValue::UNDEFINED)
        })
    }

    /// A fresh face check for unlock, a forgotten PIN or recovery:
    /// `{ reverification_id, face_session_id, url }`.
    pub fn reverify(&self) -> Promise {
        let client = self.client.clone();
        promise(async move {
            json_result(
                Self::call(
                    &client,
                    Method::Post,
                    &format!("{APP}/me/reverifications"),
                    None,
                )
                .await,
            )
        })
    }

    /// Unlocks a key locked by wrong PINs (SMS code + passed face check).
    pub fn unlock(&self, key_id: String, reverification_id: String, code: String) -> Promise {
        let client = self.client.clone();
        promise(async move {
            let body = json!({ "reverification_id": reverification_id, "code": code });
            let path = format!("{APP}/me/keys/{}/unlock", segment(&key_id));
            json_result(Self::call(&client, Method::Post, &path, Some(body)).await)
        })
    }

    /// Pays the recovery fee: the order id.
    #[wasm_bindgen(js_name = payRecovery)]
    pub fn pay_recovery(&self) -> Promise {
        let client = self.client.clone();
        promise(async move {
            let order: Value = Self::call(
                &client,
                Method::Post,
                &format!("{APP}/me/recovery-orders"),
                None,
            )
            .await?;
            Ok(JsValue::from_str(&text(&order, "id")?))
        })
    }

    /// New keys for a forgotten PIN (`recovery_order_id` null) or the
    /// recovery of `old_key_id` on this phone (the paid order id), under
    /// `new_pin`; progress as for a download. The local key summary.
    pub fn rekey(
        &self,
        old_key_id: String,
        reverification_id: String,
        code: String,
        recovery_order_id: Option<String>,
        new_pin: String,
        on_progress: JsValue,
    ) -> Promise {
        let client = self.client.clone();
        let new_pin = Zeroizing::new(new_pin);
        let on_progress = callback(on_progress);
        promise(async move {
            pin_rule(&new_pin)?;
            let (machine, request) = Download::rekey(
                &old_key_id,
                &reverification_id,
                &code,
                recovery_order_id.as_deref(),
            )?;
            let pins = Pins {
                pin: &new_pin,
                new_pin: None,
            };
            let key = drive(
                &client,
                machine,
                request,
                pins,
                Progress::Keygen,
                on_progress.as_ref(),
            )
            .await?;
            to_js(&key.summary())
        })
    }
}
