#!/usr/bin/env bash
# pcscd restarts under a connected eticket chip (the vpcd virtual card): the
# PC/SC transport must re-establish its context and go on. This restarts the
# system's pcscd, so it runs here, after the cargo tests, not among them.
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo build -q -p eticket-chip --features pcsc --bin eticket-vcard
cargo run -q -p eticket-chip --features pcsc --example pcsc_restart
