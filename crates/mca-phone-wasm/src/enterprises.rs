//! Enterprises (issue 12) for the web app: the claim (B1–B5), joining
//! (C1–C3), the admin's people and authorizations (D1, D2), the staff
//! member's requests (E1) and invitations. Claims and joins are
//! applications: they are paid with `pay` and downloaded with `download`
//! like a personal one. Every answer is the server's JSON as is
//! (docs/protocol.md, "Enterprises").

use base64::Engine as _;
use js_sys::{Promise, Uint8Array};
use mca_phone_core::Method;
use serde::Deserialize;
use serde_json::{Value, json};
use wasm_bindgen::prelude::*;
use zeroize::Zeroizing;

use crate::certificates::{CertificateInfo, b64};
use crate::client::{APP, Client};
use crate::error::PhoneError;
use crate::keys::sign_with;
use crate::phone::{Phone, json_result, promise, segment};

/// What B1 asks about the enterprise, as the app holds it.
#[derive(Deserialize)]
struct EnterpriseInfo {
    name: String,
    credit_code: String,
    legal_representative: String,
    legal_representative_id_number: String,
}

impl EnterpriseInfo {
    fn from_js(enterprise: JsValue) -> Result<Self, PhoneError> {
        serde_wasm_bindgen::from_value(enterprise).map_err(|_| {
            PhoneError::invalid_input("请填写企业名称、统一社会信用代码和法定代表人信息")
        })
    }

    /// Adds the four fields to `body` under the server's names.
    fn into_body(self, mut body: Value) -> Value {
        body["enterprise_name"] = json!(self.name);
        body["credit_code"] = json!(self.credit_code);
        body["legal_representative"] = json!(self.legal_representative);
        body["legal_representative_id_number"] = json!(self.legal_representative_id_number);
        body
    }
}

/// The permissions asked for (`login`, `sign`, `seal`, `encrypt`,
/// `decrypt`), added to the certificate info's body.
fn with_permissions(info: JsValue, permissions: Vec<String>) -> Result<Value, PhoneError> {
    let mut body = CertificateInfo::from_js(info)?.json();
    body["permissions"] = json!(permissions);
    Ok(body)
}

fn pictures(body: &mut Value, licence: &[u8], form_photo: &[u8]) {
    body["licence_photo"] = json!(b64(licence));
    body["form_photo"] = json!(b64(form_photo));
}

fn enterprise_path(enterprise_id: &str, rest: &str) -> String {
    format!("{APP}/me/enterprises/{}{rest}", segment(enterprise_id))
}

#[wasm_bindgen]
impl Phone {
    /// B3: the enterprise application form filled in for `info` (the four
    /// catalogue ids) and `enterprise` (PDF bytes). A POST, so the legal
    /// representative's ID number stays out of URLs.
    #[wasm_bindgen(js_name = enterpriseClaimForm)]
    pub fn enterprise_claim_form(&self, info: JsValue, enterprise: JsValue) -> Promise {
        let client = self.client.clone();
        let body = CertificateInfo::from_js(info)
            .and_then(|i| Ok(EnterpriseInfo::from_js(enterprise)?.into_body(i.json())));
        promise(async move {
            let path = format!("{APP}/me/enterprise-claim-form");
            let pdf = client
                .signed_bytes(Method::Post, &path, Some(&body?))
                .await?;
            Ok(Uint8Array::from(&pdf[..]).into())
        })
    }

    /// B3: the seal the server finds in the photo of the stamped form, as
    /// the claim would keep it (PNG bytes), for the user to confirm or
    /// photograph again.
    #[wasm_bindgen(js_name = sealPreview)]
    pub fn seal_preview(&self, form_photo: Vec<u8>) -> Promise {
        let client = self.client.clone();
        promise(async move {
            let body = json!({ "form_photo": b64(&form_photo) });
            let path = format!("{APP}/me/enterprise-claims/seal-preview");
            let answer = Self::call(&client, Method::Post, &path, Some(body)).await?;
            let png = answer["seal_png"]
                .as_str()
                .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
                .ok_or_else(|| PhoneError::protocol(200))?;
            Ok(Uint8Array::from(&png[..]).into())
        })
    }

    /// B1–B4: claims an enterprise with the business-licence photo and the
    /// photo of the stamped form: the application, to pay.
    #[wasm_bindgen(js_name = claimEnterprise)]
    pub fn claim_enterprise(
        &self,
        info: JsValue,
        enterprise: JsValue,
        licence: Vec<u8>,
        form_photo: Vec<u8>,
    ) -> Promise {
        let body = CertificateInfo::from_js(info).and_then(|i| {
            let mut body = EnterpriseInfo::from_js(enterprise)?.into_body(i.json());
            pictures(&mut body, &licence, &form_photo);
            Ok(body)
        });
        self.post_checked(format!("{APP}/me/enterprise-claims"), body)
    }

    /// B5 重新申请: a rejected claim with everything edited.
    #[wasm_bindgen(js_name = resubmitClaim)]
    pub fn resubmit_claim(
        &self,
        application_id: String,
        enterprise: JsValue,
        licence: Vec<u8>,
        form_photo: Vec<u8>,
    ) -> Promise {
        let body = EnterpriseInfo::from_js(enterprise).map(|e| {
            let mut body = e.into_body(json!({}));
            pictures(&mut body, &licence, &form_photo);
            body
        });
        let path = format!(
            "{APP}/me/enterprise-claims/{}/resubmission",
            segment(&application_id)
        );
        self.post_checked(path, body)
    }

    /// Withdraws an unpaid or rejected claim.
    #[wasm_bindgen(js_name = withdrawClaim)]
    pub fn withdraw_claim(&self, application_id: String) -> Promise {
        self.delete(format!(
            "{APP}/me/enterprise-claims/{}",
            segment(&application_id)
        ))
    }

    /// The enterprises the user administers, works for, or is claiming.
    pub fn enterprises(&self) -> Promise {
        self.get(format!("{APP}/me/enterprises"))
    }

    /// The seals the user can seal with (issue 13.2): their personal
    /// certificates' own and their enterprises'.
    pub fn seals(&self) -> Promise {
        self.get(format!("{APP}/me/seals"))
    }

    /// C1: the claimed enterprise with this exact name and credit code.
    #[wasm_bindgen(js_name = enterpriseLookup)]
    pub fn enterprise_lookup(&self, name: String, credit_code: String) -> Promise {
        self.get(format!(
            "{APP}/me/enterprise-lookup?enterprise_name={}&credit_code={}",
            segment(name.trim()),
            segment(credit_code.trim())
        ))
    }

    /// C2: asks to join with the admin's name and phone, the certificate
    /// info and the permissions wanted: the application, to pay.
    #[wasm_bindgen(js_name = joinEnterprise)]
    pub fn join_enterprise(
        &self,
        enterprise_id: String,
        admin_name: String,
        admin_phone: String,
        info: JsValue,
        permissions: Vec<String>,
    ) -> Promise {
        let body = with_permissions(info, permissions).map(|mut body| {
            body["admin_name"] = json!(admin_name.trim());
            body["admin_phone"] = json!(admin_phone.trim());
            body
        });
        self.post_checked(enterprise_path(&enterprise_id, "/join-requests"), body)
    }

    /// C3 (admin): the requests waiting for the seal.
    #[wasm_bindgen(js_name = joinRequests)]
    pub fn join_requests(&self, enterprise_id: String) -> Promise {
        self.get(enterprise_path(&enterprise_id, "/join-requests"))
    }

    /// The authorization letter (PDF bytes) as stored at the request.
    #[wasm_bindgen(js_name = authorizationLetter)]
    pub fn authorization_letter(&self, authorization_id: String) -> Promise {
        let client = self.client.clone();
        promise(async move {
            let pdf = letter(&client, &authorization_id).await?;
            Ok(Uint8Array::from(&pdf[..]).into())
        })
    }

    /// C3 确认并盖章: signs the letter's exact bytes, fetched again here,
    /// with the enterprise certificate's key and PIN, and sends the
    /// signature: the sealed authorization.
    #[wasm_bindgen(js_name = sealAuthorization)]
    pub fn seal_authorization(
        &self,
        authorization_id: String,
        key_id: String,
        pin: String,
    ) -> Promise {
        let client = self.client.clone();
        let pin = Zeroizing::new(pin);
        promise(async move {
            let letter = letter(&client, &authorization_id).await?;
            let signature = sign_with(&client, &key_id, &pin, &letter).await?;
            let body = json!({ "key_id": key_id, "signature": b64(&signature) });
            let path = format!(
                "{APP}/me/authorizations/{}/seal",
                segment(&authorization_id)
            );
            json_result(Self::call(&client, Method::Post, &path, Some(body)).await)
        })
    }

    /// After 证书申请失败 on an agent application: back to the admin.
    #[wasm_bindgen(js_name = resubmitToAdmin)]
    pub fn resubmit_to_admin(&self, application_id: String) -> Promise {
        self.post(
            format!(
                "{APP}/me/applications/{}/admin-resubmission",
                segment(&application_id)
            ),
            None,
        )
    }

    /// D1 (admin): the enterprise's people.
    #[wasm_bindgen(js_name = enterpriseMembers)]
    pub fn enterprise_members(&self, enterprise_id: String) -> Promise {
        self.get(enterprise_path(&enterprise_id, "/members"))
    }

    /// D1 (admin): deletes a person; their enterprise certificates are
    /// revoked.
    #[wasm_bindgen(js_name = removeMember)]
    pub fn remove_member(&self, enterprise_id: String, user_id: String) -> Promise {
        self.delete(enterprise_path(
            &enterprise_id,
            &format!("/members/{}", segment(&user_id)),
        ))
    }

    /// D1 新增人员 (admin): invites `name` with `phone`.
    pub fn invite(&self, enterprise_id: String, name: String, phone: String) -> Promise {
        self.post(
            enterprise_path(&enterprise_id, "/invitations"),
            Some(json!({ "name": name.trim(), "phone": phone.trim() })),
        )
    }

    /// D2 (admin): every authorization, deleted ones too.
    #[wasm_bindgen(js_name = enterpriseAuthorizations)]
    pub fn enterprise_authorizations(&self, enterprise_id: String) -> Promise {
        self.get(enterprise_path(&enterprise_id, "/authorizations"))
    }

    /// D2 新增授权 (admin): the staff member's application, theirs to pay.
    #[wasm_bindgen(js_name = grantAuthorization)]
    pub fn grant_authorization(
        &self,
        enterprise_id: String,
        user_id: String,
        info: JsValue,
        permissions: Vec<String>,
    ) -> Promise {
        let body = with_permissions(info, permissions).map(|mut body| {
            body["user_id"] = json!(user_id);
            body
        });
        self.post_checked(enterprise_path(&enterprise_id, "/authorizations"), body)
    }

    /// D2 (admin): deletes an authorization; its certificates are revoked.
    #[wasm_bindgen(js_name = deleteAuthorization)]
    pub fn delete_authorization(&self, authorization_id: String) -> Promise {
        self.delete(format!(
            "{APP}/me/authorizations/{}",
            segment(&authorization_id)
        ))
    }

    /// E1 (staff): another enterprise certificate: the application, to pay.
    #[wasm_bindgen(js_name = requestEnterpriseCertificate)]
    pub fn request_enterprise_certificate(
        &self,
        enterprise_id: String,
        info: JsValue,
        permissions: Vec<String>,
    ) -> Promise {
        let body = with_permissions(info, permissions);
        self.post_checked(
            enterprise_path(&enterprise_id, "/certificate-requests"),
            body,
        )
    }

    /// D3 (admin): another enterprise certificate for `info`, every
    /// permission: the application, to pay, then to seal.
    #[wasm_bindgen(js_name = newEnterpriseCertificate)]
    pub fn new_enterprise_certificate(&self, enterprise_id: String, info: JsValue) -> Promise {
        let body = CertificateInfo::from_js(info).map(|i| i.json());
        self.post_checked(enterprise_path(&enterprise_id, "/certificates"), body)
    }

    /// D7: the letter (PDF bytes) to print, stamp and photograph for
    /// re-applying for the expired enterprise certificate.
    #[wasm_bindgen(js_name = reapplicationLetter)]
    pub fn reapplication_letter(
        &self,
        certificate_id: String,
        validity_option_id: String,
    ) -> Promise {
        let client = self.client.clone();
        promise(async move {
            let path = format!(
                "{APP}/me/certificates/{}/reapplication-letter?validity_option_id={}",
                segment(&certificate_id),
                segment(&validity_option_id)
            );
            let pdf = client.signed_get_bytes(&path).await?;
            Ok(Uint8Array::from(&pdf[..]).into())
        })
    }

    /// The open invitations of this phone's number.
    pub fn invitations(&self) -> Promise {
        self.get(format!("{APP}/me/invitations"))
    }

    /// Accepts an invitation: the application, to pay.
    #[wasm_bindgen(js_name = acceptInvitation)]
    pub fn accept_invitation(
        &self,
        invitation_id: String,
        info: JsValue,
        permissions: Vec<String>,
    ) -> Promise {
        let body = with_permissions(info, permissions);
        let path = format!(
            "{APP}/me/invitations/{}/acceptance",
            segment(&invitation_id)
        );
        self.post_checked(path, body)
    }
}

async fn letter(client: &Client, authorization_id: &str) -> Result<Vec<u8>, PhoneError> {
    let path = format!(
        "{APP}/me/authorizations/{}/letter",
        segment(authorization_id)
    );
    client.signed_get_bytes(&path).await
}

impl Phone {
    /// A POST of a body built from JS input, which may have been refused.
    fn post_checked(&self, path: String, body: Result<Value, PhoneError>) -> Promise {
        let client = self.client.clone();
        promise(
            async move { json_result(Self::call(&client, Method::Post, &path, Some(body?)).await) },
        )
    }

    /// A DELETE: `undefined` on success.
    fn delete(&self, path: String) -> Promise {
        let client = self.client.clone();
        promise(async move {
            Self::call(&client, Method::Delete, &path, None).await?;
            Ok(JsValue::UNDEFINED)
        })
    }
}
