//! GM/T 0010 SignedData (attached and detached) with signed attributes,
//! signed in two steps by any [`Signer`](crate::signer::Signer).

use der::asn1::{ObjectIdentifier, OctetString};
use der::{Any, DateTime, Decode, Encode, Sequence};
use mca_crypto::sm2::{Point, Signature};
use spki::AlgorithmIdentifierOwned;

use super::{ContentInfo, IssuerAndSerialNumber, SetOf};
use crate::algorithm::{self, bare};
use crate::cert::Certificate;
use crate::error::malformed;
use crate::signer::{ToBeSigned, check};
use crate::{Error, Result, oids};

/// `Attribute ::= SEQUENCE { type, values SET OF ANY }`.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct Attribute {
    /// Attribute type.
    pub oid: ObjectIdentifier,
    /// Values.
    pub values: SetOf<Any>,
}

/// PKCS#7 v1.5 `SignerInfo`.
#[derive(Clone, Debug, Sequence)]
pub struct SignerInfo {
    /// 1.
    pub version: u8,
    /// The signer's certificate.
    pub issuer_and_serial_number: IssuerAndSerialNumber,
    /// SM3.
    pub digest_algorithm: AlgorithmIdentifierOwned,
    /// contentType, messageDigest, signingTime.
    #[asn1(context_specific = "0", tag_mode = "IMPLICIT", optional = "true")]
    pub authenticated_attributes: Option<SetOf<Attribute>>,
    /// sm2-1 (GM/T 0010) or sm2-with-sm3 (seen from other implementations).
    pub digest_encryption_algorithm: AlgorithmIdentifierOwned,
    /// DER SEQUENCE{r, s}.
    pub encrypted_digest: OctetString,
    /// Unused.
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", optional = "true")]
    pub unauthenticated_attributes: Option<SetOf<Attribute>>,
}

/// PKCS#7 v1.5 `SignedData`.
#[derive(Clone, Debug, Sequence)]
pub struct SignedData {
    /// 1.
    pub version: u8,
    /// SM3.
    pub digest_algorithms: SetOf<AlgorithmIdentifierOwned>,
    /// The content (absent when detached).
    pub content_info: ContentInfo,
    /// Signer certificates.
    #[asn1(context_specific = "0", tag_mode = "IMPLICIT", optional = "true")]
    pub certificates: Option<SetOf<Any>>,
    /// Unused.
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", optional = "true")]
    pub crls: Option<SetOf<Any>>,
    /// One per signer.
    pub signer_infos: SetOf<SignerInfo>,
}

fn attribute<T: der::EncodeValue + der::Tagged>(
    oid: ObjectIdentifier,
    value: &T,
) -> Result<Attribute> {
    Ok(Attribute {
        oid,
        values: SetOf(vec![
            Any::encode_from(value).map_err(malformed("attribute"))?,
        ]),
    })
}

/// Step 1: the signed attributes for `content`, to be signed by the key of
/// `signer`. `attached` puts the content inside the message.
pub fn prepare(
    content: &[u8],
    signer: &Certificate,
    attached: bool,
    signing_time: DateTime,
) -> Result<PreparedSignedData> {
    let digest = mca_crypto::sm3::sm3(content);
    let mut prepared = prepare_for_digest(&digest, signer, signing_time)?;
    prepared.content = attached.then(|| content.to_vec());
    Ok(prepared)
}

/// Step 1 of a detached SignedData when only the content's SM3 digest is
/// known (a relying party sends the digest of a large file, not the file).
/// Verifies with [`verify`] given the content itself.
pub fn prepare_for_digest(
    digest: &[u8; 32],
    signer: &Certificate,
    signing_time: DateTime,
) -> Result<PreparedSignedData> {
    // UTCTime through 2049, GeneralizedTime after (RFC 5652 §11.3).
    let time = algorithm::x509_time(signing_time);
    let attrs = SetOf::sorted(vec![
        attribute(oids::ATTR_CONTENT_TYPE, &oids::GM_DATA)?,
        attribute(
            oids::ATTR_MESSAGE_DIGEST,
            &OctetString::new(digest.to_vec()).map_err(malformed("digest"))?,
        )?,
        attribute(oids::ATTR_SIGNING_TIME, &time)?,
    ])
    .map_err(malformed("signed attributes"))?;
    let signed_attrs = attrs.to_der().map_err(malformed("signed attributes"))?;
    Ok(PreparedSignedData {
        signed_attrs,
        attrs,
        content: None,
        signer: signer.clone(),
    })
}

/// Signed attributes waiting for their signature. [`ToBeSigned::message`]
/// is the DER of the attributes as a SET (RFC 2315 §9.3).
#[derive(Debug)]
pub struct PreparedSignedData {
    signed_attrs: Vec<u8>,
    attrs: SetOf<Attribute>,
    content: Option<Vec<u8>>,
    signer: Certificate,
}

impl ToBeSigned for PreparedSignedData {
    /// DER `ContentInfo` of type GM/T 0010 signedData.
    type Output = Vec<u8>;

    fn message(&self) -> &[u8] {
        &self.signed_attrs
    }

    fn signer_key(&self) -> &Point {
        self.signer.public_key()
    }

    fn assemble(self, signature: &Signature) -> Result<Vec<u8>> {
        check(self.signer.public_key(), &self.signed_attrs, signature)?;
        build(
            &self.signer,
            Some(self.attrs),
            self.content.as_deref(),
            signature,
        )
    }
}

/// SignedData with `content` attached and no signed attributes: the
/// signature (SM2 with Z_A) is over the content itself, so a signer that
/// must see the bytes it signs (a phone signing a letter it shows) signs
/// exactly those. Refused unless `signature` verifies under `signer`'s key.
pub fn over_content(
    content: &[u8],
    signer: &Certificate,
    signature: &Signature,
) -> Result<Vec<u8>> {
    check(signer.public_key(), content, signature)?;
    build(signer, None, Some(content), signature)
}

fn build(
    signer: &Certificate,
    attrs: Option<SetOf<Attribute>>,
    content: Option<&[u8]>,
    signature: &Signature,
) -> Result<Vec<u8>> {
    let m = malformed("SignedData");
    let content = match content {
        Some(c) => Some(
            Any::encode_from(&OctetString::new(c.to_vec()).map_err(malformed("content"))?)
                .map_err(m)?,
        ),
        None => None,
    };
    let signer_info = SignerInfo {
        version: 1,
        issuer_and_serial_number: IssuerAndSerialNumber::of(signer),
        digest_algorithm: bare(oids::SM3),
        authenticated_attributes: attrs,
        digest_encryption_algorithm: bare(oids::SM2_SIGN),
        encrypted_digest: OctetString::new(signature.to_der()).map_err(malformed("signature"))?,
        unauthenticated_attributes: None,
    };
    let sd = SignedData {
        version: 1,
        digest_algorithms: SetOf(vec![bare(oids::SM3)]),
        content_info: ContentInfo {
            content_type: oids::GM_DATA,
            content,
        },
        certificates: Some(SetOf(vec![
            Any::from_der(signer.to_der()).map_err(malformed("certificate"))?,
        ])),
        crls: None,
        signer_infos: SetOf(vec![signer_info]),
    };
    ContentInfo {
        content_type: oids::GM_SIGNED_DATA,
        content: Some(Any::encode_from(&sd).map_err(malformed("SignedData"))?),
    }
    .to_der()
    .map_err(malformed("ContentInfo"))
}

/// One verified signer.
#[derive(Clone, Debug)]
pub struct VerifiedSigner {
    /// Its certificate (from the message or the caller's list).
    pub certificate: Certificate,
    /// The signingTime attribute, if present.
    pub signing_time: Option<DateTime>,
}

/// A SignedData whose every signer verified.
#[derive(Clone, Debug)]
pub struct VerifiedSignedData {
    /// The signed content (attached, or the detached content given).
    pub content: Vec<u8>,
    /// Signers, in message order.
    pub signers: Vec<VerifiedSigner>,
}

const PKCS7_SIGNED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");

/// Parses a `ContentInfo` holding SignedData.
pub fn parse(der: &[u8]) -> Result<SignedData> {
    ContentInfo::unwrap_as(
        der,
        &[oids::GM_SIGNED_DATA, PKCS7_SIGNED_DATA],
        "SignedData",
    )
}

/// Parses and verifies SignedData: every SignerInfo must verify (SM2 over
/// the signed attributes, messageDigest = SM3(content)), or over the content
/// itself when there are no signed attributes. `detached` supplies the
/// content when the message has none; `certs` adds certificates not carried
/// in the message; each signer's certificate must be issued by one of
/// `issuers` (its CA certificates; the rest of the chain, validity and
/// revocation are the caller's checks).
pub fn verify(
    der: &[u8],
    detached: Option<&[u8]>,
    certs: &[Certificate],
    issuers: &[Certificate],
) -> Result<VerifiedSignedData> {
    let sd = parse(der)?;
    // PKCS#7 v1.5 (RFC 2315) SignedData and SignerInfo are version 1.
    if sd.version != 1 || sd.signer_infos.0.iter().any(|si| si.version != 1) {
        return Err(Error::Unsupported(
            "SignedData version (only PKCS#7 v1.5, version 1)",
        ));
    }
    // Unsigned fields are checked too, so nothing in the message can be
    // altered while it still verifies.
    if sd.digest_algorithms.0.is_empty()
        || sd.digest_algorithms.0.iter().any(|a| a != &bare(oids::SM3))
    {
        return Err(Error::Unsupported("digest algorithms (only SM3)"));
    }
    let inner_type = sd.content_info.content_type;
    if inner_type != oids::GM_DATA && inner_type != oids::PKCS7_DATA {
        return Err(Error::Unsupported("signed content type (only data)"));
    }
    let attached = match &sd.content_info.content {
        Some(any) => Some(
            any.decode_as::<OctetString>()
                .map_err(malformed("content"))?
                .as_bytes()
                .to_vec(),
        ),
        None => None,
    };
    let content = match (attached, detached) {
        (Some(a), None) => a,
        (None, Some(d)) => d.to_vec(),
        (Some(a), Some(d)) if a == d => a,
        (Some(_), Some(_)) => {
            return Err(Error::BadSignature(
                "attached content differs from the given content",
            ));
        }
        (None, None) => {
            return Err(Error::InvalidRequest(
                "detached signature needs the content".into(),
            ));
        }
    };
    let mut known: Vec<Certificate> = certs.to_vec();
    for c in sd.certificates.iter().flat_map(|s| s.0.iter()) {
        known.push(Certificate::from_der(
            &c.to_der().map_err(malformed("certificate"))?,
        )?);
    }
    if sd.signer_infos.0.is_empty() {
        return Err(Error::Malformed {
            what: "SignedData",
            reason: "no signers".into(),
        });
    }
    let mut signers = Vec::new();
    for si in &sd.signer_infos.0 {
        signers.push(verify_signer(si, inner_type, &content, &known, issuers)?);
    }
    Ok(VerifiedSignedData { content, signers })
}

fn verify_signer(
    si: &SignerInfo,
    content_type: ObjectIdentifier,
    content: &[u8],
    known: &[Certificate],
    issuers: &[Certificate],
) -> Result<VerifiedSigner> {
    if si.digest_algorithm != bare(oids::SM3) {
        return Err(Error::Unsupported("digest algorithm (only SM3)"));
    }
    if !oids::is_sm2_signature(&si.digest_encryption_algorithm.oid) {
        return Err(Error::Unsupported("signature algorithm (only SM2)"));
    }
    let cert = known
        .iter()
        .find(|c| si.issuer_and_serial_number.names(c))
        .ok_or(Error::BadSignature("signer certificate not found"))?;
    if !issuers.iter().any(|i| cert.verify_issued_by(i).is_ok()) {
        return Err(Error::BadSignature(
            "signer certificate not issued by a trusted CA",
        ));
    }
    let sig =
        Signature::from_der(si.encrypted_digest.as_bytes()).map_err(|_| Error::Malformed {
            what: "SignerInfo",
            reason: "signature is not DER SEQUENCE{r,s}".into(),
        })?;
    let mut signing_time = None;
    let signed: Vec<u8> = match &si.authenticated_attributes {
        None => content.to_vec(),
        Some(attrs) => {
            let one = |oid| {
                attrs
                    .0
                    .iter()
                    .find(|a| a.oid == oid)
                    .and_then(|a| a.values.0.first())
            };
            let digest = one(oids::ATTR_MESSAGE_DIGEST)
                .ok_or(Error::BadSignature("messageDigest attribute missing"))?
                .decode_as::<OctetString>()
                .map_err(malformed("messageDigest"))?;
            let signed_type =
                one(oids::ATTR_CONTENT_TYPE).map(|t| t.decode_as::<ObjectIdentifier>());
            if !matches!(signed_type, Some(Ok(t)) if t == content_type) {
                return Err(Error::BadSignature(
                    "contentType attribute missing or different",
                ));
            }
            if digest.as_bytes() != mca_crypto::sm3::sm3(content) {
                return Err(Error::BadSignature(
                    "messageDigest does not match the content",
                ));
            }
            signing_time = one(oids::ATTR_SIGNING_TIME)
                .and_then(|t| t.to_der().ok())
                .and_then(|d| x509_cert::time::Time::from_der(&d).ok())
                .map(|t| t.to_date_time());
            attrs.to_der().map_err(malformed("signed attributes"))?
        }
    };
    cert.public_key()
        .verify(&signed, &sig)
        .map_err(|_| Error::BadSignature("SignerInfo signature"))?;
    Ok(VerifiedSigner {
        certificate: cert.clone(),
        signing_time,
    })
}

/// Both steps with a synchronous signer, signing now.
pub fn sign(
    content: &[u8],
    cert: &Certificate,
    attached: bool,
    signer: &dyn crate::signer::Signer,
) -> Result<Vec<u8>> {
    crate::signer::sign_with(prepare(content, cert, attached, algorithm::now()?)?, signer)
}
