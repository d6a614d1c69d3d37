//! OCSP (RFC 6960): request parsing and signed responses (good, revoked,
//! unknown), written with `der` because no published crate fits the
//! x509-cert 0.3 stack. The issuing CA signs its own responses (no
//! delegated responder certificate). A `CertID` may hash the issuer with
//! SM3, SHA-1 (what OpenSSL and most clients send by default) or SHA-256;
//! each answer repeats the `CertID` as asked, so it carries the client's
//! hash algorithm. Other hash algorithms answer `unknown`.

use der::asn1::{BitString, GeneralizedTime, Null, ObjectIdentifier, OctetString};
use der::{Any, Choice, DateTime, Decode, Encode, Enumerated, Sequence};
use mca_crypto::sm2::{Point, Signature};
use spki::AlgorithmIdentifierOwned;
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::CrlReason;
use x509_cert::serial_number::SerialNumber;

use crate::algorithm::{self, require_sm2_signature, signature_from_bits};
use crate::error::malformed;
use crate::issue::Issuer;
use crate::signer::{ToBeSigned, check};
use crate::{Error, Result, oids};

/// `CertID`.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct CertId {
    /// Hash algorithm of the two hashes below.
    pub hash_algorithm: AlgorithmIdentifierOwned,
    /// Hash of the issuer's DN (DER).
    pub issuer_name_hash: OctetString,
    /// Hash of the issuer's public key bits.
    pub issuer_key_hash: OctetString,
    /// The certificate asked about.
    pub serial_number: SerialNumber,
}

/// `Request`.
#[derive(Clone, Debug, Sequence)]
pub struct SingleRequest {
    /// Which certificate.
    pub req_cert: CertId,
    /// Per-request extensions.
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    pub single_request_extensions: Option<Vec<Extension>>,
}

/// `TBSRequest`.
#[derive(Clone, Debug, Sequence)]
pub struct TbsRequest {
    /// v1 (0).
    #[asn1(
        context_specific = "0",
        tag_mode = "EXPLICIT",
        default = "Default::default"
    )]
    pub version: u8,
    /// Requestor (GeneralName), kept raw.
    #[asn1(context_specific = "1", tag_mode = "EXPLICIT", optional = "true")]
    pub requestor_name: Option<Any>,
    /// The certificates asked about.
    pub request_list: Vec<SingleRequest>,
    /// Request extensions (nonce).
    #[asn1(context_specific = "2", tag_mode = "EXPLICIT", optional = "true")]
    pub request_extensions: Option<Vec<Extension>>,
}

/// `OCSPRequest` (an optional signature is parsed and ignored).
#[derive(Clone, Debug, Sequence)]
pub struct OcspRequest {
    /// The request.
    pub tbs_request: TbsRequest,
    /// Signature, unused.
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    pub optional_signature: Option<Any>,
}

impl OcspRequest {
    /// Parses DER.
    pub fn from_der(der: &[u8]) -> Result<Self> {
        let r = <Self as Decode>::from_der(der).map_err(malformed("OCSP request"))?;
        if r.tbs_request.request_list.is_empty() {
            return Err(Error::Malformed {
                what: "OCSP request",
                reason: "empty request list".into(),
            });
        }
        Ok(r)
    }

    /// The nonce extension's value, if any (echoed in the response).
    pub fn nonce(&self) -> Option<&Extension> {
        self.tbs_request
            .request_extensions
            .iter()
            .flatten()
            .find(|e| e.extn_id == oids::OCSP_NONCE)
    }
}

/// `OCSPResponseStatus`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Enumerated)]
#[repr(u8)]
#[allow(missing_docs)]
pub enum ResponseStatus {
    Successful = 0,
    MalformedRequest = 1,
    InternalError = 2,
    TryLater = 3,
    SigRequired = 5,
    Unauthorized = 6,
}

/// `RevokedInfo`.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct RevokedInfo {
    /// When.
    pub revocation_time: GeneralizedTime,
    /// Why.
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    pub revocation_reason: Option<CrlReason>,
}

/// `CertStatus`.
#[derive(Clone, Debug, PartialEq, Eq, Choice)]
pub enum CertStatus {
    /// Not revoked.
    #[asn1(context_specific = "0", tag_mode = "IMPLICIT")]
    Good(Null),
    /// Revoked.
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", constructed = "true")]
    Revoked(RevokedInfo),
    /// Not issued by this CA (or unknown to it).
    #[asn1(context_specific = "2", tag_mode = "IMPLICIT")]
    Unknown(Null),
}

/// `SingleResponse`.
#[derive(Clone, Debug, Sequence)]
pub struct SingleResponse {
    /// The CertID from the request.
    pub cert_id: CertId,
    /// Status.
    pub cert_status: CertStatus,
    /// When the status was known correct.
    pub this_update: GeneralizedTime,
    /// When newer information will be available.
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    pub next_update: Option<GeneralizedTime>,
    /// Extensions.
    #[asn1(context_specific = "1", tag_mode = "EXPLICIT", optional = "true")]
    pub single_extensions: Option<Vec<Extension>>,
}

/// `ResponseData`.
#[derive(Clone, Debug, Sequence)]
pub struct ResponseData {
    /// v1 (0).
    #[asn1(
        context_specific = "0",
        tag_mode = "EXPLICIT",
        default = "Default::default"
    )]
    pub version: u8,
    /// `ResponderID`, kept raw: `[1] Name` or `[2] KeyHash` (explicit
    /// tags; the derive cannot express an explicitly tagged CHOICE).
    pub responder_id: Any,
    /// When.
    pub produced_at: GeneralizedTime,
    /// One per request.
    pub responses: Vec<SingleResponse>,
    /// Nonce echo.
    #[asn1(context_specific = "1", tag_mode = "EXPLICIT", optional = "true")]
    pub response_extensions: Option<Vec<Extension>>,
}

/// `BasicOCSPResponse`.
#[derive(Clone, Debug, Sequence)]
pub struct BasicResponse {
    /// Signed part.
    pub tbs_response_data: Any,
    /// sm2-with-sm3.
    pub signature_algorithm: AlgorithmIdentifierOwned,
    /// DER SEQUENCE{r, s}.
    pub signature: BitString,
    /// Certificates (unused: the CA signs directly).
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    pub certs: Option<Vec<Any>>,
}

/// `ResponseBytes`.
#[derive(Clone, Debug, Sequence)]
pub struct ResponseBytes {
    /// id-pkix-ocsp-basic.
    pub response_type: ObjectIdentifier,
    /// DER `BasicOCSPResponse`.
    pub response: OctetString,
}

/// `OCSPResponse`.
#[derive(Clone, Debug, Sequence)]
pub struct OcspResponse {
    /// Status.
    pub response_status: ResponseStatus,
    /// Present when successful.
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    pub response_bytes: Option<ResponseBytes>,
}

/// What the CA's store says about one serial.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Issued and not revoked.
    Good,
    /// Revoked at this time for this reason.
    Revoked(DateTime, CrlReason),
    /// Not issued by this CA.
    Unknown,
}

/// The hash algorithms a `CertID` may use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CertIdHash {
    /// SM3 (GM/T clients, `openssl ocsp -sm3`).
    Sm3,
    /// SHA-1 (RFC 6960's default, OpenSSL's default).
    Sha1,
    /// SHA-256 (`openssl ocsp -sha256`).
    Sha256,
}

impl CertIdHash {
    /// The algorithm named by `oid`, if we answer it.
    pub fn from_oid(oid: &ObjectIdentifier) -> Option<Self> {
        [Self::Sm3, Self::Sha1, Self::Sha256]
            .into_iter()
            .find(|h| h.oid() == *oid)
    }

    /// Its OID.
    pub fn oid(self) -> ObjectIdentifier {
        match self {
            Self::Sm3 => oids::SM3,
            Self::Sha1 => oids::SHA1,
            Self::Sha256 => oids::SHA256,
        }
    }

    /// The digest of `data`.
    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        use sha2::Digest;
        match self {
            Self::Sm3 => mca_crypto::sm3::sm3(data).to_vec(),
            Self::Sha1 => sha1::Sha1::digest(data).to_vec(),
            Self::Sha256 => sha2::Sha256::digest(data).to_vec(),
        }
    }
}

/// Does `id` name a certificate of `issuer` (its issuer-name and
/// issuer-key hashes, under whichever [`CertIdHash`] it uses)?
pub fn matches_issuer(id: &CertId, issuer: &Issuer) -> Result<bool> {
    let Some(hash) = CertIdHash::from_oid(&id.hash_algorithm.oid) else {
        return Ok(false);
    };
    let name = issuer.name.to_der().map_err(malformed("issuer name"))?;
    Ok(id.issuer_name_hash.as_bytes() == hash.digest(&name)
        && id.issuer_key_hash.as_bytes() == hash.digest(&issuer.key.to_sec1()))
}

/// A CertID for `serial` under `issuer`, with SM3 (what our clients send).
pub fn cert_id(issuer: &Issuer, serial: &[u8]) -> Result<CertId> {
    cert_id_with(CertIdHash::Sm3, issuer, serial)
}

/// A CertID for `serial` under `issuer`, hashed with `hash`.
pub fn cert_id_with(hash: CertIdHash, issuer: &Issuer, serial: &[u8]) -> Result<CertId> {
    let name = issuer.name.to_der().map_err(malformed("issuer name"))?;
    Ok(CertId {
        hash_algorithm: AlgorithmIdentifierOwned {
            oid: hash.oid(),
            parameters: Some(Any::null()),
        },
        issuer_name_hash: OctetString::new(hash.digest(&name)).map_err(malformed("CertID"))?,
        issuer_key_hash: OctetString::new(hash.digest(&issuer.key.to_sec1()))
            .map_err(malformed("CertID"))?,
        serial_number: SerialNumber::new(serial).map_err(malformed("serial number"))?,
    })
}

/// A request for the given CertIDs (clients and tests).
pub fn request(ids: Vec<CertId>, nonce: Option<&[u8]>) -> Result<Vec<u8>> {
    let request_extensions = match nonce {
        Some(n) => Some(vec![crate::profile::raw_extension(
            oids::OCSP_NONCE,
            false,
            OctetString::new(n)
                .and_then(|o| o.to_der())
                .map_err(malformed("nonce"))?,
        )]),
        None => None,
    };
    let tbs = TbsRequest {
        version: 0,
        requestor_name: None,
        request_list: ids
            .into_iter()
            .map(|req_cert| SingleRequest {
                req_cert,
                single_request_extensions: None,
            })
            .collect(),
        request_extensions,
    };
    OcspRequest {
        tbs_request: tbs,
        optional_signature: None,
    }
    .to_der()
    .map_err(malformed("OCSP request"))
}

/// Step 1 of a response: one `SingleResponse` per request, status from
/// `lookup(serial)` for CertIDs of this issuer, `unknown` otherwise.
pub fn prepare(
    request: &OcspRequest,
    issuer: &Issuer,
    now: DateTime,
    next_update: DateTime,
    mut lookup: impl FnMut(&[u8]) -> Status,
) -> Result<PreparedResponse> {
    let gt = GeneralizedTime::from_date_time;
    let mut responses = Vec::new();
    for r in &request.tbs_request.request_list {
        let id = &r.req_cert;
        let status = if matches_issuer(id, issuer)? {
            lookup(id.serial_number.as_bytes())
        } else {
            Status::Unknown
        };
        let cert_status = match status {
            Status::Good => CertStatus::Good(Null),
            Status::Unknown => CertStatus::Unknown(Null),
            Status::Revoked(at, reason) => CertStatus::Revoked(RevokedInfo {
                revocation_time: gt(at),
                revocation_reason: Some(reason),
            }),
        };
        responses.push(SingleResponse {
            cert_id: id.clone(),
            cert_status,
            this_update: gt(now),
            next_update: Some(gt(next_update)),
            single_extensions: None,
        });
    }
    let data = ResponseData {
        version: 0,
        responder_id: responder_by_key(issuer)?,
        produced_at: gt(now),
        responses,
        response_extensions: request.nonce().map(|n| vec![n.clone()]),
    };
    Ok(PreparedResponse {
        tbs: data.to_der().map_err(malformed("ResponseData"))?,
        key: issuer.key,
    })
}

/// `[2] EXPLICIT KeyHash`: SHA-1 of the issuer's key bits, as RFC 6960
/// defines it; OpenSSL finds the signing certificate only by that hash.
fn responder_by_key(issuer: &Issuer) -> Result<Any> {
    let hash = OctetString::new(CertIdHash::Sha1.digest(&issuer.key.to_sec1()))
        .and_then(|o| o.to_der())
        .map_err(malformed("responder id"))?;
    Any::new(
        der::Tag::ContextSpecific {
            constructed: true,
            number: der::TagNumber(2),
        },
        hash,
    )
    .map_err(malformed("responder id"))
}

/// A `ResponseData` waiting for the CA's signature.
#[derive(Debug)]
pub struct PreparedResponse {
    tbs: Vec<u8>,
    key: Point,
}

impl ToBeSigned for PreparedResponse {
    /// DER `OCSPResponse`.
    type Output = Vec<u8>;

    fn message(&self) -> &[u8] {
        &self.tbs
    }

    fn signer_key(&self) -> &Point {
        &self.key
    }

    fn assemble(self, signature: &Signature) -> Result<Vec<u8>> {
        check(&self.key, &self.tbs, signature)?;
        let basic = BasicResponse {
            tbs_response_data: Any::from_der(&self.tbs).map_err(malformed("ResponseData"))?,
            signature_algorithm: algorithm::sm2_with_sm3(),
            signature: algorithm::signature_bits(signature),
            certs: None,
        };
        let bytes = ResponseBytes {
            response_type: oids::OCSP_BASIC,
            response: OctetString::new(basic.to_der().map_err(malformed("BasicOCSPResponse"))?)
                .map_err(malformed("ResponseBytes"))?,
        };
        OcspResponse {
            response_status: ResponseStatus::Successful,
            response_bytes: Some(bytes),
        }
        .to_der()
        .map_err(malformed("OCSPResponse"))
    }
}

/// An unsigned error response (`malformedRequest`, `internalError`…).
pub fn error_response(status: ResponseStatus) -> Vec<u8> {
    OcspResponse {
        response_status: status,
        response_bytes: None,
    }
    .to_der()
    .expect("tiny structure")
}

/// Parses a response and checks its signature under `issuer_key`; returns
/// the signed data.
pub fn verify_response(der: &[u8], issuer_key: &Point) -> Result<ResponseData> {
    let resp = OcspResponse::from_der(der).map_err(malformed("OCSP response"))?;
    let bytes = match (resp.response_status, resp.response_bytes) {
        (ResponseStatus::Successful, Some(b)) if b.response_type == oids::OCSP_BASIC => b,
        _ => return Err(Error::Unsupported("OCSP response status or type")),
    };
    let basic = BasicResponse::from_der(bytes.response.as_bytes())
        .map_err(malformed("BasicOCSPResponse"))?;
    require_sm2_signature(&basic.signature_algorithm)?;
    let tbs = basic
        .tbs_response_data
        .to_der()
        .map_err(malformed("ResponseData"))?;
    issuer_key
        .verify(&tbs, &signature_from_bits(&basic.signature)?)
        .map_err(|_| Error::BadSignature("OCSP response"))?;
    ResponseData::from_der(&tbs).map_err(malformed("ResponseData"))
}
