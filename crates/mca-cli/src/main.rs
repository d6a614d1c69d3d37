//! `mca`: one binary for the whole system.
//!
//! Each command group lives in its own module under `cmd/`. Errors end the
//! process with a non-zero exit and a one-line reason on stderr (never a
//! backtrace, never a secret).

#![forbid(unsafe_code)]

use clap::{Parser, Subcommand};

mod cmd;

#[derive(Parser)]
#[command(name = "mca", version, about = "Mobile CA — 移动CA: split-key SM2 certificates on the phone")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Certificate authorities: create and inspect CA hierarchies.
    #[command(subcommand)]
    Ca(cmd::ca::CaCommand),
}

fn main() {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Ca(c) => cmd::ca::run(c),
    };
    if let Err(e) = result {
        // One line: the chain of causes joined, as `mca: reason: cause`.
        eprintln!("mca: {e:#}");
        std::process::exit(1);
    }
}
