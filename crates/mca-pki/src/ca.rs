//! A CA organization's hierarchy: a self-signed root, an issuing CA under
//! it, and a seal-making certificate (GB/T 38540 seals) under the issuing
//! CA. Keys are held by [`SoftwareSigner`]s and stored through
//! [`keystore`](crate::keystore).
//!
//! Directory layout (`save`/`load`):
//! ```text
//! ca.json            organization, CRL and OCSP URLs
//! root.pem           root certificate        root.key.json     its key
//! issuing.pem        issuing CA certificate  issuing.key.json  its key
//! seal.pem           seal-maker certificate  seal.key.json     its key
//! ```

use std::path::Path;

use mca_crypto::sm2::SecretKey;
use serde::{Deserialize, Serialize};

use crate::cert::Certificate;
use crate::issue::{self, Issuer, Kind};
use crate::name::ca_name;
use crate::profile::Usage;
use crate::signer::{Signer, SoftwareSigner, sign_with};
use crate::{Error, Result, algorithm, keystore};

/// Options for a new hierarchy.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct CaConfig {
    /// The CA organization (O of every CA certificate).
    pub organization: String,
    /// CRL distribution point put into issued certificates.
    pub crl_url: Option<String>,
    /// OCSP responder URL put into issued certificates.
    pub ocsp_url: Option<String>,
}

/// Validity of new CA certificates, in days.
#[derive(Clone, Copy, Debug)]
pub struct Lifetimes {
    /// Root CA.
    pub root_days: u32,
    /// Issuing CA (must end before the root).
    pub issuing_days: u32,
    /// Seal-maker certificate.
    pub seal_days: u32,
}

impl Default for Lifetimes {
    fn default() -> Self {
        Lifetimes {
            root_days: 20 * 365,
            issuing_days: 10 * 365,
            seal_days: 5 * 365,
        }
    }
}

/// Root + issuing CA + seal maker of one CA organization.
#[derive(Debug)]
pub struct CaHierarchy {
    config: CaConfig,
    root: Certificate,
    root_key: SoftwareSigner,
    issuing: Certificate,
    issuing_key: SoftwareSigner,
    seal: Certificate,
    seal_key: SoftwareSigner,
}

const FILES: [&str; 7] = [
    "ca.json",
    "root.pem",
    "root.key.json",
    "issuing.pem",
    "issuing.key.json",
    "seal.pem",
    "seal.key.json",
];

impl CaHierarchy {
    /// Generates keys and certificates for a new hierarchy.
    pub fn create(config: CaConfig, lifetimes: Lifetimes) -> Result<Self> {
        let org = config.organization.trim();
        if org.is_empty() || org.len() > 128 || org.chars().any(char::is_control) {
            return Err(Error::InvalidRequest("CA 机构名称无效".into()));
        }
        if lifetimes.issuing_days >= lifetimes.root_days
            || lifetimes.seal_days >= lifetimes.issuing_days
        {
            return Err(Error::InvalidRequest("下级证书有效期须短于上级".into()));
        }
        let now = algorithm::now()?;
        let root_key = SoftwareSigner::generate()?;
        let root_name = ca_name(org, &format!("{org} 根CA"))?;
        let root_tbs = issue::ca_tbs(
            root_name.clone(),
            &root_key.public_key(),
            None,
            lifetimes.root_days,
            None,
            now,
        )?;
        let self_issuer = Issuer {
            name: root_name,
            key: root_key.public_key(),
            not_before: root_tbs.validity.not_before.to_date_time(),
            not_after: root_tbs.validity.not_after.to_date_time(),
            crl_url: None,
            ocsp_url: None,
        };
        let root = sign_with(
            issue::prepare(&root_tbs, Kind::Ca, &self_issuer)?,
            &root_key,
        )?;

        let issuing_key = SoftwareSigner::generate()?;
        let root_issuer = Issuer::from_certificate(&root, None, None);
        let tbs = issue::ca_tbs(
            ca_name(org, &format!("{org} 签发CA"))?,
            &issuing_key.public_key(),
            Some(&root_issuer),
            lifetimes.issuing_days,
            Some(0),
            now,
        )?;
        let issuing = sign_with(issue::prepare(&tbs, Kind::Ca, &root_issuer)?, &root_key)?;

        let seal_key = SoftwareSigner::generate()?;
        let issuer =
            Issuer::from_certificate(&issuing, config.crl_url.clone(), config.ocsp_url.clone());
        let tbs = issue::end_entity_tbs(
            ca_name(org, &format!("{org} 电子印章制作"))?,
            &seal_key.public_key(),
            Usage::Signing,
            Vec::new(),
            &issuer,
            lifetimes.seal_days,
            now,
        )?;
        let seal = sign_with(
            issue::prepare(&tbs, Kind::EndEntity(Usage::Signing), &issuer)?,
            &issuing_key,
        )?;
        Ok(CaHierarchy {
            config,
            root,
            root_key,
            issuing,
            issuing_key,
            seal,
            seal_key,
        })
    }

    /// The organization and URLs.
    pub fn config(&self) -> &CaConfig {
        &self.config
    }

    /// The self-signed root certificate.
    pub fn root(&self) -> &Certificate {
        &self.root
    }

    /// The issuing CA certificate.
    pub fn issuing(&self) -> &Certificate {
        &self.issuing
    }

    /// The seal-maker certificate.
    pub fn seal_maker(&self) -> &Certificate {
        &self.seal
    }

    /// What issuance needs from the issuing CA.
    pub fn issuer(&self) -> Issuer {
        Issuer::from_certificate(
            &self.issuing,
            self.config.crl_url.clone(),
            self.config.ocsp_url.clone(),
        )
    }

    /// The issuing CA's signer (certificates, CRLs, OCSP responses).
    pub fn issuing_signer(&self) -> &dyn Signer {
        &self.issuing_key
    }

    /// The seal maker's signer.
    pub fn seal_signer(&self) -> &dyn Signer {
        &self.seal_key
    }

    /// The chain above an end-entity certificate: issuing CA, root.
    pub fn chain(&self) -> [&Certificate; 2] {
        [&self.issuing, &self.root]
    }

    /// Writes the hierarchy into `dir` (created if missing); refuses to
    /// overwrite any existing file, so a second `init` never destroys keys.
    pub fn save(&self, dir: &Path, passphrase: &[u8], rounds: u32) -> Result<()> {
        let io = |path: &Path| {
            let path = path.display().to_string();
            move |e: std::io::Error| Error::Io {
                path,
                reason: e.to_string(),
            }
        };
        std::fs::create_dir_all(dir).map_err(io(dir))?;
        for f in FILES {
            if dir.join(f).exists() {
                return Err(Error::Io {
                    path: dir.join(f).display().to_string(),
                    reason: "已存在，拒绝覆盖".into(),
                });
            }
        }
        let key = |s: &SoftwareSigner| keystore::encrypt(s.secret_key(), passphrase, rounds);
        let contents: [(&str, Vec<u8>); 7] = [
            ("root.key.json", key(&self.root_key)?),
            ("issuing.key.json", key(&self.issuing_key)?),
            ("seal.key.json", key(&self.seal_key)?),
            ("root.pem", self.root.to_pem().into_bytes()),
            ("issuing.pem", self.issuing.to_pem().into_bytes()),
            ("seal.pem", self.seal.to_pem().into_bytes()),
            (
                "ca.json",
                serde_json::to_vec_pretty(&self.config).expect("config serializes"),
            ),
        ];
        for (name, bytes) in contents {
            let path = dir.join(name);
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
                .map_err(io(&path))?;
            std::io::Write::write_all(&mut f, &bytes).map_err(io(&path))?;
        }
        Ok(())
    }

    /// Loads and checks a hierarchy written by [`CaHierarchy::save`]: every
    /// key must match its certificate and the chain must verify.
    pub fn load(dir: &Path, passphrase: &[u8]) -> Result<Self> {
        let read = |name: &str| {
            let path = dir.join(name);
            std::fs::read(&path).map_err(|e| Error::Io {
                path: path.display().to_string(),
                reason: e.to_string(),
            })
        };
        let cert = |name: &str| -> Result<Certificate> {
            let text = String::from_utf8(read(name)?).map_err(|_| Error::Malformed {
                what: "PEM certificate",
                reason: "not UTF-8".into(),
            })?;
            Certificate::from_pem(&text)
        };
        let key = |name: &str, cert: &Certificate| -> Result<SoftwareSigner> {
            let k: SecretKey = keystore::decrypt(&read(name)?, passphrase)?;
            if k.public_key() != cert.public_key() {
                return Err(Error::InvalidRequest(format!("{name} 与证书不匹配")));
            }
            Ok(SoftwareSigner::new(k))
        };
        let config: CaConfig =
            serde_json::from_slice(&read("ca.json")?).map_err(|e| Error::Malformed {
                what: "ca.json",
                reason: e.to_string(),
            })?;
        let (root, issuing, seal) = (cert("root.pem")?, cert("issuing.pem")?, cert("seal.pem")?);
        root.verify_issued_by(&root)?;
        issuing.verify_issued_by(&root)?;
        seal.verify_issued_by(&issuing)?;
        Ok(CaHierarchy {
            root_key: key("root.key.json", &root)?,
            issuing_key: key("issuing.key.json", &issuing)?,
            seal_key: key("seal.key.json", &seal)?,
            config,
            root,
            issuing,
            seal,
        })
    }
}
