//! GM/T 0010 EnvelopedData: SM4-CBC content encryption, the SM4 key
//! transported to each recipient with SM2 (DER `SM2Cipher`).
//!
//! Decryption is split the same way signing is: [`Envelope::encrypted_key_for`]
//! gives the SM2 ciphertext for a recipient (which the two-party decryption
//! opens for a split key), and [`Envelope::decrypt_content`] finishes with
//! the recovered SM4 key. [`open`] does both with a one-piece key.

use der::asn1::{ObjectIdentifier, OctetString};
use der::{Any, Encode, Sequence};
use mca_crypto::sm2::{self, Ciphertext, SecretKey};
use spki::AlgorithmIdentifierOwned;
use zeroize::Zeroizing;

use super::{ContentInfo, IssuerAndSerialNumber, SetOf};
use crate::algorithm::bare;
use crate::cert::Certificate;
use crate::error::malformed;
use crate::{Error, Result, oids};

/// `RecipientInfo`.
#[derive(Clone, Debug, Sequence)]
pub struct RecipientInfo {
    /// 0 (PKCS#7) or 1 (some GM/T 0010 implementations).
    pub version: u8,
    /// The recipient's encryption certificate.
    pub issuer_and_serial_number: IssuerAndSerialNumber,
    /// sm2-3 (or the bare SM2 OID).
    pub key_encryption_algorithm: AlgorithmIdentifierOwned,
    /// DER `SM2Cipher` of the SM4 key.
    pub encrypted_key: OctetString,
}

/// `EncryptedContentInfo`.
#[derive(Clone, Debug, Sequence)]
pub struct EncryptedContentInfo {
    /// data.
    pub content_type: ObjectIdentifier,
    /// sm4-cbc with the IV as an OCTET STRING parameter.
    pub content_encryption_algorithm: AlgorithmIdentifierOwned,
    /// The ciphertext.
    #[asn1(context_specific = "0", tag_mode = "IMPLICIT", optional = "true")]
    pub encrypted_content: Option<OctetString>,
}

/// `EnvelopedData`.
#[derive(Clone, Debug, Sequence)]
pub struct EnvelopedData {
    /// 0 or 1.
    pub version: u8,
    /// One per recipient.
    pub recipient_infos: SetOf<RecipientInfo>,
    /// The encrypted content.
    pub encrypted_content_info: EncryptedContentInfo,
}

/// Encrypts `content` for every certificate in `recipients` (their SM2
/// encryption keys). Returns DER `ContentInfo` of type envelopedData.
pub fn seal(content: &[u8], recipients: &[&Certificate]) -> Result<Vec<u8>> {
    if recipients.is_empty() {
        return Err(Error::InvalidRequest("no recipients".into()));
    }
    let key = Zeroizing::new(mca_crypto::rand::bytes::<16>()?);
    let iv = mca_crypto::rand::bytes::<16>()?;
    let ciphertext = mca_crypto::sm4::cbc_encrypt(&*key, &iv, content)?;
    let mut infos = Vec::new();
    for r in recipients {
        let encrypted = sm2::encrypt(r.public_key(), &*key)?.to_der();
        infos.push(RecipientInfo {
            version: 0,
            issuer_and_serial_number: IssuerAndSerialNumber::of(r),
            key_encryption_algorithm: bare(oids::SM2_ENCRYPT),
            encrypted_key: OctetString::new(encrypted).map_err(malformed("encryptedKey"))?,
        });
    }
    let ed = EnvelopedData {
        version: 0,
        recipient_infos: SetOf::sorted(infos).map_err(malformed("recipientInfos"))?,
        encrypted_content_info: EncryptedContentInfo {
            content_type: oids::GM_DATA,
            content_encryption_algorithm: AlgorithmIdentifierOwned {
                oid: oids::SM4_CBC,
                parameters: Some(
                    Any::encode_from(&OctetString::new(iv.to_vec()).map_err(malformed("IV"))?)
                        .map_err(malformed("IV"))?,
                ),
            },
            encrypted_content: Some(OctetString::new(ciphertext).map_err(malformed("content"))?),
        },
    };
    ContentInfo {
        content_type: oids::GM_ENVELOPED_DATA,
        content: Some(Any::encode_from(&ed).map_err(malformed("EnvelopedData"))?),
    }
    .to_der()
    .map_err(malformed("ContentInfo"))
}

/// A parsed envelope.
#[derive(Clone, Debug)]
pub struct Envelope {
    /// The structure.
    pub data: EnvelopedData,
}

const PKCS7_ENVELOPED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.3");

/// Parses a `ContentInfo` holding EnvelopedData.
pub fn parse(der: &[u8]) -> Result<Envelope> {
    let data: EnvelopedData = ContentInfo::unwrap_as(
        der,
        &[oids::GM_ENVELOPED_DATA, PKCS7_ENVELOPED_DATA],
        "EnvelopedData",
    )?;
    let alg = &data.encrypted_content_info.content_encryption_algorithm;
    if alg.oid != oids::SM4_CBC {
        return Err(Error::Unsupported("content cipher (only SM4-CBC)"));
    }
    Ok(Envelope { data })
}

impl Envelope {
    /// The SM2 ciphertext of the content key for `cert`, if it is a
    /// recipient. Accepts DER `SM2Cipher` and, from older implementations,
    /// raw C1‖C3‖C2.
    pub fn encrypted_key_for(&self, cert: &Certificate) -> Result<Ciphertext> {
        let ri = self
            .data
            .recipient_infos
            .0
            .iter()
            .find(|r| r.issuer_and_serial_number.names(cert))
            .ok_or(Error::NoRecipient)?;
        if !oids::is_sm2_encryption(&ri.key_encryption_algorithm.oid) {
            return Err(Error::Unsupported("key encryption algorithm (only SM2)"));
        }
        let bytes = ri.encrypted_key.as_bytes();
        Ciphertext::from_der(bytes)
            .or_else(|_| Ciphertext::from_c1c3c2(bytes))
            .map_err(|_| Error::Malformed {
                what: "encryptedKey",
                reason: "neither SM2Cipher nor C1C3C2".into(),
            })
    }

    /// Decrypts the content with the recovered SM4 key.
    pub fn decrypt_content(&self, key: &[u8]) -> Result<Vec<u8>> {
        let eci = &self.data.encrypted_content_info;
        let iv = eci
            .content_encryption_algorithm
            .parameters
            .as_ref()
            .and_then(|p| p.decode_as::<OctetString>().ok())
            .ok_or(Error::Malformed {
                what: "EnvelopedData",
                reason: "SM4-CBC IV missing".into(),
            })?;
        let ct = eci.encrypted_content.as_ref().ok_or(Error::Malformed {
            what: "EnvelopedData",
            reason: "no encrypted content".into(),
        })?;
        if key.len() != 16 || iv.as_bytes().len() != 16 {
            return Err(Error::Malformed {
                what: "EnvelopedData",
                reason: "key or IV length".into(),
            });
        }
        Ok(mca_crypto::sm4::cbc_decrypt(
            key,
            iv.as_bytes(),
            ct.as_bytes(),
        )?)
    }
}

/// Opens an envelope with a one-piece private key whose certificate is
/// `cert`.
pub fn open(der: &[u8], cert: &Certificate, key: &SecretKey) -> Result<Vec<u8>> {
    if key.public_key() != cert.public_key() {
        return Err(Error::NoRecipient);
    }
    let env = parse(der)?;
    let content_key = env.encrypted_key_for(cert)?.decrypt(key)?;
    env.decrypt_content(&content_key)
}
