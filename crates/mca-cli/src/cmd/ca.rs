//! `mca ca …`: certificate authority administration.

use clap::Subcommand;

#[derive(Subcommand)]
pub enum CaCommand {}

pub fn run(command: CaCommand) -> anyhow::Result<()> {
    match command {}
}
