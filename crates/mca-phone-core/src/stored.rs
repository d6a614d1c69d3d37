//! What the phone may keep (PROTOCOL.md §3), and the secrets a shell hands
//! in for one step.
//!
//! [`StoredKey`] has a field for each thing the phone may store and no
//! other: the PIN-masked shares ([`MaskedShare`], which any PIN "unmasks"
//! to some value), the public key P, the certificates and ids. Its field
//! types cannot hold a PIN, an unmasked share, P_p, P_s, a nonce or a
//! transcript, so nothing that allows an offline PIN search can be saved
//! through it.

use mca_crypto::sm2::Point;
use mca_crypto::twoparty::phone::{MaskedShare, Share};
use serde::{Deserialize, Serialize};

use crate::CoreError;
use crate::checks::check_pin;

/// One two-party key as the phone keeps it. The JSON form is the state
/// file of the command-line phone and the IndexedDB record of the app.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredKey {
    /// The signing key's id at the server.
    pub key_id: String,
    /// The application it was issued for.
    pub application_id: String,
    /// P, the signing public key.
    pub public_key: Point,
    /// The signing share, PIN-masked.
    pub signing: MaskedShare,
    /// The encryption share, PIN-masked, once delivered.
    pub encryption: Option<MaskedShare>,
    /// The signing certificate, PEM, once issued.
    pub signing_certificate: Option<String>,
    /// The encryption certificate, PEM, once issued.
    pub encryption_certificate: Option<String>,
}

impl std::fmt::Debug for StoredKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredKey")
            .field("key_id", &self.key_id)
            .field("application_id", &self.application_id)
            .finish_non_exhaustive()
    }
}

/// What a key list shows about a stored key: no secrets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeySummary {
    /// The key's id.
    pub key_id: String,
    /// Its application.
    pub application_id: String,
    /// Whether both certificates are here.
    pub has_certificates: bool,
    /// The signing certificate's subject, if issued.
    pub subject: Option<String>,
    /// Its serial, hex.
    pub serial: Option<String>,
    /// Its notAfter, unix seconds.
    pub not_after: Option<i64>,
}

impl StoredKey {
    /// The key's summary for lists.
    pub fn summary(&self) -> KeySummary {
        let cert = self
            .signing_certificate
            .as_deref()
            .and_then(|p| mca_pki::cert::Certificate::from_pem(p).ok());
        KeySummary {
            key_id: self.key_id.clone(),
            application_id: self.application_id.clone(),
            has_certificates: self.signing_certificate.is_some()
                && self.encryption_certificate.is_some(),
            subject: cert.as_ref().map(|c| c.subject().to_string()),
            serial: cert.as_ref().map(|c| hex::encode(c.serial())),
            not_after: cert
                .as_ref()
                .map(|c| c.validity().1.unix_duration().as_secs() as i64),
        }
    }

    pub(crate) fn encryption_share(&self) -> Result<&MaskedShare, CoreError> {
        self.encryption
            .as_ref()
            .ok_or_else(|| CoreError::State("加密密钥分量尚未下发".into()))
    }

    pub(crate) fn encryption_cert(&self) -> Result<mca_pki::cert::Certificate, CoreError> {
        let pem = self
            .encryption_certificate
            .as_deref()
            .ok_or_else(|| CoreError::State("本机没有加密证书".into()))?;
        mca_pki::cert::Certificate::from_pem(pem).map_err(|_| CoreError::protocol("certificate"))
    }
}

/// The secrets one step needs, handed in by the shell for that call only:
/// the PIN the user typed and the device secret mixed into the PIN mask
/// (read from the keystore, or HMAC(device key, "MCA-PIN-MASK-V1") in the
/// browser). Machines never keep them.
#[derive(Clone, Copy)]
pub struct Secrets<'a> {
    /// The PIN (for a PIN change: the old PIN; for a re-key: the new one).
    pub pin: &'a str,
    /// A PIN change's new PIN.
    pub new_pin: Option<&'a str>,
    /// The device secret, at least 16 bytes.
    pub device_secret: &'a [u8],
}

impl std::fmt::Debug for Secrets<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secrets(..)")
    }
}

impl<'a> Secrets<'a> {
    /// The PIN and the device secret.
    pub fn new(pin: &'a str, device_secret: &'a [u8]) -> Self {
        Secrets {
            pin,
            new_pin: None,
            device_secret,
        }
    }

    /// With a PIN change's new PIN.
    pub fn with_new_pin(mut self, new_pin: &'a str) -> Self {
        self.new_pin = Some(new_pin);
        self
    }

    /// Masks a share under the PIN; the PIN must follow the PIN rule.
    pub(crate) fn mask(&self, share: &Share) -> Result<MaskedShare, CoreError> {
        pin_rule(self.pin)?;
        Ok(MaskedShare::mask(
            share,
            self.pin.as_bytes(),
            self.device_secret,
        )?)
    }

    /// Unmasks a share. Any PIN gives some share; only the server can tell
    /// a wrong one, so this fails only on a malformed device secret.
    pub(crate) fn unmask(&self, masked: &MaskedShare) -> Result<Share, CoreError> {
        Ok(masked.unmask(self.pin.as_bytes(), self.device_secret)?)
    }

    /// Re-masks under the new PIN (which must follow the PIN rule).
    pub(crate) fn remask(&self, masked: &MaskedShare) -> Result<MaskedShare, CoreError> {
        let new_pin = self
            .new_pin
            .ok_or_else(|| CoreError::Input("请输入新的证书PIN码".into()))?;
        pin_rule(new_pin)?;
        Ok(masked.remask(self.pin.as_bytes(), new_pin.as_bytes(), self.device_secret)?)
    }
}

fn pin_rule(pin: &str) -> Result<(), CoreError> {
    match check_pin(pin) {
        Some(message) => Err(CoreError::Input(message)),
        None => Ok(()),
    }
}

/// The key to use when the user names none: the only key with a signing
/// certificate. With none or several, a 简体中文 reason listing them.
pub fn only_key(keys: &[StoredKey]) -> Result<String, CoreError> {
    let usable: Vec<&str> = keys
        .iter()
        .filter(|k| k.signing_certificate.is_some())
        .map(|k| k.key_id.as_str())
        .collect();
    match usable.as_slice() {
        [only] => Ok((*only).to_owned()),
        [] => Err(CoreError::State(
            "本机没有可用的证书密钥：请先下载证书".into(),
        )),
        several => Err(CoreError::State(format!(
            "本机有{}个证书密钥，请指定其一：{}",
            several.len(),
            several.join("、")
        ))),
    }
}
