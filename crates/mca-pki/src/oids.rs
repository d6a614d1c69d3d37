//! Object identifiers used by the Chinese PKI standards (GM/T 0006 registry)
//! and the few RFC 5280/6960 ones we need.

use const_oid::ObjectIdentifier as Oid;

/// SM2 curve / algorithm (GM/T 0006): the namedCurve of an SM2 public key.
pub const SM2: Oid = Oid::new_unwrap("1.2.156.10197.1.301");
/// sm2-1, SM2 signature. Some implementations use it instead of
/// [`SM2_WITH_SM3`] in CMS `digestEncryptionAlgorithm`; we accept both.
pub const SM2_SIGN: Oid = Oid::new_unwrap("1.2.156.10197.1.301.1");
/// sm2-3, SM2 public-key encryption (key transport in envelopes).
pub const SM2_ENCRYPT: Oid = Oid::new_unwrap("1.2.156.10197.1.301.3");
/// SM3 hash.
pub const SM3: Oid = Oid::new_unwrap("1.2.156.10197.1.401");
/// SHA-1, accepted in OCSP CertIDs (OpenSSL's default) and used for the
/// responder's key hash (RFC 6960).
pub const SHA1: Oid = Oid::new_unwrap("1.3.14.3.2.26");
/// SHA-256, accepted in OCSP CertIDs.
pub const SHA256: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.1");
/// SM2 signature with SM3 (the signature algorithm we emit everywhere).
pub const SM2_WITH_SM3: Oid = Oid::new_unwrap("1.2.156.10197.1.501");
/// SM4 in CBC mode (the content cipher of GM/T 0010 envelopes).
pub const SM4_CBC: Oid = Oid::new_unwrap("1.2.156.10197.1.104.2");
/// id-ecPublicKey: the SPKI algorithm OpenSSL 3 and GmSSL use for SM2 keys.
pub const EC_PUBLIC_KEY: Oid = Oid::new_unwrap("1.2.840.10045.2.1");

/// GM/T 0010 content types (PKCS#7 v1.5 with Chinese OIDs).
pub const GM_DATA: Oid = Oid::new_unwrap("1.2.156.10197.6.1.4.2.1");
/// GM/T 0010 signedData.
pub const GM_SIGNED_DATA: Oid = Oid::new_unwrap("1.2.156.10197.6.1.4.2.2");
/// GM/T 0010 envelopedData.
pub const GM_ENVELOPED_DATA: Oid = Oid::new_unwrap("1.2.156.10197.6.1.4.2.3");
/// The RFC 2315 / 5652 data type, accepted from other implementations.
pub const PKCS7_DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.7.1");
/// PKCS#9 contentType attribute.
pub const ATTR_CONTENT_TYPE: Oid = Oid::new_unwrap("1.2.840.113549.1.9.3");
/// PKCS#9 messageDigest attribute.
pub const ATTR_MESSAGE_DIGEST: Oid = Oid::new_unwrap("1.2.840.113549.1.9.4");
/// PKCS#9 signingTime attribute.
pub const ATTR_SIGNING_TIME: Oid = Oid::new_unwrap("1.2.840.113549.1.9.5");

/// GM/T 0015 IdentityCode extension (resident identity card number).
pub const GM_IDENTITY_CODE: Oid = Oid::new_unwrap("1.2.156.10260.4.1.1");
/// GM/T 0015 organization code extension; carries the 18-character unified
/// social credit code.
pub const GM_ORGANIZATION_CODE: Oid = Oid::new_unwrap("1.2.156.10260.4.1.4");

/// X.520 attribute types used in subjects.
pub const AT_COMMON_NAME: Oid = Oid::new_unwrap("2.5.4.3");
/// serialNumber attribute: the credit code in enterprise subjects.
pub const AT_SERIAL_NUMBER: Oid = Oid::new_unwrap("2.5.4.5");
/// countryName.
pub const AT_COUNTRY: Oid = Oid::new_unwrap("2.5.4.6");
/// organizationName.
pub const AT_ORGANIZATION: Oid = Oid::new_unwrap("2.5.4.10");
/// organizationalUnitName.
pub const AT_ORGANIZATIONAL_UNIT: Oid = Oid::new_unwrap("2.5.4.11");

/// Certificate extensions (RFC 5280).
pub const EXT_SUBJECT_KEY_ID: Oid = Oid::new_unwrap("2.5.29.14");
/// keyUsage.
pub const EXT_KEY_USAGE: Oid = Oid::new_unwrap("2.5.29.15");
/// basicConstraints.
pub const EXT_BASIC_CONSTRAINTS: Oid = Oid::new_unwrap("2.5.29.19");
/// cRLNumber.
pub const EXT_CRL_NUMBER: Oid = Oid::new_unwrap("2.5.29.20");
/// reasonCode (CRL entry).
pub const EXT_CRL_REASON: Oid = Oid::new_unwrap("2.5.29.21");
/// cRLDistributionPoints.
pub const EXT_CRL_DISTRIBUTION_POINTS: Oid = Oid::new_unwrap("2.5.29.31");
/// authorityKeyIdentifier.
pub const EXT_AUTHORITY_KEY_ID: Oid = Oid::new_unwrap("2.5.29.35");
/// authorityInfoAccess.
pub const EXT_AUTHORITY_INFO_ACCESS: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.1.1");
/// id-ad-ocsp access method.
pub const AD_OCSP: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.48.1");
/// id-ad-caIssuers access method.
pub const AD_CA_ISSUERS: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.48.2");
/// id-pkix-ocsp-basic response type.
pub const OCSP_BASIC: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.48.1.1");
/// id-pkix-ocsp-nonce extension.
pub const OCSP_NONCE: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.48.1.2");

/// Is `oid` one of the two SM2 signature OIDs in use (sm2-with-sm3, sm2-1)?
pub fn is_sm2_signature(oid: &Oid) -> bool {
    *oid == SM2_WITH_SM3 || *oid == SM2_SIGN
}

/// Is `oid` one of the SM2 encryption OIDs in use (sm2-3, or the bare sm2
/// OID some implementations put in `keyEncryptionAlgorithm`)?
pub fn is_sm2_encryption(oid: &Oid) -> bool {
    *oid == SM2_ENCRYPT || *oid == SM2
}
