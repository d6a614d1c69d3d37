//! Server configuration, layered defaults → TOML file → `MCA_…` environment.
//!
//! Every setting has one environment variable (see [`ENV_KEYS`]); the secret
//! ones also accept `MCA_…_FILE`, naming a file whose (trimmed) contents are
//! the value, so secrets can come from mounted files instead of the process
//! environment. An `MCA_…` variable that names no setting is reported back
//! in [`Loaded::unknown_env`] so the caller can warn about a typo instead of
//! silently running with the default.
//!
//! Secrets are held in [`Secret`], whose `Debug` never shows the value.

use std::fmt;
use std::net::SocketAddr;
use std::path::Path;

use figment::Figment;
use figment::providers::{Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

/// The complete server configuration.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Development mode: the development SMS and face providers may be used
    /// and the `/api/dev/…` endpoints exist. Never in production.
    pub dev_mode: bool,
    /// Address the server listens on.
    pub listen: SocketAddr,
    /// `sqlite://path?mode=rwc` or `postgres://…`; the scheme picks the backend.
    pub database_url: String,
    /// Key-encryption key for server-side shares at rest (32 hex digits, one
    /// SM4 key; PROTOCOL.md §7).
    pub key_encryption_key: Option<Secret>,
    /// Identifier recorded with every sealed record, so keys can be rotated.
    pub key_encryption_key_id: String,
    /// Bearer token of the operator API; without it the operator API refuses
    /// every request.
    pub operator_token: Option<Secret>,
    /// Largest accepted request body, in bytes.
    pub max_body_bytes: usize,
    /// Behind a load balancer: the header in which it appends the client's
    /// address (e.g. `x-forwarded-for`); its last entry is used for the
    /// per-address limits. Unset: the TCP peer's address.
    pub client_ip_header: Option<String>,
    /// Largest accepted body of the requests that carry pictures (the
    /// application's form photo and signature, base64 in JSON), in bytes.
    pub max_upload_bytes: usize,
    /// The server's SM2 transport key (64 hex digits, a private key):
    /// s1 from the phone is sealed to its public key (PROTOCOL.md §7).
    /// Every instance needs the same one. Development mode without one:
    /// an ephemeral key.
    pub transport_key: Option<Secret>,
    /// Directory of the CA hierarchies, one sub-directory per CA
    /// organization named after its short name in lower case (`zjca`),
    /// as `mca ca init` writes them.
    pub ca_dir: String,
    /// Passphrase of the CA keys in `ca_dir`.
    pub ca_passphrase: Option<Secret>,
    /// CJK TrueType font for signatures generated from the name (D4).
    pub signature_font: String,
    /// Recovery fee (G1), in fen.
    pub recovery_fee_fen: i64,
    /// How often expiry reminders are sent, in seconds.
    pub reminder_interval_seconds: u64,
    /// How long a published CRL is served before it is re-signed, in
    /// seconds (1 to 86 399: less than the CRL's one-day validity, so a
    /// fresh CRL is out before nextUpdate). A revocation re-signs at once.
    pub crl_refresh_seconds: u64,
    /// Where SMS codes go.
    pub sms: SmsConfig,
}

/// SMS provider choice.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SmsConfig {
    /// `dev` (codes in the log and the dev endpoint; development mode only)
    /// or `aliyun`.
    pub provider: SmsProvider,
    /// Minimum seconds between two codes to one phone (default 60; 1 to
    /// 3600). The hourly and daily quotas per phone stay the product's.
    pub resend_interval_seconds: u64,
    /// Aliyun SMS settings, used when `provider = "aliyun"`.
    pub aliyun: AliyunConfig,
}

/// Which SMS provider sends codes.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum SmsProvider {
    /// The development provider: logs the code, keeps the latest per phone.
    Dev,
    /// Aliyun SMS (dysmsapi), signed RPC API.
    Aliyun,
}

/// Aliyun SMS (dysmsapi 2017-05-25) settings.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AliyunConfig {
    /// API endpoint; the default is the public one.
    pub endpoint: String,
    /// Region id sent with each request.
    pub region_id: String,
    /// AccessKey id.
    pub access_key_id: String,
    /// AccessKey secret.
    pub access_key_secret: Option<Secret>,
    /// Approved signature name (签名名称), e.g. "浙江移动CA".
    pub sign_name: String,
    /// Approved template code with a `${code}` parameter, e.g. "SMS_123456789".
    pub template_code: String,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            dev_mode: false,
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            database_url: "sqlite://mca-data/mca.db?mode=rwc".into(),
            key_encryption_key: None,
            key_encryption_key_id: "kek-1".into(),
            operator_token: None,
            max_body_bytes: 64 * 1024,
            client_ip_header: None,
            max_upload_bytes: 16 * 1024 * 1024,
            transport_key: None,
            ca_dir: "mca-data/ca".into(),
            ca_passphrase: None,
            signature_font: "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc".into(),
            recovery_fee_fen: 5000,
            reminder_interval_seconds: 3600,
            crl_refresh_seconds: 3600,
            sms: SmsConfig {
                provider: SmsProvider::Dev,
                resend_interval_seconds: mca_domain::CodePolicy::default()
                    .resend_interval_secs
                    .unsigned_abs(),
                aliyun: AliyunConfig {
                    endpoint: "https://dysmsapi.aliyuncs.com/".into(),
                    region_id: "cn-hangzhou".into(),
                    access_key_id: String::new(),
                    access_key_secret: None,
                    sign_name: String::new(),
                    template_code: String::new(),
                },
            },
        }
    }
}

/// A secret setting: its value never appears in `Debug` output or logs.
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret value, for the one place that uses it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(…)")
    }
}

/// One environment variable: its name after `MCA_`, the dotted key it sets,
/// and whether it is a secret (and so also read from `MCA_…_FILE`).
pub struct EnvKey {
    /// Name after the `MCA_` prefix.
    pub var: &'static str,
    /// Dotted configuration key.
    pub key: &'static str,
    /// Accepts the `_FILE` variant.
    pub secret: bool,
}

/// Every environment variable the server reads.
pub const ENV_KEYS: &[EnvKey] = &[
    EnvKey {
        var: "DEV_MODE",
        key: "dev_mode",
        secret: false,
    },
    EnvKey {
        var: "LISTEN",
        key: "listen",
        secret: false,
    },
    EnvKey {
        var: "DATABASE_URL",
        key: "database_url",
        secret: true,
    },
    EnvKey {
        var: "KEY_ENCRYPTION_KEY",
        key: "key_encryption_key",
        secret: true,
    },
    EnvKey {
        var: "KEY_ENCRYPTION_KEY_ID",
        key: "key_encryption_key_id",
        secret: false,
    },
    EnvKey {
        var: "OPERATOR_TOKEN",
        key: "operator_token",
        secret: true,
    },
    EnvKey {
        var: "MAX_BODY_BYTES",
        key: "max_body_bytes",
        secret: false,
    },
    EnvKey {
        var: "CLIENT_IP_HEADER",
        key: "client_ip_header",
        secret: false,
    },
    EnvKey {
        var: "MAX_UPLOAD_BYTES",
        key: "max_upload_bytes",
        secret: false,
    },
    EnvKey {
        var: "TRANSPORT_KEY",
        key: "transport_key",
        secret: true,
    },
    EnvKey {
        var: "CA_DIR",
        key: "ca_dir",
        secret: false,
    },
    EnvKey {
        var: "CA_PASSPHRASE",
        key: "ca_passphrase",
        secret: true,
    },
    EnvKey {
        var: "SIGNATURE_FONT",
        key: "signature_font",
        secret: false,
    },
    EnvKey {
        var: "RECOVERY_FEE_FEN",
        key: "recovery_fee_fen",
        secret: false,
    },
    EnvKey {
        var: "REMINDER_INTERVAL_SECONDS",
        key: "reminder_interval_seconds",
        secret: false,
    },
    EnvKey {
        var: "CRL_REFRESH_SECONDS",
        key: "crl_refresh_seconds",
        secret: false,
    },
    EnvKey {
        var: "SMS_PROVIDER",
        key: "sms.provider",
        secret: false,
    },
    EnvKey {
        var: "SMS_RESEND_INTERVAL_SECONDS",
        key: "sms.resend_interval_seconds",
        secret: false,
    },
    EnvKey {
        var: "SMS_ALIYUN_ENDPOINT",
        key: "sms.aliyun.endpoint",
        secret: false,
    },
    EnvKey {
        var: "SMS_ALIYUN_REGION_ID",
        key: "sms.aliyun.region_id",
        secret: false,
    },
    EnvKey {
        var: "SMS_ALIYUN_ACCESS_KEY_ID",
        key: "sms.aliyun.access_key_id",
        secret: false,
    },
    EnvKey {
        var: "SMS_ALIYUN_ACCESS_KEY_SECRET",
        key: "sms.aliyun.access_key_secret",
        secret: true,
    },
    EnvKey {
        var: "SMS_ALIYUN_SIGN_NAME",
        key: "sms.aliyun.sign_name",
        secret: false,
    },
    EnvKey {
        var: "SMS_ALIYUN_TEMPLATE_CODE",
        key: "sms.aliyun.template_code",
        secret: false,
    },
];

/// Variables with the `MCA_` prefix that belong to other tools, not the
/// server, and so are not reported as unknown.
const FOREIGN_ENV: &[&str] = &["MCA_TEST_POSTGRES_URL", "MCA_LOG", "MCA_CONFIG"];

/// A loaded configuration and what the caller should warn about.
#[derive(Debug)]
pub struct Loaded {
    /// The configuration.
    pub config: Config,
    /// `MCA_…` variables that name no setting.
    pub unknown_env: Vec<String>,
}

/// Why the configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// A file named by the configuration could not be read.
    #[error("cannot read {path}: {reason}")]
    Read {
        /// The file.
        path: String,
        /// The I/O error, as text.
        reason: String,
    },
    /// A value is missing, malformed or of the wrong type.
    #[error("invalid configuration: {0}")]
    Invalid(String),
}

impl Config {
    /// Loads defaults, then `file` (if given), then the `MCA_…` variables of
    /// `env` (pass `std::env::vars()` in production; tests pass their own).
    pub fn load(
        file: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Loaded, ConfigError> {
        let loaded = Self::load_unchecked(file, env)?;
        loaded.config.validate()?;
        Ok(loaded)
    }

    /// [`Config::load`] without [`Config::validate`]: for commands that
    /// only touch the database (`mca audit verify`, `mca catalogue …`) and
    /// so need none of what production requires of a server.
    pub fn load_unchecked(
        file: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Loaded, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        if let Some(path) = file {
            let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Read {
                path: path.display().to_string(),
                reason: e.to_string(),
            })?;
            figment = figment.merge(Toml::string(&text));
        }
        let mut unknown_env = Vec::new();
        for (name, value) in env {
            let Some(rest) = name.strip_prefix("MCA_") else {
                continue;
            };
            if FOREIGN_ENV.contains(&name.as_str()) {
                continue;
            }
            let (var, from_file) = match rest.strip_suffix("_FILE") {
                Some(var) => (var, true),
                None => (rest, false),
            };
            let Some(key) = ENV_KEYS
                .iter()
                .find(|k| k.var == var && (k.secret || !from_file))
            else {
                unknown_env.push(name);
                continue;
            };
            let value = if from_file {
                std::fs::read_to_string(&value)
                    .map_err(|e| ConfigError::Read {
                        path: value.clone(),
                        reason: e.to_string(),
                    })?
                    .trim()
                    .to_owned()
            } else {
                value
            };
            figment = figment.merge(Serialized::global(key.key, env_value(key, &value)));
        }
        let config: Config = figment
            .extract()
            .map_err(|e| ConfigError::Invalid(e.to_string()))?;
        Ok(Loaded {
            config,
            unknown_env,
        })
    }

    /// Checks what serde cannot: that production has what it needs.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if let Some(kek) = &self.key_encryption_key {
            let ok = hex::decode(kek.expose())
                .map(|k| k.len() == 16)
                .unwrap_or(false);
            if !ok {
                return Err(ConfigError::Invalid(
                    "key_encryption_key must be 32 hexadecimal digits (one SM4 key)".into(),
                ));
            }
        }
        if let Some(key) = &self.transport_key
            && transport_secret_key(key).is_none()
        {
            return Err(ConfigError::Invalid(
                "transport_key must be 64 hexadecimal digits (an SM2 private key)".into(),
            ));
        }
        if self.reminder_interval_seconds == 0 {
            return Err(ConfigError::Invalid(
                "reminder_interval_seconds must be at least 1".into(),
            ));
        }
        let crl_validity = mca_domain::certificates::revocation::PUBLICATION_SECS;
        let refresh = i64::try_from(self.crl_refresh_seconds);
        if !refresh.is_ok_and(|r| (1..crl_validity).contains(&r)) {
            return Err(ConfigError::Invalid(format!(
                "crl_refresh_seconds must be between 1 and {}",
                crl_validity - 1
            )));
        }
        if !(1..=3600).contains(&self.sms.resend_interval_seconds) {
            return Err(ConfigError::Invalid(
                "sms.resend_interval_seconds must be between 1 and 3600".into(),
            ));
        }
        if self.dev_mode {
            return Ok(());
        }
        if self.key_encryption_key.is_none() {
            return Err(ConfigError::Invalid(
                "key_encryption_key is required outside development mode".into(),
            ));
        }
        if self.transport_key.is_none() {
            return Err(ConfigError::Invalid(
                "transport_key is required outside development mode".into(),
            ));
        }
        if self.sms.provider == SmsProvider::Dev {
            return Err(ConfigError::Invalid(
                "the development SMS provider is only allowed in development mode".into(),
            ));
        }
        Ok(())
    }
}

/// Environment values are strings; the typed settings are parsed here so
/// that an all-digit token stays a string and a port stays a number.
fn env_value(key: &EnvKey, value: &str) -> figment::value::Value {
    use figment::value::Value;
    match key.key {
        "dev_mode" => match value.parse::<bool>() {
            Ok(b) => Value::from(b),
            Err(_) => Value::from(value.to_owned()),
        },
        "max_body_bytes"
        | "max_upload_bytes"
        | "reminder_interval_seconds"
        | "crl_refresh_seconds"
        | "sms.resend_interval_seconds" => match value.parse::<u64>() {
            Ok(n) => Value::from(n),
            Err(_) => Value::from(value.to_owned()),
        },
        "recovery_fee_fen" => match value.parse::<i64>() {
            Ok(n) => Value::from(n),
            Err(_) => Value::from(value.to_owned()),
        },
        _ => Value::from(value.to_owned()),
    }
}

/// The transport key of a `transport_key` setting, if well-formed.
pub fn transport_secret_key(key: &Secret) -> Option<mca_crypto::sm2::SecretKey> {
    let bytes = zeroize::Zeroizing::new(hex::decode(key.expose()).ok()?);
    mca_crypto::sm2::SecretKey::from_bytes(&bytes).ok()
}

/// The commented example configuration printed by `mca config example`.
/// A test checks that it parses and equals the defaults plus its examples.
pub const EXAMPLE: &str = include_str!("config_example.toml");

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    const DEV: (&str, &str) = ("MCA_DEV_MODE", "true");

    #[test]
    fn defaults_need_production_secrets() {
        let err = Config::load(None, env(&[])).unwrap_err();
        assert!(err.to_string().contains("key_encryption_key"), "{err}");
    }

    #[test]
    fn dev_mode_runs_on_defaults() {
        let loaded = Config::load(None, env(&[DEV])).unwrap();
        assert!(loaded.config.dev_mode);
        assert_eq!(loaded.config.sms.provider, SmsProvider::Dev);
        assert!(loaded.unknown_env.is_empty());
    }

    #[test]
    fn sms_resend_interval_is_read_and_bounded() {
        let loaded =
            Config::load(None, env(&[DEV, ("MCA_SMS_RESEND_INTERVAL_SECONDS", "5")])).unwrap();
        assert_eq!(loaded.config.sms.resend_interval_seconds, 5);
        for bad in ["0", "3601"] {
            let err = Config::load(None, env(&[DEV, ("MCA_SMS_RESEND_INTERVAL_SECONDS", bad)]))
                .unwrap_err();
            assert!(err.to_string().contains("resend_interval_seconds"), "{err}");
        }
    }

    #[test]
    fn file_then_env_override_in_order() {
        let dir = std::env::temp_dir().join(format!("mca-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("mca.toml");
        std::fs::write(
            &file,
            "dev_mode = true\nlisten = \"0.0.0.0:9000\"\nmax_body_bytes = 1000\n[sms.aliyun]\nsign_name = \"甲\"\n",
        )
        .unwrap();
        let loaded = Config::load(
            Some(&file),
            env(&[
                ("MCA_MAX_BODY_BYTES", "2000"),
                ("MCA_SMS_ALIYUN_SIGN_NAME", "浙江移动CA"),
            ]),
        )
        .unwrap();
        assert_eq!(loaded.config.listen.port(), 9000);
        assert_eq!(loaded.config.max_body_bytes, 2000);
        assert_eq!(loaded.config.sms.aliyun.sign_name, "浙江移动CA");
        assert_eq!(loaded.config.sms.aliyun.region_id, "cn-hangzhou");
    }

    #[test]
    fn secrets_come_from_files_and_stay_strings() {
        let dir = std::env::temp_dir().join(format!("mca-config-secret-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("token");
        std::fs::write(&file, "123456789\n").unwrap();
        let loaded = Config::load(
            None,
            env(&[DEV, ("MCA_OPERATOR_TOKEN_FILE", file.to_str().unwrap())]),
        )
        .unwrap();
        assert_eq!(
            loaded.config.operator_token.as_ref().unwrap().expose(),
            "123456789"
        );
        assert!(!format!("{:?}", loaded.config).contains("123456789"));
    }

    #[test]
    fn unknown_variables_are_reported_not_applied() {
        let loaded = Config::load(
            None,
            env(&[
                DEV,
                ("MCA_LISTN", "x"),
                ("MCA_LISTEN_FILE", "/x"),
                ("MCA_TEST_POSTGRES_URL", "p"),
            ]),
        )
        .unwrap();
        assert_eq!(
            loaded.unknown_env,
            vec!["MCA_LISTN".to_string(), "MCA_LISTEN_FILE".to_string()]
        );
    }

    #[test]
    fn bad_values_are_clear_errors() {
        for bad in [
            ("MCA_LISTEN", "nowhere"),
            ("MCA_MAX_BODY_BYTES", "lots"),
            ("MCA_SMS_PROVIDER", "carrier-pigeon"),
            ("MCA_KEY_ENCRYPTION_KEY", "abcd"),
        ] {
            assert!(Config::load(None, env(&[DEV, bad])).is_err(), "{bad:?}");
        }
        let missing = Config::load(
            None,
            env(&[DEV, ("MCA_OPERATOR_TOKEN_FILE", "/nonexistent/x")]),
        );
        assert!(matches!(missing, Err(ConfigError::Read { .. })));
    }

    #[test]
    fn production_refuses_dev_sms() {
        let kek = ("MCA_KEY_ENCRYPTION_KEY", "00112233445566778899aabbccddeeff");
        let err = Config::load(None, env(&[kek])).unwrap_err();
        assert!(err.to_string().contains("transport_key"), "{err}");
        let transport = ("MCA_TRANSPORT_KEY", "11".repeat(32));
        let transport = (transport.0, transport.1.as_str());
        let err = Config::load(None, env(&[kek, transport])).unwrap_err();
        assert!(err.to_string().contains("development SMS"), "{err}");
        Config::load(None, env(&[kek, transport, ("MCA_SMS_PROVIDER", "aliyun")])).unwrap();
        // A transport key that is not an SM2 private key is refused.
        let bad = ("MCA_TRANSPORT_KEY", "00");
        let err = Config::load(None, env(&[kek, bad, ("MCA_SMS_PROVIDER", "aliyun")])).unwrap_err();
        assert!(err.to_string().contains("transport_key"), "{err}");
    }

    #[test]
    fn example_parses_and_matches_the_settings() {
        let dir = std::env::temp_dir().join(format!("mca-config-example-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("example.toml");
        std::fs::write(&file, EXAMPLE).unwrap();
        let loaded = Config::load(Some(&file), env(&[])).unwrap();
        assert!(loaded.config.dev_mode);
        // Every environment variable is documented in the example.
        for key in ENV_KEYS {
            assert!(
                EXAMPLE.contains(&format!("MCA_{}", key.var)),
                "{} undocumented",
                key.var
            );
        }
    }
}
