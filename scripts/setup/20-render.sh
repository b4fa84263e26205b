#!/usr/bin/env bash
# rsvg-convert (Debian's librsvg2-bin) renders the seat-map SVGs of eticket-alloc
# to PNG (docs/alloc/*.png, regenerated with eticket-alloc's render_map example).
set -euo pipefail
source "$(dirname "$0")/../lib/setup.sh"
command -v rsvg-convert >/dev/null 2>&1 || need_packages librsvg2-bin
command -v rsvg-convert >/dev/null 2>&1 || fail "rsvg-convert missing after installing librsvg2-bin"
