//! Shared test helpers: a two-party signer that runs both roles in-process,
//! a throwaway CA, and runners for the independent checkers (OpenSSL,
//! Python `cryptography` + `gmssl`).

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

use mca_crypto::sm2::{Point, Signature};
use mca_crypto::twoparty::{phone, server};
use mca_pki::ca::{CaConfig, CaHierarchy, Lifetimes};
use mca_pki::signer::Signer;

/// The phone's and the server's halves of one split key, driven through
/// the real protocol messages for every signature.
pub struct TwoPartySigner {
    share: phone::Share,
    server: Mutex<server::SigningKey>,
    public_key: Point,
}

impl TwoPartySigner {
    pub fn generate() -> Self {
        const PIN: &[u8] = b"123456";
        const DEVICE: &[u8] = b"device-secret-0123456789";
        let (keygen, request) = phone::KeyGeneration::start().unwrap();
        let (server_key, response) = server::generate_signing_key(&request).unwrap();
        let (masked, public_key) = keygen.finish(&response, PIN, DEVICE).unwrap();
        let share = masked.unmask(PIN, DEVICE).unwrap();
        TwoPartySigner {
            share,
            server: Mutex::new(server_key),
            public_key,
        }
    }
}

impl TwoPartySigner {
    /// One protocol run, returning the server's verified signature (what
    /// authorizes a blinded decryption).
    pub fn sign_verified(&self, message: &[u8]) -> server::VerifiedSignature {
        let mut server = self.server.lock().unwrap();
        let (session, challenge) = server.begin_sign(message).unwrap();
        let partial = self.share.sign(&self.public_key, &challenge).unwrap();
        server.finish_sign(session, &partial).unwrap().signature
    }
}

impl Signer for TwoPartySigner {
    fn public_key(&self) -> Point {
        self.public_key
    }

    fn sign(&self, message: &[u8]) -> mca_pki::Result<Signature> {
        let mut server = self.server.lock().unwrap();
        let (session, challenge) = server.begin_sign(message)?;
        // The phone hashes the bytes it was shown, never a server digest.
        let partial = self.share.sign(&self.public_key, &challenge)?;
        let signed = server.finish_sign(session, &partial)?;
        // The refresh is not applied here: finish_sign keeps accepting the
        // current share until the phone confirms ρ.
        Ok(*signed.signature.signature())
    }
}

pub fn test_ca() -> CaHierarchy {
    CaHierarchy::create(
        CaConfig {
            organization: "测试CA机构".into(),
            crl_url: Some("http://ca.example.cn/crl/issuing.crl".into()),
            ocsp_url: Some("http://ca.example.cn/ocsp".into()),
        },
        Lifetimes::default(),
    )
    .unwrap()
}

/// A fresh scratch directory under the target dir.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "mca-pki-{name}-{}",
        hex::encode(mca_crypto::rand::bytes::<6>().unwrap())
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs `openssl` with `args` in `dir`; panics with its stderr on failure.
pub fn openssl(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl 3 must be installed");
    assert!(
        out.status.success(),
        "openssl {args:?} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
}

/// Like [`openssl`] but returns whether it succeeded.
pub fn openssl_ok(dir: &Path, args: &[&str]) -> bool {
    Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl 3 must be installed")
        .status
        .success()
}

/// Runs the independent Python checker on a JSON list of items; returns
/// its stdout. Panics if any check fails.
pub fn python_check(items: &serde_json::Value) -> String {
    let dir = scratch("py");
    let input = dir.join("items.json");
    std::fs::write(&input, serde_json::to_vec(items).unwrap()).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop/check_pki.py");
    let out = Command::new("python3")
        .arg(&script)
        .arg(&input)
        .output()
        .expect("python3 must be installed (with interop/requirements.txt)");
    assert!(
        out.status.success(),
        "independent check failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn write(dir: &Path, name: &str, bytes: impl AsRef<[u8]>) {
    std::fs::write(dir.join(name), bytes).unwrap();
}

/// A file from `testdata/`.
pub fn testdata(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("testdata")
            .join(name),
    )
    .unwrap()
}

pub fn person() -> mca_pki::profile::Holder {
    mca_pki::profile::Holder::Person {
        name: "张三".into(),
        resident_id: "11010519491231002X".into(),
    }
}

pub fn enterprise() -> mca_pki::profile::Holder {
    mca_pki::profile::Holder::Enterprise {
        name: "某某建设有限公司".into(),
        credit_code: "91350100M000100Y43".into(),
    }
}

/// An end-entity certificate from `ca`'s issuing CA, valid 30 days.
pub fn issue_for(
    ca: &CaHierarchy,
    holder: mca_pki::profile::Holder,
    key: Point,
    usage: mca_pki::profile::Usage,
) -> mca_pki::cert::Certificate {
    let req = mca_pki::issue::Request {
        holder,
        usage,
        public_key: key,
        validity_days: 30,
    };
    mca_pki::issue::issue(req, &ca.issuer(), ca.issuing_signer()).unwrap()
}
