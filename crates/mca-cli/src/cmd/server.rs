//! `mca serve`, `mca migrate`, `mca audit verify`: the server and its
//! database, configured from `--config FILE` and the `MCA_…` environment.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use mca_domain::audit::ChainReport;
use mca_domain::{Audit, SystemClock};
use mca_server::Config;

/// Where the configuration comes from.
#[derive(Args)]
pub struct ConfigArgs {
    /// Configuration file (TOML; see `mca config example`).
    #[arg(long, env = "MCA_CONFIG")]
    pub config: Option<PathBuf>,
}

impl ConfigArgs {
    /// Loads the configuration, warning about unknown `MCA_…` variables.
    pub fn load(&self) -> anyhow::Result<Config> {
        let loaded = Config::load(self.config.as_deref(), std::env::vars())?;
        warn_unknown(&loaded.unknown_env);
        Ok(loaded.config)
    }
}

fn warn_unknown(names: &[String]) {
    for name in names {
        tracing::warn!(variable = %name, "unknown MCA_ environment variable ignored");
        eprintln!("mca: warning: unknown environment variable {name} ignored");
    }
}

/// Where a command that needs only the database finds it: `--database`,
/// else the configuration's `database_url`.
#[derive(Args)]
pub struct DatabaseArgs {
    /// Database URL (`sqlite://FILE?mode=rwc`, `postgres://…`); default:
    /// `database_url` of the configuration.
    #[arg(long, env = "MCA_DATABASE_URL")]
    pub database: Option<String>,
    #[command(flatten)]
    pub config: ConfigArgs,
}

impl DatabaseArgs {
    /// The database URL. The configuration is read but not checked as a
    /// server's would be: keys and development mode do not matter to a
    /// command that only reads and writes rows.
    pub fn url(&self) -> anyhow::Result<String> {
        if let Some(url) = &self.database {
            return Ok(url.clone());
        }
        let loaded = Config::load_unchecked(self.config.config.as_deref(), std::env::vars())?;
        warn_unknown(&loaded.unknown_env);
        Ok(loaded.config.database_url)
    }
}

/// Audit log commands.
#[derive(Subcommand)]
pub enum AuditCommand {
    /// Check the SM3 hash chain of the audit log; exits non-zero at the
    /// first broken link. Needs only the database.
    Verify(DatabaseArgs),
}

/// Logs to stderr; the filter comes from `MCA_LOG` (default `info`).
/// Colours only on a terminal, so log files and collectors get plain text.
pub fn init_logging() {
    use std::io::IsTerminal;
    let filter = tracing_subscriber::EnvFilter::try_from_env("MCA_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr)
        .try_init();
}

/// A tokio runtime for one command.
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the runtime")
}

/// Opens the configured database and applies pending migrations.
pub async fn open_migrated(config: &Config) -> anyhow::Result<mca_store::Database> {
    open_migrated_url(&config.database_url).await
}

/// Opens the database at `url` (creating a SQLite file's directory) and
/// applies pending migrations.
pub async fn open_migrated_url(url: &str) -> anyhow::Result<mca_store::Database> {
    if let Some(path) = url.strip_prefix("sqlite://") {
        let file = path.split('?').next().unwrap_or(path);
        if let Some(dir) = std::path::Path::new(file)
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
        {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
    }
    let db = mca_store::connect(url)
        .await
        .context("opening the database")?;
    db.migrate().await.context("migrating the database")?;
    Ok(db)
}

/// Serves until Ctrl-C or SIGTERM.
pub async fn serve(config: Config, db: mca_store::Database) -> anyhow::Result<()> {
    let state = mca_server::wiring::state(&config, db.store()).await?;
    let listener = bind(config.listen).await?;
    serve_state(&config, state, db, listener).await
}

/// Listens on `address`.
pub async fn bind(address: std::net::SocketAddr) -> anyhow::Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind(address)
        .await
        .with_context(|| format!("listening on {address}"))
}

/// Serves a built state until Ctrl-C or SIGTERM, then closes the database.
pub async fn serve_state(
    config: &Config,
    state: mca_server::AppState,
    db: mca_store::Database,
    listener: tokio::net::TcpListener,
) -> anyhow::Result<()> {
    // Interrupted issuances are settled before the first request is taken
    // (connections wait in the listener's backlog until then).
    let reminders = std::time::Duration::from_secs(config.reminder_interval_seconds);
    let background = mca_server::background::start(&state, reminders).await;
    tracing::info!(address = %config.listen, backend = db.backend(), dev_mode = config.dev_mode, "serving");
    mca_server::run(
        listener,
        mca_server::app(state),
        mca_server::shutdown_signal(),
    )
    .await?;
    background.abort();
    db.close().await;
    Ok(())
}

/// `mca serve`.
pub fn run_serve(args: ConfigArgs) -> anyhow::Result<()> {
    init_logging();
    let config = args.load()?;
    runtime()?.block_on(async {
        let db = open_migrated(&config).await?;
        serve(config, db).await
    })
}

/// `mca migrate`.
pub fn run_migrate(args: ConfigArgs) -> anyhow::Result<()> {
    let config = args.load()?;
    runtime()?.block_on(async {
        let db = open_migrated(&config).await?;
        println!("database migrated ({})", db.backend());
        db.close().await;
        Ok(())
    })
}

/// `mca audit …`.
pub fn run_audit(command: AuditCommand) -> anyhow::Result<()> {
    let AuditCommand::Verify(args) = command;
    let url = args.url()?;
    runtime()?.block_on(async {
        let db = mca_store::connect(&url)
            .await
            .context("opening the database")?;
        let report = Audit::new(db.store(), Arc::new(SystemClock))
            .verify()
            .await?;
        db.close().await;
        match report {
            ChainReport::Intact { entries, head } => {
                println!("audit chain intact: {entries} entries, head {head}");
                Ok(())
            }
            ChainReport::Broken { seq, reason } => {
                bail!("audit chain broken at entry {seq}: {reason:?}")
            }
        }
    })
}
