#!/usr/bin/env bash
# What scripts/checks/fuzz-targets.sh needs: the nightly toolchain (cargo-fuzz
# builds with sanitizer and coverage flags only nightly has) and cargo-fuzz
# itself, installed once from crates.io at the locked versions of its own
# dependencies (about a minute on two cores). Idempotent; any failure stops
# with a message and a non-zero exit.
set -euo pipefail

source "$(dirname "$0")/../lib/setup.sh"

if ! rustup run nightly cargo --version >/dev/null 2>&1; then
    command -v rustup >/dev/null || fail "rustup is needed to install the nightly toolchain"
    echo "installing the nightly toolchain"
    rustup toolchain install nightly --profile minimal >/dev/null ||
        fail "could not install the nightly toolchain"
fi
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
    echo "installing cargo-fuzz"
    cargo install --locked cargo-fuzz >/dev/null 2>&1 || fail "cargo install --locked cargo-fuzz failed"
fi
cargo +nightly fuzz --version >/dev/null 2>&1 || fail "cargo fuzz does not run after installing it"
