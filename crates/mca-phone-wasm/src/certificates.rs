//! The catalogue, applications, messages and certificates at the server:
//! plain signed calls whose answers are the server's JSON as is.

use base64::Engine;
use js_sys::{Promise, Uint8Array};
use mca_phone_core::Method;
use serde::Deserialize;
use serde_json::{Value, json};
use wasm_bindgen::prelude::*;

use crate::client::APP;
use crate::error::PhoneError;
use crate::phone::{Phone, json_result, promise, segment};

/// The certificate info of an application: ids from the catalogue.
#[derive(Deserialize)]
pub(crate) struct CertificateInfo {
    province_id: String,
    platform_id: String,
    ca_id: String,
    validity_option_id: String,
}

impl CertificateInfo {
    pub(crate) fn from_js(info: JsValue) -> Result<Self, PhoneError> {
        serde_wasm_bindgen::from_value(info)
            .map_err(|_| PhoneError::invalid_input("请选择省份、交易平台、发证机构和有效期"))
    }

    pub(crate) fn json(&self) -> Value {
        json!({
            "province_id": self.province_id,
            "platform_id": self.platform_id,
            "ca_id": self.ca_id,
            "validity_option_id": self.validity_option_id,
        })
    }

    fn query(&self) -> String {
        format!(
            "province_id={}&platform_id={}&ca_id={}&validity_option_id={}",
            segment(&self.province_id),
            segment(&self.platform_id),
            segment(&self.ca_id),
            segment(&self.validity_option_id)
        )
    }
}

pub(crate) fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// The pictures of an application: the form photo, and a handwritten
/// signature PNG or none (the server generates one from the name).
fn pictures(body: &mut Value, form_photo: &[u8], signature: Option<Vec<u8>>) {
    body["form_photo"] = json!(b64(form_photo));
    if let Some(s) = signature {
        body["signature"] = json!(b64(&s));
    }
}

#[wasm_bindgen]
impl Phone {
    /// Provinces, platforms, CAs and validity options (no login needed).
    pub fn catalogue(&self) -> Promise {
        let client = self.client.clone();
        promise(async move {
            json_result(
                client
                    .public(Method::Get, &format!("{APP}/catalogue"), None)
                    .await?
                    .into_result(),
            )
        })
    }

    /// The application form filled in for `info` (PDF bytes).
    #[wasm_bindgen(js_name = applicationForm)]
    pub fn application_form(&self, info: JsValue) -> Promise {
        let client = self.client.clone();
        let info = CertificateInfo::from_js(info);
        promise(async move {
            let path = format!("{APP}/me/application-form?{}", info?.query());
            let pdf = client.signed_get_bytes(&path).await?;
            Ok(Uint8Array::from(&pdf[..]).into())
        })
    }

    /// Applies with the form photo and a handwritten signature PNG, or
    /// `null` for 生成签名.
    pub fn apply(
        &self,
        info: JsValue,
        form_photo: Vec<u8>,
        signature_png: Option<Vec<u8>>,
    ) -> Promise {
        let client = self.client.clone();
        let info = CertificateInfo::from_js(info);
        promise(async move {
            let mut body = info?.json();
            pictures(&mut body, &form_photo, signature_png);
            let path = format!("{APP}/me/applications");
            json_result(Self::call(&client, Method::Post, &path, Some(body)).await)
        })
    }

    /// The user's applications.
    pub fn applications(&self) -> Promise {
        self.get(format!("{APP}/me/applications"))
    }

    /// One application.
    pub fn application(&self, id: String) -> Promise {
        self.get(format!("{APP}/me/applications/{}", segment(&id)))
    }

    /// Pays an application's order.
    pub fn pay(&self, id: String) -> Promise {
        self.post(
            format!("{APP}/me/applications/{}/payment", segment(&id)),
            None,
        )
    }

    /// Resubmits a rejected application with new pictures.
    pub fn resubmit(
        &self,
        id: String,
        form_photo: Vec<u8>,
        signature_png: Option<Vec<u8>>,
    ) -> Promise {
        let mut body = json!({});
        pictures(&mut body, &form_photo, signature_png);
        self.post(
            format!("{APP}/me/applications/{}/resubmission", segment(&id)),
            Some(body),
        )
    }

    /// Renews (or re-applies for) a certificate with a validity option;
    /// `letter_photo`, the stamped re-application letter photographed, for
    /// the admin's expired enterprise certificate only (D7).
    pub fn renew(
        &self,
        certificate_id: String,
        validity_option_id: String,
        letter_photo: Option<Vec<u8>>,
    ) -> Promise {
        let mut body = json!({ "validity_option_id": validity_option_id });
        if let Some(photo) = letter_photo {
            body["letter_photo"] = json!(b64(&photo));
        }
        self.post(
            format!("{APP}/me/certificates/{}/renewal", segment(&certificate_id)),
            Some(body),
        )
    }

    /// The inbox.
    pub fn messages(&self) -> Promise {
        self.get(format!("{APP}/me/messages"))
    }

    /// Marks a message read.
    #[wasm_bindgen(js_name = readMessage)]
    pub fn read_message(&self, id: String) -> Promise {
        self.post(format!("{APP}/me/messages/{}/read", segment(&id)), None)
    }

    /// The user's certificates at the server (pem, serial, status, …).
    pub fn certificates(&self) -> Promise {
        self.get(format!("{APP}/me/certificates"))
    }

    /// One certificate.
    pub fn certificate(&self, id: String) -> Promise {
        self.get(format!("{APP}/me/certificates/{}", segment(&id)))
    }

    /// Revokes a certificate (`reason`: cessation_of_operation,
    /// key_compromise, affiliation_changed, or `null`).
    pub fn revoke(&self, id: String, reason: Option<String>) -> Promise {
        self.post(
            format!("{APP}/me/certificates/{}/revocation", segment(&id)),
            Some(json!({ "reason": reason })),
        )
    }

    /// The user's signing keys at the server (state, locked, …).
    #[wasm_bindgen(js_name = serverKeys)]
    pub fn server_keys(&self) -> Promise {
        self.get(format!("{APP}/me/keys"))
    }
}

impl Phone {
    pub(crate) fn get(&self, path: String) -> Promise {
        let client = self.client.clone();
        promise(async move { json_result(Self::call(&client, Method::Get, &path, None).await) })
    }

    pub(crate) fn post(&self, path: String, body: Option<Value>) -> Promise {
        let client = self.client.clone();
        promise(async move { json_result(Self::call(&client, Method::Post, &path, body).await) })
    }
}
