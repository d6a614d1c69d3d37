//! Certificate profiles after GM/T 0015: who the holder is (person,
//! enterprise, a person acting for an enterprise), what the key is for
//! (signing or encryption), and the extensions each profile carries.

use der::Encode;
use der::asn1::{Ia5String, OctetString, PrintableStringRef};
use mca_crypto::sm2::Point;
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::crl::dp::DistributionPoint;
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
use x509_cert::ext::pkix::{
    AccessDescription, AuthorityInfoAccessSyntax, AuthorityKeyIdentifier, BasicConstraints,
    CrlDistributionPoints, KeyUsage, KeyUsages, SubjectKeyIdentifier,
};
use x509_cert::name::Name;

use crate::algorithm::key_identifier;
use crate::error::malformed;
use crate::name::{self, Text};
use crate::{Result, identity, oids};

/// The certificate holder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Holder {
    /// A natural person: CN = name; resident ID in the IdentityCode
    /// extension (not in the subject).
    Person {
        /// Legal name.
        name: String,
        /// 18-character resident identity card number.
        resident_id: String,
    },
    /// An enterprise: O = CN = enterprise name, serialNumber = credit code,
    /// credit code also in the organization-code extension.
    Enterprise {
        /// Registered name.
        name: String,
        /// 18-character unified social credit code.
        credit_code: String,
    },
    /// A person acting for an enterprise (经办人): O = enterprise,
    /// serialNumber = credit code, CN = the person; both extensions.
    Agent {
        /// The person's legal name.
        name: String,
        /// The person's resident identity card number.
        resident_id: String,
        /// The enterprise's registered name.
        enterprise: String,
        /// The enterprise's unified social credit code.
        credit_code: String,
    },
}

/// What the certified key does (the dual-certificate model).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Usage {
    /// The split signing key: digitalSignature, nonRepudiation.
    Signing,
    /// The escrowed encryption key: keyEncipherment, dataEncipherment.
    Encryption,
}

impl Usage {
    /// The key usage bits this profile sets.
    pub fn key_usage(self) -> KeyUsage {
        KeyUsage(match self {
            Usage::Signing => KeyUsages::DigitalSignature | KeyUsages::NonRepudiation,
            Usage::Encryption => KeyUsages::KeyEncipherment | KeyUsages::DataEncipherment,
        })
    }
}

impl Holder {
    /// Checks identity numbers (check characters) and names.
    pub fn validate(&self) -> Result<()> {
        let nonempty = |s: &str, what: &str| {
            if s.trim().is_empty() || s.len() > 128 || s.chars().any(char::is_control) {
                Err(crate::Error::InvalidRequest(format!("{what}无效")))
            } else {
                Ok(())
            }
        };
        match self {
            Holder::Person { name, resident_id } => {
                nonempty(name, "姓名")?;
                identity::check_resident_id(resident_id)
            }
            Holder::Enterprise { name, credit_code } => {
                nonempty(name, "企业名称")?;
                identity::check_credit_code(credit_code)
            }
            Holder::Agent {
                name,
                resident_id,
                enterprise,
                credit_code,
            } => {
                nonempty(name, "姓名")?;
                nonempty(enterprise, "企业名称")?;
                identity::check_resident_id(resident_id)?;
                identity::check_credit_code(credit_code)
            }
        }
    }

    /// The subject DN.
    pub fn subject(&self) -> Result<Name> {
        let c = (oids::AT_COUNTRY, Text::Printable("CN"));
        match self {
            Holder::Person { name, .. } => {
                name::build(&[c, (oids::AT_COMMON_NAME, Text::Utf8(name))])
            }
            Holder::Enterprise { name, credit_code } => name::build(&[
                c,
                (oids::AT_ORGANIZATION, Text::Utf8(name)),
                (oids::AT_SERIAL_NUMBER, Text::Printable(credit_code)),
                (oids::AT_COMMON_NAME, Text::Utf8(name)),
            ]),
            Holder::Agent {
                name,
                enterprise,
                credit_code,
                ..
            } => name::build(&[
                c,
                (oids::AT_ORGANIZATION, Text::Utf8(enterprise)),
                (oids::AT_SERIAL_NUMBER, Text::Printable(credit_code)),
                (oids::AT_COMMON_NAME, Text::Utf8(name)),
            ]),
        }
    }

    /// The GM/T 0015 identity extensions (non-critical).
    pub fn identity_extensions(&self) -> Result<Vec<Extension>> {
        let (id, code) = match self {
            Holder::Person { resident_id, .. } => (Some(resident_id), None),
            Holder::Enterprise { credit_code, .. } => (None, Some(credit_code)),
            Holder::Agent {
                resident_id,
                credit_code,
                ..
            } => (Some(resident_id), Some(credit_code)),
        };
        let mut out = Vec::new();
        if let Some(id) = id {
            out.push(raw_extension(
                oids::GM_IDENTITY_CODE,
                false,
                identity_code(id)?,
            ));
        }
        if let Some(code) = code {
            let value = PrintableStringRef::new(code)
                .and_then(|s| s.to_der())
                .map_err(malformed("extension"))?;
            out.push(raw_extension(oids::GM_ORGANIZATION_CODE, false, value));
        }
        Ok(out)
    }
}

/// GM/T 0015 `IdentityCode ::= CHOICE { residenterCardNumber [0]
/// PrintableString, … }` (implicit tag).
fn identity_code(resident_id: &str) -> Result<Vec<u8>> {
    // A PrintableString's DER with its tag replaced by [0] (primitive).
    let mut v = PrintableStringRef::new(resident_id)
        .and_then(|s| s.to_der())
        .map_err(malformed("IdentityCode"))?;
    v[0] = 0x80;
    Ok(v)
}

/// An extension from an already-encoded value.
pub fn raw_extension(
    oid: der::asn1::ObjectIdentifier,
    critical: bool,
    value: Vec<u8>,
) -> Extension {
    Extension {
        extn_id: oid,
        critical,
        extn_value: OctetString::new(value).expect("extension fits"),
    }
}

fn extension<T: Encode>(
    oid: der::asn1::ObjectIdentifier,
    critical: bool,
    value: &T,
) -> Result<Extension> {
    Ok(raw_extension(
        oid,
        critical,
        value.to_der().map_err(malformed("extension"))?,
    ))
}

/// keyUsage, critical.
pub fn key_usage(ku: KeyUsage) -> Result<Extension> {
    extension(oids::EXT_KEY_USAGE, true, &ku)
}

/// subjectKeyIdentifier for `key`.
pub fn subject_key_id(key: &Point) -> Result<Extension> {
    let ski = SubjectKeyIdentifier(
        OctetString::new(key_identifier(key)).map_err(malformed("extension"))?,
    );
    extension(oids::EXT_SUBJECT_KEY_ID, false, &ski)
}

/// authorityKeyIdentifier (key identifier form) for the issuer's key.
pub fn authority_key_id(issuer_key: &Point) -> Result<Extension> {
    let aki = AuthorityKeyIdentifier {
        key_identifier: Some(
            OctetString::new(key_identifier(issuer_key)).map_err(malformed("extension"))?,
        ),
        authority_cert_issuer: None,
        authority_cert_serial_number: None,
    };
    extension(oids::EXT_AUTHORITY_KEY_ID, false, &aki)
}

/// basicConstraints for a CA, critical.
pub fn ca_constraints(path_len: Option<u8>) -> Result<Extension> {
    extension(
        oids::EXT_BASIC_CONSTRAINTS,
        true,
        &BasicConstraints {
            ca: true,
            path_len_constraint: path_len,
        },
    )
}

fn uri(url: &str) -> Result<GeneralName> {
    Ok(GeneralName::UniformResourceIdentifier(
        Ia5String::new(url).map_err(malformed("URL"))?,
    ))
}

/// cRLDistributionPoints with one URL.
pub fn crl_distribution_point(url: &str) -> Result<Extension> {
    let dp = CrlDistributionPoints(vec![DistributionPoint {
        distribution_point: Some(DistributionPointName::FullName(vec![uri(url)?])),
        reasons: None,
        crl_issuer: None,
    }]);
    extension(oids::EXT_CRL_DISTRIBUTION_POINTS, false, &dp)
}

/// authorityInfoAccess with the OCSP responder URL.
pub fn ocsp_access(url: &str) -> Result<Extension> {
    let aia = AuthorityInfoAccessSyntax(vec![AccessDescription {
        access_method: oids::AD_OCSP,
        access_location: uri(url)?,
    }]);
    extension(oids::EXT_AUTHORITY_INFO_ACCESS, false, &aia)
}

/// CA key usage: keyCertSign and cRLSign (plus digitalSignature so the
/// issuing CA may sign OCSP responses itself).
pub fn ca_key_usage() -> KeyUsage {
    KeyUsage(KeyUsages::KeyCertSign | KeyUsages::CRLSign | KeyUsages::DigitalSignature)
}
