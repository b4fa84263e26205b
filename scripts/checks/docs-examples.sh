#!/usr/bin/env bash
# Runs, as written, every shell block of the docs that is marked with the
# line `<!-- scripts/checks/docs-examples.sh runs this block as written -->`
# right before it. Each block runs with `eticket` (this checkout's build) on
# PATH in a fresh directory that holds what its page says is there:
#
#   docs/center/README.md, offline signing: a ledger `eticket.sqlite` whose
#   root key file was moved to `root` (with a copy of its key-encryption key
#   as `kek`), as on a machine that holds the root and another that serves.
set -euo pipefail
cd "$(dirname "$0")/../.."
root_dir=$PWD
marker='<!-- scripts/checks/docs-examples.sh runs this block as written -->'

cargo build -q -p eticket-center --bin eticket
bin_dir=$(mktemp -d)
trap 'rm -rf "$bin_dir"' EXIT
ln -s "$root_dir/target/debug/eticket" "$bin_dir/eticket"
export PATH="$bin_dir:$PATH"
unset ETICKET_KEK ETICKET_KEK_FILE ETICKET_ROOT_KEY_FILE

# blocks FILE: print each marked block, separated by a NUL byte.
blocks() {
    awk -v marker="$marker" '
        $0 == marker { armed = 1; next }
        armed && /^```sh$/ { inside = 1; armed = 0; next }
        inside && /^```$/ { inside = 0; printf "%c", 0; next }
        inside { print }
        { armed = 0 }
    ' "$1"
}

# prepare PAGE: the directory a block of PAGE runs in.
prepare() {
    case "$1" in
    docs/center/README.md)
        eticket init >/dev/null 2>&1
        mv eticket.sqlite.root root
        cp eticket.sqlite.kek kek
        eticket --offline-root rotate-key --purpose lists >/dev/null
        ;;
    *)
        echo "docs-examples: no preparation known for $1" >&2
        return 1
        ;;
    esac
}

# verify PAGE: what the block of PAGE promised is true afterwards.
verify() {
    case "$1" in
    docs/center/README.md)
        eticket --offline-root export-key-set | grep -q '"version": 2'
        ;;
    esac
}

ran=0
for page in docs/center/README.md; do
    while IFS= read -r -d '' block; do
        work=$(mktemp -d)
        (
            cd "$work"
            prepare "$page"
            printf '+ %s\n' "$page"
            bash -euo pipefail -c "$block"
            verify "$page"
        ) || {
            echo "docs-examples: a block of $page failed:" >&2
            printf '%s\n' "$block" >&2
            exit 1
        }
        rm -rf "$work"
        ran=$((ran + 1))
    done < <(blocks "$page")
done
if [ "$ran" -eq 0 ]; then
    echo "docs-examples: no marked block found" >&2
    exit 1
fi
echo "docs-examples: $ran block(s) ran as written"
