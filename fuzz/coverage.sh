#!/usr/bin/env bash
# Coverage of a target's corpus, with libFuzzer's -print_coverage=1 (the
# llvm-tools that `cargo fuzz coverage` needs are not used): every input of
# fuzz/corpus/TARGET runs once in the AddressSanitizer build, whose runtime
# symbolizes the covered and uncovered functions (llvm-symbolizer on PATH),
# and the edges are summed per source file of the eticket crates. With
# -v, the functions of those files with uncovered edges are listed too.
#
#   fuzz/coverage.sh TARGET [-v]
#
# The log is fuzz/logs/TARGET.coverage.log.
set -euo pipefail
cd "$(dirname "$0")"
target=$1
verbose=${2:-}
mkdir -p logs
log=logs/$target.coverage.log
cargo +nightly fuzz run --sanitizer address "$target" "corpus/$target" -- \
    -runs=0 -rss_limit_mb=2048 -print_coverage=1 >"$log" 2>&1
# Lines: "COVERED_FUNC: hits: H edges: C/T name path:line" and
# "UNCOVERED_FUNC: hits: 0 edges: 0/T name path:line".
python3 - "$log" "$verbose" <<'PY'
import re, sys, collections
cov = collections.defaultdict(lambda: [0, 0])
partial = collections.defaultdict(list)
pat = re.compile(r"\s*(UN)?COVERED_FUNC: hits: \d+ edges: (\d+)/(\d+) (.*) (\S*(eticket-[a-z]+/src/\S+?)):(\d+)")
for line in open(sys.argv[1], errors="replace"):
    m = pat.match(line)
    if not m:
        continue
    c, t, name, path, line_no = int(m.group(2)), int(m.group(3)), m.group(4), m.group(6), m.group(7)
    cov[path][0] += c
    cov[path][1] += t
    if c < t:
        partial[path].append(f"    {c}/{t} {name} :{line_no}")
for path, (c, t) in sorted(cov.items()):
    if t:
        print(f"{path}: {c}/{t} edges ({100 * c / t:.0f}%)")
        if sys.argv[2] == "-v":
            print("\n".join(partial[path]))
PY
