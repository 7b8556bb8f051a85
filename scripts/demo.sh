#!/usr/bin/env bash
# The end-to-end demo on a fresh machine: installs the L1 tools (solc and anvil,
# pinned in verifier-contracts/package.json) when missing, then runs
# `zkr demo` with any arguments given here. Usage: bash scripts/demo.sh [ARGS]
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [[ ! -d verifier-contracts/node_modules ]]; then
    echo "==> npm ci (verifier-contracts: solc and anvil)"
    (cd verifier-contracts && npm ci --no-audit --no-fund)
fi

exec cargo run --release -p zkr-prover -- demo "$@"
