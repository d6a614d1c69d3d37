//! What Mobile CA's verification services (contract A.4, M7: no QR, no
//! user) answer about a signature, a SignedData or a seal. The server
//! checks the chain against its own CAs and the revocation status from its
//! own records; [`crate::Verifier`] is the local check that trusts only the
//! CA chain a platform configured.

use serde::{Deserialize, Serialize};

use crate::time::{de_opt_time, de_time};

/// The revocation status the server holds (the same source as its OCSP
/// responder).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CertificateStatus {
    /// Not revoked.
    Good,
    /// Revoked (see `revoked_at`).
    Revoked,
    /// Not a certificate of this Mobile CA, or unknown to it.
    #[serde(other)]
    Unknown,
}

/// The signer's certificate, as the server read it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateSummary {
    /// Subject DN as text.
    pub subject: String,
    /// Serial number, hex.
    pub serial: String,
    /// Valid from (unix seconds).
    #[serde(deserialize_with = "de_time")]
    pub not_before: i64,
    /// Valid until (unix seconds).
    #[serde(deserialize_with = "de_time")]
    pub not_after: i64,
    /// Issuer DN as text.
    pub issuer: String,
}

/// The answer of `POST /verify/signature`, `/verify/signed-data` and
/// `/verify/seal`. `valid` is the conjunction of everything else: the
/// signature, the chain to one of Mobile CA's CAs, status `good`, and the
/// validity period.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerificationReport {
    /// Whether it all holds.
    pub valid: bool,
    /// Why not, if not.
    #[serde(default)]
    pub reason: Option<String>,
    /// The signer's certificate (absent when none could be read).
    #[serde(default)]
    pub certificate: Option<CertificateSummary>,
    /// Whether the certificate chains to one of Mobile CA's CAs.
    #[serde(default)]
    pub chain_valid: bool,
    /// Revocation status.
    pub status: CertificateStatus,
    /// When it was revoked (unix seconds).
    #[serde(default, deserialize_with = "de_opt_time")]
    pub revoked_at: Option<i64>,
}

#[derive(Serialize)]
pub(crate) struct SignatureQuery<'a> {
    #[serde(with = "hex")]
    pub certificate: &'a [u8],
    #[serde(with = "hex")]
    pub data: &'a [u8],
    #[serde(with = "hex")]
    pub signature: &'a [u8],
}

#[derive(Serialize)]
pub(crate) struct SignedDataQuery<'a> {
    #[serde(with = "hex")]
    pub signed_data: &'a [u8],
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
}

#[derive(Serialize)]
pub(crate) struct SealQuery<'a> {
    #[serde(with = "hex")]
    pub seal: &'a [u8],
    #[serde(skip_serializing_if = "Option::is_none")]
    pub document_sm3: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_parse_with_either_time_form() {
        let r: VerificationReport = serde_json::from_value(serde_json::json!({
            "valid": false, "reason": "证书已吊销",
            "certificate": {"subject":"CN=张三,C=CN","serial":"0a1b","not_before":1_700_000_000,
                "not_after":"2026-11-24T00:00:00Z","issuer":"CN=测试CA"},
            "chain_valid": true, "status": "revoked", "revoked_at": "1970-01-01T00:00:10Z"}))
        .unwrap();
        assert_eq!(r.status, CertificateStatus::Revoked);
        assert_eq!(r.revoked_at, Some(10));
        assert_eq!(r.certificate.unwrap().not_after, 1_795_478_400);
        let r: VerificationReport = serde_json::from_value(serde_json::json!({
            "valid": false, "reason": "malformed", "certificate": null,
            "chain_valid": false, "status": "unknown", "revoked_at": null}))
        .unwrap();
        assert!(r.certificate.is_none() && r.revoked_at.is_none());
    }
}
