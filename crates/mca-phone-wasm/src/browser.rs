//! The browser's I/O, imported from `js/browser.js`, behind typed Rust
//! functions: IndexedDB records, the WebCrypto device key and PIN-mask
//! secret, fetch, `navigator.storage.persist()` and the clock.
//!
//! Every failure of the browser itself becomes [`PhoneError::storage`] or
//! [`PhoneError::network`]; the browser's own message is dropped, so no
//! request detail can reach an error.

use js_sys::{Object, Reflect, Uint8Array};
use serde::Serialize;
use serde::de::DeserializeOwned;
use wasm_bindgen::prelude::*;
use zeroize::Zeroizing;

use crate::error::PhoneError;

#[wasm_bindgen(module = "/js/browser.js")]
extern "C" {
    #[wasm_bindgen(catch, js_name = idbGet)]
    async fn idb_get(name: &str) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch, js_name = idbPut)]
    async fn idb_put(name: &str, value: JsValue) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch, js_name = idbDelete)]
    async fn idb_delete(name: &str) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch, js_name = devicePublicKey)]
    async fn device_public_key_js() -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch, js_name = deviceSign)]
    async fn device_sign_js(bytes: Uint8Array) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch, js_name = pinMaskSecret)]
    async fn pin_mask_secret_js() -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch, js_name = httpRequest)]
    async fn http_request_js(
        method: &str,
        url: &str,
        headers: Object,
        body: Option<Uint8Array>,
    ) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch, js_name = persistStorage)]
    async fn persist_storage_js() -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_name = unixNow)]
    fn unix_now_js() -> f64;
}

/// Serializes as the JS API promises: maps as plain objects.
pub fn to_js<T: Serialize + ?Sized>(value: &T) -> Result<JsValue, PhoneError> {
    let serializer = serde_wasm_bindgen::Serializer::new().serialize_maps_as_objects(true);
    value
        .serialize(&serializer)
        .map_err(|_| PhoneError::protocol(0))
}

/// A record of the object store, `None` when absent.
pub async fn load<T: DeserializeOwned>(name: &str) -> Result<Option<T>, PhoneError> {
    let value = idb_get(name).await.map_err(|_| PhoneError::storage())?;
    if value.is_null() || value.is_undefined() {
        return Ok(None);
    }
    serde_wasm_bindgen::from_value(value)
        .map(Some)
        .map_err(|_| PhoneError::storage())
}

/// Writes a record; resolved once the transaction committed.
pub async fn save<T: Serialize + ?Sized>(name: &str, value: &T) -> Result<(), PhoneError> {
    let value = to_js(value)?;
    idb_put(name, value)
        .await
        .map(drop)
        .map_err(|_| PhoneError::storage())
}

/// Deletes a record.
pub async fn remove(name: &str) -> Result<(), PhoneError> {
    idb_delete(name)
        .await
        .map(drop)
        .map_err(|_| PhoneError::storage())
}

/// The device key's public key, uncompressed SEC1; made on first use.
pub async fn device_public_key() -> Result<Vec<u8>, PhoneError> {
    let v = device_public_key_js()
        .await
        .map_err(|_| PhoneError::storage())?;
    Ok(Uint8Array::new(&v).to_vec())
}

/// The device key's ECDSA P-256 signature (raw r‖s) over `message`.
pub async fn device_sign(message: &[u8]) -> Result<Vec<u8>, PhoneError> {
    // A copy in JS memory: the call awaits, and a view into wasm memory
    // would be detached if the memory grew meanwhile.
    let v = device_sign_js(Uint8Array::from(message))
        .await
        .map_err(|_| PhoneError::storage())?;
    Ok(Uint8Array::new(&v).to_vec())
}

/// The PIN-mask device secret, freshly computed; both copies (JS and
/// Rust) are wiped after use.
pub async fn pin_mask_secret() -> Result<Zeroizing<Vec<u8>>, PhoneError> {
    let v = pin_mask_secret_js()
        .await
        .map_err(|_| PhoneError::storage())?;
    let array = Uint8Array::new(&v);
    let secret = Zeroizing::new(array.to_vec());
    array.fill(0, 0, array.length());
    Ok(secret)
}

/// One HTTP answer: status and body bytes.
pub struct HttpAnswer {
    /// HTTP status.
    pub status: u16,
    /// The body.
    pub body: Vec<u8>,
}

/// Sends one HTTP request with fetch.
pub async fn http(
    method: &str,
    url: &str,
    headers: &[(&str, String)],
    body: Option<&[u8]>,
) -> Result<HttpAnswer, PhoneError> {
    let header_object = Object::new();
    for (name, value) in headers {
        Reflect::set(
            &header_object,
            &JsValue::from_str(name),
            &JsValue::from_str(value),
        )
        .map_err(|_| PhoneError::network())?;
    }
    let answer = http_request_js(method, url, header_object, body.map(Uint8Array::from))
        .await
        .map_err(|_| PhoneError::network())?;
    let status = Reflect::get(&answer, &JsValue::from_str("status"))
        .ok()
        .and_then(|s| s.as_f64())
        .ok_or_else(PhoneError::network)?;
    let body =
        Reflect::get(&answer, &JsValue::from_str("body")).map_err(|_| PhoneError::network())?;
    Ok(HttpAnswer {
        status: status as u16,
        body: Uint8Array::new(&body).to_vec(),
    })
}

/// Asks the browser to keep this origin's storage (`navigator.storage.persist`).
pub async fn persist() -> Result<bool, PhoneError> {
    let granted = persist_storage_js()
        .await
        .map_err(|_| PhoneError::storage())?;
    Ok(granted.as_bool().unwrap_or(false))
}

/// Unix seconds from the browser's clock.
pub fn unix_now() -> i64 {
    unix_now_js() as i64
}
