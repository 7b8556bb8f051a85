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
    # The `ci` profile runs every test, the wrap's 10 GB Groth16 tests
    # included (plain `cargo nextest run` leaves those out), and writes a
    # JUnit report whose slowest tests are printed, pass or fail.
    step "cargo nextest run --profile ci"
    status=0
    cargo nextest run --workspace --profile ci --no-fail-fast || status=$?
    step "slowest tests"
    python3 scripts/slowest-tests.py target/nextest/ci/junit.xml 25
    # The binaries whose tests share one proof fixture (see .config/nextest.toml):
    # one process each, so the fixture is built once. They are the binaries the
    # workspace build above made (`cargo test -p` would build them anew, with
    # other features), run as `cargo test` runs them.
    step "shared-fixture tests (zkr-aggregator: wrap, aggregation), one process per binary"
    logs=target/test-logs
    rm -rf "$logs" && mkdir -p "$logs"
    # "NAME<tab>PATH" of each: the build is asked once (it is up to date: no work).
    binaries=$(cargo test --workspace --no-run --message-format=json 2>/dev/null | python3 -c '
import json, sys
for line in sys.stdin:
    m = json.loads(line)
    t = m.get("target", {})
    if m.get("reason") == "compiler-artifact" and m.get("executable") \
            and "/aggregator#" in m["package_id"] and t.get("kind") == ["test"] \
            and t.get("name") in ("wrap", "aggregation"):
        print(t["name"] + "\t" + m["executable"])
')
    for name in wrap aggregation; do
        binary=$(awk -F '\t' -v n="$name" '$1 == n { print $2 }' <<<"$binaries")
        if [[ -z "$binary" ]]; then
            echo "no test binary zkr-aggregator::$name" >&2
            exit 1
        fi
        printf 'running %s\n' "$binary"
        (cd aggregator && CARGO_MANIFEST_DIR="$PWD" "$binary") 2>&1 | tee "$logs/$name.log" ||
            status=$?
    done
    if [[ $status -ne 0 ]]; then
        exit "$status"
    fi
    step "cargo test --doc"
    cargo test --workspace --doc 2>&1 | tee "$logs/doc.log"
    step "every test, all runners together"
    python3 scripts/test-summary.py target/nextest/ci/junit.xml "$logs"/*.log
else
    step "cargo test"
    cargo test --workspace --no-fail-fast
fi

step "all checks passed"
