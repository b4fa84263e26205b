#!/usr/bin/env bash
# Writes the seed corpora of the fuzz targets into fuzz/corpus/<target>/
# (not committed: made from the code of the day, so a format change cannot
# leave stale seeds behind). Signed seeds carry the fuzzing tag in place of
# a signature (see eticket-core's crypto module, "Fuzzing builds").
#
#   fuzz/seeds.sh            # then: cd fuzz && cargo +nightly fuzz run <target>
#
# Every target has seeds; the dictionaries in fuzz/dict/ (apdu.dict,
# qr.dict, toml.dict, json.dict) help the text and APDU targets further.
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=fuzz/corpus

cargo run -q -p eticket-core --features fixtures --example fuzz_seeds
cargo run -q -p eticket-chip --example chip_fuzz_seeds
# An evening at a venue unit (upload batches, venue protocol messages),
# recorded chip sessions and keys for the C entry points, and every signed
# format for the differential target.
cargo run -q -p eticket-gate --example gate_fuzz_seeds

# The repository's own seat maps and event file, without comments and with
# every row cut to its first and last three places (the layout features
# stay; checking the two full maps took 1.9 ms an input here, the cut ones
# 0.6 ms; a campaign works on mutants of its seeds). The seat-map
# target reads an `Arbitrary` case: four zero bytes pick its first variant
# (TOML text) and the rest is the text.
compact() {
    sed -E -e '/^[[:space:]]*#/d' -e '/^$/d' -e 's/^(  ")(...)[^"]*(...)(",?)$/\1\2\3\4/' "$1"
}
mkdir -p "$corpus/seatmap_parse" "$corpus/center_event_file"
{ printf '\0\0\0\0'; compact eticket-alloc/data/small_hall.toml; } >"$corpus/seatmap_parse/small_hall.toml"
{ printf '\0\0\0\0'; compact eticket-alloc/data/venues/small_hall.toml; } >"$corpus/seatmap_parse/small_hall_geometry.toml"
# The round-trip target reads the same inputs.
mkdir -p "$corpus/seatmap_roundtrip"
cp "$corpus/seatmap_parse/small_hall.toml" "$corpus/seatmap_parse/small_hall_geometry.toml" "$corpus/seatmap_roundtrip/"
compact eticket-center/data/spring_concert.toml >"$corpus/center_event_file/spring_concert.toml"
# The center's request bodies as the operator's guide sends them: the first
# byte picks the type (see center_request_json.rs), the rest is the body.
seed_body() {
    mkdir -p "$corpus/center_request_json"
    { printf "\\$(printf '%03o' "$1")"; printf '%s' "$3"; } >"$corpus/center_request_json/$2.json"
}
seed_body 0 sale '{"seats": {"best_available": {"seat_type": 1, "quantity": 2}}, "holder": "chip:3a910c55e21748b60f6da4219e73c805"}'
seed_body 0 sale_paper '{"seats": {"serials": [1, 2]}, "holder": "paper", "member": 7}'
seed_body 3 ratios '{"shares": [{"distributor": 1, "weight": 3, "seat_type": null}, {"distributor": 2, "weight": 1, "seat_type": 4}]}'
seed_body 4 policy '{"kind": "first_come_first_served", "per_member_limit": 4}'
seed_body 6 target '{"chip": "3a910c55e21748b60f6da4219e73c805", "counter": 0, "slot": 0}'
seed_body 11 split '{"seats": [{"rect": {"block": 1, "rows": [1, 4], "numbers": [1, 10]}}], "shares": [{"distributor": 1, "weight": 1}, {"distributor": 2, "weight": 1}], "from": [1, 2], "as_of": 3}'
seed_body 13 hold '{"seats": {"best_available": {"seat_type": 1, "quantity": 2}}, "buyer": {"reference": "order-17"}}'

# Inputs that once crashed a target (each with a regression test of its
# own in the library) stay in its corpus, so every run replays them.
for dir in fuzz/regressions/*/; do
    target=$(basename "$dir")
    mkdir -p "$corpus/$target"
    cp "$dir"* "$corpus/$target/"
done
echo "seeds written under $corpus/"
