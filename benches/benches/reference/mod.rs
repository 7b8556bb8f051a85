//! What the benches against snarkjs share: the pinned snarkjs CLI and their
//! settings from the environment.

use std::ops::RangeInclusive;
use std::path::{Path, PathBuf};

use anyhow::{ensure, Context, Result};

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
