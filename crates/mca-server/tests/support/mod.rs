//! The integration-test harness: a real server on 127.0.0.1:0 over a
//! scratch database, a manual clock, and command-line phones as clients.

#![allow(dead_code)]

pub mod certified;
pub mod enterprises;
pub mod rp;

use std::sync::Arc;

use mca_domain::store::Store;
use mca_domain::{DevProviders, ManualClock, Phone as PhoneNumber, Timestamp, UserId};
use mca_phone::Phone;
use mca_server::config::{Config, Secret};
use mca_store::Database;
use mca_store::scratch::Scratch;
use tokio::sync::oneshot;

/// The operator token the test servers accept.
pub const OPERATOR_TOKEN: &str = "test-operator-token";

/// A running server.
pub struct TestServer {
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    /// The store behind it, to check what is stored.
    pub store: Arc<dyn Store>,
    /// The development providers (development mode only).
    pub dev: Option<DevProviders>,
    /// The server's clock.
    pub clock: ManualClock,
    shutdown: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

/// The development configuration of the test servers.
pub fn config() -> Config {
    Config {
        dev_mode: true,
        operator_token: Some(Secret::new(OPERATOR_TOKEN)),
        max_body_bytes: 16 * 1024,
        key_encryption_key: Some(Secret::new("00112233445566778899aabbccddeeff")),
        ..Config::default()
    }
}

/// The test servers' transport key.
pub const TRANSPORT_KEY: &str = "1111111111111111111111111111111111111111111111111111111111111111";

/// The passphrase of the test CAs' keys.
const CA_PASSPHRASE: &str = "test-ca-passphrase";

/// [`config`] for certificates: seeds the catalogue into `db`, creates a
/// CA hierarchy per CA organization under a fresh directory.
pub async fn certificate_config(db: &Database) -> Config {
    let store = db.store();
    let catalogue = mca_domain::Catalogue::new(
        store.clone(),
        mca_domain::Audit::new(store.clone(), Arc::new(mca_domain::SystemClock)),
    );
    catalogue.seed_zhejiang().await.unwrap();
    let dir = std::env::temp_dir().join(format!("mca-test-cas-{}", UserId::new()));
    for org in catalogue.all().await.unwrap().ca_organizations {
        let short = org.short_name.to_lowercase();
        let ca = mca_pki::ca::CaHierarchy::create(
            mca_pki::ca::CaConfig {
                organization: org.name.clone(),
                crl_url: Some(format!("http://127.0.0.1/crl/{short}.crl")),
                ocsp_url: Some(format!("http://127.0.0.1/ocsp/{short}")),
            },
            mca_pki::ca::Lifetimes::default(),
        )
        .unwrap();
        ca.save(&dir.join(&short), CA_PASSPHRASE.as_bytes(), 1000)
            .unwrap();
    }
    Config {
        transport_key: Some(Secret::new(TRANSPORT_KEY)),
        ca_dir: dir.display().to_string(),
        ca_passphrase: Some(Secret::new(CA_PASSPHRASE)),
        ..config()
    }
}

fn now() -> Timestamp {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    Timestamp(secs as i64)
}

impl TestServer {
    /// A development server on a fresh scratch SQLite database.
    pub async fn on_sqlite() -> (Scratch, Self) {
        let scratch = Scratch::sqlite().await.unwrap();
        let server = Self::start(&scratch.db).await;
        (scratch, server)
    }

    /// Stops the server and removes its scratch database.
    pub async fn finish(self, scratch: Scratch) {
        self.stop().await;
        scratch.drop_all().await.unwrap();
    }

    /// Serves `db` (migrated) in development mode.
    pub async fn start(db: &Database) -> Self {
        Self::start_with(db, config()).await
    }

    /// A development server on `db` with the Zhejiang catalogue seeded and
    /// a CA hierarchy (in a fresh temporary directory) for each of its CA
    /// organizations: everything personal certificates need.
    pub async fn start_with_cas(db: &Database) -> Self {
        Self::start_with(db, certificate_config(db).await).await
    }

    /// Serves `db` with `config`.
    pub async fn start_with(db: &Database, config: Config) -> Self {
        Self::start_with_app(db, config, mca_server::app_assets::AppAssets::embedded()).await
    }

    /// Serves `db` with `config` and the phone app's files `assets`.
    pub async fn start_with_app(
        db: &Database,
        config: Config,
        assets: mca_server::app_assets::AppAssets,
    ) -> Self {
        let clock = ManualClock::new(now());
        let store = db.store();
        let state =
            mca_server::wiring::state_with_clock(&config, store.clone(), Arc::new(clock.clone()))
                .await
                .unwrap();
        mca_server::background::start(&state, std::time::Duration::from_secs(3600)).await;
        let dev = state.dev.clone();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(mca_server::run(
            listener,
            mca_server::app_with(state, assets),
            async {
                let _ = rx.await;
            },
        ));
        TestServer {
            base,
            store,
            dev,
            clock,
            shutdown: Some(tx),
            task,
        }
    }

    /// A new phone (fresh state directory, fresh device key).
    pub fn phone(&self) -> Phone {
        let dir = std::env::temp_dir().join(format!("mca-phone-test-{}", UserId::new()));
        Phone::open(dir, &self.base).unwrap()
    }

    /// A phone opened on another server (another instance) with the same
    /// state directory as `phone`.
    pub fn same_phone_on(&self, phone: &Phone) -> Phone {
        let dir = phone_dir(phone);
        let session = phone.session().cloned();
        let mut other = Phone::open(dir, &self.base).unwrap();
        if let Some(mut s) = session {
            s.server = self.base.clone();
            other.adopt_session(s);
        }
        other
    }

    /// Sends a login code to `number` and logs `phone` in with it.
    pub async fn login(&self, phone: &mut Phone, number: &str) -> bool {
        phone
            .send_code(number, mca_phone::phone::Purpose::Login)
            .await
            .unwrap();
        let code = phone.dev_code(number).await.unwrap();
        phone.login_with_code(number, &code).await.unwrap()
    }

    /// A phone logged in as a new account `number`.
    pub async fn registered(&self, number: &str) -> Phone {
        let mut phone = self.phone();
        assert!(
            self.login(&mut phone, number).await,
            "first login registers"
        );
        phone
    }

    /// A plain HTTP client for requests no phone would send.
    pub fn http(&self) -> reqwest::Client {
        reqwest::Client::new()
    }

    /// GET of an operator API path (`/audit/verify`, …) with the token.
    pub async fn operator_get(&self, path: &str) -> serde_json::Value {
        let url = format!("{}/api/operator/v1{path}", self.base);
        let response = self
            .http()
            .get(url)
            .bearer_auth(OPERATOR_TOKEN)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{path}");
        response.json().await.unwrap()
    }

    /// Stops the server and waits for it to finish.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        self.task.await.unwrap().unwrap();
    }
}

fn phone_dir(phone: &Phone) -> std::path::PathBuf {
    phone.state_dir().path().to_path_buf()
}

/// Everything stored about an account that a bad request must not change
/// (the audit log and code attempt counters are meant to record refusals).
#[derive(Debug, PartialEq)]
pub struct Snapshot {
    user: Option<String>,
    devices: Vec<String>,
    identity: Option<String>,
    messages: Vec<String>,
    catalogue: String,
}

/// The stored state of the account with phone `number`.
pub async fn snapshot(store: &Arc<dyn Store>, number: &str) -> Snapshot {
    let phone = PhoneNumber::parse(number).unwrap();
    let user = store.user_by_phone(&phone).await.unwrap();
    let (devices, identity, messages) = match &user {
        Some(u) => (
            store
                .devices_of(u.id)
                .await
                .unwrap()
                .iter()
                .map(|d| format!("{d:?}"))
                .collect(),
            store
                .identity(u.id)
                .await
                .unwrap()
                .map(|i| format!("{:?} {}", i.state, i.id_number_masked)),
            store
                .messages_of(u.id)
                .await
                .unwrap()
                .iter()
                .map(|m| format!("{m:?}"))
                .collect(),
        ),
        None => (Vec::new(), None, Vec::new()),
    };
    let catalogue = format!(
        "{:?}{:?}",
        store.provinces().await.unwrap(),
        store.platforms().await.unwrap()
    );
    Snapshot {
        user: user.map(|u| {
            format!(
                "{} {} {:?} {:?}",
                u.id,
                u.phone.as_str(),
                u.password_hash.map(|h| h.as_str().to_owned()),
                u.verified_at
            )
        }),
        devices,
        identity,
        messages,
        catalogue,
    }
}

/// Whether OpenSSL 3 verifies `sig` (DER) on `msg` with the standard SM2
/// ID under the public key of `cert_pem`.
pub fn openssl_verifies(cert_pem: &str, msg: &[u8], sig: &[u8]) -> bool {
    let dir = std::env::temp_dir().join(format!("mca-openssl-{}", mca_domain::UserId::new()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("c.pem"), cert_pem).unwrap();
    std::fs::write(dir.join("m"), msg).unwrap();
    std::fs::write(dir.join("s"), sig).unwrap();
    let run = |args: &[&str]| {
        std::process::Command::new("openssl")
            .args(args)
            .current_dir(&dir)
            .output()
            .expect("openssl on PATH")
    };
    let out = run(&["x509", "-in", "c.pem", "-pubkey", "-noout", "-out", "p.pem"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(&[
        "dgst",
        "-sm3",
        "-verify",
        "p.pem",
        "-sigopt",
        "distid:1234567812345678",
        "-signature",
        "s",
        "m",
    ]);
    let _ = std::fs::remove_dir_all(&dir);
    out.status.success() && String::from_utf8_lossy(&out.stdout).contains("Verified OK")
}

/// The OCSP status of `cert`, a certificate of the CA `short` (`zjca`),
/// asked over HTTP and checked against the issuing CA of its public chain.
pub async fn ocsp_status(
    server: &TestServer,
    short: &str,
    cert: &mca_pki::cert::Certificate,
) -> mca_pki::ocsp::CertStatus {
    use mca_pki::{cert::Certificate, ocsp};
    let chain = server
        .http()
        .get(format!("{}/ca/{short}/chain.pem", server.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let end = "-----END CERTIFICATE-----";
    let issuer = chain
        .split_inclusive(end)
        .filter(|pem| pem.contains(end))
        .map(|pem| Certificate::from_pem(pem.trim()).unwrap())
        .find(|c| cert.verify_issued_by(c).is_ok())
        .expect("the issuing CA is in the chain");
    let issuer_ref = mca_pki::issue::Issuer::from_certificate(&issuer, None, None);
    let id = ocsp::cert_id(&issuer_ref, cert.serial()).unwrap();
    let req = ocsp::request(vec![id.clone()], Some(b"test-nonce")).unwrap();
    let r = server
        .http()
        .post(format!("{}/ocsp/{short}", server.base))
        .header("content-type", "application/ocsp-request")
        .body(req)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let der = r.bytes().await.unwrap();
    let data = ocsp::verify_response(&der, issuer.public_key()).unwrap();
    data.responses
        .into_iter()
        .find(|r| r.cert_id == id)
        .unwrap()
        .cert_status
}
