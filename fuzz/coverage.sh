#!/usr/bin/env bash
# Coverage of a target's corpus, with libFuzzer's -print_coverage=1 in the
# build without sanitizer that the campaigns use (the llvm-tools that
# `cargo fuzz coverage` needs are not available here, and an
# AddressSanitizer build of the fuzz crate takes over ten minutes): every
# input of fuzz/corpus/TARGET runs once with symbolize.c preloaded, which
# gives libFuzzer the two functions it otherwise takes from a sanitizer
# runtime (-print_full_coverage=1 lists every instrumented edge, covered or
# not); each edge is then placed with llvm-symbolizer (the system's `llvm`
# package) at the innermost source line it was compiled from, so a helper
# inlined into a decoder counts in its own file and the standard library's
# inlined checks count nowhere, and the edges are summed per source file of
# the eticket crates, for the code written there and, beside it, with the
# code derives expand (serde's visitors are instantiated for every
# deserializer a type meets, most of them unreachable; comparisons and
# Debug run only when an assertion fails). With -v, the uncovered written
# lines are listed (line, edges, function).
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
    -print_full_coverage=1 >"$log" 2>&1
# After "FULL COVERAGE:", one line per function: "U" and its uncovered PCs,
# then "C" and its covered ones, each PC as 0xOFFSET.
python3 - "$log" "$bin" "$verbose" <<'PY'
import collections, re, subprocess, sys
log, binary, verbose = sys.argv[1:4]
text = open(log, errors="replace").read()
if "FULL COVERAGE:" not in text:
    sys.exit(f"no coverage in {log}")
pcs = {}
for line in text.split("FULL COVERAGE:", 1)[1].splitlines():
    if line[:1] in ("U", "C"):
        # The PCs follow each other without a separator; "0x" starts each.
        for pc in line[1:].split("0x")[1:]:
            pcs["0x" + pc.strip()] = line[0] == "C"
out = subprocess.run(
    ["llvm-symbolizer", "--obj=" + binary, "--demangle"],
    input="\n".join(pcs) + "\n", capture_output=True, text=True, check=True,
).stdout.strip().split("\n\n")
cov = collections.defaultdict(lambda: [0, 0, 0, 0])
missed = collections.defaultdict(collections.Counter)
src = re.compile(r"(\S*?(eticket-[a-z]+/src/\S+?)):(\d+)")
lines = {}


DERIVED = re.compile(r"^(eq|ne|cmp|partial_cmp|lt|le|gt|ge|hash|clone|fmt|<.* as core::fmt::Debug>::fmt)$")


def written(path, line, function):
    """Whether an edge is in written code: not on line 0 (compiler-made),
    not in what a derive expands (at the `#[derive(...)]` line, a field or
    an `#[error(...)]`: serde's visitors for every deserializer a type
    meets, comparisons, `Debug`, thiserror's messages)."""
    if line == 0 or DERIVED.match(function):
        return False
    if path not in lines:
        try:
            lines[path] = open(path, errors="replace").read().splitlines()
        except OSError:
            lines[path] = []
    text = lines[path][line - 1] if line <= len(lines[path]) else ""
    return "#[derive(" not in text and "#[error(" not in text


for (pc, covered), answer in zip(pcs.items(), out):
    frames = answer.splitlines()
    # The innermost frame: an edge inlined from a helper counts there.
    m = src.search(frames[1]) if len(frames) > 1 else None
    if not m:
        continue
    path, line = m[2], int(m[3])
    c = cov[path]
    c[0] += covered
    c[1] += 1
    if written(m[1], line, frames[0]):
        c[2] += covered
        c[3] += 1
        if not covered:
            missed[path][(line, frames[0])] += 1
for path, (c, t, wc, wt) in sorted(cov.items()):
    share = f"{100 * wc / wt:.0f}%" if wt else "-"
    print(f"{path}: written code {wc}/{wt} edges ({share}); with derived code {c}/{t}")
    if verbose == "-v":
        for (line, func), n in sorted(missed[path].items()):
            print(f"    :{line} {n} in {func}")
PY
