#!/usr/bin/env bash
# The Rust components the checks use (rustfmt, clippy) on the stable toolchain.
set -euo pipefail
rustup component add rustfmt clippy >/dev/null 2>&1 || {
    echo "error: could not add rustfmt/clippy with rustup" >&2
    exit 1
}
