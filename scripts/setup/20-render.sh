#!/usr/bin/env bash
# rsvg-convert (Debian's librsvg2-bin) renders the seat-map SVGs of eticket-alloc
# to PNG (docs/alloc/*.png, regenerated with eticket-alloc's render_map example).
set -euo pipefail
if command -v rsvg-convert >/dev/null 2>&1; then
    exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq && apt-get install -y -qq librsvg2-bin >/dev/null || {
    echo "error: could not install librsvg2-bin (rsvg-convert)" >&2
    exit 1
}
command -v rsvg-convert >/dev/null 2>&1 || {
    echo "error: rsvg-convert missing after installing librsvg2-bin" >&2
    exit 1
}
