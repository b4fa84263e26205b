#!/usr/bin/env bash
# Every fuzz target under fuzz/ builds against the current code and runs for
# a few seconds (FUZZ_SECONDS, default 5) from its seeds (fuzz/seeds.sh), so
# no target rots when a format changes under it (they are not part of the
# workspace). Without a sanitizer: an AddressSanitizer build of the fuzz
# crate takes about twice as long (over 11 minutes cold on two cores), and
# the unsafe code (eticket-ffi) already runs under ASan, valgrind and Miri in
# checks/ffi.sh; campaigns run both (docs/fuzzing.md). Any crash, timeout or
# out-of-memory fails the run; the input is kept under
# fuzz/artifacts/<target>/. New inputs found go to a scratch directory, not
# to the seeds. Campaigns are run by hand: docs/fuzzing.md. Needs nightly and
# cargo-fuzz, which scripts/setup/55-cargo-fuzz.sh installs.
set -euo pipefail
cd "$(dirname "$0")/../.."
fail() {
    echo "error: checks/fuzz-targets.sh: $*" >&2
    exit 1
}
rustup run nightly cargo --version >/dev/null 2>&1 ||
    fail "the nightly toolchain is missing; run scripts/setup/55-cargo-fuzz.sh"
cargo +nightly fuzz --version >/dev/null 2>&1 ||
    fail "cargo-fuzz is missing; run scripts/setup/55-cargo-fuzz.sh"

seconds=${FUZZ_SECONDS:-5}
# A fixed seed: every run mutates in the same order, so a run on a slower
# machine tries a prefix of what a faster one tried, and a crash this check
# finds is found again by the next run (campaigns, docs/fuzzing.md, use
# random seeds). FUZZ_SEED=0 asks libFuzzer for a random one.
seed=${FUZZ_SEED:-1}
bash fuzz/seeds.sh
cd fuzz
cargo +nightly fuzz build --sanitizer none

# The dictionary of a target, if it has one.
dict_for() {
    case "$1" in
    chip_applet | chip_apdu_parse) echo "-dict=dict/apdu.dict" ;;
    paper_payload | gate_paper_admission) echo "-dict=dict/qr.dict" ;;
    seatmap_parse | seatmap_roundtrip | center_event_file) echo "-dict=dict/toml.dict" ;;
    center_request_json) echo "-dict=dict/json.dict" ;;
    esac
}

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
targets=$(cargo +nightly fuzz list)
[ -n "$targets" ] || fail "cargo fuzz list found no target"
for target in $targets; do
    mkdir -p "$scratch/$target" "corpus/$target"
    echo "fuzz: $target for ${seconds}s"
    # shellcheck disable=SC2046 # the dictionary option is one word or none
    cargo +nightly fuzz run --sanitizer none "$target" "$scratch/$target" "corpus/$target" -- \
        -seed="$seed" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        $(dict_for "$target") >"$scratch/$target.log" 2>&1 || {
        tail -n 60 "$scratch/$target.log" >&2
        fail "fuzz target $target failed (input under fuzz/artifacts/$target/)"
    }
    grep -E '^stat::number_of_executed_units' "$scratch/$target.log" || true
done
echo "every fuzz target ran ${seconds}s without a crash, leak, timeout or OOM"
