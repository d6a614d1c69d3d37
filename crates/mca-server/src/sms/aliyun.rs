//! Aliyun SMS (dysmsapi, API version 2017-05-25): `SendSms` over the signed
//! RPC API (signature version 1.0, HMAC-SHA1).
//!
//! The request is a GET whose query holds the common parameters, the
//! `SendSms` parameters and `Signature`:
//!
//! ```text
//! canonical    = sorted "enc(k)=enc(v)" joined by "&"   (Signature excluded)
//! StringToSign = "GET&" + enc("/") + "&" + enc(canonical)
//! Signature    = base64(HMAC-SHA1(AccessKeySecret + "&", StringToSign))
//! ```
//!
//! where `enc` is RFC 3986 percent-encoding of UTF-8 that leaves only
//! `A–Z a–z 0–9 - _ . ~` alone (so a space is `%20`, `*` is `%2A`).
//! The gateway answers JSON with `Code = "OK"` on success.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;

use mca_domain::Timestamp;

use crate::config::{AliyunConfig, Secret};

/// Why an SMS could not be sent. Never carries the phone number or the code.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SmsError {
    /// The gateway could not be reached or timed out.
    #[error("SMS gateway unreachable: {0}")]
    Transport(String),
    /// The gateway refused the request with its own error code
    /// (e.g. `isv.BUSINESS_LIMIT_CONTROL`, `SignatureDoesNotMatch`).
    #[error("SMS gateway refused the message: {0}")]
    Rejected(String),
    /// The gateway answered something that is not its JSON.
    #[error("SMS gateway answered an unexpected response (HTTP {0})")]
    BadResponse(u16),
    /// The adapter is missing a setting.
    #[error("Aliyun SMS is not configured: {0}")]
    NotConfigured(&'static str),
}

/// The Aliyun SMS adapter.
pub struct AliyunSms {
    endpoint: String,
    region_id: String,
    access_key_id: String,
    access_key_secret: Secret,
    sign_name: String,
    template_code: String,
    http: reqwest::Client,
}

impl std::fmt::Debug for AliyunSms {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AliyunSms")
            .field("endpoint", &self.endpoint)
            .finish_non_exhaustive()
    }
}

impl AliyunSms {
    /// An adapter for the configured account; refuses an incomplete setup.
    pub fn new(config: &AliyunConfig) -> Result<Self, SmsError> {
        let secret = config
            .access_key_secret
            .clone()
            .ok_or(SmsError::NotConfigured("access_key_secret"))?;
        for (value, name) in [
            (&config.access_key_id, "access_key_id"),
            (&config.sign_name, "sign_name"),
            (&config.template_code, "template_code"),
        ] {
            if value.is_empty() {
                return Err(SmsError::NotConfigured(name));
            }
        }
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| SmsError::Transport(e.to_string()))?;
        Ok(AliyunSms {
            endpoint: config.endpoint.clone(),
            region_id: config.region_id.clone(),
            access_key_id: config.access_key_id.clone(),
            access_key_secret: secret,
            sign_name: config.sign_name.clone(),
            template_code: config.template_code.clone(),
            http,
        })
    }

    /// Sends the verification `code` to `phone` (11 digits, mainland).
    pub async fn send_code(&self, phone: &str, code: &str) -> Result<(), SmsError> {
        let nonce = hex::encode(
            mca_crypto::rand::bytes::<16>().map_err(|e| SmsError::Transport(e.to_string()))?,
        );
        let template_param = serde_json::json!({ "code": code }).to_string();
        let mut params = BTreeMap::new();
        for (k, v) in [
            ("AccessKeyId", self.access_key_id.as_str()),
            ("Action", "SendSms"),
            ("Format", "JSON"),
            ("PhoneNumbers", phone),
            ("RegionId", self.region_id.as_str()),
            ("SignName", self.sign_name.as_str()),
            ("SignatureMethod", "HMAC-SHA1"),
            ("SignatureNonce", nonce.as_str()),
            ("SignatureVersion", "1.0"),
            ("TemplateCode", self.template_code.as_str()),
            ("TemplateParam", template_param.as_str()),
            ("Timestamp", iso8601_utc(SystemTime::now()).as_str()),
            ("Version", "2017-05-25"),
        ] {
            params.insert(k.to_owned(), v.to_owned());
        }
        let signature = sign("GET", &params, self.access_key_secret.expose());
        let url = format!(
            "{}?Signature={}&{}",
            self.endpoint,
            percent_encode(&signature),
            canonical_query(&params)
        );
        let response = self.http.get(url).send().await.map_err(|e| {
            // The URL (with the phone number and code) must not reach logs.
            SmsError::Transport(e.without_url().to_string())
        })?;
        let status = response.status().as_u16();
        let body: serde_json::Value = response
            .json()
            .await
            .map_err(|_| SmsError::BadResponse(status))?;
        match body.get("Code").and_then(|c| c.as_str()) {
            Some("OK") => Ok(()),
            Some(code) => Err(SmsError::Rejected(code.to_owned())),
            None => Err(SmsError::BadResponse(status)),
        }
    }
}

/// The RPC signature of `params` (which must not contain `Signature`).
pub fn sign(method: &str, params: &BTreeMap<String, String>, access_key_secret: &str) -> String {
    let string_to_sign = format!(
        "{method}&{}&{}",
        percent_encode("/"),
        percent_encode(&canonical_query(params))
    );
    let mut mac = Hmac::<Sha1>::new_from_slice(format!("{access_key_secret}&").as_bytes())
        .expect("HMAC takes keys of any length");
    mac.update(string_to_sign.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// `enc(k)=enc(v)` pairs sorted by key (a `BTreeMap` iterates sorted).
pub fn canonical_query(params: &BTreeMap<String, String>) -> String {
    params
        .iter()
        .map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Aliyun's percent-encoding: RFC 3986 unreserved characters stay, every
/// other UTF-8 byte becomes `%XY` (upper-case hex).
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `yyyy-MM-ddTHH:mm:ssZ` in UTC, as the gateway requires.
fn iso8601_utc(t: SystemTime) -> String {
    let secs = t
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    Timestamp(secs as i64).rfc3339()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The worked example of Aliyun's RPC signature documentation
    /// (ECS DescribeRegions, AccessKeySecret `testsecret`).
    #[test]
    fn matches_the_documented_example() {
        let params: BTreeMap<String, String> = [
            ("Timestamp", "2016-02-23T12:46:24Z"),
            ("Format", "XML"),
            ("AccessKeyId", "testid"),
            ("Action", "DescribeRegions"),
            ("SignatureMethod", "HMAC-SHA1"),
            ("SignatureNonce", "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf"),
            ("Version", "2014-05-26"),
            ("SignatureVersion", "1.0"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        assert_eq!(
            sign("GET", &params, "testsecret"),
            "OLeaidS1JvxuMvnyHOwuJ+uX5qY="
        );
    }

    #[test]
    fn encodes_like_rfc3986_not_forms() {
        assert_eq!(percent_encode("a b*c~d/é"), "a%20b%2Ac~d%2F%C3%A9");
        assert_eq!(
            percent_encode("{\"code\":\"1\"}"),
            "%7B%22code%22%3A%221%22%7D"
        );
    }

    #[test]
    fn formats_utc_timestamps() {
        let t = UNIX_EPOCH + Duration::from_secs(1_456_231_584);
        assert_eq!(iso8601_utc(t), "2016-02-23T12:46:24Z");
        assert_eq!(
            iso8601_utc(UNIX_EPOCH + Duration::from_secs(951_782_400)),
            "2000-02-29T00:00:00Z"
        );
    }

    #[test]
    fn refuses_incomplete_configuration() {
        let mut config = crate::config::Config::default().sms.aliyun;
        assert!(matches!(
            AliyunSms::new(&config),
            Err(SmsError::NotConfigured(_))
        ));
        config.access_key_secret = Some(Secret::new("s"));
        config.access_key_id = "id".into();
        config.sign_name = "浙江移动CA".into();
        assert!(matches!(
            AliyunSms::new(&config),
            Err(SmsError::NotConfigured("template_code"))
        ));
    }
}
