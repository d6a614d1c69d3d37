//! `mca config example`: prints a commented configuration file.

use clap::Subcommand;

/// Configuration helpers.
#[derive(Subcommand)]
pub enum ConfigCommand {
    /// Print a commented example configuration (TOML) with every setting
    /// and its environment variable.
    Example,
}

/// Runs a `mca config` command.
pub fn run(command: ConfigCommand) -> anyhow::Result<()> {
    match command {
        ConfigCommand::Example => print!("{}", mca_server::config::EXAMPLE),
    }
    Ok(())
}
