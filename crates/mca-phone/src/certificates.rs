//! The personal-certificate operations of the phone (issue 5): applying,
//! paying, downloading over the air with two-party keys (M6, PROTOCOL.md
//! §1), signing (§2), blinded decryption (§5), PIN change, unlock, a
//! forgotten PIN (I3) and recovery on a new phone (G1), renewal and
//! revocation.
//!
//! The phone's secrets never leave it unsealed: s1 goes sealed to the
//! server's transport key, and every answer carrying ρ, T2 or a share is
//! sealed to a fresh reply key that lives only for that request (§7).

use base64::Engine;
use mca_crypto::seal::Sealed;
use mca_crypto::sm2::{Ciphertext, Point, SecretKey};
use mca_crypto::twoparty::messages::{
    BlindedResult, KeygenResponse, PartialSignature, ShareDelivery, ShareRefresh, SignChallenge,
};
use mca_crypto::twoparty::phone::{Decryption, KeyGeneration, MaskedShare, Share};
use mca_crypto::twoparty::transport::{self, SealedMessage};
use reqwest::Method;
use serde::de::DeserializeOwned;
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
    fn json(&self) -> Value {
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
            self.province_id, self.platform_id, self.ca_id, self.validity_option_id
        )
    }
}

pub(crate) fn protocol(what: &str) -> PhoneError {
    PhoneError::State(format!("服务器的回答不符合预期: {what}"))
}

pub(crate) fn field<T: DeserializeOwned>(v: &Value, name: &str) -> Result<T, PhoneError> {
    serde_json::from_value(v.get(name).cloned().unwrap_or(Value::Null)).map_err(|_| protocol(name))
}

pub(crate) fn text(v: &Value, name: &str) -> Result<String, PhoneError> {
    field(v, name)
}

pub(crate) fn crypto(e: mca_crypto::Error) -> PhoneError {
    PhoneError::State(format!("密钥运算失败: {e}"))
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// A reply key for one request: the answer's secrets are sealed to it.
fn reply_key() -> Result<SecretKey, PhoneError> {
    SecretKey::generate().map_err(crypto)
}

pub(crate) fn open<M: SealedMessage>(
    key: &SecretKey,
    context: &str,
    v: &Value,
    name: &str,
) -> Result<M, PhoneError> {
    let sealed: Sealed = field(v, name)?;
    transport::open(key, context, &sealed).map_err(|_| protocol(name))
}

/// A challenge answer: the session, Q_s and message, the transport key.
pub(crate) struct Challenge {
    pub(crate) session_id: String,
    pub(crate) challenge: SignChallenge,
    pub(crate) transport_key: Point,
}

impl Challenge {
    pub(crate) fn from(v: &Value) -> Result<Self, PhoneError> {
        Ok(Challenge {
            session_id: text(v, "session_id")?,
            challenge: field(v, "challenge")?,
            transport_key: field(v, "transport_key")?,
        })
    }
}

impl Phone {
    pub(crate) fn unmask(&self, masked: &MaskedShare, pin: &str) -> Result<Share, PhoneError> {
        let secret = self.state_dir().pin_secret()?;
        masked.unmask(pin.as_bytes(), &secret).map_err(crypto)
    }

    /// s1 for `challenge`, sealed to the server for the session.
    fn partial(
        &self,
        key: &StoredKey,
        pin: &str,
        c: &Challenge,
        expected_message: Option<&[u8]>,
    ) -> Result<Sealed, PhoneError> {
        // The phone signs only what it asked to sign (the server could
        // otherwise slip in other bytes).
        if let Some(expected) = expected_message
            && c.challenge.message != expected
        {
            return Err(protocol("challenge message"));
        }
        let share = self.unmask(&key.signing, pin)?;
        let partial: PartialSignature =
            share.sign(&key.public_key, &c.challenge).map_err(crypto)?;
        transport::seal(&c.transport_key, &c.session_id, &partial).map_err(crypto)
    }

    /// Finishes a two-party step: sends the sealed s1 and the reply key;
    /// applies and stores the refresh the answer carries.
    pub(crate) async fn finish(
        &self,
        key: &mut StoredKey,
        path: &str,
        pin: &str,
        c: &Challenge,
        expected_message: Option<&[u8]>,
        extra: Option<(&str, Value)>,
    ) -> Result<(Value, SecretKey), PhoneError> {
        let reply = reply_key()?;
        let mut body = json!({
            "session_id": c.session_id,
            "partial": self.partial(key, pin, c, expected_message)?,
            "reply_key": reply.public_key(),
        });
        if let Some((name, value)) = extra {
            body[name] = value;
        }
        let answer = self.call(Method::POST, path, Some(body)).await?;
        let refresh: ShareRefresh = open(&reply, &c.session_id, &answer, "refresh")?;
        key.signing.apply_refresh(&refresh);
        self.state_dir().save_key(key)?;
        Ok((answer, reply))
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

    /// Renews (D6) or re-applies for (D8) the certificate `certificate_id`.
    pub async fn renew(
        &self,
        certificate_id: &str,
        validity_option_id: &str,
    ) -> Result<Value, PhoneError> {
        let path = format!("{APP}/me/certificates/{certificate_id}/renewal");
        let body = json!({ "validity_option_id": validity_option_id });
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
        let mut key = self.begin_download(application_id, pin).await?;
        self.complete_download(&mut key, pin).await?;
        Ok(key)
    }

    /// Steps 1 and 2 of a download: the keys are generated and possession
    /// proven; the server has reserved the serials but not yet signed.
    /// [`Phone::complete_download`] finishes (and may be repeated).
    pub async fn begin_download(
        &self,
        application_id: &str,
        pin: &str,
    ) -> Result<StoredKey, PhoneError> {
        let (kg, request) = KeyGeneration::start().map_err(crypto)?;
        let path = format!("{APP}/me/applications/{application_id}/download");
        let started = self
            .call(Method::POST, &path, Some(json!({ "keygen": request })))
            .await?;
        self.prove_possession(kg, &started, pin).await
    }

    /// Step 2 of a download or re-key, from the step 1 answer.
    async fn prove_possession(
        &self,
        kg: KeyGeneration,
        started: &Value,
        pin: &str,
    ) -> Result<StoredKey, PhoneError> {
        let keygen: KeygenResponse = field(started, "keygen")?;
        let secret = self.state_dir().pin_secret()?;
        let (signing, public_key) = kg
            .finish(&keygen, pin.as_bytes(), &secret)
            .map_err(crypto)?;
        let mut key = StoredKey {
            key_id: text(started, "key_id")?,
            application_id: text(started, "application_id")?,
            public_key,
            signing,
            encryption: None,
            signing_certificate: None,
            encryption_certificate: None,
        };
        self.state_dir().save_key(&key)?;
        let csr = Challenge::from(started)?;
        let path = format!("{APP}/me/keys/{}/possession", key.key_id);
        self.finish(&mut key, &path, pin, &csr, None, None).await?;
        Ok(key)
    }

    /// Step 3 (repeatable): the certificates and the encryption share.
    pub async fn complete_download(
        &self,
        key: &mut StoredKey,
        pin: &str,
    ) -> Result<(), PhoneError> {
        let reply = reply_key()?;
        let path = format!("{APP}/me/applications/{}/certificates", key.application_id);
        let done = self
            .call(
                Method::POST,
                &path,
                Some(json!({ "reply_key": reply.public_key() })),
            )
            .await?;
        let delivery: ShareDelivery = open(&reply, &key.application_id, &done, "delivery")?;
        let signing_pem = text(&done["signing"], "pem")?;
        let encryption_pem = text(&done["encryption"], "pem")?;
        // The certificates must certify the keys this phone holds.
        let signing =
            mca_pki::cert::Certificate::from_pem(&signing_pem).map_err(|_| protocol("signing"))?;
        let encryption = mca_pki::cert::Certificate::from_pem(&encryption_pem)
            .map_err(|_| protocol("encryption"))?;
        if signing.public_key() != &key.public_key
            || encryption.public_key() != &delivery.public_key
        {
            return Err(protocol("certificate keys"));
        }
        let secret = self.state_dir().pin_secret()?;
        let share = Share::from_delivery(&delivery);
        key.encryption = Some(MaskedShare::mask(&share, pin.as_bytes(), &secret).map_err(crypto)?);
        key.signing_certificate = Some(signing_pem);
        key.encryption_certificate = Some(encryption_pem);
        self.state_dir().save_key(key)
    }

    /// Signs `message` with the key (§2); the DER SM2 signature.
    pub async fn sign(
        &self,
        key_id: &str,
        pin: &str,
        message: &[u8],
    ) -> Result<Vec<u8>, PhoneError> {
        let mut key = self.state_dir().key(key_id)?;
        let path = format!("{APP}/me/keys/{key_id}/signatures");
        let begun = self
            .call(
                Method::POST,
                &path,
                Some(json!({ "message": hex::encode(message) })),
            )
            .await?;
        let c = Challenge::from(&begun)?;
        let (done, _) = self
            .finish(
                &mut key,
                &format!("{path}/finish"),
                pin,
                &c,
                Some(message),
                None,
            )
            .await?;
        hex::decode(text(&done, "signature")?).map_err(|_| protocol("signature"))
    }

    /// Decrypts an SM2 ciphertext to the key's encryption certificate by
    /// the blinded protocol (§5): the server never sees C1 or the result.
    pub async fn decrypt(
        &self,
        key_id: &str,
        pin: &str,
        ciphertext: Ciphertext,
    ) -> Result<Zeroizing<Vec<u8>>, PhoneError> {
        let mut key = self.state_dir().key(key_id)?;
        let encryption = key
            .encryption
            .clone()
            .ok_or_else(|| PhoneError::State("加密密钥分量尚未下发".into()))?;
        let (decryption, blinded) = Decryption::start(ciphertext).map_err(crypto)?;
        let path = format!("{APP}/me/keys/{key_id}/decryptions");
        let begun = self
            .call(Method::POST, &path, Some(json!({ "blinded": blinded })))
            .await?;
        let c = Challenge::from(&begun)?;
        // The authorization must be for this T1 and this session.
        let expected = mca_crypto::twoparty::server::decryption_authorization(
            c.session_id.as_bytes(),
            &blinded,
        );
        let (done, reply) = self
            .finish(
                &mut key,
                &format!("{path}/finish"),
                pin,
                &c,
                Some(&expected),
                Some(("blinded", json!(blinded))),
            )
            .await?;
        let t2: BlindedResult = open(&reply, &c.session_id, &done, "blinded_result")?;
        let share = self.unmask(&encryption, pin)?;
        decryption.finish(&share, &t2).map_err(crypto)
    }

    /// Opens a GM/T 0010 EnvelopedData addressed to the key's encryption
    /// key: the content key by the blinded protocol, then SM4. The envelope
    /// may name an earlier certificate of the same escrowed key (before a
    /// renewal or a recovery), so the user's certificates at the server are
    /// tried too.
    pub async fn open_envelope(
        &self,
        key_id: &str,
        pin: &str,
        der: &[u8],
    ) -> Result<Vec<u8>, PhoneError> {
        let key = self.state_dir().key(key_id)?;
        let pem = key
            .encryption_certificate
            .ok_or_else(|| PhoneError::State("本机没有加密证书".into()))?;
        let current =
            mca_pki::cert::Certificate::from_pem(&pem).map_err(|_| protocol("certificate"))?;
        let envelope = mca_pki::gmt0010::enveloped::parse(der)
            .map_err(|e| PhoneError::State(format!("不是数字信封: {e}")))?;
        let mut ct = envelope.encrypted_key_for(&current).ok();
        if ct.is_none() {
            let listed = self.certificates().await?;
            for c in listed.as_array().into_iter().flatten() {
                let Some(cert) = c["pem"]
                    .as_str()
                    .and_then(|p| mca_pki::cert::Certificate::from_pem(p).ok())
                    .filter(|cert| cert.public_key() == current.public_key())
                else {
                    continue;
                };
                if let Ok(found) = envelope.encrypted_key_for(&cert) {
                    ct = Some(found);
                    break;
                }
            }
        }
        let ct = ct.ok_or_else(|| PhoneError::State("该数字信封不是发给此加密密钥的".into()))?;
        let content_key = self.decrypt(key_id, pin, ct).await?;
        envelope
            .decrypt_content(&content_key)
            .map_err(|e| PhoneError::State(format!("the envelope does not open: {e}")))
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
        let mut key = self.state_dir().key(key_id)?;
        let path = format!("{APP}/me/keys/{key_id}/pin-change");
        let begun = self
            .call(Method::POST, &path, Some(json!({ "code": code })))
            .await?;
        let c = Challenge::from(&begun)?;
        self.finish(&mut key, &format!("{path}/finish"), old_pin, &c, None, None)
            .await?;
        let secret = self.state_dir().pin_secret()?;
        let remask = |m: &MaskedShare| m.remask(old_pin.as_bytes(), new_pin.as_bytes(), &secret);
        key.signing = remask(&key.signing).map_err(crypto)?;
        if let Some(e) = &key.encryption {
            key.encryption = Some(remask(e).map_err(crypto)?);
        }
        self.state_dir().save_key(&key)
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
        let (kg, request) = KeyGeneration::start().map_err(crypto)?;
        let body = json!({
            "keygen": request,
            "reverification_id": reverification_id,
            "code": code,
            "recovery_order_id": recovery_order,
        });
        let path = format!("{APP}/me/keys/{old_key_id}/rekey");
        let started = self.call(Method::POST, &path, Some(body)).await?;
        let mut key = self.prove_possession(kg, &started, new_pin).await?;
        self.complete_download(&mut key, new_pin).await?;
        self.state_dir().remove_key(old_key_id)?;
        Ok(key)
    }
}
