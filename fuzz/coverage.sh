#!/usr/bin/env bash
# Coverage of a target's corpus, with libFuzzer's -print_coverage=1 in the
# build without sanitizer that the campaigns use (the llvm-tools that
# `cargo fuzz coverage` needs are not available here, and an
# AddressSanitizer build of the fuzz crate takes over ten minutes): every
# input of fuzz/corpus/TARGET runs once with symbolize.c preloaded, which
# gives libFuzzer the two functions it otherwise takes from a sanitizer
# runtime; the functions are then named with llvm-symbolizer (the system's
# `llvm` package) and their edges summed per source file of the eticket
# crates. An edge is counted in the file of the function it was compiled
# into (an inlined helper counts in its caller's). With -v, the functions of
# those files with uncovered edges are listed too.
#
#   fuzz/coverage.sh TARGET [-v]
#
# The log is fuzz/logs/TARGET.coverage.log.
set -euo pipefail
cd "$(dirname "$0")"
target=$1
verbose=${2:-}
command -v llvm-symbolizer >/dev/null || {
    echo "error: coverage.sh needs llvm-symbolizer (apt-get install llvm)" >&2
    exit 1
}
cargo +nightly fuzz build --sanitizer none "$target" >/dev/null
host=$(rustc -vV | sed -n 's/^host: //p')
bin=${CARGO_TARGET_DIR:-target}/$host/release/$target
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cc -shared -fPIC -O2 -o "$scratch/libsymbolize.so" symbolize.c -ldl
mkdir -p logs "corpus/$target"
log=logs/$target.coverage.log
LD_PRELOAD=$scratch/libsymbolize.so "$bin" "corpus/$target" -runs=0 -rss_limit_mb=2048 \
    -print_coverage=1 >"$log" 2>&1
# Lines: "COVERED_FUNC: hits: H edges: C/T 0xOFFSET ..." and
# "UNCOVERED_FUNC: hits: 0 edges: 0/T 0xOFFSET ...".
python3 - "$log" "$bin" "$verbose" <<'PY'
import collections, re, subprocess, sys
log, binary, verbose = sys.argv[1:4]
pat = re.compile(r"\s*(?:UN)?COVERED_FUNC: hits: \d+ edges: (\d+)/(\d+) (0x[0-9a-f]+)")
funcs = [(int(m[1]), int(m[2]), m[3]) for m in map(pat.match, open(log, errors="replace")) if m]
if not funcs:
    sys.exit(f"no coverage in {log}")
out = subprocess.run(
    ["llvm-symbolizer", "--obj=" + binary, "--no-inlines", "--demangle"],
    input="\n".join(o for _, _, o in funcs) + "\n",
    capture_output=True, text=True, check=True,
).stdout.strip().split("\n\n")
cov = collections.defaultdict(lambda: [0, 0])
partial = collections.defaultdict(list)
src = re.compile(r"(eticket-[a-z]+/src/\S+?):(\d+)")
for (c, t, _), answer in zip(funcs, out):
    lines = answer.splitlines()
    if len(lines) < 2:
        continue
    m = src.search(lines[1])
    if not m:
        continue
    cov[m[1]][0] += c
    cov[m[1]][1] += t
    if c < t:
        partial[m[1]].append(f"    {c}/{t} {lines[0]} :{m[2]}")
for path, (c, t) in sorted(cov.items()):
    if t:
        print(f"{path}: {c}/{t} edges ({100 * c / t:.0f}%)")
        if verbose == "-v":
            print("\n".join(partial[path]))
PY
