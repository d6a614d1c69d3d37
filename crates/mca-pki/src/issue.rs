//! The issuance pipeline, one visible function per stage (after step-ca and
//! boulder): [`validate`] the request → [`apply_profile`] → [`lint`] the
//! to-be-signed certificate → [`prepare`] (encode; the bytes the signer
//! signs) → sign through a [`Signer`] → assemble. The lint rejects a bad TBS
//! before any signature exists.

use der::DateTime;
use der::Decode;
use mca_crypto::sm2::Point;
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::{BasicConstraints, KeyUsage};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::Validity;

use crate::algorithm::{self, add_days, point_from_spki, x509_time};
use crate::cert::{Certificate, PreparedCertificate, TbsCertificate};
use crate::profile::{self, Holder, Usage};
use crate::signer::{Signer, sign_with};
use crate::{Error, Result, oids};

/// Longest end-entity validity we issue.
pub const MAX_VALIDITY_DAYS: u32 = 3650;

/// What the issuing CA contributes to every certificate it issues.
#[derive(Clone, Debug)]
pub struct Issuer {
    /// The CA's subject, which becomes the issuer DN.
    pub name: Name,
    /// The CA's public key (AKI; signatures must verify under it).
    pub key: Point,
    /// The CA certificate's validity: nothing it issues may outlive it.
    pub not_before: DateTime,
    /// See `not_before`.
    pub not_after: DateTime,
    /// CRL distribution point URL.
    pub crl_url: Option<String>,
    /// OCSP responder URL (authorityInfoAccess).
    pub ocsp_url: Option<String>,
}

impl Issuer {
    /// From the issuing CA's certificate and its publication URLs.
    pub fn from_certificate(
        cert: &Certificate,
        crl_url: Option<String>,
        ocsp_url: Option<String>,
    ) -> Self {
        let (not_before, not_after) = cert.validity();
        Issuer {
            name: cert.subject().clone(),
            key: *cert.public_key(),
            not_before,
            not_after,
            crl_url,
            ocsp_url,
        }
    }
}

/// An end-entity certificate request, after proof of possession (the CSR
/// or the two-party key generation) established `public_key`.
#[derive(Clone, Debug)]
pub struct Request {
    /// Who.
    pub holder: Holder,
    /// Signing or encryption certificate.
    pub usage: Usage,
    /// The key to certify.
    pub public_key: Point,
    /// Days from now.
    pub validity_days: u32,
}

/// A request that passed [`validate`]; only `validate` makes one.
#[derive(Clone, Debug)]
pub struct Validated(Request);

/// What kind of certificate a TBS is supposed to be, for the lint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// An end-entity certificate for this usage.
    EndEntity(Usage),
    /// A CA certificate.
    Ca,
}

/// Stage 1: identity numbers, names, validity bounds.
pub fn validate(request: Request) -> Result<Validated> {
    request.holder.validate()?;
    if request.validity_days == 0 || request.validity_days > MAX_VALIDITY_DAYS {
        return Err(Error::InvalidRequest(format!(
            "有效期须为 1–{MAX_VALIDITY_DAYS} 天"
        )));
    }
    Ok(Validated(request))
}

/// 16 random bytes, positive, no leading zero byte.
pub fn random_serial() -> Result<SerialNumber> {
    let mut b = mca_crypto::rand::bytes::<16>()?;
    b[0] &= 0x7f;
    if b[0] == 0 {
        b[0] = 0x01;
    }
    SerialNumber::new(&b).map_err(crate::error::malformed("serial number"))
}

/// Stage 2: the GM/T 0015 end-entity profile.
pub fn apply_profile(
    request: &Validated,
    issuer: &Issuer,
    now: DateTime,
) -> Result<TbsCertificate> {
    let r = &request.0;
    let subject = r.holder.subject()?;
    end_entity_tbs(
        subject,
        &r.public_key,
        r.usage,
        r.holder.identity_extensions()?,
        issuer,
        r.validity_days,
        now,
    )
}

/// An end-entity TBS for any subject (holders, the seal-making key).
pub fn end_entity_tbs(
    subject: Name,
    key: &Point,
    usage: Usage,
    extra: Vec<Extension>,
    issuer: &Issuer,
    days: u32,
    now: DateTime,
) -> Result<TbsCertificate> {
    let mut extensions = vec![
        profile::key_usage(usage.key_usage())?,
        profile::subject_key_id(key)?,
        profile::authority_key_id(&issuer.key)?,
    ];
    if let Some(url) = &issuer.crl_url {
        extensions.push(profile::crl_distribution_point(url)?);
    }
    if let Some(url) = &issuer.ocsp_url {
        extensions.push(profile::ocsp_access(url)?);
    }
    extensions.extend(extra);
    Ok(TbsCertificate {
        version: 2,
        serial_number: random_serial()?,
        signature: algorithm::sm2_with_sm3(),
        issuer: issuer.name.clone(),
        validity: Validity::new(x509_time(now), x509_time(add_days(now, days)?)),
        subject,
        subject_public_key_info: algorithm::spki(key),
        extensions: Some(extensions),
    })
}

/// A CA certificate's TBS: `issuer` is `None` for a self-signed root.
pub fn ca_tbs(
    subject: Name,
    key: &Point,
    issuer: Option<&Issuer>,
    days: u32,
    path_len: Option<u8>,
    now: DateTime,
) -> Result<TbsCertificate> {
    let (issuer_name, issuer_key) = match issuer {
        Some(i) => (i.name.clone(), i.key),
        None => (subject.clone(), *key),
    };
    let mut extensions = vec![
        profile::ca_constraints(path_len)?,
        profile::key_usage(profile::ca_key_usage())?,
        profile::subject_key_id(key)?,
    ];
    if issuer.is_some() {
        extensions.push(profile::authority_key_id(&issuer_key)?);
    }
    Ok(TbsCertificate {
        version: 2,
        serial_number: random_serial()?,
        signature: algorithm::sm2_with_sm3(),
        issuer: issuer_name,
        validity: Validity::new(x509_time(now), x509_time(add_days(now, days)?)),
        subject,
        subject_public_key_info: algorithm::spki(key),
        extensions: Some(extensions),
    })
}

fn find(exts: &[Extension], oid: der::asn1::ObjectIdentifier) -> Option<&Extension> {
    exts.iter().find(|e| e.extn_id == oid)
}

/// Stage 3: the lint. Checks the TBS against the profile for `kind` and the
/// issuer (`None` when self-signed); any finding stops issuance.
pub fn lint(tbs: &TbsCertificate, kind: Kind, issuer: &Issuer) -> Result<()> {
    let fail = |m: &str| Err(Error::Lint(m.to_owned()));
    if tbs.version != 2 {
        return fail("version must be v3");
    }
    let serial = tbs.serial_number.as_bytes();
    if !(8..=16).contains(&serial.len()) || serial[0] & 0x80 != 0 || serial[0] == 0 {
        return fail("serial must be 8-16 bytes, positive, minimal");
    }
    if tbs.signature != algorithm::sm2_with_sm3() {
        return fail("signature algorithm must be sm2-with-sm3");
    }
    if tbs.issuer != issuer.name {
        return fail("issuer DN differs from the CA subject");
    }
    let (nb, na) = (
        tbs.validity.not_before.to_date_time(),
        tbs.validity.not_after.to_date_time(),
    );
    if nb >= na {
        return fail("notBefore must precede notAfter");
    }
    if nb < issuer.not_before || na > issuer.not_after {
        return fail("validity exceeds the issuing CA's validity");
    }
    if tbs.subject.is_empty()
        || (crate::name::attribute(&tbs.subject, oids::AT_COMMON_NAME).is_none()
            && crate::name::attribute(&tbs.subject, oids::AT_ORGANIZATION).is_none())
    {
        return fail("subject needs CN or O");
    }
    let key = point_from_spki(&tbs.subject_public_key_info)
        .map_err(|_| Error::Lint("subject key is not a valid SM2 key".into()))?;
    let exts = tbs.extensions.as_deref().unwrap_or(&[]);
    for (i, e) in exts.iter().enumerate() {
        if exts[..i].iter().any(|p| p.extn_id == e.extn_id) {
            return fail("duplicate extension");
        }
    }
    if find(exts, oids::EXT_SUBJECT_KEY_ID).is_none() {
        return fail("subjectKeyIdentifier missing");
    }
    let self_signed = tbs.subject == tbs.issuer && key == issuer.key;
    if !self_signed {
        // Present is not enough: an AKI naming another key would send
        // verifiers to the wrong issuer certificate.
        match find(exts, oids::EXT_AUTHORITY_KEY_ID) {
            None => return fail("authorityKeyIdentifier missing"),
            Some(aki) if *aki != profile::authority_key_id(&issuer.key)? => {
                return fail("authorityKeyIdentifier does not name the issuing CA's key");
            }
            Some(_) => {}
        }
    }
    let ku = match find(exts, oids::EXT_KEY_USAGE) {
        Some(e) if e.critical => KeyUsage::from_der(e.extn_value.as_bytes())
            .map_err(|_| Error::Lint("bad keyUsage".into()))?,
        _ => return fail("keyUsage missing or not critical"),
    };
    let bc = find(exts, oids::EXT_BASIC_CONSTRAINTS);
    match kind {
        Kind::EndEntity(usage) => {
            if bc.is_some() {
                return fail("end-entity certificates carry no basicConstraints");
            }
            if ku != usage.key_usage() {
                return fail("keyUsage does not match the certificate's usage");
            }
        }
        Kind::Ca => {
            let ok = bc.is_some_and(|e| {
                e.critical
                    && BasicConstraints::from_der(e.extn_value.as_bytes()).is_ok_and(|b| b.ca)
            });
            if !ok {
                return fail("CA certificate needs critical basicConstraints CA:TRUE");
            }
            if ku != profile::ca_key_usage() {
                return fail("CA keyUsage must be keyCertSign, cRLSign, digitalSignature");
            }
        }
    }
    Ok(())
}

/// Stage 4: lint, then encode — the bytes the issuer's signer signs.
pub fn prepare(tbs: &TbsCertificate, kind: Kind, issuer: &Issuer) -> Result<PreparedCertificate> {
    lint(tbs, kind, issuer)?;
    PreparedCertificate::new(tbs, issuer.key)
}

/// The whole pipeline for one end-entity certificate.
pub fn issue(request: Request, issuer: &Issuer, signer: &dyn Signer) -> Result<Certificate> {
    let usage = request.usage;
    let validated = validate(request)?;
    let tbs = apply_profile(&validated, issuer, algorithm::now()?)?;
    sign_with(prepare(&tbs, Kind::EndEntity(usage), issuer)?, signer)
}

/// The dual-certificate pair: a signing and an encryption certificate with
/// the same subject and different serials.
pub fn issue_pair(
    holder: Holder,
    signing_key: Point,
    encryption_key: Point,
    validity_days: u32,
    issuer: &Issuer,
    signer: &dyn Signer,
) -> Result<(Certificate, Certificate)> {
    let req = |usage, public_key| Request {
        holder: holder.clone(),
        usage,
        public_key,
        validity_days,
    };
    let sign = issue(req(Usage::Signing, signing_key), issuer, signer)?;
    let enc = issue(req(Usage::Encryption, encryption_key), issuer, signer)?;
    if sign.serial() == enc.serial() {
        return Err(Error::Lint(
            "serial collision inside a certificate pair".into(),
        ));
    }
    Ok((sign, enc))
}
