#!/usr/bin/env bash
# docs/security.md names the test that proves each claim, as
# `path/to/file.rs::test_name` (a path once per paragraph, then
# `file.rs::test_name` or a bare `test_name` after it). Every name must still
# be a function in that file, so the page cannot keep pointing at a test that
# was renamed or removed.
set -euo pipefail
cd "$(dirname "$0")/../.."
doc=docs/security.md
missing=0
declare -A path_of
while read -r ref; do
    file=${ref%%::*}
    name=${ref##*::}
    base=$(basename "$file")
    if [[ $file == */* ]]; then
        path_of[$base]=$file
    fi
    path=${path_of[$base]:-}
    if [ -z "$path" ]; then
        echo "error: $doc names $ref but no path for $base appears before it" >&2
        missing=1
        continue
    fi
    if [ ! -f "$path" ]; then
        echo "error: $doc names $path, which does not exist" >&2
        missing=1
        continue
    fi
    if ! grep -Eq "fn ${name}\b" "$path"; then
        echo "error: $doc names $ref, but $path has no fn $name" >&2
        missing=1
    fi
done < <(grep -oE '[A-Za-z0-9_./-]+\.rs::[a-z0-9_]+' "$doc")
# Bare names in a list after a reference: `name` lines inside the same
# parenthesis are checked against the files named in the document.
while read -r name; do
    if ! grep -rqE "fn ${name}\b" eticket-*/tests eticket-*/src; then
        echo "error: $doc names the test $name, which no file defines" >&2
        missing=1
    fi
done < <(grep -oE '`[a-z][a-z0-9_]{20,}`' "$doc" | tr -d '`' | sort -u)
[ "$missing" = 0 ] || exit 1
echo "docs/security.md: every named test exists"
