#!/usr/bin/env bash
# One fuzz campaign, as docs/fuzzing.md reports them: TARGET for RUNS
# executions (default 10 million) or SECONDS (default 1800), whichever comes
# first, single job, without a sanitizer unless SANITIZER says otherwise
# (address), from fuzz/corpus/TARGET (fuzz/seeds.sh) with the target's
# dictionary. Coverage of the corpus it leaves: fuzz/coverage.sh TARGET.
#
#   fuzz/campaign.sh ticket_verify [RUNS] [SECONDS]
#
# The log is fuzz/logs/TARGET.log. A crash, leak, timeout or OOM stops the
# campaign with a non-zero exit and the input under fuzz/artifacts/TARGET/.
set -euo pipefail
cd "$(dirname "$0")"
target=$1
runs=${2:-10000000}
seconds=${3:-1800}
sanitizer=${SANITIZER:-none}
case "$target" in
chip_applet | chip_apdu_parse) dict=(-dict=dict/apdu.dict) ;;
paper_payload | gate_paper_admission) dict=(-dict=dict/qr.dict) ;;
seatmap_parse | seatmap_roundtrip | center_event_file) dict=(-dict=dict/toml.dict) ;;
center_request_json) dict=(-dict=dict/json.dict) ;;
*) dict=() ;;
esac
mkdir -p logs "corpus/$target"
log=logs/$target.log
cargo +nightly fuzz run --sanitizer "$sanitizer" "$target" "corpus/$target" -- \
    -runs="$runs" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -print_coverage=1 "${dict[@]}" >"$log" 2>&1 || {
    tail -n 40 "$log" >&2
    echo "error: campaign $target failed; see $log and fuzz/artifacts/$target/" >&2
    exit 1
}
grep -E '^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)' "$log"
