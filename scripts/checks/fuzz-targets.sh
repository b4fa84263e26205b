#!/usr/bin/env bash
# The fuzz targets under fuzz/ compile against the current code (they are not
# part of the workspace, so nothing else would notice when a format changes
# under them). Campaigns themselves are run by hand with `cargo +nightly fuzz
# run <target>`; see README.md, "Fuzzing". Needs the nightly toolchain that
# scripts/setup/50-ffi.sh installs.
set -euo pipefail
cd "$(dirname "$0")/../.."
rustup run nightly cargo --version >/dev/null 2>&1 || {
    echo "error: checks/fuzz-targets.sh: the nightly toolchain is missing; run scripts/setup/50-ffi.sh" >&2
    exit 1
}
cargo +nightly check --manifest-path fuzz/Cargo.toml --bins
