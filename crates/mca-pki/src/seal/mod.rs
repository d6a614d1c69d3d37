//! Electronic seals: GB/T 38540-2020 (`SES_Seal` and `SES_Signature`
//! version 4; emitted as strict DER, parsed leniently) and GM/T 0031-2014
//! version 1 seals (parsed and verified).
//!
//! - [`v4`]: the version 4 structures, making a seal (the CA's seal-making
//!   key signs `SES_SealInfo`), signing a document hash (any signer signs
//!   `TBS_Sign`), verifying both.
//! - [`v1`]: version 1 seals.
//! - [`png`]: the seal picture, a red circular seal drawn in code.

pub mod png;
pub mod v1;
pub mod v4;

use der::Sequence;
use der::asn1::{ObjectIdentifier, OctetString};

/// `ExtData ::= SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE,
/// extnValue OCTET STRING }`. `critical` is optional here because real
/// seals encode the default explicitly (not DER); we accept that.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct ExtData {
    /// Extension type.
    pub extn_id: ObjectIdentifier,
    /// Criticality (absent = FALSE).
    pub critical: Option<bool>,
    /// Value.
    pub extn_value: OctetString,
}

/// `SES_Header ::= SEQUENCE { ID IA5String ("ES"), version INTEGER, Vid }`.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct Header {
    /// Always "ES".
    pub id: der::asn1::Ia5String,
    /// 1 (GM/T 0031) or 4 (GB/T 38540).
    pub version: u32,
    /// Vendor identifier.
    pub vid: der::asn1::Ia5String,
}

/// `SES_ESPictrueInfo ::= SEQUENCE { type, data, width, height }` (the
/// standard's spelling); width and height in millimetres.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct PictureInfo {
    /// "PNG", "GIF", "JPG", "SVG", "OFD".
    pub picture_type: der::asn1::Ia5String,
    /// The image bytes.
    pub data: OctetString,
    /// Width in mm.
    pub width: u32,
    /// Height in mm.
    pub height: u32,
}
