#!/usr/bin/env bash
# From a real center to the C library: an `eticket serve` on a fresh SQLite
# ledger, an event happening now, and examples/c/handoff.c built against the
# installed libeticket doing what a vendor's programs do with the center's
# HTTP answers (no fixtures): a POS personalizes a blank card from
# POST /v1/chips/personalization, writes the ticket the center issued to it
# with the center's grant; a gate loads the key set (GET /v1/keyset), the
# revocation list (GET /v1/events/{id}/revocations) and the event
# (GET /v1/events/{id}), admits the card and a printed paper ticket, and
# refuses a paper ticket the organizer revoked; a member buys at the store
# terminal (the card signs the center's challenge with eticket_chip_prove,
# the terminal purchase answers the ticket and its grant, the card is
# written and admitted); the venue unit registers its
# key, uploads its entry log signed with it (the event's shared gate token is
# refused), and the center's statistics count the admissions. The whole flow
# runs three times, each with a fresh center: the C program plain, built with
# AddressSanitizer + UndefinedBehaviorSanitizer, and under valgrind. Needs
# curl, python3 and valgrind (scripts/setup/50-ffi.sh installs them); fails
# loudly otherwise.
set -euo pipefail
cd "$(dirname "$0")/../.."
root_dir=$PWD

fail() { echo "error: checks/center-handoff.sh: $*" >&2; exit 1; }
step() { printf -- '--> %s\n' "$*"; }
for tool in curl python3 gcc pkg-config valgrind; do
    command -v "$tool" >/dev/null || fail "$tool is missing; run scripts/setup/50-ffi.sh"
done

work=$(mktemp -d "${TMPDIR:-/tmp}/eticket-handoff.XXXXXX")
server_pid=""
cleanup() {
    if [ -n "$server_pid" ]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

step "build eticket and libeticket; compile examples/c/handoff.c"
cargo build -q -p eticket-center --bin eticket
eticket=${CARGO_TARGET_DIR:-target}/debug/eticket
prefix=$work/prefix
bash scripts/install-ffi.sh "$prefix" >/dev/null
export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
read -r -a cflags <<<"$(pkg-config --cflags eticket)"
read -r -a libs <<<"$(pkg-config --libs eticket)"
gcc -std=c11 -Wall -Wextra -Wpedantic -Werror -g "${cflags[@]}" examples/c/handoff.c "${libs[@]}" \
    -Wl,-rpath,"$prefix/lib" -o "$work/handoff-plain" || fail "gcc examples/c/handoff.c"
gcc -std=c11 -Wall -Wextra -Wpedantic -Werror -g -fsanitize=address,undefined -fno-omit-frame-pointer \
    -fno-sanitize-recover=all "${cflags[@]}" examples/c/handoff.c "${libs[@]}" \
    -Wl,-rpath,"$prefix/lib" -o "$work/handoff-asan" || fail "gcc examples/c/handoff.c (sanitized)"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

# flow VARIANT: the whole hand-off against a fresh center, the C program run
# as VARIANT (plain, asan, valgrind).
flow() {
    local variant=$1
    handoff() {
        case $variant in
        plain) "$work/handoff-plain" "$@" ;;
        asan) "$work/handoff-asan" "$@" ;;
        valgrind) valgrind -q --error-exitcode=1 --leak-check=full \
            --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect \
            "$work/handoff-plain" "$@" ;;
        esac
    }
    local dir=$work/$variant
    mkdir -p "$dir"

    step "[$variant] a center with an event happening now"
    db=$dir/center.sqlite
    E() { "$eticket" --database "$db" "$@"; }
    E init >/dev/null
    E add-distributor --id 1 --name "Shop" >/dev/null
    now=$(date -u +%s)
    at() { date -u -d "@$(($now + $1))" +%Y-%m-%dT%H:%M:%SZ; }
    sed -e "s|^venue = .*|venue = \"$root_dir/eticket-alloc/data/small_hall.toml\"|" \
        -e "s|^doors_open = .*|doors_open = $(at -3600)|" \
        -e "s|^start = .*|start = $(at 1800)|" \
        -e "s|^end = .*|end = $(at 14400)|" \
        eticket-center/data/spring_concert.toml >"$dir/event.toml"
    E register-event --event "$dir/event.toml" >/dev/null
    E select-distributor --event 2027 --distributor 1 >/dev/null
    echo '{"shares": [{"distributor": 1, "weight": 1, "seat_type": null}]}' >"$dir/ratios.json"
    E allot-ratios --event 2027 --file "$dir/ratios.json" >/dev/null
    shop=$(E credential --role distributor --id 1)
    terminal=$(E credential --role terminal --id 1 --distributor 1)
    organizer=$(E credential --role organizer --id 1)
    gate=$(E credential --role gate --id 2027)
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    # The binary itself, not the E function: `$!` of a backgrounded function is
    # its subshell, and killing that would leave the server running.
    "$eticket" --database "$db" serve --listen "127.0.0.1:$port" >"$dir/serve.log" 2>&1 &
    server_pid=$!
    base=http://127.0.0.1:$port
    for _ in $(seq 1 100); do
        curl -sf "$base/v1/health" >/dev/null 2>&1 && break
        sleep 0.1
    done
    curl -sf "$base/v1/health" >/dev/null || { cat "$dir/serve.log" >&2; fail "eticket serve did not come up"; }

    # api TOKEN METHOD PATH [JSON]: the center's JSON answer; any error fails.
    # (Called in $(…), a subshell: the idempotency key is made unique from the
    # clock, not from a counter the subshell would lose.)
    api() {
        local args=(-sS -X "$2" -H "Authorization: Bearer $1" -H "Idempotency-Key: handoff-$(date +%s%N)-$RANDOM"
            -w '\n%{http_code}' "$base$3")
        [ $# -ge 4 ] && args+=(-H "Content-Type: application/json" -d "$4")
        local out code
        out=$(curl "${args[@]}") || fail "curl $2 $3"
        code=${out##*$'\n'}
        out=${out%$'\n'*}
        [ "$code" = 200 ] || fail "$2 $3 answered $code: $out"
        printf '%s' "$out"
    }
    # field JSON EXPR: a field of a JSON answer (a Python expression on `d`).
    field() { python3 -c "import json, sys; d = json.loads(sys.argv[1]); print($2)" "$1"; }
    # unhex HEX FILE
    unhex() { python3 -c "import sys; open(sys.argv[2], 'wb').write(bytes.fromhex(sys.argv[1]))" "$1" "$2"; }

    step "[$variant] a POS personalizes a blank card from the center's answer"
    card=$dir/card.state
    public=$(handoff card "$card")
    api "$terminal" POST /v1/chips/personalization "{\"public_key\": \"$public\"}" >"$dir/answer.json"
    info=$(handoff personalize "$card" "$dir" 2580) || fail "personalize: $info"
    chip=$(sed -n 's/^chip //p' <<<"$info")
    counter=$(sed -n 's/^counter //p' <<<"$info")
    grant_keys=$(sed -n 's/^grant_keys //p' <<<"$info" | tr ' ' ',')
    [ -n "$chip" ] && [ -n "$counter" ] || fail "personalize printed: $info"

    step "[$variant] the shop sells and issues a ticket to the card; the POS writes it"
    sale=$(api "$shop" POST /v1/events/2027/sales \
        "{\"seats\": {\"best_available\": {\"seat_type\": null, \"quantity\": 1}}, \"holder\": \"chip:$chip\"}")
    serial=$(field "$sale" 'd["records"][0]["serial"]')
    delivery=$(api "$shop" POST "/v1/events/2027/tickets/$serial/issue" \
        "{\"target\": {\"chip\": \"$chip\", \"counter\": $counter, \"slot\": 0, \"grant_keys\": [$grant_keys]}}")
    unhex "$(field "$delivery" 'd["ticket"]["ticket"]')" "$dir/ticket.bin"
    unhex "$(field "$delivery" 'd["grant"]["grant"]')" "$dir/grant.bin"
    keyset=$(api "$gate" GET /v1/keyset)
    unhex "$(field "$keyset" 'd["root_public_key"]')" "$dir/root.pub"
    field "$keyset" 'd["root_key_id"]' >"$dir/root_id"
    unhex "$(field "$keyset" 'd["key_set"]')" "$dir/keyset.bin"
    handoff write "$card" "$dir" "$(date -u +%s)" || fail "write with the center's grant"

    step "[$variant] two paper tickets printed; the organizer revokes one"
    paper_ticket() {
        local sale serial print
        sale=$(api "$shop" POST /v1/events/2027/sales \
            '{"seats": {"best_available": {"seat_type": null, "quantity": 1}}, "holder": "paper"}')
        serial=$(field "$sale" 'd["records"][0]["serial"]')
        api "$shop" POST "/v1/events/2027/tickets/$serial/issue" '{}' >/dev/null
        print=$(api "$terminal" POST "/v1/events/2027/tickets/$serial/paper")
        unhex "$(field "$print" 'd["ticket"]["ticket"]')" "$dir/$1"
        echo "$serial"
    }
    paper_ticket paper.bin >/dev/null
    revoked=$(paper_ticket revoked.bin)
    api "$organizer" POST "/v1/events/2027/tickets/$revoked/revoke" >/dev/null

    step "[$variant] a gate loads what the center publishes and admits from C"
    list=$(api "$gate" GET /v1/events/2027/revocations)
    unhex "$(field "$list" 'd["signed"]')" "$dir/revocations.bin"
    api "$gate" GET /v1/events/2027 >"$dir/event.json"
    handoff gate "$card" "$dir" "$(date -u +%s)" || fail "the gate did not admit and refuse as expected"

    step "[$variant] a member buys at the store terminal with the membership card; a gate admits it"
    # The shop registers the blank card as member 1's; its answer is what the
    # card is personalized with, member record included.
    member_card=$dir/member.state
    member_key=$(handoff card "$member_card")
    member_chip=$(handoff chip-id "$member_card")
    api "$shop" POST /v1/members \
        "{\"member\": 1, \"name\": \"Ann\", \"chip\": \"$member_chip\", \"public_key\": \"$member_key\"}" >"$dir/member.json"
    info=$(handoff personalize-member "$member_card" "$dir" 1357) || fail "personalize the member card: $info"
    # At the till: the terminal reads the member number off the card.
    member=$(sed -n 's/^member \([0-9]*\) of distributor 1 .*/\1/p' <<<"$info")
    [ "$member" = 1 ] || fail "the card's member record: $info"
    member_counter=$(sed -n 's/^counter //p' <<<"$info")
    member_keys=$(sed -n 's/^grant_keys //p' <<<"$info" | tr ' ' ',')
    challenge=$(field "$(api "$terminal" POST /v1/terminal/challenges)" 'd["challenge"]')
    proof=$(handoff prove "$member_card" "$challenge") || fail "the card did not prove itself: $proof"
    purchase=$(api "$terminal" POST /v1/events/2027/terminal-purchases \
        "{\"distributor\": 1, \"seats\": {\"best_available\": {\"seat_type\": null, \"quantity\": 1}},
          \"holder\": \"chip:$member_chip\", \"member\": $member, \"card\": $proof,
          \"target\": {\"chip\": \"$member_chip\", \"counter\": $member_counter, \"slot\": 0, \"grant_keys\": [$member_keys]}}")
    [ "$(field "$purchase" 'd["next"]')" = write ] || fail "the terminal purchase answered: $purchase"
    mkdir -p "$dir/till"
    cp "$dir/root.pub" "$dir/root_id" "$dir/keyset.bin" "$dir/till/"
    unhex "$(field "$purchase" 'd["tickets"][0]["ticket"]["ticket"]')" "$dir/till/ticket.bin"
    unhex "$(field "$purchase" 'd["tickets"][0]["grant"]["grant"]')" "$dir/till/grant.bin"
    handoff write "$member_card" "$dir/till" "$(date -u +%s)" || fail "write the terminal's ticket"
    handoff admit "$member_card" "$dir" "$(date -u +%s)" || fail "the gate did not admit the member card"

    step "[$variant] the venue unit registers its key and uploads its signed entry log"
    unit_key=$(handoff unit-key "$dir" "$(date -u +%s)")
    unit=$(E credential --role unit --id 2027 --unit foyer --unit-key "$unit_key" 2>/dev/null)
    handoff upload "$dir" "$(date -u +%s)" foyer >/dev/null || fail "signed upload"
    post_batch() {
        curl -sS -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $1" \
            -H "Idempotency-Key: upload-$(date +%s%N)" -H "Content-Type: application/octet-stream" \
            --data-binary "@$dir/batch.bin" "$base/v1/events/2027/entries"
    }
    [ "$(post_batch "$gate")" = 403 ] || fail "the event's shared gate token could upload"
    [ "$(post_batch "$unit")" = 200 ] || fail "the unit's signed batch was not stored"
    handoff confirm "$dir" "$(date -u +%s)" || fail "confirm upload"
    stats=$(api "$organizer" GET /v1/events/2027/entries/statistics)
    [ "$(field "$stats" 'd["attended"]')" = 3 ] || fail "the center's statistics do not show the three admissions: $stats"

    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
}

for variant in plain asan valgrind; do
    flow "$variant"
done
echo "center hand-off checks passed (plain, sanitized, valgrind)"
