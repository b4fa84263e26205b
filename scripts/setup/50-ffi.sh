#!/usr/bin/env bash
# What scripts/checks/ffi.sh needs to build and run the C library's C and
# C++ programs: gcc and g++ (with AddressSanitizer's runtime), valgrind and
# pkg-config from Debian; libpcsclite-dev and pcscd come from 10-pcscd.sh.
# Idempotent: installs only what is missing. Any failure stops with a message
# and a non-zero exit.
set -euo pipefail

source "$(dirname "$0")/../lib/setup.sh"

need_packages gcc g++ libasan8 libubsan1 valgrind pkg-config binutils libsqlite3-dev curl python3
for tool in gcc g++ valgrind pkg-config; do
    command -v "$tool" >/dev/null || fail "$tool is not on PATH after installing it"
done
echo 'int main(void) { return 0; }' | gcc -x c -fsanitize=address,undefined -o /dev/null - ||
    fail "gcc cannot link with AddressSanitizer"

# Miri (nightly) runs the Rust tests that call the C entry points directly.
if ! cargo +nightly miri --version >/dev/null 2>&1; then
    command -v rustup >/dev/null || fail "rustup is needed to install the nightly toolchain with Miri"
    echo "installing the nightly toolchain with miri and rust-src"
    rustup toolchain install nightly --profile minimal --component miri,rust-src >/dev/null ||
        fail "could not install the nightly toolchain with miri"
fi
cargo +nightly miri setup >/dev/null 2>&1 || fail "cargo +nightly miri setup failed"
