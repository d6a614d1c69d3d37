//! The demo e-tendering platform: a relying party of Mobile CA built only
//! on the relying-party SDK (`mca-rp-sdk`) and the scan widget
//! (`web/widget/mca-qr.js`), server-rendered in Chinese.
//!
//! - 交易平台: password login and scan-login (J2), scan-binding a password
//!   account to the certificate (J1), sealing a tender announcement (J3).
//! - 投标文件制作工具: scan authentication handing over the encryption
//!   certificate (K1), sealing the bid document (K2), the bid file =
//!   SignedData + GM/T 0010 envelope to the bidder's encryption
//!   certificate (K3), upload confirmed by scan (K4).
//! - 开标大厅: scan-login (L1) and scan-decrypt of the bidder's own bid in
//!   the opening window (L2).
//!
//! State (accounts, bids, pending scans) lives in memory: this is a
//! demonstration of the integration, not a trading platform. Every scan
//! result is verified locally with the SDK's `Verifier` against the CA
//! chains fetched once from the Mobile CA server.
//!
//! # Layout
//! - [`html`]: the layout, escaping and the scan block.
//! - [`flows`]: the routes and what each finished scan does.

#![forbid(unsafe_code)]

pub mod flows;
pub mod html;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use mca_rp_sdk::{ApiSecret, Client, Config as SdkConfig, TrustAnchors};
use tokio::net::TcpListener;
use tokio::sync::{Mutex, OnceCell};

/// How the demo platform reaches Mobile CA.
#[derive(Clone)]
pub struct DemoConfig {
    /// The Mobile CA server, e.g. `http://127.0.0.1:8080`.
    pub server: String,
    /// The relying party's id (from `mca rp add`).
    pub rp_id: String,
    /// Its key id.
    pub key_id: String,
    /// Its API secret, hex.
    pub secret_hex: String,
    /// The CAs whose chains are trusted (short names, lower case).
    pub cas: Vec<String>,
}

impl std::fmt::Debug for DemoConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DemoConfig")
            .field("server", &self.server)
            .field("rp_id", &self.rp_id)
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}

/// A platform account.
#[derive(Clone, Debug)]
pub struct Account {
    /// Login name.
    pub username: String,
    /// Shown name.
    pub display_name: String,
    /// Password (demo accounts only; a real platform stores a hash).
    pub password: String,
    /// The certificate holder bound to it (J1), by resident ID or CN; for
    /// an enterprise account, the enterprise (`ent:` + credit code): any of
    /// its authorized staff logs in to it.
    pub holder: Option<String>,
    /// The enterprise (name, unified social credit code) of an enterprise
    /// account.
    pub enterprise: Option<(String, String)>,
}

/// A bid uploaded through the bid-file tool.
#[derive(Clone, Debug)]
pub struct Bid {
    /// The bidder (certificate holder).
    pub holder: String,
    /// Shown name of the bidder.
    pub bidder_name: String,
    /// File name.
    pub file_name: String,
    /// The bid document's SignedData (detached), DER.
    pub signed_data: Vec<u8>,
    /// The bid document enveloped to the bidder's encryption certificate.
    pub envelope: Vec<u8>,
    /// Upload receipt number (K4).
    pub receipt: String,
    /// Whether the bidder confirmed the receipt by scan.
    pub confirmed: bool,
}

/// What a pending scan is for, and what its completion does.
pub enum Action {
    /// J2 / L1: log in (`hall`: into the opening hall).
    Login { challenge: Vec<u8>, hall: bool },
    /// J1: bind the account to the certificate.
    Bind {
        challenge: Vec<u8>,
        username: String,
    },
    /// J3: seal a tender announcement.
    SealTender { text: String },
    /// K1: authenticate the bidder and take the encryption certificate.
    BidAuth { challenge: Vec<u8> },
    /// K2 + K3: seal and sign the bid document, then envelope it.
    SealBid {
        file_name: String,
        document: Vec<u8>,
        encryption: Vec<u8>,
    },
    /// K4: confirm the upload receipt.
    ConfirmUpload { bid: usize, file_hash: Vec<u8> },
    /// L2: open the bid in the opening window.
    OpenBid {
        bid: usize,
        key: mca_crypto::sm2::SecretKey,
    },
}

/// A scan in progress.
pub struct Scan {
    /// The Mobile CA session.
    pub session_id: String,
    /// Its QR frames (the secret stays here).
    pub frames: mca_rp_sdk::QrFrames,
    /// The browser session that asked.
    pub browser: String,
    /// What it is for.
    pub action: Action,
}

/// Who a browser session is.
#[derive(Clone, Debug, Default)]
pub struct BrowserSession {
    /// Logged in to the trading platform as this account.
    pub account: Option<String>,
    /// The bid-file tool's authenticated bidder: holder, name and
    /// encryption certificate (DER).
    pub bidder: Option<(String, String, Vec<u8>)>,
    /// Logged in to the opening hall as this holder.
    pub hall: Option<(String, String)>,
    /// What the last finished scan produced, to show once.
    pub notice: Option<String>,
}

/// Everything the platform remembers.
#[derive(Default)]
pub struct Memory {
    /// Accounts by username.
    pub accounts: HashMap<String, Account>,
    /// Browser sessions by cookie value.
    pub browsers: HashMap<String, BrowserSession>,
    /// Pending scans by their id (the Mobile CA session id).
    pub scans: HashMap<String, Scan>,
    /// Uploaded bids.
    pub bids: Vec<Bid>,
}

/// The shared state of the demo's router.
#[derive(Clone)]
pub struct Demo {
    /// The SDK client.
    pub client: Client,
    /// The configuration.
    pub config: Arc<DemoConfig>,
    /// Trust anchors, fetched from the server at first use.
    pub anchors: Arc<OnceCell<TrustAnchors>>,
    /// Accounts, sessions, scans, bids.
    pub memory: Arc<Mutex<Memory>>,
}

impl Demo {
    /// The demo platform for `config`, with one demo account
    /// (`bidder1` (张三), `bidder2` (赵六) and the enterprise account
    /// `ent1` (杭州示例科技有限公司, 王五), password `Demo-2026`).
    pub fn new(config: DemoConfig) -> anyhow::Result<Self> {
        let client = Client::new(SdkConfig {
            base_url: config.server.clone(),
            rp_id: config.rp_id.clone(),
            key_id: config.key_id.clone(),
            secret: ApiSecret::from_hex(&config.secret_hex)?,
        })?;
        let mut memory = Memory::default();
        // Two bidders, named as the people `mca up`'s walk-through and the
        // tests verify, so scan-binding (J1) succeeds for the holder and is
        // refused for anyone else.
        for (username, name) in [("bidder1", "张三"), ("bidder2", "赵六")] {
            memory.accounts.insert(
                username.into(),
                Account {
                    username: username.into(),
                    display_name: name.into(),
                    password: "Demo-2026".into(),
                    holder: None,
                    enterprise: None,
                },
            );
        }
        // An enterprise's account, kept by its staff member 王五: binding
        // checks the person and the credit code (J1), and only a
        // certificate the enterprise authorized for this platform (D2) can
        // bind or log in.
        memory.accounts.insert(
            "ent1".into(),
            Account {
                username: "ent1".into(),
                display_name: "王五".into(),
                password: "Demo-2026".into(),
                holder: None,
                enterprise: Some(("杭州示例科技有限公司".into(), "91330100799655058B".into())),
            },
        );
        Ok(Demo {
            client,
            config: Arc::new(config),
            anchors: Arc::new(OnceCell::new()),
            memory: Arc::new(Mutex::new(memory)),
        })
    }

    /// The CA chains of the configured CAs, fetched once.
    pub async fn anchors(&self) -> anyhow::Result<&TrustAnchors> {
        self.anchors
            .get_or_try_init(|| async {
                let mut pem = String::new();
                for ca in &self.config.cas {
                    let url = format!("{}/ca/{ca}/chain.pem", self.config.server);
                    let response = reqwest::get(&url).await?;
                    anyhow::ensure!(
                        response.status().is_success(),
                        "{url}: {}",
                        response.status()
                    );
                    pem.push_str(&response.text().await?);
                }
                Ok(TrustAnchors::from_pem(&pem)?)
            })
            .await
    }
}

/// Serves the demo on `listener` until `shutdown` completes.
pub async fn run(
    demo: Demo,
    listener: TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        flows::router(demo).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
