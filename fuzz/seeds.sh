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
# A small map that sets every key of the format, its JSON form, and one
# variant of each per check of the decoders (see the example's comment).
cargo run -q -p eticket-alloc --example alloc_fuzz_seeds -- "$corpus/seatmap_parse"
# The round-trip target reads the same inputs.
mkdir -p "$corpus/seatmap_roundtrip"
cp "$corpus/seatmap_parse/"* "$corpus/seatmap_roundtrip/"
compact eticket-center/data/spring_concert.toml >"$corpus/center_event_file/spring_concert.toml"
# The event file's other spellings and each of its refusals, one edit each.
event_variant() {
    sed -E "$2" "$corpus/center_event_file/spring_concert.toml" >"$corpus/center_event_file/$1.toml"
}
event_variant unix_seconds 's/^doors_open = .*/doors_open = 1809192600/'
event_variant quoted_time 's/^start = (.*)/start = "\1"/'
event_variant utc 's/^end = .*/end = 2027-05-01T21:30:00Z/'
event_variant not_a_time 's/^start = .*/start = "May Day evening"/'
event_variant no_offset 's/^start = .*/start = 2027-05-01T21:00:00/'
event_variant date_only 's/^end = .*/end = 2027-05-02/'
event_variant before_1970 's/^doors_open = .*/doors_open = 1969-12-31T23:00:00Z/'
event_variant before_1970_by_offset 's/^doors_open = .*/doors_open = 1970-01-01T00:30:00+02:00/'
event_variant end_before_start 's/^end = .*/end = 2027-05-01T20:00:00+02:00/'
event_variant block_in_no_gate 's/^blocks = \[2\]/blocks = []/'
event_variant gate_unknown_block 's/^blocks = \[2\]/blocks = [2, 9]/'
event_variant price_key 's/^5 = 3900/cat5 = 3900/'
event_variant gate_twice 's/^id = 2$/id = 1/'
event_variant unknown_key 's/^address =/adress =/'
# The center's request bodies, one or more per type a route takes
# (fuzz/seeds/center_request_json/NN-name.json): the first byte of an input
# picks the type (NN, see center_request_json.rs), the rest is the body. Each
# is also written with the first letter of every string escaped (`"seats"`
# as `"\u0073eats"`): serde reads an escaped name through another path (its
# field and variant visitors' `visit_str`), which plain seeds never reach.
mkdir -p "$corpus/center_request_json"
for seed in fuzz/seeds/center_request_json/*.json; do
    name=$(basename "$seed" .json)
    byte=$(printf '%03o' "$((10#${name%%-*}))")
    { printf "\\$byte"; cat "$seed"; } >"$corpus/center_request_json/$name.json"
    { printf "\\$byte"; perl -pe 's/"([a-z])(\w*)"/sprintf("\"\\u%04x%s\"", ord($1), $2)/ge' "$seed"; } \
        >"$corpus/center_request_json/$name.escaped.json"
done

# Inputs that once crashed a target (each with a regression test of its
# own in the library) stay in its corpus, so every run replays them.
for dir in fuzz/regressions/*/; do
    target=$(basename "$dir")
    mkdir -p "$corpus/$target"
    cp "$dir"* "$corpus/$target/"
done
echo "seeds written under $corpus/"
