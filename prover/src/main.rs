//! `zkr`: the zkr prover's command line.

mod cli;

use clap::Parser;

fn main() -> anyhow::Result<()> {
    cli::logging::init();
    cli::Cli::parse().run()
}
