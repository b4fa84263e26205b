#!/usr/bin/env bash
# Runs, as written, every shell block of the docs that is marked with the
# line `<!-- scripts/checks/docs-examples.sh runs this block as written (NAME) -->`
# right before it. Each block runs with `eticket` (this checkout's build) on
# PATH in a fresh directory that holds what its page says is there, made by
# `prepare NAME`; `verify NAME` then checks what the block promised:
#
#   offline-root (docs/center/README.md): a ledger `eticket.sqlite` whose
#   root key file was moved to `root` (with a copy of its key-encryption key
#   as `kek`), as on a machine that holds the root and another that serves.
#
#   offline-rollover (docs/center/README.md): the same as offline-root.
#
#   api (docs/center/README.md): the center of "A center in five commands"
#   with a second distributor, serving on a free loopback port; CENTER, ORG,
#   DIST and GATE set as the page says; the repository's eticket-center/ and
#   eticket-alloc/ reachable as from its root.
#
#   credentials (docs/center/README.md): the same center as api.
#
#   cancel (docs/center/README.md): the same center with the spring concert
#   registered, distributor 1 given every seat and two paper tickets sold.
#
#   postpone (docs/center/README.md): as cancel, with ticket 1 issued.
#
#   venue (docs/gate/venue-network.md): the center of api (distributor 1,
#   ORG, serving at CENTER), `eticket-venue` on PATH and eticket-alloc/
#   reachable.
#
#   backup (docs/center/README.md): the same center as cancel, serving,
#   and `kek-apart` a copy of its key-encryption key.
#
#   terminal (docs/center/README.md): the same center with the spring
#   concert (event 2027) registered, distributor 1 selected and given every
#   seat, and TERMINAL the token of a terminal serving distributor 1.
#
#   venues (docs/alloc/seatmap-format.md): an empty directory.
#   operations (docs/center/operations.md): the center of terminal, served
#   with `--metrics-listen` and `--log-format json` (its log in center.log);
#   CENTER and METRICS its two addresses, CENTER_PID its process.
set -euo pipefail
cd "$(dirname "$0")/../.."
root_dir=$PWD
marker_prefix='<!-- scripts/checks/docs-examples.sh runs this block as written ('
pages=(docs/center/README.md docs/center/operations.md docs/gate/venue-network.md docs/alloc/seatmap-format.md)

cargo build -q -p eticket-center --bin eticket
cargo build -q -p eticket-gate --features venue-service --bin eticket-venue
bin_dir=$(mktemp -d)
server_pid=
cleanup() {
    [ -z "$server_pid" ] || kill "$server_pid" 2>/dev/null || true
    rm -rf "$bin_dir"
}
trap cleanup EXIT
target_dir=${CARGO_TARGET_DIR:-$root_dir/target}
ln -s "$target_dir/debug/eticket" "$bin_dir/eticket"
ln -s "$target_dir/debug/eticket-venue" "$bin_dir/eticket-venue"
export PATH="$bin_dir:$PATH"
unset ETICKET_KEK ETICKET_KEK_FILE ETICKET_ROOT_KEY_FILE ETICKET_DATABASE_URL
command -v curl >/dev/null || {
    echo "docs-examples: curl is missing (scripts/setup installs it)" >&2
    exit 1
}

# blocks FILE: print each marked block as NAME, a newline, its text, then a
# NUL byte.
blocks() {
    awk -v prefix="$marker_prefix" '
        index($0, prefix) == 1 {
            name = substr($0, length(prefix) + 1)
            sub(/\) -->$/, "", name)
            armed = 1
            next
        }
        armed && /^```sh$/ { inside = 1; armed = 0; print name; next }
        inside && /^```$/ { inside = 0; printf "%c", 0; next }
        inside { print }
        { armed = 0 }
    ' "$1"
}

# prepare NAME: make the current directory what the block NAME expects.
prepare() {
    case "$1" in
    offline-root | offline-rollover)
        eticket init >/dev/null 2>&1
        mv eticket.sqlite.root root
        cp eticket.sqlite.kek kek
        eticket --offline-root rotate-key --purpose lists >/dev/null
        ;;
    venues) ;;
    api | credentials | terminal | cancel | postpone | venue | backup | operations)
        local db=(--database center.sqlite)
        eticket "${db[@]}" init >/dev/null 2>&1
        eticket "${db[@]}" add-distributor --id 1 --name "Ticket Shop" >/dev/null
        eticket "${db[@]}" add-distributor --id 2 --name "Box Office" >/dev/null
        ORG=$(eticket "${db[@]}" credential --role organizer --id 1)
        DIST=$(eticket "${db[@]}" credential --role distributor --id 1)
        GATE=$(eticket "${db[@]}" credential --role gate --id 2027)
        TERMINAL=$(eticket "${db[@]}" credential --role terminal --id 1 --distributor 1)
        export ORG DIST GATE TERMINAL
        ln -s "$root_dir/eticket-center" eticket-center
        ln -s "$root_dir/eticket-alloc" eticket-alloc
        if [ "$1" = terminal ] || [ "$1" = cancel ] || [ "$1" = postpone ] || [ "$1" = backup ] || [ "$1" = operations ]; then
            eticket "${db[@]}" register-event --event eticket-center/data/spring_concert.toml >/dev/null
            eticket "${db[@]}" select-distributor --event 2027 --distributor 1 >/dev/null
            echo '{"shares": [{"distributor": 1, "weight": 1, "seat_type": null}]}' >ratios.json
            eticket "${db[@]}" allot-ratios --event 2027 --file ratios.json >/dev/null
        fi
        if [ "$1" = cancel ] || [ "$1" = postpone ] || [ "$1" = backup ]; then
            # Distributor 1 sold two tickets on paper.
            local token
            token=$(eticket "${db[@]}" hold --event 2027 --distributor 1 --quantity 2 --buyer doc 2>/dev/null |
                python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])')
            eticket "${db[@]}" confirm-hold --event 2027 --distributor 1 --token "$token" --holder paper >/dev/null
        fi
        if [ "$1" = backup ]; then
            cp center.sqlite.kek kek-apart
        fi
        if [ "$1" = postpone ]; then
            # Ticket 1 issued (signed for the old date).
            eticket "${db[@]}" issue --event 2027 --serial 1 >/dev/null
        fi
        if [ "$1" = operations ]; then
            eticket "${db[@]}" serve --listen 127.0.0.1:0 --metrics-listen 127.0.0.1:0 \
                --log-format json >serve.log 2>center.log &
        else
            eticket "${db[@]}" serve --listen 127.0.0.1:0 >serve.log 2>&1 &
        fi
        server_pid=$!
        local i
        for i in $(seq 1 100); do
            if grep -q '^listening on ' serve.log; then break; fi
            kill -0 "$server_pid" 2>/dev/null || {
                cat serve.log >&2
                return 1
            }
            sleep 0.1
        done
        CENTER=$(sed -n 's/^listening on //p' serve.log)
        [ -n "$CENTER" ] || {
            echo "docs-examples: the center did not say where it listens" >&2
            return 1
        }
        export CENTER
        if [ "$1" = operations ]; then
            # The metrics address is in the log's "serving /metrics" line.
            for i in $(seq 1 100); do
                METRICS=$(python3 -c '
import json, sys
for line in open("center.log"):
    entry = json.loads(line)
    if entry.get("message") == "serving /metrics":
        print("http://" + entry["address"])
' 2>/dev/null) && [ -n "$METRICS" ] && break
                sleep 0.1
            done
            [ -n "$METRICS" ] || {
                echo "docs-examples: the center did not say where it serves metrics" >&2
                return 1
            }
            CENTER_PID=$server_pid
            export METRICS CENTER_PID
        fi
        ;;
    *)
        echo "docs-examples: no preparation known for block ($1)" >&2
        return 1
        ;;
    esac
}

# verify NAME: what the block NAME promised is true afterwards.
verify() {
    case "$1" in
    venues)
        # Both event files register (dry run) with their exact seat counts,
        # and the drawings were written.
        local stem seats
        for stem in small_hall:374 arena:20000 stadium_bowl:100000; do
            seats=$(eticket register-event --event "venues/${stem%%:*}_event.toml" --dry-run --json |
                python3 -c 'import json, sys; print(len(json.load(sys.stdin)["info"]["seats"]["seats"]))')
            [ "$seats" = "${stem#*:}" ] && [ -s "venues/${stem%%:*}.svg" ] || {
                echo "docs-examples: venues/${stem%%:*} has $seats seats, not ${stem#*:}, or no drawing" >&2
                return 1
            }
        done
        ;;
    offline-root)
        eticket --offline-root export-key-set | grep -q '"version": 2'
        ;;
    offline-rollover)
        # Root 100 rolled over to 102 (key 101 is the list key the preparation
        # rotated), then the key change after it signed by the new root.
        eticket --offline-root export-rollovers | grep -q '"current_root": 102'
        eticket --offline-root export-key-set | python3 -c '
import json, sys
ks = json.load(sys.stdin)
assert (ks["root_key_id"], ks["version"]) == (102, 4), ks
' || {
            echo "docs-examples: the offline-rollover block did not leave root 102 signing version 4" >&2
            return 1
        }
        ;;
    api)
        # Of the sale's two tickets one is issued, the other sold
        # (authenticated); the hold holds two.
        local stats
        stats=$(eticket --database center.sqlite stats --event 2027 | tr -d ' \n')
        case "$stats" in
        *'[1,"authenticated",1]'*'[1,"held",2]'*'[1,"issued",1]'*'"valid_issued":1'*) ;;
        *) false ;;
        esac || {
            printf 'docs-examples: unexpected stats after the api block:\n%s\n' "$stats" >&2
            return 1
        }
        kill "$server_pid"
        wait "$server_pid" 2>/dev/null || true
        server_pid=
        ;;
    terminal)
        # One ticket of distributor 1 issued and printed once.
        local stats
        stats=$(eticket --database center.sqlite stats --event 2027 | tr -d ' \n')
        case "$stats" in
        *'[1,"issued",1]'*'"valid_issued":1'*) ;;
        *) false ;;
        esac || {
            printf 'docs-examples: unexpected stats after the terminal block:\n%s\n' "$stats" >&2
            return 1
        }
        kill "$server_pid"
        wait "$server_pid" 2>/dev/null || true
        server_pid=
        ;;
    venue)
        # The device's three answers (admitted, a copy refused, admitted),
        # all decided by the unit, and the center counting the three scans.
        python3 - <<'PY' || return 1
import json
answers = [json.loads(line) for line in open("scans.jsonl")]
got = [(a["admitted"], a["refusal"], a["offline"]) for a in answers]
assert got == [(True, None, False), (False, 107, False), (True, None, False)], got
PY
        python3 -c '
import json
s = json.load(open("statistics.json"))
assert (s["entries"], s["refused"], s["attended"]) == (2, 1, 2), s
' || {
            echo "docs-examples: the center did not count the venue block's scans" >&2
            return 1
        }
        kill "$server_pid"
        wait "$server_pid" 2>/dev/null || true
        server_pid=
        ;;
    postpone)
        # Ticket 1 re-issued (still the one valid issued ticket), ticket 2
        # refunded.
        local refunds
        refunds=$(eticket --database center.sqlite refunds --event 2027 |
            python3 -c 'import json, sys; print(",".join("%s:%s" % (x["serial"], x["reason"]) for x in json.load(sys.stdin)["refunds"]))')
        [ "$refunds" = "2:event_postponed" ] &&
            eticket --database center.sqlite stats --event 2027 | tr -d ' \n' | grep -q '"valid_issued":1' || {
            printf 'docs-examples: unexpected state after the postpone block: refunds %s\n' "$refunds" >&2
            return 1
        }
        kill "$server_pid"
        wait "$server_pid" 2>/dev/null || true
        server_pid=
        ;;
    cancel)
        # Every ticket revoked, and the two sold ones refunded once each.
        local stats refunds
        stats=$(eticket --database center.sqlite stats --event 2027 | tr -d ' \n')
        refunds=$(eticket --database center.sqlite refunds --event 2027 |
            python3 -c 'import json, sys; print(len(json.load(sys.stdin)["refunds"]))')
        case "$stats" in
        *'"revoked"'*) ;;
        *) false ;;
        esac && [ "$refunds" = 2 ] && case "$stats" in
        *'"available"'* | *'"authenticated"'*) false ;;
        *) true ;;
        esac || {
            printf 'docs-examples: unexpected state after the cancel block:\n%s\nrefunds: %s\n' "$stats" "$refunds" >&2
            return 1
        }
        kill "$server_pid"
        wait "$server_pid" 2>/dev/null || true
        server_pid=
        ;;
    backup)
        # The restored ledger holds what the original does: the same
        # tickets sold, credentials and keys.
        kill "$server_pid"
        wait "$server_pid" 2>/dev/null || true
        server_pid=
        local cmd
        for cmd in "stats --event 2027" credentials keys; do
            # shellcheck disable=SC2086
            [ "$(eticket --database center.sqlite $cmd)" = \
                "$(eticket --database restored.sqlite --kek-file kek-apart $cmd)" ] || {
                echo "docs-examples: the restored ledger differs from the original in: eticket $cmd" >&2
                return 1
            }
        done
        ;;
    operations)
        # The center stopped by itself on SIGTERM; its log is JSON lines
        # without the token, one of them the sale's.
        ! kill -0 "$server_pid" 2>/dev/null || {
            echo "docs-examples: the center still runs after the operations block" >&2
            return 1
        }
        server_pid=
        python3 - <<'PY' || return 1
import json, os
lines = [json.loads(l) for l in open("center.log")]
assert any(l.get("request_id") == "shop-7-0001" and l.get("status") == 200
           and l.get("principal") == "distributor:1" for l in lines), lines
assert lines[-1]["message"] == "stopped", lines[-1]
assert os.environ["DIST"] not in open("center.log").read()
PY
        ;;
    credentials)
        # The distributor's old credential revoked, its new one active.
        eticket --database center.sqlite credentials | python3 -c '
import json, sys
mine = [c for c in json.load(sys.stdin) if c["principal"] == {"role": "distributor", "id": 1}]
assert sorted(c["state"] for c in mine) == ["active", "revoked"], mine
' || {
            echo "docs-examples: the credentials block did not rotate and revoke" >&2
            return 1
        }
        kill "$server_pid"
        wait "$server_pid" 2>/dev/null || true
        server_pid=
        ;;
    esac
}

ran=0
for page in "${pages[@]}"; do
    while IFS= read -r -d '' block; do
        name=${block%%$'\n'*}
        text=${block#*$'\n'}
        work=$(mktemp -d)
        (
            trap '[ -z "$server_pid" ] || kill "$server_pid" 2>/dev/null || true' EXIT
            cd "$work"
            prepare "$name"
            printf '+ %s (%s)\n' "$page" "$name"
            bash -euo pipefail -c "$text"
            echo
            verify "$name"
        ) || {
            echo "docs-examples: block ($name) of $page failed:" >&2
            printf '%s\n' "$text" >&2
            exit 1
        }
        rm -rf "$work"
        ran=$((ran + 1))
    done < <(blocks "$page")
done
if [ "$ran" -lt 5 ]; then
    echo "docs-examples: expected at least 5 marked blocks, found $ran" >&2
    exit 1
fi
echo "docs-examples: $ran block(s) ran as written"
