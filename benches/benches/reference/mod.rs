//! What the benches against snarkjs share: the pinned snarkjs CLI and their
//! settings from the environment.

use std::ops::RangeInclusive;
use std::path::{Path, PathBuf};
use std::process::Output;

use anyhow::{bail, ensure, Context, Result};

/// The pinned snarkjs CLI (`ceremony/tests/snarkjs`, installed by `scripts/test.sh`).
pub fn snarkjs_cli() -> Result<PathBuf> {
    let cli = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../ceremony/tests/snarkjs/node_modules/snarkjs/build/cli.cjs");
    ensure!(
        cli.exists(),
        "snarkjs is not installed: expected {}; run `npm ci` in ceremony/tests/snarkjs (scripts/test.sh does)",
        cli.display()
    );
    Ok(cli)
}

/// The comma-separated powers in variable `name` (`default` when unset), each in `allowed`.
pub fn powers(name: &str, default: &str, allowed: RangeInclusive<u32>) -> Result<Vec<u32>> {
    let text = std::env::var(name).unwrap_or_else(|_| default.into());
    let powers = text
        .split(',')
        .map(|p| p.trim().parse::<u32>())
        .collect::<Result<Vec<_>, _>>()
        .with_context(|| format!("{name}: expected comma-separated powers, e.g. 16,18"))?;
    ensure!(
        powers.iter().all(|p| allowed.contains(p)),
        "{name}: powers between {} and {}",
        allowed.start(),
        allowed.end()
    );
    Ok(powers)
}

/// The number in variable `name` (`default` when unset), at least `min`.
pub fn number(name: &str, default: u32, min: u32) -> Result<u32> {
    let n = match std::env::var(name) {
        Ok(text) => text
            .parse::<u32>()
            .with_context(|| format!("{name}: expected a number, got {text:?}"))?,
        Err(_) => default,
    };
    ensure!(n >= min, "{name}: at least {min}");
    Ok(n)
}

/// The text (stdout, then stderr) of a finished command `what`, or an error
/// with it when the command failed; snarkjs reports some failures on stdout
/// with exit status 0, so an `[ERROR]` line fails too.
pub fn checked(what: &str, out: &Output) -> Result<String> {
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    if !out.status.success() || text.contains("[ERROR]") {
        bail!("{what} failed ({}):\n{text}", out.status);
    }
    Ok(text)
}
