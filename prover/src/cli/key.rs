//! `zkr key`: account key pairs and operation signatures, as a wallet makes
//! them (EcGFp5 Schnorr over the operation's Poseidon message; see
//! `zkr_circuits::ops::signing`).

use std::io::Read as _;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::{Args, Subcommand};
use serde::{Deserialize, Serialize};
use zkr_circuits::ecgfp5::SecretKey;
use zkr_circuits::ops::signing::{self, ChainId};
use zkr_circuits::ops::Operation;
use zkr_circuits::state::PubKey;

/// Options of `zkr key`.
#[derive(Debug, Args)]
pub struct KeyArgs {
    #[command(subcommand)]
    command: KeyCommand,
}

#[derive(Debug, Subcommand)]
enum KeyCommand {
    /// Make an account key pair and write it as JSON: the secret key, and the
    /// public key both as the five limbs operations carry and as the 40 bytes
    /// an L1 deposit takes.
    New(NewArgs),
    /// Sign a transfer or withdrawal given as JSON (one operation, as in a
    /// batch's "operations") for a chain; print it with its signature.
    Sign(SignArgs),
    /// Check a signed operation's signature against a public key and chain.
    Verify(VerifyArgs),
}

#[derive(Debug, Args)]
struct NewArgs {
    /// Derive the key from this text instead of the OS's randomness
    /// (reproducible keys for tests; never for funds).
    #[arg(long, value_name = "TEXT")]
    seed: Option<String>,
    /// Where to write the key pair [default: standard output].
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: Option<PathBuf>,
}

/// The rollup chain an operation is signed for.
#[derive(Debug, Args)]
struct ChainArg {
    /// Chain id of the rollup: a signature holds on this chain only.
    #[arg(long, env = "ZKR_CHAIN_ID", value_name = "ID")]
    chain_id: ChainId,
}

#[derive(Debug, Args)]
struct SignArgs {
    /// Key pair file written by `zkr key new`.
    #[arg(long, value_name = "FILE")]
    key: PathBuf,
    #[command(flatten)]
    chain: ChainArg,
    /// The operation's JSON file; `-` reads standard input.
    #[arg(value_name = "OPERATION")]
    operation: PathBuf,
}

#[derive(Debug, Args)]
struct VerifyArgs {
    /// The signer's public key: a key pair file, or 40 bytes in hex.
    #[arg(long, value_name = "FILE|HEX")]
    key: String,
    #[command(flatten)]
    chain: ChainArg,
    /// The signed operation's JSON file; `-` reads standard input.
    #[arg(value_name = "OPERATION")]
    operation: PathBuf,
}

/// A key pair as `zkr key new` writes it.
#[derive(Debug, Serialize, Deserialize)]
struct KeyFile {
    /// The secret scalar, 40 bytes little-endian, hex.
    secret_key: String,
    /// The public key as operations and the state carry it (five limbs).
    public_key: PubKey,
    /// The public key as `depositEth`/`depositErc20` take it (40 bytes, hex).
    public_key_hex: String,
}

/// Runs `zkr key`.
pub fn run(args: KeyArgs) -> anyhow::Result<()> {
    match args.command {
        KeyCommand::New(a) => new(a),
        KeyCommand::Sign(a) => sign(a),
        KeyCommand::Verify(a) => verify(a),
    }
}

fn new(args: NewArgs) -> anyhow::Result<()> {
    let secret = match &args.seed {
        Some(seed) => SecretKey::from_seed(seed.as_bytes()),
        None => SecretKey::random(&mut rand::rngs::OsRng),
    };
    let public = secret.public_key().to_pubkey();
    let file = KeyFile {
        secret_key: hex::encode(secret.to_bytes()),
        public_key: public,
        public_key_hex: format!("0x{}", hex::encode(public.to_bytes())),
    };
    let json = serde_json::to_string_pretty(&file)? + "\n";
    match &args.output {
        Some(path) => {
            std::fs::write(path, json).with_context(|| format!("writing {}", path.display()))?;
            println!("key pair written to {}", path.display());
            println!("public key: {}", file.public_key_hex);
        }
        None => print!("{json}"),
    }
    Ok(())
}

fn read_key_file(path: &Path) -> anyhow::Result<KeyFile> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text)
        .with_context(|| format!("{} is not a key pair file of `zkr key new`", path.display()))
}

fn read_operation(path: &Path) -> anyhow::Result<Operation> {
    let mut text = String::new();
    if path == Path::new("-") {
        std::io::stdin()
            .read_to_string(&mut text)
            .context("reading the operation from standard input")?;
    } else {
        text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    }
    serde_json::from_str(&text).with_context(|| {
        format!(
            "{} is not an operation's JSON (a transfer or withdrawal, with its \"type\")",
            path.display()
        )
    })
}

fn sign(args: SignArgs) -> anyhow::Result<()> {
    let file = read_key_file(&args.key)?;
    let bytes = hex::decode(file.secret_key.trim_start_matches("0x"))
        .with_context(|| format!("{}: secret_key is not hex", args.key.display()))?;
    let secret = SecretKey::from_bytes(&bytes)
        .with_context(|| format!("{}: secret_key is not a secret key", args.key.display()))?;
    anyhow::ensure!(
        secret.public_key().to_pubkey() == file.public_key,
        "{}: public_key is not the secret key's",
        args.key.display()
    );
    let mut op = read_operation(&args.operation)?;
    signing::sign(&mut op, &secret, args.chain.chain_id)
        .with_context(|| format!("signing the {}", op.kind()))?;
    println!("{}", serde_json::to_string_pretty(&op)?);
    Ok(())
}

fn verify(args: VerifyArgs) -> anyhow::Result<()> {
    let pubkey = if Path::new(&args.key).is_file() {
        read_key_file(Path::new(&args.key))?.public_key
    } else {
        let bytes = hex::decode(args.key.trim().trim_start_matches("0x"))
            .context("--key is neither a key pair file nor hex")?;
        let encoded: [u8; 40] = bytes
            .as_slice()
            .try_into()
            .map_err(|_| anyhow::anyhow!("--key: a public key is 40 bytes, got {}", bytes.len()))?;
        PubKey::from_bytes(&encoded)
    };
    let op = read_operation(&args.operation)?;
    signing::verify(&op, &pubkey, args.chain.chain_id).with_context(|| {
        format!(
            "the {}'s signature is not valid for this key on chain {}",
            op.kind(),
            args.chain.chain_id
        )
    })?;
    println!(
        "valid: the {} is signed by this key for chain {}",
        op.kind(),
        args.chain.chain_id
    );
    Ok(())
}
