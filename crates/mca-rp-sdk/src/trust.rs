//! What a relying party trusts: the CA certificates it configured (e.g.
//! `GET /ca/{ca}/chain.pem` of the Mobile CA server, fetched once over
//! HTTPS and kept with the platform's configuration), and the checks every
//! user certificate in a result must pass against them.

use mca_pki::cert::Certificate;
use mca_pki::oids;

use crate::{Error, Result};

/// The CA certificates a platform trusts to issue its users' certificates
/// (issuing CAs and roots, of one or several CA organizations).
#[derive(Clone, Debug, Default)]
pub struct TrustAnchors {
    certs: Vec<Certificate>,
}

/// What a user certificate must be for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Usage {
    /// digitalSignature: the split signing key.
    Signing,
    /// keyEncipherment: the escrowed encryption key.
    Encryption,
}

impl TrustAnchors {
    /// Every certificate of a PEM bundle (such as `chain.pem`); each must
    /// be a CA certificate.
    pub fn from_pem(pem: &str) -> Result<Self> {
        let mut anchors = TrustAnchors::default();
        anchors.add_pem(pem)?;
        Ok(anchors)
    }

    /// Adds another CA organization's bundle.
    pub fn add_pem(&mut self, pem: &str) -> Result<()> {
        let certs =
            mca_pki::cert::parse_pem_bundle(pem).map_err(|e| Error::InvalidInput(pem_error(&e)))?;
        if certs.is_empty() {
            return Err(Error::InvalidInput(
                "CA chain (no certificate in the PEM text)",
            ));
        }
        for cert in certs {
            self.add(cert)?;
        }
        Ok(())
    }

    /// Adds one CA certificate.
    pub fn add(&mut self, cert: Certificate) -> Result<()> {
        // An end-entity certificate here would let its holder mint "users".
        if !is_ca(&cert) {
            return Err(Error::InvalidInput("CA chain (a certificate is not a CA)"));
        }
        if !self.certs.contains(&cert) {
            self.certs.push(cert);
        }
        Ok(())
    }

    /// The trusted CA certificates.
    pub fn certificates(&self) -> &[Certificate] {
        &self.certs
    }

    /// Checks a user certificate at `now`: an end entity, within its
    /// validity, for `usage`, issued by a trusted CA that is itself within
    /// its validity. Revocation is not checked here (Mobile CA ends a
    /// session with a revoked certificate as `certificate_revoked`; for a
    /// later check use the server's verification service or OCSP).
    pub(crate) fn check_user(&self, cert: &Certificate, now: i64, usage: Usage) -> Result<()> {
        if is_ca(cert) {
            return Err(Error::verification(
                "a CA certificate is not a user certificate",
            ));
        }
        if !valid_at(cert, now) {
            return Err(Error::verification(
                "certificate not valid now (expired or not yet valid)",
            ));
        }
        let bit = match usage {
            Usage::Signing => 0x80,
            Usage::Encryption => 0x20,
        };
        if key_usage_byte(cert).is_none_or(|b| b & bit == 0) {
            return Err(Error::verification(match usage {
                Usage::Signing => "certificate is not a signing certificate",
                Usage::Encryption => "certificate is not an encryption certificate",
            }));
        }
        let issued = self
            .certs
            .iter()
            .any(|ca| valid_at(ca, now) && cert.verify_issued_by(ca).is_ok());
        if issued {
            Ok(())
        } else {
            Err(Error::verification(
                "certificate not issued by a trusted CA",
            ))
        }
    }
}

fn pem_error(e: &mca_pki::Error) -> &'static str {
    match e {
        mca_pki::Error::Unsupported(_) => "CA chain (not an SM2 certificate)",
        _ => "CA chain (malformed PEM or certificate)",
    }
}

/// The value of extension `oid` (its BER content bytes, as the
/// `mca_pki::oids` constants give them).
pub(crate) fn extension<'a>(cert: &'a Certificate, oid: &[u8]) -> Option<&'a [u8]> {
    cert.x509()
        .tbs_certificate()
        .extensions()?
        .iter()
        .find(|e| e.extn_id.as_bytes() == oid)
        .map(|e| e.extn_value.as_bytes())
}

/// BasicConstraints with cA TRUE: DER `30 len 01 01 FF …`.
fn is_ca(cert: &Certificate) -> bool {
    extension(cert, oids::EXT_BASIC_CONSTRAINTS.as_bytes())
        .is_some_and(|v| v.len() >= 5 && v[0] == 0x30 && v[2..5] == [0x01, 0x01, 0xFF])
}

/// The first byte of the KeyUsage BIT STRING (`03 len unused b0 …`):
/// digitalSignature 0x80, nonRepudiation 0x40, keyEncipherment 0x20.
fn key_usage_byte(cert: &Certificate) -> Option<u8> {
    match extension(cert, oids::EXT_KEY_USAGE.as_bytes())? {
        [0x03, len, _unused, first, ..] if *len >= 2 => Some(*first),
        _ => None,
    }
}

fn valid_at(cert: &Certificate, now: i64) -> bool {
    let (from, until) = cert.validity();
    let from = i64::try_from(from.unix_duration().as_secs()).unwrap_or(i64::MAX);
    let until = i64::try_from(until.unix_duration().as_secs()).unwrap_or(i64::MIN);
    from <= now && now <= until
}
