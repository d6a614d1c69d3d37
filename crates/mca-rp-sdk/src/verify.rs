//! Local checks of session results: nothing from the server is trusted
//! beyond the certificate chain the platform configured
//! ([`TrustAnchors`]). The signed bytes are recomputed here from what the
//! relying party itself asked (its id, the session id, its challenge), the
//! signature is checked under the returned certificate, and that
//! certificate must be a current user certificate of a trusted CA.
//!
//! The domain tags of `mca_crypto::rp` keep the kinds apart: a login
//! signature never verifies as a document signature (raw data starting
//! with `MCA-` is refused as a document) and a document signature never as
//! a login.

use mca_crypto::rp::{auth_challenge, confirm_payload, is_reserved};
use mca_crypto::sm2::{Ciphertext, SecretKey, Signature};
use mca_pki::cert::Certificate;
use mca_pki::gmt0010::signed;
use mca_pki::seal::v4;
use mca_pki::{name, oids};
use zeroize::Zeroizing;

use crate::sessions::{AuthPurpose, Completion, ItemResult, SignItemKind};
use crate::time::unix_now;
use crate::trust::{TrustAnchors, Usage, extension};
use crate::{Error, Result};

/// A user certificate that passed the checks, with what a platform reads
/// from it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserCertificate(Certificate);

impl UserCertificate {
    /// The certificate.
    pub fn certificate(&self) -> &Certificate {
        &self.0
    }

    /// DER bytes (to store, or to compare with a bound account's).
    pub fn to_der(&self) -> &[u8] {
        self.0.to_der()
    }

    /// Serial number, lower-case hex.
    pub fn serial_hex(&self) -> String {
        hex::encode(self.0.serial())
    }

    /// The holder's name (CN): the person, or the enterprise for an
    /// enterprise certificate.
    pub fn common_name(&self) -> Option<String> {
        name::attribute(self.0.subject(), oids::AT_COMMON_NAME)
    }

    /// The enterprise (O) of an enterprise or agent certificate.
    pub fn organization(&self) -> Option<String> {
        name::attribute(self.0.subject(), oids::AT_ORGANIZATION)
    }

    /// The enterprise's unified social credit code (subject serialNumber).
    pub fn credit_code(&self) -> Option<String> {
        name::attribute(self.0.subject(), oids::AT_SERIAL_NUMBER)
    }

    /// The person's resident ID number (GM/T 0015 IdentityCode extension,
    /// `[0] PrintableString`). Store a hash of it, not the number.
    pub fn resident_id(&self) -> Option<String> {
        match extension(&self.0, oids::GM_IDENTITY_CODE.as_bytes())? {
            [0x80, len, rest @ ..] if usize::from(*len) == rest.len() && rest.is_ascii() => {
                String::from_utf8(rest.to_vec()).ok()
            }
            _ => None,
        }
    }
}

/// A cert session's result: the signer and the encryption certificate to
/// build digital envelopes for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedCert {
    /// The signing certificate that signed the challenge.
    pub signer: UserCertificate,
    /// The same holder's encryption certificate.
    pub encryption: UserCertificate,
}

/// One item of a sign session, as the relying party has it, to check its
/// result against: the raw data, the SignedData content (attached or
/// detached), or the sealed document.
#[derive(Clone, Copy, Debug)]
pub struct Signed<'a> {
    /// What was asked.
    pub kind: SignItemKind,
    /// The data, the content or the document itself (not its digest).
    pub content: &'a [u8],
}

/// Checks results for one relying party against its trust anchors.
#[derive(Clone, Debug)]
pub struct Verifier {
    rp_id: String,
    anchors: TrustAnchors,
    at: Option<i64>,
}

impl Verifier {
    /// A verifier for relying party `rp_id` (its id from registration).
    pub fn new(rp_id: &str, anchors: TrustAnchors) -> Self {
        Verifier {
            rp_id: rp_id.to_owned(),
            anchors,
            at: None,
        }
    }

    /// Checks validity periods at `unix_seconds` instead of now.
    pub fn at(mut self, unix_seconds: i64) -> Self {
        self.at = Some(unix_seconds);
        self
    }

    fn now(&self) -> i64 {
        self.at.unwrap_or_else(unix_now)
    }

    /// The checked certificate at `index` of a completion.
    fn user_certificate(
        &self,
        done: &Completion,
        index: usize,
        usage: Usage,
    ) -> Result<UserCertificate> {
        let der = done
            .certificates
            .get(index)
            .ok_or_else(|| Error::verification("certificate missing from the result"))?;
        let cert = Certificate::from_der(der)
            .map_err(|_| Error::verification("certificate does not parse (or is not SM2)"))?;
        self.anchors.check_user(&cert, self.now(), usage)?;
        Ok(UserCertificate(cert))
    }

    /// A completion of exactly one signature, by the first certificate,
    /// over `message`.
    fn one_signature(&self, done: &Completion, message: &[u8]) -> Result<UserCertificate> {
        let [ItemResult::Signature(der)] = done.items.as_slice() else {
            return Err(Error::verification("expected exactly one signature"));
        };
        let signer = self.user_certificate(done, 0, Usage::Signing)?;
        check_signature(&signer, message, der)?;
        Ok(signer)
    }

    /// Checks an auth session's result: the signature over
    /// `auth_challenge(rp id, session id, challenge, "auth:login"|"auth:bind")`
    /// under a trusted, current signing certificate. Returns that
    /// certificate: the user who logged in (or is binding).
    pub fn verify_auth(
        &self,
        done: &Completion,
        session_id: &str,
        purpose: AuthPurpose,
        challenge: &[u8],
    ) -> Result<UserCertificate> {
        let message = auth_challenge(
            &self.rp_id,
            session_id,
            challenge,
            purpose.signed_operation(),
        );
        self.one_signature(done, &message)
    }

    /// Checks a cert session's result: the signature over the challenge
    /// (operation `cert`), and a trusted encryption certificate of the same
    /// holder.
    pub fn verify_cert(
        &self,
        done: &Completion,
        session_id: &str,
        challenge: &[u8],
    ) -> Result<VerifiedCert> {
        let message = auth_challenge(&self.rp_id, session_id, challenge, "cert");
        let signer = self.one_signature(done, &message)?;
        let encryption = self.user_certificate(done, 1, Usage::Encryption)?;
        if encryption.certificate().subject() != signer.certificate().subject() {
            return Err(Error::verification(
                "encryption certificate of another holder",
            ));
        }
        Ok(VerifiedCert { signer, encryption })
    }

    /// Checks a confirm session's result: the signature over the receipt
    /// the relying party issued.
    pub fn verify_confirm(
        &self,
        done: &Completion,
        session_id: &str,
        file_name: &str,
        file_hash: &[u8],
        receipt_number: &str,
    ) -> Result<UserCertificate> {
        let message = confirm_payload(
            &self.rp_id,
            session_id,
            file_name,
            file_hash,
            receipt_number,
        );
        self.one_signature(done, &message)
    }

    /// Checks a sign session's results, item by item in request order,
    /// against what was asked: every signature, SignedData and seal must
    /// verify over the relying party's own bytes and be made with the
    /// session's signing certificate.
    pub fn verify_sign(&self, done: &Completion, items: &[Signed<'_>]) -> Result<UserCertificate> {
        if done.items.len() != items.len() {
            return Err(Error::verification("not one result per item"));
        }
        let signer = self.user_certificate(done, 0, Usage::Signing)?;
        for (i, (item, result)) in items.iter().zip(&done.items).enumerate() {
            let by = match (item.kind, result) {
                (SignItemKind::RawData, ItemResult::Signature(der)) => {
                    // Mobile CA's own messages are never documents: a
                    // login signature presented as one is refused.
                    if is_reserved(item.content) {
                        return Err(Error::verification(
                            "raw data starting with MCA- is not a document",
                        ));
                    }
                    check_signature(&signer, item.content, der)?;
                    signer.clone()
                }
                (
                    SignItemKind::SignedDataDetached | SignItemKind::SignedDataAttached,
                    ItemResult::SignedData(der),
                ) => self.verify_signed_data(der, item.content)?,
                (SignItemKind::Seal, ItemResult::Seal(der)) => {
                    self.verify_seal(der, item.content)?
                }
                _ => {
                    return Err(Error::verification(format!(
                        "result {i} is not what was asked"
                    )));
                }
            };
            if by != signer {
                return Err(Error::verification(format!(
                    "item {i} signed by another certificate"
                )));
            }
        }
        Ok(signer)
    }

    /// Checks a GM/T 0010 SignedData over `content` (attached content must
    /// equal it): one signer, whose certificate is a trusted, current
    /// signing certificate.
    pub fn verify_signed_data(&self, der: &[u8], content: &[u8]) -> Result<UserCertificate> {
        let verified = signed::verify(der, Some(content), &[], self.anchors.certificates())
            .map_err(|e| Error::verification(format!("SignedData: {e}")))?;
        let [only] = verified.signers.as_slice() else {
            return Err(Error::verification(
                "SignedData must have exactly one signer",
            ));
        };
        self.anchors
            .check_user(&only.certificate, self.now(), Usage::Signing)?;
        Ok(UserCertificate(only.certificate.clone()))
    }

    /// Checks a GB/T 38540 `SES_Signature` over `document`: the signer's
    /// signature and certificate, the embedded seal made by a trusted seal
    /// maker and within its validity, the signer on the seal's list.
    pub fn verify_seal(&self, der: &[u8], document: &[u8]) -> Result<UserCertificate> {
        self.verify_seal_digest(der, &mca_crypto::sm3::sm3(document))
    }

    /// [`Verifier::verify_seal`] when only the document's SM3 digest is
    /// at hand.
    pub fn verify_seal_digest(
        &self,
        der: &[u8],
        document_sm3: &[u8; 32],
    ) -> Result<UserCertificate> {
        let verified = v4::verify_signature_for_digest(der, document_sm3)
            .map_err(|e| Error::verification(format!("seal signature: {e}")))?;
        verified
            .seal
            .verify_with_issuers(self.anchors.certificates())
            .map_err(|e| Error::verification(format!("seal: {e}")))?;
        let property = &verified.seal.info.property;
        let secs = |d: std::time::Duration| i64::try_from(d.as_secs()).unwrap_or(i64::MAX);
        let start = secs(property.valid_start.to_date_time().unix_duration());
        let end = secs(property.valid_end.to_date_time().unix_duration());
        let now = self.now();
        if now < start || now > end {
            return Err(Error::verification("seal not valid now"));
        }
        self.anchors
            .check_user(&verified.signer, now, Usage::Signing)?;
        Ok(UserCertificate(verified.signer))
    }
}

fn check_signature(signer: &UserCertificate, message: &[u8], der: &[u8]) -> Result<()> {
    let signature =
        Signature::from_der(der).map_err(|_| Error::verification("signature is not DER"))?;
    signer
        .certificate()
        .public_key()
        .verify(message, &signature)
        .map_err(|_| Error::verification("signature does not verify"))
}

/// Opens one content key of a decrypt session with the relying party's
/// ephemeral private key (the one whose public key the session named). For
/// an EnvelopedData, decrypt its content with
/// `mca_pki::gmt0010::enveloped::parse(der)?.decrypt_content(&key)`.
pub fn open_content_key(
    rp_private_key: &SecretKey,
    item: &ItemResult,
) -> Result<Zeroizing<Vec<u8>>> {
    let ItemResult::ContentKey(der) = item else {
        return Err(Error::verification("not a content key"));
    };
    Ciphertext::from_der(der)
        .and_then(|c| c.decrypt(rp_private_key))
        .map_err(|_| Error::verification("content key does not open with this key"))
}

/// Every content key of a decrypt session, in envelope order.
pub fn open_content_keys(
    rp_private_key: &SecretKey,
    done: &Completion,
) -> Result<Vec<Zeroizing<Vec<u8>>>> {
    done.items
        .iter()
        .map(|item| open_content_key(rp_private_key, item))
        .collect()
}

#[cfg(test)]
mod tests;
