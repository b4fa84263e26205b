#!/usr/bin/env bash
# The seat allocation page's browser test (eticket-center/tests/page.rs) drives
# Debian's headless Chromium with playwright-core from npm and checks the page
# with axe-core: install chromium, node and npm from apt, then the pinned node
# modules with `npm ci`. Any
# failure stops with a non-zero exit; the test itself fails if either is missing.
set -euo pipefail
cd "$(dirname "$0")/../.."

source scripts/lib/setup.sh

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v node >/dev/null 2>&1 || need+=(nodejs)
command -v npm >/dev/null 2>&1 || need+=(npm)
# Fonts so the page's text renders in screenshots.
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)
[ ${#need[@]} -eq 0 ] || need_packages "${need[@]}"
[ -x /usr/bin/chromium ] || fail "/usr/bin/chromium missing after installing chromium"
command -v node >/dev/null 2>&1 || fail "node missing after installing nodejs"

(cd eticket-center/tests/browser && npm ci --no-audit --no-fund --loglevel=error) \
    || fail "npm ci in eticket-center/tests/browser failed"
for module in playwright-core axe-core; do
    [ -d "eticket-center/tests/browser/node_modules/$module" ] \
        || fail "$module missing after npm ci"
done
