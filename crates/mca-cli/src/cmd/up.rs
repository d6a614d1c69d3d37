//! `mca up`: the README's "run the system" command. Everything on its
//! embedded default in development mode: data in `./mca-data` (SQLite, a
//! generated key-encryption key and operator token, files 0600), migrated,
//! the Zhejiang catalogue seeded, a local CA hierarchy (root, issuing CA,
//! seal maker; keys encrypted under a generated passphrase) for each CA
//! organization of the catalogue, served on 127.0.0.1:8080 (the phone app
//! at `/app/`), with the steps to try it with `mca phone` printed. With
//! `--lan`, also over HTTPS on the LAN for a real phone ([`super::lan`]).

use std::fs;
use std::io::Write;
use std::net::SocketAddr;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;
use mca_pki::ca::{CaConfig, CaHierarchy, Lifetimes};
use mca_pki::keystore;
use mca_server::Config;
use mca_server::config::Secret;

use super::server::{bind, init_logging, open_migrated, runtime, serve_state};

/// Options of `mca up`.
#[derive(Args)]
pub struct UpArgs {
    /// Data directory.
    #[arg(long, default_value = "mca-data")]
    pub data_dir: PathBuf,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Address of the demo e-tendering platform (a relying party).
    #[arg(long, default_value = "127.0.0.1:8090")]
    pub demo_listen: SocketAddr,
    /// Also serve over HTTPS on the LAN, to try the phone app from a real
    /// phone (the camera needs a secure context).
    #[arg(long)]
    pub lan: bool,
    /// HTTPS address with `--lan`.
    #[arg(long, default_value = "0.0.0.0:8443")]
    pub lan_listen: SocketAddr,
    /// Plain-HTTP address with `--lan` where a phone downloads the local
    /// TLS root certificate.
    #[arg(long, default_value = "0.0.0.0:8081")]
    pub lan_cert_listen: SocketAddr,
    /// The machine's LAN address, for the certificate and the QR code
    /// (default: the source address of the default route). Repeatable.
    #[arg(long)]
    pub lan_address: Vec<std::net::IpAddr>,
    /// Minimum seconds between two SMS codes to one phone (1 to 3600; the
    /// hourly and daily quotas stay; default: the server's, 60). Browser
    /// tests shorten it.
    #[arg(long)]
    pub sms_resend_interval: Option<u64>,
}

/// A secret kept in the data directory: read, or generated once (0600).
fn secret_file(path: &Path) -> anyhow::Result<Secret> {
    if let Ok(text) = fs::read_to_string(path) {
        return Ok(Secret::new(text.trim()));
    }
    let value = hex::encode(mca_crypto::rand::bytes::<16>().context("random")?);
    write_private(path, value.as_bytes())?;
    Ok(Secret::new(value))
}

/// The server's SM2 transport key kept in the data directory: read, or
/// generated once (0600).
fn transport_key_file(path: &Path) -> anyhow::Result<Secret> {
    if let Ok(text) = fs::read_to_string(path) {
        return Ok(Secret::new(text.trim()));
    }
    let key = mca_crypto::sm2::SecretKey::generate().context("random")?;
    let value = zeroize::Zeroizing::new(hex::encode(&key.to_bytes()[..]));
    write_private(path, value.as_bytes())?;
    Ok(Secret::new(value.as_str()))
}

pub(super) fn write_private(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    file.write_all(bytes)?;
    Ok(())
}

/// The development configuration of `mca up`.
pub fn config(args: &UpArgs) -> anyhow::Result<Config> {
    fs::create_dir_all(&args.data_dir)
        .with_context(|| format!("creating {}", args.data_dir.display()))?;
    fs::set_permissions(&args.data_dir, fs::Permissions::from_mode(0o700))?;
    let mut config = Config {
        dev_mode: true,
        listen: args.listen,
        database_url: format!(
            "sqlite://{}?mode=rwc",
            args.data_dir.join("mca.db").display()
        ),
        key_encryption_key: Some(secret_file(&args.data_dir.join("kek.hex"))?),
        operator_token: Some(secret_file(&args.data_dir.join("operator-token"))?),
        transport_key: Some(transport_key_file(&args.data_dir.join("transport.key"))?),
        ca_dir: args.data_dir.join("ca").display().to_string(),
        ca_passphrase: Some(secret_file(&args.data_dir.join("ca-passphrase"))?),
        ..Config::default()
    };
    if let Some(seconds) = args.sms_resend_interval {
        config.sms.resend_interval_seconds = seconds;
    }
    config.validate()?;
    Ok(config)
}

/// `mca up`.
pub fn run(args: UpArgs) -> anyhow::Result<()> {
    init_logging();
    let config = config(&args)?;
    runtime()?.block_on(async {
        let db = open_migrated(&config).await?;
        let store = db.store();
        let catalogue = mca_domain::Catalogue::new(
            store.clone(),
            mca_domain::Audit::new(store.clone(), std::sync::Arc::new(mca_domain::SystemClock)),
        );
        catalogue
            .seed_zhejiang()
            .await
            .context("seeding the catalogue")?;
        let catalogue = catalogue.all().await.context("reading the catalogue")?;
        let cas = local_cas(&args, &config, &catalogue.ca_organizations)?;
        // After the CAs exist, so the server loads them.
        let state = mca_server::wiring::state(&config, store).await?;
        let demo = demo_platform(&args, &state, &catalogue).await?;
        // Every listener is bound before the welcome names its address: a
        // port already taken fails here, not after the URLs were printed.
        let listener = bind(config.listen).await?;
        let demo_listener = bind(args.demo_listen).await?;
        tokio::spawn(mca_demo::run(
            demo,
            demo_listener,
            mca_server::shutdown_signal(),
        ));
        let lan = match args.lan {
            true => Some(serve_lan(&args, &state).await?),
            false => None,
        };
        print_welcome(&args, &cas, lan.as_ref());
        serve_state(&config, state, db, listener).await
    })
}

/// Where a phone on the LAN opens the app and downloads the root.
pub struct LanUrls {
    app: String,
    root: String,
}

/// `--lan`: the same router over HTTPS, and the root certificate over
/// plain HTTP.
async fn serve_lan(args: &UpArgs, state: &mca_server::AppState) -> anyhow::Result<LanUrls> {
    use super::lan;
    let mut addresses = args.lan_address.clone();
    if addresses.is_empty() {
        addresses.extend(lan::lan_address());
    }
    let first = addresses.first().copied();
    let tls = lan::prepare(&args.data_dir, &addresses)?;
    let https = lan::reachable(args.lan_listen, first);
    let plain = lan::reachable(args.lan_cert_listen, first);
    let urls = LanUrls {
        app: format!("https://{https}/app/"),
        root: format!("http://{plain}/"),
    };
    let listener = bind(args.lan_listen).await?;
    tokio::spawn(mca_server::tls::run_tls(
        listener,
        tls.config,
        mca_server::app(state.clone()),
        mca_server::shutdown_signal(),
    ));
    let listener = bind(args.lan_cert_listen).await?;
    let download = lan::root_download(tls.root_der, urls.app.clone());
    tokio::spawn(async move {
        axum::serve(listener, download)
            .with_graceful_shutdown(mca_server::shutdown_signal())
            .await
    });
    Ok(urls)
}

/// The demo platform's relying-party registration, kept in
/// `<data>/demo-rp.json` (0600): registered on the first run, reused after.
async fn demo_platform(
    args: &UpArgs,
    state: &mca_server::AppState,
    catalogue: &mca_domain::catalogue::CatalogueView,
) -> anyhow::Result<mca_demo::Demo> {
    let organizations = &catalogue.ca_organizations;
    use mca_domain::relying_parties::NewRelyingParty;
    use mca_domain::store::RpOperation;
    let path = args.data_dir.join("demo-rp.json");
    let (rp_id, key_id, secret) = match fs::read(&path) {
        Ok(bytes) => {
            let v: serde_json::Value = serde_json::from_slice(&bytes)
                .with_context(|| format!("{} is corrupt", path.display()))?;
            let field = |k: &str| {
                v[k].as_str()
                    .map(str::to_owned)
                    .context("demo-rp.json field")
            };
            (field("rp_id")?, field("key_id")?, field("secret")?)
        }
        Err(_) => {
            let new = NewRelyingParty {
                display_name: "浙江省公共资源交易平台（演示）".into(),
                // The trading platform it stands for, so enterprise
                // certificates authorized for it (D2) serve here.
                platform_id: catalogue
                    .platforms
                    .iter()
                    .find(|p| p.name == "浙江省公共资源交易中心")
                    .map(|p| p.id),
                allowed_operations: vec![
                    RpOperation::Auth,
                    RpOperation::Sign,
                    RpOperation::Cert,
                    RpOperation::Decrypt,
                    RpOperation::Confirm,
                ],
                callback_urls: Vec::new(),
            };
            let (rp, issued) = state
                .rp
                .registry
                .create(&new)
                .await
                .context("registering the demo platform")?;
            let secret = issued.secret.expose_hex().to_string();
            let json = serde_json::json!({
                "rp_id": rp.id.to_string(), "key_id": issued.key_id.to_string(), "secret": secret,
            });
            write_private(&path, json.to_string().as_bytes())?;
            (rp.id.to_string(), issued.key_id.to_string(), secret)
        }
    };
    mca_demo::Demo::new(mca_demo::DemoConfig {
        server: format!("http://{}", args.listen),
        rp_id,
        key_id,
        secret_hex: secret,
        cas: organizations
            .iter()
            .map(|o| o.short_name.to_lowercase())
            .collect(),
    })
}

/// One local CA hierarchy per CA organization, in `<data>/ca/<short name>`:
/// created on the first run, loaded (keys decrypted and checked against
/// their certificates) on later ones. Returns (organization, directory).
fn local_cas(
    args: &UpArgs,
    config: &Config,
    organizations: &[mca_domain::store::CaOrganization],
) -> anyhow::Result<Vec<(String, PathBuf)>> {
    let passphrase = config.ca_passphrase.clone().context("no CA passphrase")?;
    let base = format!("http://{}", args.listen);
    let mut out = Vec::new();
    for org in organizations {
        let short = org.short_name.to_lowercase();
        let dir = Path::new(&config.ca_dir).join(&short);
        if dir.join("root.pem").exists() {
            CaHierarchy::load(&dir, passphrase.expose().as_bytes())
                .with_context(|| format!("loading the local CA in {}", dir.display()))?;
        } else {
            let config = CaConfig {
                organization: org.name.clone(),
                crl_url: Some(format!("{base}/crl/{short}.crl")),
                ocsp_url: Some(format!("{base}/ocsp/{short}")),
            };
            let ca = CaHierarchy::create(config, Lifetimes::default())
                .with_context(|| format!("creating the local CA of {}", org.name))?;
            ca.save(
                &dir,
                passphrase.expose().as_bytes(),
                keystore::DEFAULT_ROUNDS,
            )
            .with_context(|| format!("saving the local CA in {}", dir.display()))?;
        }
        out.push((org.name.clone(), dir));
    }
    Ok(out)
}

/// How to call this same binary from another terminal, whether or not
/// `mca` is on the PATH.
fn mca_command() -> String {
    let exe = std::env::current_exe().ok();
    let cwd = std::env::current_dir().ok();
    match (exe, cwd) {
        (Some(exe), Some(cwd)) => match exe.strip_prefix(&cwd) {
            Ok(rel) => rel.display().to_string(),
            Err(_) => exe.display().to_string(),
        },
        _ => "mca".to_owned(),
    }
}

/// The welcome text. Every command in it runs as printed, in order, from
/// the directory `mca up` runs in (`tests/walkthrough.rs` does exactly
/// that): the first command of each tool names this server, since the
/// port may not be the default; the tool keeps it with its login for the
/// commands after. `<…>` stands for what an earlier command printed; a
/// `# 报错:` comment marks a command shown failing on purpose.
fn print_welcome(args: &UpArgs, cas: &[(String, PathBuf)], lan: Option<&LanUrls>) {
    let base = format!("http://{}", args.listen);
    let demo = args.demo_listen;
    let data = args.data_dir.display();
    let mca = mca_command();
    let cas: String = cas
        .iter()
        .map(|(name, dir)| format!("\n  Local CA       {name}: {}", dir.display()))
        .collect();
    let lan = lan.map(lan_text).unwrap_or_default();
    println!(
        "\
Mobile CA (移动CA) is running in development mode.

  手机应用 Phone app  {base}/app/   (open it in a browser; a phone-sized window)
  Demo platform  http://{demo}/   (浙江省公共资源交易平台（演示）: scan-login, sealing, bids)
  App API        {base}/api/app/v1/
  OpenAPI        {base}/api/openapi.json
  Health         {base}/healthz  {base}/readyz
  Operator API   {base}/api/operator/v1/  (token in {data}/operator-token)
  Data           {data}/ (SQLite mca.db; key-encryption key kek.hex){cas}

SMS codes are not sent: they are printed in this log and readable at
{base}/api/dev/sms-codes/<phone>. Try it with the command-line phone
(in another terminal; state goes to ./mca-phone):

  alias mca={mca}
  mca phone --server {base} login --phone 13800138000 --dev-code
  mca phone set-password --password 'Abc123!@'
  mca phone certificates                 # 报错: 尚未实名认证，无法操作
  mca phone verify-identity --name 张三 --id-number 330106199003071236 --dev-face pass
  mca phone catalogue

A personal certificate (D4, M1, M6) — the form photo is any JPEG/PNG:
  mca phone application-form --ca ZJCA --out form.pdf
  mca phone apply --ca ZJCA --form-photo photo.jpg      # prints the application id
  mca phone pay <application-id>
  mca review --server {base} add-reviewer --ca ZJCA --username reviewer1 \
      --display-name 审核员 --password Review-2026 --operator-token-file {data}/operator-token
  mca review --server {base} login --username reviewer1 --password Review-2026
  mca review list
  mca review approve <application-id>                    # or: reject <id> --reason …
  mca phone download <application-id> --pin 123456      # prints the key id
  mca phone sign --key <key-id> --message 投标函 --pin 123456
  mca phone certificates
  curl -s {base}/crl/zjca.crl | openssl crl -inform DER -noout -text

Scan with the command-line phone: open http://{demo}/login, read the QR's
text with any QR reader (or from the browser's network panel: the page polls
/scan/<id>/frame), and within a few seconds
  mca phone scan --link '<mca://qr?…>'                 # shows who asks what
  mca phone approve --key <key-id> --pin 123456        # or: mca phone refuse
{lan}
Stop with Ctrl-C."
    );
}

/// The `--lan` part of the welcome: the two steps on the phone, and the
/// app's address as a QR code to scan with the phone's camera.
fn lan_text(urls: &LanUrls) -> String {
    let qr = super::lan::terminal_qr(&urls.app).unwrap_or_default();
    format!(
        "
在手机上试用 / Try it on a phone (same Wi-Fi; development mode: anyone on
this network can read the SMS codes, use a network you trust):
  1. 安装根证书 Install the local TLS root:  {root}
     (iPhone: then 设置 → 通用 → 关于本机 → 证书信任设置, turn on full trust)
  2. 打开手机应用 Open the app:  {app}
{qr}",
        root = urls.root,
        app = urls.app,
    )
}
