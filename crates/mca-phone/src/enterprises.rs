//! The enterprise operations of the phone (issue 12): the claim form,
//! claiming an enterprise (B1–B4), resubmitting a rejected claim (B5),
//! the user's enterprises, joining one (C1–C2) and the admin's
//! 确认并盖章 of an authorization letter (C3). A claim is an application: it is paid
//! ([`Phone::pay`]) and downloaded ([`Phone::download`]) like a personal
//! one; the download makes the claimant the enterprise's admin (B6).

use base64::Engine;
use reqwest::Method;
use serde_json::{Value, json};

use crate::PhoneError;
use crate::certificates::CertificateInfo;
use crate::phone::{APP, Phone};

/// What B1 asks about the enterprise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnterpriseInfo {
    /// 企业名称.
    pub name: String,
    /// 统一社会信用代码.
    pub credit_code: String,
    /// 法定代表人.
    pub legal_representative: String,
    /// The legal representative's resident ID number.
    pub legal_representative_id_number: String,
}

impl EnterpriseInfo {
    fn fields(&self) -> [(&'static str, &str); 4] {
        [
            ("enterprise_name", &self.name),
            ("credit_code", &self.credit_code),
            ("legal_representative", &self.legal_representative),
            (
                "legal_representative_id_number",
                &self.legal_representative_id_number,
            ),
        ]
    }
}

/// The enterprise's fields and both pictures, as a claim's JSON body.
fn claim_body(mut body: Value, enterprise: &EnterpriseInfo, licence: &[u8], form: &[u8]) -> Value {
    let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
    for (name, value) in enterprise.fields() {
        body[name] = json!(value);
    }
    body["licence_photo"] = json!(b64(licence));
    body["form_photo"] = json!(b64(form));
    body
}

impl Phone {
    /// The enterprise application form (B3) filled in for `info` and
    /// `enterprise` (PDF bytes).
    pub async fn enterprise_claim_form(
        &self,
        info: &CertificateInfo,
        enterprise: &EnterpriseInfo,
    ) -> Result<Vec<u8>, PhoneError> {
        // A POST: the legal representative's ID number stays out of URLs
        // (and the logs that keep them).
        let mut body = info.json();
        for (name, value) in enterprise.fields() {
            body[name] = json!(value);
        }
        self.client()
            .signed_bytes(
                Method::POST,
                &format!("{APP}/me/enterprise-claim-form"),
                Some(&body),
            )
            .await
    }

    /// Claims an enterprise (B1–B4) with the photographed business licence
    /// and the signed, stamped form: the application, to pay.
    pub async fn claim_enterprise(
        &self,
        info: &CertificateInfo,
        enterprise: &EnterpriseInfo,
        licence: &[u8],
        form_photo: &[u8],
    ) -> Result<Value, PhoneError> {
        let body = claim_body(info.json(), enterprise, licence, form_photo);
        self.call(
            Method::POST,
            &format!("{APP}/me/enterprise-claims"),
            Some(body),
        )
        .await
    }

    /// B3: the seal the server finds in the stamped form photo, as the
    /// claim would keep it (a transparent PNG), to confirm before claiming.
    pub async fn seal_preview(&self, form_photo: &[u8]) -> Result<Vec<u8>, PhoneError> {
        let engine = base64::engine::general_purpose::STANDARD;
        let body = json!({ "form_photo": engine.encode(form_photo) });
        let path = format!("{APP}/me/enterprise-claims/seal-preview");
        let answer = self.call(Method::POST, &path, Some(body)).await?;
        answer["seal_png"]
            .as_str()
            .and_then(|b64| engine.decode(b64).ok())
            .ok_or(PhoneError::Protocol(200))
    }

    /// The seals the user can seal with (issue 13.2): their personal
    /// certificates' and their enterprises'.
    pub async fn seals(&self) -> Result<Value, PhoneError> {
        self.call(Method::GET, &format!("{APP}/me/seals"), None)
            .await
    }

    /// Withdraws an unpaid or rejected claim.
    pub async fn withdraw_claim(&self, application_id: &str) -> Result<(), PhoneError> {
        let path = format!("{APP}/me/enterprise-claims/{application_id}");
        self.call(Method::DELETE, &path, None).await.map(|_| ())
    }

    /// B5 重新申请: a rejected claim with everything edited.
    pub async fn resubmit_claim(
        &self,
        application_id: &str,
        enterprise: &EnterpriseInfo,
        licence: &[u8],
        form_photo: &[u8],
    ) -> Result<Value, PhoneError> {
        let body = claim_body(json!({}), enterprise, licence, form_photo);
        let path = format!("{APP}/me/enterprise-claims/{application_id}/resubmission");
        self.call(Method::POST, &path, Some(body)).await
    }

    /// The enterprises the user administers, works for, or is claiming.
    pub async fn enterprises(&self) -> Result<Value, PhoneError> {
        self.call(Method::GET, &format!("{APP}/me/enterprises"), None)
            .await
    }

    /// C1: the claimed enterprise with this exact name and credit code.
    pub async fn enterprise_lookup(
        &self,
        name: &str,
        credit_code: &str,
    ) -> Result<Value, PhoneError> {
        let query =
            serde_urlencoded::to_string([("enterprise_name", name), ("credit_code", credit_code)])
                .map_err(|e| PhoneError::State(format!("查询参数无法编码: {e}")))?;
        self.call(
            Method::GET,
            &format!("{APP}/me/enterprise-lookup?{query}"),
            None,
        )
        .await
    }

    /// C2: asks to join `enterprise_id` with the admin's name and phone,
    /// the certificate info and the permissions wanted (`login`, `sign`,
    /// …): the application, to pay.
    pub async fn join_enterprise(
        &self,
        enterprise_id: &str,
        admin_name: &str,
        admin_phone: &str,
        info: &CertificateInfo,
        permissions: &[&str],
    ) -> Result<Value, PhoneError> {
        let mut body = info.json();
        body["admin_name"] = json!(admin_name);
        body["admin_phone"] = json!(admin_phone);
        body["permissions"] = json!(permissions);
        let path = format!("{APP}/me/enterprises/{enterprise_id}/join-requests");
        self.call(Method::POST, &path, Some(body)).await
    }

    /// C3: the join requests waiting for this admin's seal.
    pub async fn join_requests(&self, enterprise_id: &str) -> Result<Value, PhoneError> {
        let path = format!("{APP}/me/enterprises/{enterprise_id}/join-requests");
        self.call(Method::GET, &path, None).await
    }

    /// The authorization letter (PDF) of an authorization.
    pub async fn authorization_letter(
        &self,
        authorization_id: &str,
    ) -> Result<Vec<u8>, PhoneError> {
        self.client()
            .signed_get_bytes(&format!(
                "{APP}/me/authorizations/{authorization_id}/letter"
            ))
            .await
    }

    /// C3 确认并盖章: signs the letter's exact bytes (the ones shown) with
    /// the enterprise certificate's key and PIN, and sends the signature.
    pub async fn seal_authorization(
        &self,
        authorization_id: &str,
        key_id: &str,
        pin: &str,
    ) -> Result<Value, PhoneError> {
        let letter = self.authorization_letter(authorization_id).await?;
        let signature = self.sign(key_id, pin, &letter).await?;
        let body = json!({
            "key_id": key_id,
            "signature": base64::engine::general_purpose::STANDARD.encode(signature),
        });
        let path = format!("{APP}/me/authorizations/{authorization_id}/seal");
        self.call(Method::POST, &path, Some(body)).await
    }

    /// After "证书申请失败" on an agent application: back to the admin.
    pub async fn resubmit_to_admin(&self, application_id: &str) -> Result<Value, PhoneError> {
        let path = format!("{APP}/me/applications/{application_id}/admin-resubmission");
        self.call(Method::POST, &path, None).await
    }

    /// D1: the enterprise's people (admin).
    pub async fn enterprise_members(&self, enterprise_id: &str) -> Result<Value, PhoneError> {
        let path = format!("{APP}/me/enterprises/{enterprise_id}/members");
        self.call(Method::GET, &path, None).await
    }

    /// D1: deletes a person (admin): their enterprise certificates are
    /// revoked.
    pub async fn remove_member(
        &self,
        enterprise_id: &str,
        user_id: &str,
    ) -> Result<(), PhoneError> {
        let path = format!("{APP}/me/enterprises/{enterprise_id}/members/{user_id}");
        self.call(Method::DELETE, &path, None).await.map(|_| ())
    }

    /// D2: every authorization of the enterprise, with history (admin).
    pub async fn enterprise_authorizations(
        &self,
        enterprise_id: &str,
    ) -> Result<Value, PhoneError> {
        let path = format!("{APP}/me/enterprises/{enterprise_id}/authorizations");
        self.call(Method::GET, &path, None).await
    }

    /// D2: deletes an authorization (admin).
    pub async fn delete_authorization(&self, authorization_id: &str) -> Result<(), PhoneError> {
        let path = format!("{APP}/me/authorizations/{authorization_id}");
        self.call(Method::DELETE, &path, None).await.map(|_| ())
    }

    /// D2 新增授权 (admin): authorizes staff member `user_id` on the
    /// platform of `info`; the application is theirs to pay.
    pub async fn grant_authorization(
        &self,
        enterprise_id: &str,
        user_id: &str,
        info: &CertificateInfo,
        permissions: &[&str],
    ) -> Result<Value, PhoneError> {
        let mut body = info.json();
        body["user_id"] = json!(user_id);
        body["permissions"] = json!(permissions);
        let path = format!("{APP}/me/enterprises/{enterprise_id}/authorizations");
        self.call(Method::POST, &path, Some(body)).await
    }

    /// E1 (staff): asks for another enterprise certificate for the
    /// platform of `info`: the application, to pay.
    pub async fn request_enterprise_certificate(
        &self,
        enterprise_id: &str,
        info: &CertificateInfo,
        permissions: &[&str],
    ) -> Result<Value, PhoneError> {
        let mut body = info.json();
        body["permissions"] = json!(permissions);
        let path = format!("{APP}/me/enterprises/{enterprise_id}/certificate-requests");
        self.call(Method::POST, &path, Some(body)).await
    }

    /// D3 (admin): asks for another enterprise certificate for `info`
    /// (every permission): the application, to pay, then to seal.
    pub async fn new_enterprise_certificate(
        &self,
        enterprise_id: &str,
        info: &CertificateInfo,
    ) -> Result<Value, PhoneError> {
        let path = format!("{APP}/me/enterprises/{enterprise_id}/certificates");
        self.call(Method::POST, &path, Some(info.json())).await
    }

    /// D7: the letter (PDF) to print, stamp and photograph for re-applying
    /// for the expired enterprise certificate `certificate_id`.
    pub async fn reapplication_letter(
        &self,
        certificate_id: &str,
        validity_option_id: &str,
    ) -> Result<Vec<u8>, PhoneError> {
        self.client()
            .signed_get_bytes(&format!(
                "{APP}/me/certificates/{certificate_id}/reapplication-letter?validity_option_id={validity_option_id}"
            ))
            .await
    }

    /// D1 (admin): invites `name` with `phone`.
    pub async fn invite(
        &self,
        enterprise_id: &str,
        name: &str,
        phone: &str,
    ) -> Result<Value, PhoneError> {
        let path = format!("{APP}/me/enterprises/{enterprise_id}/invitations");
        self.call(
            Method::POST,
            &path,
            Some(json!({"name": name, "phone": phone})),
        )
        .await
    }

    /// The open invitations of this phone's number.
    pub async fn invitations(&self) -> Result<Value, PhoneError> {
        self.call(Method::GET, &format!("{APP}/me/invitations"), None)
            .await
    }

    /// Accepts an invitation asking for a certificate for the platform of
    /// `info`: the application, to pay.
    pub async fn accept_invitation(
        &self,
        invitation_id: &str,
        info: &CertificateInfo,
        permissions: &[&str],
    ) -> Result<Value, PhoneError> {
        let mut body = info.json();
        body["permissions"] = json!(permissions);
        let path = format!("{APP}/me/invitations/{invitation_id}/acceptance");
        self.call(Method::POST, &path, Some(body)).await
    }
}
