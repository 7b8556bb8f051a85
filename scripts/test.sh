#!/usr/bin/env bash
# The project's test command: installs what the tests need, then checks
# formatting, lints and runs every test of the workspace. Exits non-zero on the
# first failure. Usage: bash scripts/test.sh
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

step() {
    printf '\n==> %s\n' "$*"
}

# ---------------------------------------------------------------------------
# 1. Tools the tests need, installed by the project itself.
#    Each folder listed here is set up with `npm ci` once it has a
#    package-lock.json (verifier-contracts/ brings solc and anvil;
#    ceremony/tests/snarkjs/ brings snarkjs, the .ptau reference).
# ---------------------------------------------------------------------------
NPM_PROJECTS=(verifier-contracts ceremony/tests/snarkjs)

for project in "${NPM_PROJECTS[@]}"; do
    if [[ -f "$project/package-lock.json" ]]; then
        step "npm ci ($project)"
        (cd "$project" && npm ci --no-audit --no-fund)
    fi
done

# ---------------------------------------------------------------------------
# 2. Formatting and lints.
# ---------------------------------------------------------------------------
step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy"
cargo clippy --workspace --all-targets -- -D warnings

# ---------------------------------------------------------------------------
# 3. Tests (nextest when installed; it does not run doctests, so those follow).
# ---------------------------------------------------------------------------
if cargo nextest --version >/dev/null 2>&1; then
    step "cargo nextest run"
    cargo nextest run --workspace --no-fail-fast
    step "cargo test --doc"
    cargo test --workspace --doc
else
    step "cargo test"
    cargo test --workspace --no-fail-fast
fi

step "all checks passed"
