//! GM/T 0031-2014 version 1 seals (`SESeal`): parse and verify. The maker
//! signs DER(SEQUENCE { sealInfo, signInfo.cert, signInfo.signatureAlgorithm }).

use der::asn1::{BitString, Ia5String, ObjectIdentifier, OctetString};
use der::{Any, Decode, Encode, Sequence};
use x509_cert::time::Time;

use super::{ExtData, Header, PictureInfo};
use crate::algorithm::{signature_from_bits, wrap};
use crate::cert::Certificate;
use crate::error::malformed;
use crate::{Error, Result, oids};

/// `SES_ESPropertyInfo` (version 1): UTCTime dates, no certListType.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct PropertyInfo {
    /// Seal type.
    pub seal_type: u32,
    /// Seal name.
    pub name: String,
    /// Certificates (OCTET STRINGs).
    pub cert_list: Vec<OctetString>,
    /// Made at (UTCTime in the standard; GeneralizedTime accepted).
    pub create_date: Time,
    /// Valid from.
    pub valid_start: Time,
    /// Valid until.
    pub valid_end: Time,
}

/// `SES_SealInfo` (version 1).
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct SealInfo {
    /// Header (version 1).
    pub header: Header,
    /// Seal identifier.
    pub es_id: Ia5String,
    /// Properties.
    pub property: PropertyInfo,
    /// Picture.
    pub picture: PictureInfo,
    /// Extensions.
    pub ext_datas: Option<Vec<ExtData>>,
}

/// `SES_SignInfo`.
#[derive(Clone, Debug, Sequence)]
struct SignInfo {
    cert: OctetString,
    signature_algorithm: ObjectIdentifier,
    sign_data: BitString,
}

#[derive(Clone, Debug, Sequence)]
struct RawSeal {
    seal_info: Any,
    sign_info: SignInfo,
}

/// A parsed version 1 seal.
#[derive(Clone, Debug)]
pub struct Seal {
    /// The seal information.
    pub info: SealInfo,
    /// The maker's certificate (DER).
    pub maker_cert: Vec<u8>,
    raw: RawSeal,
}

impl Seal {
    /// Parses a version 1 seal.
    pub fn from_der(der: &[u8]) -> Result<Self> {
        let raw = RawSeal::from_der(der).map_err(malformed("SESeal"))?;
        let info = raw
            .seal_info
            .decode_as::<SealInfo>()
            .map_err(malformed("SES_SealInfo"))?;
        if info.header.version != 1 {
            return Err(Error::Unsupported("seal version (expected 1)"));
        }
        Ok(Seal {
            info,
            maker_cert: raw.sign_info.cert.as_bytes().to_vec(),
            raw,
        })
    }

    /// Checks the maker's signature with the certificate in `signInfo`.
    pub fn verify(&self) -> Result<()> {
        let si = &self.raw.sign_info;
        if !oids::is_sm2_signature(&si.signature_algorithm) {
            return Err(Error::Unsupported("seal signature algorithm"));
        }
        let mut body = self
            .raw
            .seal_info
            .to_der()
            .map_err(malformed("SES_SealInfo"))?;
        body.extend(si.cert.to_der().map_err(malformed("SES_SignInfo"))?);
        body.extend(
            si.signature_algorithm
                .to_der()
                .map_err(malformed("SES_SignInfo"))?,
        );
        let signed = wrap(der::Tag::Sequence, &body)?;
        let cert = Certificate::from_der(&self.maker_cert)?;
        cert.public_key()
            .verify(&signed, &signature_from_bits(&si.sign_data)?)
            .map_err(|_| Error::BadSignature("seal maker signature"))
    }
}

/// A seal of either version.
#[derive(Clone, Debug)]
pub enum AnySeal {
    /// GM/T 0031-2014.
    V1(Seal),
    /// GB/T 38540-2020.
    V4(super::v4::Seal),
}

/// Parses a seal, telling the version from its header.
pub fn parse_any(der: &[u8]) -> Result<AnySeal> {
    match super::v4::Seal::from_der(der) {
        Ok(s) => Ok(AnySeal::V4(s)),
        Err(Error::Unsupported(_)) | Err(Error::Malformed { .. }) => {
            Seal::from_der(der).map(AnySeal::V1)
        }
        Err(e) => Err(e),
    }
}

impl AnySeal {
    /// Checks the maker's signature under the version's rule.
    pub fn verify(&self) -> Result<()> {
        match self {
            AnySeal::V1(s) => s.verify(),
            AnySeal::V4(s) => s.verify(),
        }
    }
}
