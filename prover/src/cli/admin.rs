//! `zkr admin`: the operator's calls to the coordinator's Admin API.

use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Args, Subcommand};
use zkr_circuits::state::digest_hex;
use zkr_proto::convert::root_from_bytes;
use zkr_proto::v1;
use zkr_prover::client;

use super::config::{status_error, DEFAULT_COORDINATOR_URL};
use super::runtime;

/// Options of `zkr admin`.
#[derive(Debug, Args)]
pub struct AdminArgs {
    #[command(flatten)]
    connection: AdminConnection,
    #[command(subcommand)]
    command: AdminCommand,
}

/// How the operator reaches the coordinator's Admin API.
#[derive(Debug, Args)]
struct AdminConnection {
    /// Coordinator URL (https:// with --tls-ca).
    #[arg(long, env = "ZKR_COORDINATOR", default_value = DEFAULT_COORDINATOR_URL, value_name = "URL", global = true)]
    coordinator: String,
    /// Admin bearer token (the coordinator's --admin-token).
    #[arg(
        long,
        env = "ZKR_ADMIN_TOKEN",
        hide_env_values = true,
        value_name = "TOKEN",
        global = true
    )]
    token: Option<String>,
    /// CA certificate (PEM) the coordinator's TLS certificate is checked against.
    #[arg(long, env = "ZKR_TLS_CA", value_name = "PEM", global = true)]
    tls_ca: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
enum AdminCommand {
    /// Drop every accepted batch after --to: their state changes, proofs and
    /// jobs, and the sealed ranges after it, as the rollup contract's
    /// revertBatches (`zkr l1 revert`, run first) drops committed ones. --to
    /// must be 0, the last batch of a sealed range or a batch of the open
    /// range; a range whose wrapped proof is stored is never dropped.
    Revert(RevertArgs),
}

#[derive(Debug, Args)]
struct RevertArgs {
    /// The last batch kept.
    #[arg(long, value_name = "BATCH")]
    to: u64,
}

/// Runs `zkr admin`.
pub fn run(args: AdminArgs) -> anyhow::Result<()> {
    runtime()?.block_on(async {
        let conn = &args.connection;
        let token = conn
            .token
            .as_deref()
            .context("no admin token: set --token or ZKR_ADMIN_TOKEN")?;
        let channel = client::channel(&conn.coordinator, conn.tls_ca.as_deref()).await?;
        let mut api = client::admin(channel, token)?;
        match args.command {
            AdminCommand::Revert(r) => revert(&mut api, r.to).await,
        }
    })
}

async fn revert(api: &mut client::AdminApi, to: u64) -> anyhow::Result<()> {
    let out = api
        .revert_batches(v1::RevertBatchesRequest { keep_through: to })
        .await
        .map_err(status_error)
        .with_context(|| format!("reverting to batch {to}"))?
        .into_inner();
    let root = root_from_bytes("root", &out.root)?;
    match out.dropped {
        None => println!("nothing to revert: batch {to} is the last accepted"),
        Some(d) => {
            let ranges: Vec<String> = out
                .ranges
                .iter()
                .map(|r| format!("{}..{}", r.first, r.last))
                .collect();
            println!(
                "batches {}..{} dropped, with {} sealed range{} ({}) and {} job{}",
                d.first,
                d.last,
                ranges.len(),
                if ranges.len() == 1 { "" } else { "s" },
                if ranges.is_empty() {
                    "none".to_owned()
                } else {
                    ranges.join(", ")
                },
                out.jobs,
                if out.jobs == 1 { "" } else { "s" }
            );
        }
    }
    println!(
        "state root after batch {to}: 0x{}; the next batch is {} on that root",
        digest_hex(&root),
        to + 1
    );
    Ok(())
}
