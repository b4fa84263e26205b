#!/usr/bin/env bash
# Runs the main job (README's first command, in the test profile to reuse the
# test build) and checks that the story it tells still holds: admissions with
# guidance, each kind of refusal, an idempotent entry-log upload, the chart.
set -euo pipefail
cd "$(dirname "$0")/../.."

out=$(cargo run --quiet --example festival 2>&1) || {
    echo "$out" >&2
    echo "error: checks/festival.sh: the main job failed" >&2
    exit 1
}
expect() {
    grep -qF -- "$1" <<<"$out" || {
        echo "$out" >&2
        echo "error: checks/festival.sh: expected the main job to print: $1" >&2
        exit 1
    }
}
expect "its hash matches; with the applications digest and the beacon"
expect "and the ranking recomputes"
expect "may not be written before"
expect "the same grant presented again: the chip refused WRITE: 6982"
expect "is cooling off until"
expect "comes back too late: seat hold"
expect "held T"
expect "store terminal: carol's membership card proven, the fan club sold T"
expect "and bought it on paper"
expect "bob's chip at north              ADMIT"
expect "carol's card again: terminal ticket ADMIT"
expect "the same paper again at north    REFUSE"
expect "carol's ticket copied to a card  REFUSE Ticket belongs to another card"
expect "the giver's old generation       REFUSE Ticket was transferred to someone else"
expect "a forged ticket                  REFUSE Ticket signature is invalid"
expect "the retried upload stored 0"
expect "the second paper at the handheld REFUSE This paper ticket was already used"
expect "bob's chip at the handheld       REFUSE This ticket has already been used to enter. (entered at Gate 1 (North)"
expect "attended 5 of 8 issued, 10 scans refused"
expect "2 tickets re-issued for the new date"
expect "cannot come on the new date: refunded"
expect "the copy printed before the move     REFUSE A newer ticket replaces this one"
expect "the ticket printed for the new date  ADMIT"
[ -s target/festival/entry-statistics.svg ] || {
    echo "error: checks/festival.sh: no statistics chart written" >&2
    exit 1
}
echo "festival: the main job ran and told the whole story"
