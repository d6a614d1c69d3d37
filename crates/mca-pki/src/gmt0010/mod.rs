//! GM/T 0010-2012 cryptographic message syntax: PKCS#7 v1.5 (RFC 2315)
//! structures with the 1.2.156.10197.6.1.4.2.x content types.
//!
//! - [`signed`]: SignedData, attached or detached, with signed attributes
//!   (contentType, messageDigest = SM3(content), signingTime).
//! - [`enveloped`]: EnvelopedData, SM4-CBC content, SM2 key transport with a
//!   DER `SM2Cipher` per recipient.
//!
//! Emitting is strict DER; parsing keeps SET OF elements in their received
//! order so signed attributes are verified over the bytes that were signed.

pub mod enveloped;
pub mod signed;

use der::asn1::ObjectIdentifier;
use der::{Any, DecodeValue, EncodeValue, FixedTag, Header, Length, Reader, Sequence, Tag, Writer};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;

use crate::cert::Certificate;

/// `ContentInfo ::= SEQUENCE { contentType, content [0] EXPLICIT ANY OPTIONAL }`.
#[derive(Clone, Debug, Sequence)]
pub struct ContentInfo {
    /// data, signedData, envelopedData (GM/T 0010 or PKCS#7 OIDs).
    pub content_type: ObjectIdentifier,
    /// The content.
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    pub content: Option<Any>,
}

impl ContentInfo {
    /// Parses DER `ContentInfo` whose type is one of `types` and decodes
    /// its content as `T`.
    pub fn unwrap_as<T: for<'a> der::Decode<'a, Error = der::Error>>(
        der: &[u8],
        types: &[ObjectIdentifier],
        what: &'static str,
    ) -> crate::Result<T> {
        use der::{Decode, Encode};
        let ci = ContentInfo::from_der(der).map_err(crate::error::malformed("ContentInfo"))?;
        if !types.contains(&ci.content_type) {
            return Err(crate::Error::Unsupported("content type"));
        }
        let content = ci.content.ok_or(crate::Error::Malformed {
            what: "ContentInfo",
            reason: "no content".into(),
        })?;
        let inner = content.to_der().map_err(crate::error::malformed(what))?;
        T::from_der(&inner).map_err(crate::error::malformed(what))
    }
}

/// `IssuerAndSerialNumber`: how signers and recipients name certificates.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct IssuerAndSerialNumber {
    /// The certificate's issuer.
    pub issuer: Name,
    /// Its serial number.
    pub serial_number: SerialNumber,
}

impl IssuerAndSerialNumber {
    /// For `cert`.
    pub fn of(cert: &Certificate) -> Self {
        IssuerAndSerialNumber {
            issuer: cert.issuer().clone(),
            serial_number: cert.x509().tbs_certificate().serial_number().clone(),
        }
    }

    /// Does it name `cert`?
    pub fn names(&self, cert: &Certificate) -> bool {
        &self.issuer == cert.issuer() && self.serial_number.as_bytes() == cert.serial()
    }
}

/// SET OF that keeps the received order (der's `SetOfVec` re-sorts, which
/// would change the bytes a signature covers). Emitters sort first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SetOf<T>(pub Vec<T>);

impl<T> FixedTag for SetOf<T> {
    const TAG: Tag = Tag::Set;
}

impl<'a, T: der::Decode<'a, Error = der::Error>> DecodeValue<'a> for SetOf<T> {
    type Error = der::Error;

    fn decode_value<R: Reader<'a>>(reader: &mut R, _header: Header) -> der::Result<Self> {
        let mut v = Vec::new();
        while !reader.is_finished() {
            v.push(T::decode(reader)?);
        }
        Ok(SetOf(v))
    }
}

impl<T: der::Encode> EncodeValue for SetOf<T> {
    fn value_len(&self) -> der::Result<Length> {
        self.0
            .iter()
            .try_fold(Length::ZERO, |acc, e| acc + e.encoded_len()?)
    }

    fn encode_value(&self, writer: &mut impl Writer) -> der::Result<()> {
        self.0.iter().try_for_each(|e| e.encode(writer))
    }
}

impl<T: der::Encode> SetOf<T> {
    /// DER order: elements sorted by their encodings.
    pub fn sorted(mut items: Vec<T>) -> der::Result<Self> {
        let mut keyed = Vec::with_capacity(items.len());
        for item in items.drain(..) {
            keyed.push((item.to_der()?, item));
        }
        keyed.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(SetOf(keyed.into_iter().map(|(_, i)| i).collect()))
    }
}
