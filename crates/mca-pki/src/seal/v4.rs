//! GB/T 38540-2020 version 4: `SES_Seal` (made by the CA's seal-making
//! key) and `SES_Signature` (a document hash signed under a seal).
//!
//! Signed bytes are kept raw when parsing (`Any`), so verification covers
//! exactly what was signed even when the sender's encoding is not DER.

use der::asn1::{BitString, GeneralizedTime, Ia5String, ObjectIdentifier, OctetString};
use der::{Any, DateTime, Decode, Encode, Sequence};
use mca_crypto::sm2::{Point, Signature};

use super::{ExtData, Header, PictureInfo};
use crate::algorithm::{signature_bits, signature_from_bits};
use crate::cert::Certificate;
use crate::error::malformed;
use crate::signer::{ToBeSigned, check};
use crate::{Error, Result, oids};

/// `SES_ESPropertyInfo` (version 4).
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct PropertyInfo {
    /// 1 = official seal (单位印章), 2 = personal seal (个人印章), others by
    /// agreement (the samples use 3 and 4).
    pub seal_type: u32,
    /// Seal name.
    pub name: String,
    /// 1 = certificates, 2 = certificate digests.
    pub cert_list_type: u32,
    /// `SES_CertList`: OCTET STRINGs of certificates (type 1) or
    /// `CertDigestObj`s (type 2), kept raw.
    pub cert_list: Vec<Any>,
    /// Made at.
    pub create_date: GeneralizedTime,
    /// Valid from.
    pub valid_start: GeneralizedTime,
    /// Valid until.
    pub valid_end: GeneralizedTime,
}

/// `SES_SealInfo`.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct SealInfo {
    /// Header (version 4).
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

/// `SES_Seal` as received: the signed `SES_SealInfo` kept raw.
#[derive(Clone, Debug, Sequence)]
struct RawSeal {
    seal_info: Any,
    cert: OctetString,
    sign_alg: ObjectIdentifier,
    signed_value: BitString,
}

/// A parsed version 4 seal.
#[derive(Clone, Debug)]
pub struct Seal {
    /// The seal information.
    pub info: SealInfo,
    /// The seal maker's certificate (DER, as carried).
    pub maker_cert: Vec<u8>,
    der: Vec<u8>,
    raw: RawSeal,
}

/// What a new seal says.
#[derive(Clone, Debug)]
pub struct SealSpec {
    /// Seal identifier (unique per seal maker).
    pub es_id: String,
    /// 1 official, 2 personal.
    pub seal_type: u32,
    /// Name shown on the seal, e.g. "某某公司 投标专用章".
    pub name: String,
    /// The certificates allowed to sign with this seal.
    pub signer_certs: Vec<Certificate>,
    /// Valid from.
    pub valid_start: DateTime,
    /// Valid until.
    pub valid_end: DateTime,
    /// Picture type ("PNG").
    pub picture_type: String,
    /// Picture bytes.
    pub picture: Vec<u8>,
    /// Width and height in mm.
    pub size_mm: (u32, u32),
}

/// Vendor id in seals we make.
pub const VID: &str = "MobileCA";

fn ia5(s: &str) -> Result<Ia5String> {
    Ia5String::new(s).map_err(malformed("IA5String"))
}

/// Step 1 of making a seal: DER(`SES_SealInfo`), signed by the CA's
/// seal-making key whose certificate is `maker`.
pub fn prepare_seal(spec: &SealSpec, maker: &Certificate, now: DateTime) -> Result<PreparedSeal> {
    if spec.signer_certs.is_empty()
        || spec.valid_end <= spec.valid_start
        || spec.name.trim().is_empty()
    {
        return Err(Error::InvalidRequest("印章信息不完整".into()));
    }
    let mut cert_list = Vec::new();
    for c in &spec.signer_certs {
        cert_list.push(
            Any::encode_from(&OctetString::new(c.to_der()).map_err(malformed("certificate"))?)
                .map_err(malformed("certList"))?,
        );
    }
    let gt = GeneralizedTime::from_date_time;
    let info = SealInfo {
        header: Header {
            id: ia5("ES")?,
            version: 4,
            vid: ia5(VID)?,
        },
        es_id: ia5(&spec.es_id)?,
        property: PropertyInfo {
            seal_type: spec.seal_type,
            name: spec.name.clone(),
            cert_list_type: 1,
            cert_list,
            create_date: gt(now),
            valid_start: gt(spec.valid_start),
            valid_end: gt(spec.valid_end),
        },
        picture: PictureInfo {
            picture_type: ia5(&spec.picture_type)?,
            data: OctetString::new(spec.picture.clone()).map_err(malformed("picture"))?,
            width: spec.size_mm.0,
            height: spec.size_mm.1,
        },
        ext_datas: None,
    };
    Ok(PreparedSeal {
        info: info.to_der().map_err(malformed("SES_SealInfo"))?,
        maker: maker.clone(),
    })
}

/// A `SES_SealInfo` waiting for the seal maker's signature.
#[derive(Debug)]
pub struct PreparedSeal {
    info: Vec<u8>,
    maker: Certificate,
}

impl ToBeSigned for PreparedSeal {
    type Output = Seal;

    fn message(&self) -> &[u8] {
        &self.info
    }

    fn signer_key(&self) -> &Point {
        self.maker.public_key()
    }

    fn assemble(self, signature: &Signature) -> Result<Seal> {
        check(self.maker.public_key(), &self.info, signature)?;
        let raw = RawSeal {
            seal_info: Any::from_der(&self.info).map_err(malformed("SES_SealInfo"))?,
            cert: OctetString::new(self.maker.to_der()).map_err(malformed("certificate"))?,
            sign_alg: oids::SM2_WITH_SM3,
            signed_value: signature_bits(signature),
        };
        Seal::from_der(&raw.to_der().map_err(malformed("SES_Seal"))?)
    }
}

impl Seal {
    /// Parses a version 4 seal (no signature check).
    pub fn from_der(der: &[u8]) -> Result<Self> {
        let raw = RawSeal::from_der(der).map_err(malformed("SES_Seal"))?;
        let info = raw
            .seal_info
            .decode_as::<SealInfo>()
            .map_err(malformed("SES_SealInfo"))?;
        if info.header.version != 4 {
            return Err(Error::Unsupported("seal version (expected 4)"));
        }
        Ok(Seal {
            info,
            maker_cert: raw.cert.as_bytes().to_vec(),
            der: der.to_vec(),
            raw,
        })
    }

    /// DER (as received or as made).
    pub fn to_der(&self) -> &[u8] {
        &self.der
    }

    /// The maker's certificate.
    pub fn maker(&self) -> Result<Certificate> {
        Certificate::from_der(&self.maker_cert)
    }

    /// Checks the maker's signature over `SES_SealInfo` with the
    /// certificate carried in the seal (its chain is the caller's check).
    pub fn verify(&self) -> Result<()> {
        if !oids::is_sm2_signature(&self.raw.sign_alg) {
            return Err(Error::Unsupported("seal signature algorithm"));
        }
        let info = self
            .raw
            .seal_info
            .to_der()
            .map_err(malformed("SES_SealInfo"))?;
        let sig = signature_from_bits(&self.raw.signed_value)?;
        self.maker()?
            .public_key()
            .verify(&info, &sig)
            .map_err(|_| Error::BadSignature("seal maker signature"))
    }

    /// [`Seal::verify`], and the maker's certificate must be issued by one
    /// of `issuers` (the seal-making CAs the caller trusts).
    pub fn verify_with_issuers(&self, issuers: &[Certificate]) -> Result<()> {
        self.verify()?;
        let maker = self.maker()?;
        if issuers.iter().any(|i| maker.verify_issued_by(i).is_ok()) {
            Ok(())
        } else {
            Err(Error::BadSignature(
                "seal maker certificate not issued by a trusted CA",
            ))
        }
    }

    /// Is `cert` one of the certificates allowed to sign with this seal?
    pub fn allows(&self, cert: &Certificate) -> bool {
        let p = &self.info.property;
        p.cert_list.iter().any(|entry| match p.cert_list_type {
            1 => entry
                .decode_as::<OctetString>()
                .is_ok_and(|o| o.as_bytes() == cert.to_der()),
            // CertDigestObj { type PrintableString, value OCTET STRING }:
            // we compare SM3 digests.
            _ => entry
                .value()
                .windows(32)
                .any(|w| w == mca_crypto::sm3::sm3(cert.to_der())),
        })
    }
}

/// `TBS_Sign` (version 4).
#[derive(Clone, Debug, Sequence)]
pub struct TbsSign {
    /// 4.
    pub version: u32,
    /// The seal, raw.
    pub eseal: Any,
    /// Signing time.
    pub time_info: GeneralizedTime,
    /// SM3 of the signed document (range).
    pub data_hash: BitString,
    /// What was signed (e.g. the OFD path of the signature file).
    pub property_info: Ia5String,
    /// Extensions.
    pub ext_datas: Option<Vec<ExtData>>,
}

/// `SES_Signature` as received.
#[derive(Clone, Debug, Sequence)]
struct RawSignature {
    to_sign: Any,
    cert: OctetString,
    signature_alg: ObjectIdentifier,
    signature: BitString,
    /// `timeStamp [0]`, kept raw whatever its tagging.
    time_stamp: Option<Any>,
}

/// Step 1 of signing under a seal: DER(`TBS_Sign`) for `document`.
pub fn prepare_signature(
    seal: &Seal,
    document: &[u8],
    property_info: &str,
    signer: &Certificate,
    now: DateTime,
) -> Result<PreparedSignature> {
    let digest = mca_crypto::sm3::sm3(document);
    prepare_signature_for_digest(seal, &digest, property_info, signer, now)
}

/// Step 1 of signing under a seal when only the document's SM3 digest is
/// known: `dataHash` is `digest`, so [`verify_signature`] accepts the
/// result over the document itself.
pub fn prepare_signature_for_digest(
    seal: &Seal,
    digest: &[u8; 32],
    property_info: &str,
    signer: &Certificate,
    now: DateTime,
) -> Result<PreparedSignature> {
    if !seal.allows(signer) {
        return Err(Error::InvalidRequest("签章证书不在印章的证书列表中".into()));
    }
    let tbs = TbsSign {
        version: 4,
        eseal: Any::from_der(seal.to_der()).map_err(malformed("SES_Seal"))?,
        time_info: GeneralizedTime::from_date_time(now),
        data_hash: BitString::from_bytes(digest).map_err(malformed("dataHash"))?,
        property_info: ia5(property_info)?,
        ext_datas: None,
    };
    Ok(PreparedSignature {
        tbs: tbs.to_der().map_err(malformed("TBS_Sign"))?,
        signer: signer.clone(),
    })
}

/// A `TBS_Sign` waiting for the signer's signature (two-party included).
#[derive(Debug)]
pub struct PreparedSignature {
    tbs: Vec<u8>,
    signer: Certificate,
}

impl ToBeSigned for PreparedSignature {
    /// DER `SES_Signature`.
    type Output = Vec<u8>;

    fn message(&self) -> &[u8] {
        &self.tbs
    }

    fn signer_key(&self) -> &Point {
        self.signer.public_key()
    }

    fn assemble(self, signature: &Signature) -> Result<Vec<u8>> {
        check(self.signer.public_key(), &self.tbs, signature)?;
        RawSignature {
            to_sign: Any::from_der(&self.tbs).map_err(malformed("TBS_Sign"))?,
            cert: OctetString::new(self.signer.to_der()).map_err(malformed("certificate"))?,
            signature_alg: oids::SM2_WITH_SM3,
            signature: signature_bits(signature),
            time_stamp: None,
        }
        .to_der()
        .map_err(malformed("SES_Signature"))
    }
}

/// A verified electronic signature.
#[derive(Clone, Debug)]
pub struct VerifiedSignature {
    /// The seal used (its maker signature verified too).
    pub seal: Seal,
    /// The signer's certificate.
    pub signer: Certificate,
    /// The signed fields.
    pub tbs: TbsSign,
}

/// Parses an `SES_Signature` without checking it.
pub fn parse_signature(der: &[u8]) -> Result<(TbsSign, Seal, Certificate)> {
    let raw = RawSignature::from_der(der).map_err(malformed("SES_Signature"))?;
    let tbs = raw
        .to_sign
        .decode_as::<TbsSign>()
        .map_err(malformed("TBS_Sign"))?;
    let seal = Seal::from_der(&tbs.eseal.to_der().map_err(malformed("SES_Seal"))?)?;
    let signer = Certificate::from_der(raw.cert.as_bytes())?;
    Ok((tbs, seal, signer))
}

/// Verifies an `SES_Signature` over `document`: the signer's signature on
/// `TBS_Sign`, `dataHash` = SM3(document), the embedded seal's maker
/// signature, and that the signer's certificate is in the seal's list.
pub fn verify_signature(der: &[u8], document: &[u8]) -> Result<VerifiedSignature> {
    verify_signature_for_digest(der, &mca_crypto::sm3::sm3(document))
}

/// [`verify_signature`] when only the document's SM3 digest is known (a
/// relying party that sealed a digest, `prepare_signature_for_digest`).
pub fn verify_signature_for_digest(der: &[u8], digest: &[u8; 32]) -> Result<VerifiedSignature> {
    let raw = RawSignature::from_der(der).map_err(malformed("SES_Signature"))?;
    let (tbs, seal, signer) = parse_signature(der)?;
    if tbs.version != 4 {
        return Err(Error::Unsupported("SES_Signature version (expected 4)"));
    }
    if !oids::is_sm2_signature(&raw.signature_alg) {
        return Err(Error::Unsupported("signature algorithm"));
    }
    let signed = raw.to_sign.to_der().map_err(malformed("TBS_Sign"))?;
    signer
        .public_key()
        .verify(&signed, &signature_from_bits(&raw.signature)?)
        .map_err(|_| Error::BadSignature("SES_Signature"))?;
    if tbs.data_hash.as_bytes() != Some(&digest[..]) {
        return Err(Error::BadSignature("dataHash does not match the document"));
    }
    seal.verify()?;
    if !seal.allows(&signer) {
        return Err(Error::BadSignature(
            "signer certificate not in the seal's certificate list",
        ));
    }
    Ok(VerifiedSignature { seal, signer, tbs })
}
