#!/usr/bin/env bash
# The declared rust-version is checked, not assumed (only newer toolchains are
# installed here): clippy's incompatible_msrv lint, denied for the workspace,
# refuses our own use of anything newer (the test command's clippy run), and
# this script refuses a locked dependency, of any target or feature, that
# declares a newer rust-version itself.
set -euo pipefail
cd "$(dirname "$0")/../.."
msrv=$(sed -n 's/^rust-version = "\(.*\)"/\1/p' Cargo.toml | head -1)
[ -n "$msrv" ] || { echo "error: checks/msrv.sh: no rust-version in Cargo.toml" >&2; exit 1; }
grep -q '^incompatible_msrv = "deny"' Cargo.toml || {
    echo "error: checks/msrv.sh: clippy::incompatible_msrv is not denied for the workspace" >&2
    exit 1
}
cargo metadata --locked --format-version 1 | python3 -c '
import json, sys
msrv = sys.argv[1]
def key(v):
    parts = [int(x) for x in v.split(".")[:3]]
    return tuple(parts + [0] * (3 - len(parts)))
packages = json.load(sys.stdin)["packages"]
newer = sorted("%s %s (rust-version %s)" % (p["name"], p["version"], p["rust_version"])
               for p in packages
               if p.get("rust_version") and key(p["rust_version"]) > key(msrv))
if newer:
    sys.exit("error: checks/msrv.sh: these locked dependencies need a newer Rust than "
             + msrv + ":\n  " + "\n  ".join(newer))
declared = sum(1 for p in packages if p.get("rust_version"))
print(f"msrv: rust-version {msrv}; {len(packages)} packages locked, {declared} declare one, none newer")
' "$msrv"
