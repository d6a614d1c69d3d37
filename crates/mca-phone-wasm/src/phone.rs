//! [`Phone`], the object the web app holds: opening, the session, the
//! accounts and real-name verification calls. Every async method returns a
//! promise that resolves with plain JS values (server JSON as is unless
//! stated) and rejects with a [`PhoneError`] object.

use std::cell::RefCell;
use std::collections::HashMap;
use std::future::Future;
use std::rc::Rc;

use js_sys::Promise;
use mca_phone_core::{Method, Scanned};
use serde_json::{Value, json};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use crate::browser::{self, to_js};
use crate::client::{APP, Client, Session};
use crate::error::PhoneError;

/// The phone of one origin (IndexedDB "mca-phone").
#[wasm_bindgen]
pub struct Phone {
    pub(crate) client: Rc<Client>,
    /// Sessions scanned and not yet approved or refused (memory only).
    pub(crate) scanned: Rc<RefCell<HashMap<String, Scanned>>>,
}

/// Runs `work` as a JS promise that rejects with a `PhoneError` object.
pub(crate) fn promise<F>(work: F) -> Promise
where
    F: Future<Output = Result<JsValue, PhoneError>> + 'static,
{
    future_to_promise(async move { work.await.map_err(|e| e.to_js()) })
}

/// The server's JSON, as a plain JS value.
pub(crate) fn json_result<E: Into<PhoneError>>(
    value: Result<Value, E>,
) -> Result<JsValue, PhoneError> {
    to_js(&value.map_err(Into::into)?)
}

/// A string field of a server answer.
pub(crate) fn text(v: &Value, name: &str) -> Result<String, PhoneError> {
    v.get(name)
        .and_then(|x| x.as_str())
        .map(str::to_owned)
        .ok_or_else(|| PhoneError::protocol(200))
}

impl Phone {
    /// A signed call: the body on success.
    pub(crate) async fn call(
        client: &Client,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value, PhoneError> {
        Ok(client
            .signed(method, path, body.as_ref())
            .await?
            .into_result()?)
    }

    async fn login(client: &Client, phone: &str, mut body: Value) -> Result<Value, PhoneError> {
        let public_key = browser::device_public_key().await?;
        let by_password = body.get("password").is_some();
        body["device_public_key"] = json!(hex::encode(public_key));
        body["device_name"] = json!("手机浏览器");
        let login = client
            .public(Method::Post, &format!("{APP}/sessions"), Some(&body))
            .await?
            .into_result()?;
        let session = Session {
            server: client.base().to_owned(),
            phone: phone.to_owned(),
            user_id: text(&login, "user_id")?,
            device_id: text(&login, "device_id")?,
            token: text(&login, "token")?,
        };
        client.set_session(session).await?;
        let registered = login
            .get("registered")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        // The server does not say yet whether a password is set; a
        // password login proves it, a code login of a new account proves
        // the opposite.
        let password_set = login
            .get("password_set")
            .and_then(Value::as_bool)
            .unwrap_or(by_password);
        Ok(json!({ "registered": registered, "password_set": password_set }))
    }
}

#[wasm_bindgen]
impl Phone {
    /// Opens the phone of `origin` (e.g. `location.origin`): the stored
    /// session if it belongs to that origin, the device key made on first
    /// use.
    pub async fn open(origin: String) -> Result<Phone, JsValue> {
        let work = async {
            browser::device_public_key().await?;
            Client::open(&origin).await
        };
        match work.await {
            Ok(client) => Ok(Phone {
                client: Rc::new(client),
                scanned: Rc::default(),
            }),
            Err(e) => Err(e.to_js()),
        }
    }

    /// `{ phone, user_id, device_id }` of the session, or `null`; never the
    /// token.
    pub fn session(&self) -> JsValue {
        match self.client.session() {
            Some(s) => to_js(&json!({
                "phone": s.phone, "user_id": s.user_id, "device_id": s.device_id
            }))
            .unwrap_or(JsValue::NULL),
            None => JsValue::NULL,
        }
    }

    /// Asks for an SMS code (`purpose`: login, reset_password,
    /// change_phone, certificate_key, pin_change).
    #[wasm_bindgen(js_name = sendCode)]
    pub fn send_code(&self, phone: String, purpose: String) -> Promise {
        let client = self.client.clone();
        promise(async move {
            let body = json!({ "phone": phone, "purpose": purpose });
            client
                .public(Method::Post, &format!("{APP}/sms-codes"), Some(&body))
                .await?
                .into_result()?;
            Ok(JsValue::UNDEFINED)
        })
    }

    /// Development servers only: the latest code sent to `phone`.
    #[wasm_bindgen(js_name = devCode)]
    pub fn dev_code(&self, phone: String) -> Promise {
        let client = self.client.clone();
        promise(async move {
            let body = client
                .public(
                    Method::Get,
                    &format!("/api/dev/sms-codes/{}", segment(&phone)),
                    None,
                )
                .await?
                .into_result()?;
            Ok(JsValue::from_str(&text(&body, "code")?))
        })
    }

    /// Logs in with an SMS code (the first login registers):
    /// `{ registered, password_set }`.
    #[wasm_bindgen(js_name = loginWithCode)]
    pub fn login_with_code(&self, phone: String, code: String) -> Promise {
        let client = self.client.clone();
        promise(async move {
            let body = json!({ "phone": phone, "code": code });
            json_result(Self::login(&client, &phone, body).await)
        })
    }

    /// Logs in with the password: `{ registered, password_set }`.
    #[wasm_bindgen(js_name = loginWithPassword)]
    pub fn login_with_password(&self, phone: String, password: String) -> Promise {
        let client = self.client.clone();
        promise(async move {
            let body = json!({ "phone": phone, "password": password });
            json_result(Self::login(&client, &phone, body).await)
        })
    }

    /// Forgets the session on this phone (keys stay).
    pub fn logout(&self) -> Promise {
        let client = self.client.clone();
        promise(async move {
            client.clear_session().await?;
            Ok(JsValue::UNDEFINED)
        })
    }

    /// Sets the first password.
    #[wasm_bindgen(js_name = setPassword)]
    pub fn set_password(&self, password: String) -> Promise {
        let client = self.client.clone();
        promise(async move {
            let body = json!({ "new_password": password });
            json_result(
                Self::call(
                    &client,
                    Method::Put,
                    &format!("{APP}/me/password"),
                    Some(body),
                )
                .await,
            )
        })
    }

    /// Changes the password.
    #[wasm_bindgen(js_name = changePassword)]
    pub fn change_password(&self, old: String, new: String) -> Promise {
        let client = self.client.clone();
        promise(async move {
            let body = json!({ "old_password": old, "new_password": new });
            json_result(
                Self::call(
                    &client,
                    Method::Put,
                    &format!("{APP}/me/password"),
                    Some(body),
                )
                .await,
            )
        })
    }

    /// Forgot password: a new one with an SMS code (no login needed).
    #[wasm_bindgen(js_name = resetPassword)]
    pub fn reset_password(&self, phone: String, code: String, new: String) -> Promise {
        let client = self.client.clone();
        promise(async move {
            let body = json!({ "phone": phone, "code": code, "new_password": new });
            json_result(
                client
                    .public(Method::Post, &format!("{APP}/password-resets"), Some(&body))
                    .await?
                    .into_result(),
            )
        })
    }

    /// Changes the phone number with a code sent to the new number.
    #[wasm_bindgen(js_name = changePhone)]
    pub fn change_phone(&self, new_phone: String, code: String) -> Promise {
        let client = self.client.clone();
        promise(async move {
            let body = json!({ "phone": new_phone, "code": code });
            let answer =
                Self::call(&client, Method::Put, &format!("{APP}/me/phone"), Some(body)).await?;
            if let Some(mut session) = client.session() {
                session.phone = new_phone;
                client.set_session(session).await?;
            }
            to_js(&answer)
        })
    }

    /// This account's devices.
    pub fn devices(&self) -> Promise {
        let client = self.client.clone();
        promise(async move {
            json_result(Self::call(&client, Method::Get, &format!("{APP}/me/devices"), None).await)
        })
    }

    /// Removes a device; removing this one forgets the session too.
    #[wasm_bindgen(js_name = removeDevice)]
    pub fn remove_device(&self, id: String) -> Promise {
        let client = self.client.clone();
        promise(async move {
            let path = format!("{APP}/me/devices/{}", segment(&id));
            let answer = Self::call(&client, Method::Delete, &path, None).await?;
            if client.session().is_some_and(|s| s.device_id == id) {
                client.clear_session().await?;
            }
            to_js(&answer)
        })
    }

    /// Asks the browser to keep this app's storage: `true` if granted.
    pub fn persist(&self) -> Promise {
        promise(async move { Ok(JsValue::from_bool(browser::persist().await?)) })
    }

    /// The real-name verification state (server JSON).
    pub fn identity(&self) -> Promise {
        let client = self.client.clone();
        promise(async move {
            json_result(Self::call(&client, Method::Get, &format!("{APP}/me/identity"), None).await)
        })
    }

    /// Submits name and resident ID number.
    #[wasm_bindgen(js_name = submitIdentity)]
    pub fn submit_identity(&self, name: String, id_number: String) -> Promise {
        let client = self.client.clone();
        promise(async move {
            let body = json!({ "name": name, "id_number": id_number });
            json_result(
                Self::call(
                    &client,
                    Method::Post,
                    &format!("{APP}/me/identity"),
                    Some(body),
                )
                .await,
            )
        })
    }

    /// Opens a face verification: `{ face_session_id, url }`.
    #[wasm_bindgen(js_name = startFace)]
    pub fn start_face(&self) -> Promise {
        let client = self.client.clone();
        promise(async move {
            let started = Self::call(
                &client,
                Method::Post,
                &format!("{APP}/me/identity/face"),
                None,
            )
            .await?;
            to_js(&json!({
                "face_session_id": text(&started, "session_id")?,
                "url": text(&started, "url")?,
            }))
        })
    }

    /// The face verification's result: the identity JSON.
    #[wasm_bindgen(js_name = faceResult)]
    pub fn face_result(&self) -> Promise {
        let client = self.client.clone();
        promise(async move {
            let path = format!("{APP}/me/identity/face/result");
            json_result(Self::call(&client, Method::Post, &path, None).await)
        })
    }

    /// Development servers only: decides a face verification.
    #[wasm_bindgen(js_name = devDecideFace)]
    pub fn dev_decide_face(&self, face_session_id: String, pass: bool) -> Promise {
        let client = self.client.clone();
        promise(async move {
            let body = json!({ "outcome": if pass { "passed" } else { "failed" } });
            let path = format!("/api/dev/face-sessions/{}", segment(&face_session_id));
            json_result(
                client
                    .public(Method::Post, &path, Some(&body))
                    .await?
                    .into_result(),
            )
        })
    }
}

/// A value placed in a URL path or query, percent-encoded.
pub(crate) fn segment(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::segment;

    #[test]
    fn path_values_cannot_leave_their_segment() {
        assert_eq!(segment("0190-ab_c.d~"), "0190-ab_c.d~");
        assert_eq!(segment("../x?y=1#z"), "..%2Fx%3Fy%3D1%23z");
        assert_eq!(segment("张"), "%E5%BC%A0");
    }
}
