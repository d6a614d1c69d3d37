//! `mca`: one binary for the whole system.
//!
//! Each command group lives in its own module under `cmd/`. Errors end the
//! process with a non-zero exit and a one-line reason on stderr, in Chinese
//! (never a backtrace, never a secret); see `report`.

#![forbid(unsafe_code)]

use clap::{Parser, Subcommand};

mod cmd;
mod report;

#[derive(Parser)]
#[command(
    name = "mca",
    version,
    about = "Mobile CA — 移动CA: split-key SM2 certificates on the phone"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Certificate authorities: create and inspect CA hierarchies.
    #[command(subcommand)]
    Ca(cmd::ca::CaCommand),
    /// Run everything locally in development mode (SQLite in ./mca-data,
    /// seeded catalogue, 127.0.0.1:8080) and print how to try it.
    Up(cmd::up::UpArgs),
    /// Run the server (configuration: --config FILE and MCA_… variables).
    Serve(cmd::server::ConfigArgs),
    /// Apply pending database migrations.
    Migrate(cmd::server::ConfigArgs),
    /// Configuration helpers.
    #[command(subcommand)]
    Config(cmd::config::ConfigCommand),
    /// Audit log commands.
    #[command(subcommand)]
    Audit(cmd::server::AuditCommand),
    /// Operator: the catalogue (provinces, trading platforms, CAs, validity
    /// options) — seed the built-in Zhejiang data, import or export a file.
    Catalogue(cmd::catalogue::CatalogueArgs),
    /// The command-line phone: log in, verify identity, apply for and
    /// download certificates, sign, decrypt, PIN, recovery…
    Phone(cmd::phone::PhoneArgs),
    /// CA reviewers (M1): log in, review applications, approve or reject.
    Review(cmd::review::ReviewArgs),
    /// Operator: relying parties (business systems) — add, list, rotate, disable.
    Rp(cmd::rp::RpArgs),
}

fn main() {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => report::usage_error(e),
    };
    let result = match cli.command {
        Command::Ca(c) => cmd::ca::run(c),
        Command::Up(args) => cmd::up::run(args),
        Command::Serve(args) => cmd::server::run_serve(args),
        Command::Migrate(args) => cmd::server::run_migrate(args),
        Command::Config(c) => cmd::config::run(c),
        Command::Audit(c) => cmd::server::run_audit(c),
        Command::Catalogue(args) => cmd::catalogue::run(args),
        Command::Phone(args) => cmd::phone::run(args),
        Command::Review(args) => cmd::review::run(args),
        Command::Rp(args) => cmd::rp::run(args),
    };
    if let Err(e) = result {
        eprintln!("mca: {}", report::one_line(&e));
        std::process::exit(1);
    }
}
