//! `mca catalogue seed | import FILE | export`: the operator fills a fresh
//! deployment's catalogue (provinces, trading platforms, CA organizations,
//! validity options) straight in the database, before or while serving.
//! The file format is `mca_domain::catalogue::CatalogueFile` as JSON
//! (README, "Catalogue").

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use clap::{Args, Subcommand};
use mca_domain::catalogue::{CatalogueFile, ImportMode, ImportReport};
use mca_domain::{Audit, Catalogue, SystemClock};

use super::server::{DatabaseArgs, open_migrated_url, runtime};

/// `mca catalogue …`.
#[derive(Args)]
pub struct CatalogueArgs {
    #[command(subcommand)]
    command: CatalogueCommand,
    #[command(flatten)]
    database: DatabaseArgs,
}

#[derive(Subcommand)]
enum CatalogueCommand {
    /// Add the built-in Zhejiang data (浙江省, four trading centres, ZJCA
    /// and iTrusChina with 1–3 year options); entries already there are
    /// left as they are.
    Seed,
    /// Import a catalogue file (JSON, the format `export` writes): missing
    /// entries are added, existing ones (same province code, platform
    /// name, CA short name, years) take the file's values; nothing is
    /// deleted. The whole file is checked first: a bad file stores nothing.
    Import {
        /// The file.
        file: PathBuf,
    },
    /// Print the catalogue as a file for `import` (JSON) to stdout, or
    /// write it to `--out`.
    Export {
        /// Write here instead of stdout (refuses to overwrite).
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

fn said(report: ImportReport) {
    println!(
        "目录已更新：新增 {} 项，修改 {} 项，未变 {} 项",
        report.added, report.updated, report.unchanged
    );
}

/// Runs one catalogue command.
pub fn run(args: CatalogueArgs) -> anyhow::Result<()> {
    // The file is read and parsed before the database is touched: a file
    // that does not parse must not even migrate it.
    let import = match &args.command {
        CatalogueCommand::Import { file } => {
            let text = std::fs::read_to_string(file)
                .with_context(|| format!("reading {}", file.display()))?;
            let parsed: CatalogueFile = serde_json::from_str(&text)
                .with_context(|| format!("{} is not a catalogue file", file.display()))?;
            Some((file.display().to_string(), parsed))
        }
        _ => None,
    };
    let url = args.database.url()?;
    runtime()?.block_on(async {
        let db = open_migrated_url(&url).await?;
        let store = db.store();
        let catalogue = Catalogue::new(store.clone(), Audit::new(store, Arc::new(SystemClock)));
        let result = match (import, args.command) {
            (Some((name, file)), _) => catalogue
                .import(&file, ImportMode::Update)
                .await
                .map(said)
                .with_context(|| format!("{name} refused, nothing imported")),
            (None, CatalogueCommand::Export { out }) => export(&catalogue, out).await,
            (None, _) => catalogue
                .import(&CatalogueFile::zhejiang(), ImportMode::AddMissing)
                .await
                .map(said)
                .context("seeding the catalogue"),
        };
        db.close().await;
        result
    })
}

async fn export(catalogue: &Catalogue, out: Option<PathBuf>) -> anyhow::Result<()> {
    let file = catalogue.export().await?;
    let text = serde_json::to_string_pretty(&file)? + "\n";
    match out {
        None => print!("{text}"),
        Some(path) => {
            use std::io::Write;
            std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
                .and_then(|mut f| f.write_all(text.as_bytes()))
                .with_context(|| format!("writing {}", path.display()))?;
        }
    }
    Ok(())
}
