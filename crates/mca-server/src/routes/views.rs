//! The JSON shapes shared by the certificate routes (applications, keys,
//! certificates, review) and the small parsing helpers they all use.
//!
//! Identifiers travel as their hyphenated text, times as RFC 3339 UTC,
//! binary values as lower-case hex, pictures as base64.

use std::str::FromStr;

use base64::Engine;
use mca_domain::store::{Application, CertificateRecord, Order, SigningKeyRecord};
use mca_domain::{DeviceId, Timestamp};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::ApiError;

/// A path identifier; one that does not parse names nothing ("not found").
pub fn path_id<T: FromStr>(text: &str) -> Result<T, ApiError> {
    text.parse().map_err(|_| ApiError::not_found())
}

/// An identifier in a request body; malformed is a bad field.
pub fn body_id<T: FromStr>(text: &str, field: &'static str) -> Result<T, ApiError> {
    text.parse()
        .map_err(|_| mca_domain::DomainError::InvalidInput(field).into())
}

/// Base64 (standard alphabet) of a request field.
pub fn base64_field(text: &str, field: &'static str) -> Result<Vec<u8>, ApiError> {
    base64::engine::general_purpose::STANDARD
        .decode(text.trim())
        .map_err(|_| mca_domain::DomainError::InvalidInput(field).into())
}

/// Hex of a request field.
pub fn hex_field(text: &str, field: &'static str) -> Result<Vec<u8>, ApiError> {
    hex::decode(text.trim()).map_err(|_| mca_domain::DomainError::InvalidInput(field).into())
}

/// A time as API JSON carries it (RFC 3339).
pub fn time(t: Timestamp) -> String {
    t.rfc3339()
}

/// An order as the app shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrderView {
    /// The order.
    pub id: String,
    /// `pending`, `paid`, `failed` or `used`.
    pub state: String,
    /// Amount in fen (分).
    pub amount_fen: i64,
    /// Why the payment failed, if it did.
    pub failure: Option<String>,
}

impl From<&Order> for OrderView {
    fn from(o: &Order) -> Self {
        OrderView {
            id: o.id.to_string(),
            state: o.state.as_str().to_owned(),
            amount_fen: o.amount_fen,
            failure: o.failure.clone(),
        }
    }
}

/// A certificate application (D4/D6/D8) as the app shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApplicationView {
    /// The application.
    pub id: String,
    /// `new`, `renewal` or `reapplication`.
    pub kind: String,
    /// Whom the certificate names: `person`, or `enterprise` (a claim, B).
    pub subject: String,
    /// The enterprise, for an enterprise subject.
    pub enterprise_id: Option<String>,
    /// `draft` (to pay), `submitted` (in review), `rejected` (edit and
    /// resubmit), `approved` (download), `issued`.
    pub state: String,
    /// 省份.
    pub province_id: String,
    /// 交易平台.
    pub platform_id: String,
    /// 发证机构.
    pub ca_id: String,
    /// The chosen validity option.
    pub validity_option_id: String,
    /// Validity in years.
    pub years: u32,
    /// Fee in fen.
    pub fee_fen: i64,
    /// The reviewer's reason, after a rejection.
    pub reject_reason: Option<String>,
    /// How many times it was (re)submitted.
    pub submissions: u32,
    /// The certificate renewed or re-applied for (D6/D8).
    pub previous_certificate_id: Option<String>,
    /// SM3 (hex) of the uploaded form photo.
    pub form_photo_sm3: String,
    /// SM3 (hex) of the signature picture.
    pub signature_sm3: String,
    /// The order paying for it.
    pub order: Option<OrderView>,
    /// Created, RFC 3339.
    pub created_at: String,
    /// Last change, RFC 3339.
    pub updated_at: String,
}

impl ApplicationView {
    /// The view of `a`, with its order if known.
    pub fn new(a: &Application, order: Option<&Order>) -> Self {
        ApplicationView {
            id: a.id.to_string(),
            kind: a.kind.as_str().to_owned(),
            subject: a.subject.as_str().to_owned(),
            enterprise_id: a.enterprise_id.map(|e| e.to_string()),
            state: a.state.as_str().to_owned(),
            province_id: a.province_id.to_string(),
            platform_id: a.platform_id.to_string(),
            ca_id: a.ca_id.to_string(),
            validity_option_id: a.validity_option_id.to_string(),
            years: a.years,
            fee_fen: a.fee_fen,
            reject_reason: a.reject_reason.clone(),
            submissions: a.submissions,
            previous_certificate_id: a.previous_certificate_id.map(|c| c.to_string()),
            form_photo_sm3: hex::encode(a.form_photo_hash),
            signature_sm3: hex::encode(a.signature_hash),
            order: order.map(OrderView::from),
            created_at: time(a.created_at),
            updated_at: time(a.updated_at),
        }
    }
}

/// An issued certificate.
#[derive(Debug, Serialize, ToSchema)]
pub struct CertificateView {
    /// The certificate.
    pub id: String,
    /// `signing` or `encryption`.
    pub usage: String,
    /// Its application.
    pub application_id: String,
    /// The issuing CA organization.
    pub ca_id: String,
    /// The key record it certifies.
    pub key_id: String,
    /// Serial number, hex.
    pub serial: String,
    /// Validity start, RFC 3339.
    pub not_before: String,
    /// Validity end, RFC 3339.
    pub not_after: String,
    /// When revoked, RFC 3339.
    pub revoked_at: Option<String>,
    /// Why (RFC 5280 reason name).
    pub revocation_reason: Option<String>,
    /// The certificate, PEM.
    pub pem: String,
}

impl From<&CertificateRecord> for CertificateView {
    fn from(c: &CertificateRecord) -> Self {
        CertificateView {
            id: c.id.to_string(),
            usage: c.usage.as_str().to_owned(),
            application_id: c.application_id.to_string(),
            ca_id: c.ca_id.to_string(),
            key_id: c.key_id.clone(),
            serial: hex::encode(&c.serial),
            not_before: time(c.not_before),
            not_after: time(c.not_after),
            revoked_at: c.revoked_at.map(time),
            revocation_reason: c.revocation_reason.map(|r| r.as_str().to_owned()),
            pem: pem("CERTIFICATE", &c.der),
        }
    }
}

/// PEM of `der` under `label`.
pub fn pem(label: &str, der: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(line).unwrap_or_default());
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

/// A two-party signing key (the server's view: never a share).
#[derive(Debug, Serialize, ToSchema)]
pub struct KeyView {
    /// The key.
    pub id: String,
    /// `pending` (downloading), `active`, `locked` (5 wrong PINs) or
    /// `retired` (replaced after a forgotten PIN or a recovery).
    pub state: String,
    /// The application it was generated for.
    pub application_id: String,
    /// Whether the calling device holds its phone share.
    pub on_this_device: bool,
    /// Consecutive wrong PINs.
    pub pin_failures: u32,
    /// P, SEC1 uncompressed, hex.
    pub public_key: String,
    /// Created, RFC 3339.
    pub created_at: String,
}

impl KeyView {
    /// The view of `k` for a request from `device`.
    pub fn new(k: &SigningKeyRecord, device: DeviceId) -> Self {
        KeyView {
            id: k.id.to_string(),
            state: k.state.as_str().to_owned(),
            application_id: k.application_id.to_string(),
            on_this_device: k.device_id == Some(device),
            pin_failures: k.pin_failures,
            public_key: hex::encode(&k.public_key),
            created_at: time(k.created_at),
        }
    }
}

/// A PDF to save as `file_name` (an application form).
pub fn pdf_attachment(file_name: &'static str, pdf: Vec<u8>) -> axum::response::Response {
    use axum::http::header;
    use axum::response::IntoResponse;
    let disposition = format!("attachment; filename=\"{file_name}\"");
    (
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        pdf,
    )
        .into_response()
}
