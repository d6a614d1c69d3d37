//! The personal-certificate operations of the phone (issue 5): applying,
//! paying, downloading over the air with two-party keys (M6, PROTOCOL.md
//! §1), signing (§2), blinded decryption (§5), PIN change, unlock, a
//! forgotten PIN (I3) and recovery on a new phone (G1), renewal and
//! revocation.
//!
//! The two-party operations are machines of [`mca_phone_core`], which
//! checks everything the phone must check; here they are only driven: each
//! request sent signed, each key the core hands back saved, the PIN and the
//! device secret passed in for the step.

use base64::Engine;
use mca_crypto::sm2::Ciphertext;
use mca_phone_core::{
    Decryption, Download, Envelope, Machine, PinChange, Progress, Request, Secrets, Signing, Then,
};
use reqwest::Method;
use serde_json::{Value, json};
use zeroize::Zeroizing;

use crate::PhoneError;
use crate::phone::{APP, Phone};
use crate::state::StoredKey;

/// The certificate info of an application: ids from the catalogue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateInfo {
    /// 省份.
    pub province_id: String,
    /// 交易平台.
    pub platform_id: String,
    /// 发证机构.
    pub ca_id: String,
    /// 有效期 (with its fee).
    pub validity_option_id: String,
}

impl CertificateInfo {
    pub(crate) fn pairs(&self) -> [(&'static str, &str); 4] {
        [
            ("province_id", &self.province_id),
            ("platform_id", &self.platform_id),
            ("ca_id", &self.ca_id),
            ("validity_option_id", &self.validity_option_id),
        ]
    }

    pub(crate) fn json(&self) -> Value {
        let mut body = json!({});
        for (name, value) in self.pairs() {
            body[name] = json!(value);
        }
        body
    }

    fn query(&self) -> String {
        self.pairs()
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect::<Vec<_>>()
            .join("&")
    }
}

pub(crate) fn text(v: &Value, name: &str) -> Result<String, PhoneError> {
    v.get(name)
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| PhoneError::State(format!("服务器的回答不符合预期: {name}")))
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

impl Phone {
    /// Drives a core machine to its end: sends each request, saves and
    /// forgets keys as told, and passes the PIN (and a PIN change's new
    /// PIN) with the device secret into every step.
    pub(crate) async fn drive<M: Machine>(
        &self,
        machine: M,
        request: Request,
        pin: &str,
        new_pin: Option<&str>,
    ) -> Result<M::Output, PhoneError> {
        self.drive_until(machine, request, pin, new_pin, None)
            .await
            .map(|(out, _)| out.expect("runs to the end without a stop"))
    }

    /// The same, stopping before the request of stage `stop` is sent (the
    /// key saved so far is returned with it).
    async fn drive_until<M: Machine>(
        &self,
        mut machine: M,
        mut request: Request,
        pin: &str,
        new_pin: Option<&str>,
        stop: Option<Progress>,
    ) -> Result<(Option<M::Output>, Option<StoredKey>), PhoneError> {
        let device_secret = self.state_dir().pin_secret()?;
        let mut last = None;
        loop {
            let answer = self.client().send(&request).await?;
            let mut secrets = Secrets::new(pin, &device_secret);
            if let Some(new_pin) = new_pin {
                secrets = secrets.with_new_pin(new_pin);
            }
            let next = machine.on_answer(answer, &secrets)?;
            if let Some(key) = next.store {
                self.state_dir().save_key(&key)?;
                last = Some(key);
            }
            if let Some(old) = &next.forget {
                self.state_dir().remove_key(old)?;
            }
            match next.then {
                Then::Send(_) if stop == Some(next.progress) => return Ok((None, last)),
                Then::Send(r) => request = r,
                Then::Done(out) => return Ok((Some(out), last)),
            }
        }
    }

    /// The application form filled in for `info` (PDF bytes).
    pub async fn application_form(&self, info: &CertificateInfo) -> Result<Vec<u8>, PhoneError> {
        self.client()
            .signed_get_bytes(&format!("{APP}/me/application-form?{}", info.query()))
            .await
    }

    /// Applies (D4) with the form photo and a handwritten signature (PNG),
    /// or `None` for one generated from the verified name.
    pub async fn apply(
        &self,
        info: &CertificateInfo,
        form_photo: &[u8],
        signature: Option<&[u8]>,
    ) -> Result<Value, PhoneError> {
        let mut body = info.json();
        body["form_photo"] = json!(b64(form_photo));
        if let Some(s) = signature {
            body["signature"] = json!(b64(s));
        }
        self.call(Method::POST, &format!("{APP}/me/applications"), Some(body))
            .await
    }

    /// The user's applications.
    pub async fn applications(&self) -> Result<Value, PhoneError> {
        self.call(Method::GET, &format!("{APP}/me/applications"), None)
            .await
    }

    /// One application.
    pub async fn application(&self, id: &str) -> Result<Value, PhoneError> {
        self.call(Method::GET, &format!("{APP}/me/applications/{id}"), None)
            .await
    }

    /// Pays an application's order.
    pub async fn pay(&self, id: &str) -> Result<Value, PhoneError> {
        self.call(
            Method::POST,
            &format!("{APP}/me/applications/{id}/payment"),
            None,
        )
        .await
    }

    /// Resubmits a rejected application with new pictures.
    pub async fn resubmit(
        &self,
        id: &str,
        form_photo: &[u8],
        signature: Option<&[u8]>,
    ) -> Result<Value, PhoneError> {
        let mut body = json!({ "form_photo": b64(form_photo) });
        if let Some(s) = signature {
            body["signature"] = json!(b64(s));
        }
        let path = format!("{APP}/me/applications/{id}/resubmission");
        self.call(Method::POST, &path, Some(body)).await
    }

    /// Renews (D5, D6, E3) or re-applies for (D7, D8, E5) the certificate
    /// `certificate_id`; `letter_photo` is the stamped re-application
    /// letter, photographed (D7 only: the admin's expired enterprise
    /// certificate).
    pub async fn renew(
        &self,
        certificate_id: &str,
        validity_option_id: &str,
        letter_photo: Option<&[u8]>,
    ) -> Result<Value, PhoneError> {
        let path = format!("{APP}/me/certificates/{certificate_id}/renewal");
        let mut body = json!({ "validity_option_id": validity_option_id });
        if let Some(photo) = letter_photo {
            body["letter_photo"] = json!(b64(photo));
        }
        self.call(Method::POST, &path, Some(body)).await
    }

    /// The user's certificates at the server.
    pub async fn certificate(&self, id: &str) -> Result<Value, PhoneError> {
        self.call(Method::GET, &format!("{APP}/me/certificates/{id}"), None)
            .await
    }

    /// Revokes a certificate (`reason`: `cessation_of_operation`,
    /// `key_compromise` or `affiliation_changed`).
    pub async fn revoke(&self, id: &str, reason: Option<&str>) -> Result<Value, PhoneError> {
        let path = format!("{APP}/me/certificates/{id}/revocation");
        self.call(Method::POST, &path, Some(json!({ "reason": reason })))
            .await
    }

    /// The user's signing keys at the server.
    pub async fn keys(&self) -> Result<Value, PhoneError> {
        self.call(Method::GET, &format!("{APP}/me/keys"), None)
            .await
    }

    /// Downloads the certificates of an approved application (M6) and sets
    /// the PIN: two-party key generation (the phone checks P), the
    /// two-party CSR, issuance, the encryption share delivered sealed.
    pub async fn download(&self, application_id: &str, pin: &str) -> Result<StoredKey, PhoneError> {
        let (machine, request) = Download::start(application_id)?;
        self.drive(machine, request, pin, None).await
    }

    /// Steps 1 and 2 of a download: the keys are generated and possession
    /// proven; the server has reserved the serials but not yet signed.
    /// [`Phone::complete_download`] finishes (and may be repeated).
    pub async fn begin_download(
        &self,
        application_id: &str,
        pin: &str,
    ) -> Result<StoredKey, PhoneError> {
        let (machine, request) = Download::start(application_id)?;
        let (_, key) = self
            .drive_until(machine, request, pin, None, Some(Progress::Certificates))
            .await?;
        key.ok_or_else(|| PhoneError::State("下载未完成".into()))
    }

    /// Step 3 (repeatable): the certificates and the encryption share.
    pub async fn complete_download(
        &self,
        key: &mut StoredKey,
        pin: &str,
    ) -> Result<(), PhoneError> {
        let (machine, request) = Download::resume(key.clone())?;
        *key = self.drive(machine, request, pin, None).await?;
        Ok(())
    }

    /// Signs `message` with the key (§2); the DER SM2 signature.
    pub async fn sign(
        &self,
        key_id: &str,
        pin: &str,
        message: &[u8],
    ) -> Result<Vec<u8>, PhoneError> {
        let (machine, request) = Signing::start(self.state_dir().key(key_id)?, message);
        self.drive(machine, request, pin, None).await
    }

    /// Decrypts an SM2 ciphertext to the key's encryption certificate by
    /// the blinded protocol (§5): the server never sees C1 or the result.
    pub async fn decrypt(
        &self,
        key_id: &str,
        pin: &str,
        ciphertext: Ciphertext,
    ) -> Result<Zeroizing<Vec<u8>>, PhoneError> {
        let (machine, request) = Decryption::start(self.state_dir().key(key_id)?, ciphertext)?;
        self.drive(machine, request, pin, None).await
    }

    /// Opens a GM/T 0010 EnvelopedData addressed to the key's encryption
    /// key. The envelope may name an earlier certificate of the same
    /// escrowed key; the core then asks for the user's certificates.
    pub async fn open_envelope(
        &self,
        key_id: &str,
        pin: &str,
        der: &[u8],
    ) -> Result<Vec<u8>, PhoneError> {
        let (machine, request) = Envelope::start(self.state_dir().key(key_id)?, der)?;
        self.drive(machine, request, pin, None).await
    }

    /// Changes the PIN (I3): an SMS code of purpose `pin_change` and the
    /// old PIN proven by a server-verified signature, then both shares
    /// re-masked here.
    pub async fn change_pin(
        &self,
        key_id: &str,
        code: &str,
        old_pin: &str,
        new_pin: &str,
    ) -> Result<(), PhoneError> {
        let (machine, request) = PinChange::start(self.state_dir().key(key_id)?, code);
        self.drive(machine, request, old_pin, Some(new_pin)).await
    }

    /// A fresh face check (for unlock, a forgotten PIN, recovery); with a
    /// development server, `dev_outcome` decides it. The reverification id.
    pub async fn reverify(&self, dev_outcome: Option<bool>) -> Result<String, PhoneError> {
        let started = self
            .call(Method::POST, &format!("{APP}/me/reverifications"), None)
            .await?;
        if let Some(pass) = dev_outcome {
            self.dev_decide_face(&text(&started, "face_session_id")?, pass)
                .await?;
        }
        text(&started, "reverification_id")
    }

    /// Unlocks a key locked by wrong PINs: SMS code + passed face check.
    pub async fn unlock(
        &self,
        key_id: &str,
        reverification_id: &str,
        code: &str,
    ) -> Result<Value, PhoneError> {
        let body = json!({ "reverification_id": reverification_id, "code": code });
        self.call(
            Method::POST,
            &format!("{APP}/me/keys/{key_id}/unlock"),
            Some(body),
        )
        .await
    }

    /// Pays the recovery fee (G1); the paid order's id.
    pub async fn pay_recovery(&self) -> Result<String, PhoneError> {
        let order = self
            .call(Method::POST, &format!("{APP}/me/recovery-orders"), None)
            .await?;
        text(&order, "id")
    }

    /// A forgotten PIN on this phone (I3), or with `recovery_order` the
    /// recovery of `old_key_id` on this new phone (G1): new signing keys
    /// under `new_pin`, the escrowed encryption key re-split; the old key
    /// is retired and its signing certificate revoked.
    pub async fn rekey(
        &self,
        old_key_id: &str,
        reverification_id: &str,
        code: &str,
        recovery_order: Option<&str>,
        new_pin: &str,
    ) -> Result<StoredKey, PhoneError> {
        let (machine, request) =
            Download::rekey(old_key_id, reverification_id, code, recovery_order)?;
        self.drive(machine, request, new_pin, None).await
    }
}
