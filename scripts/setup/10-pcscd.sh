#!/usr/bin/env bash
# PC/SC for the chip's end-to-end tests: Debian's pcscd with the vsmartcard vpcd
# driver (a virtual reader that eticket-vcard connects to on 127.0.0.1:35963),
# and libpcsclite-dev + pkg-config so the `pcsc` crate links.
#
# Idempotent: installs only what is missing, rewrites the reader config, and
# restarts pcscd so it (re)reads it. There is no systemd here, so pcscd is
# started directly. Any failure stops with a message and a non-zero exit.
set -euo pipefail

source "$(dirname "$0")/../lib/setup.sh"

need_packages pcscd vsmartcard-vpcd libpcsclite-dev pkg-config

command -v pcscd >/dev/null || fail "pcscd is not on PATH after installing it"
pkg-config --exists libpcsclite || fail "pkg-config does not find libpcsclite"

# The vpcd driver's reader config: one entry, for which the driver opens two
# virtual readers, "Virtual PCD 00 00" listening on 127.0.0.1:35963 and
# "Virtual PCD 00 01" on 35964 (the Debian package ships this file; write it if absent so a
# removed or edited file does not leave pcscd without the reader).
conf=/etc/reader.conf.d/vpcd
if ! grep -qs "vpcd" "$conf"; then
    lib=$(dpkg -L vsmartcard-vpcd | grep -E 'libifdvpcd\.so' | head -n1 || true)
    [ -n "$lib" ] || fail "libifdvpcd.so not found in package vsmartcard-vpcd"
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO mkdir -p /etc/reader.conf.d
    printf 'FRIENDLYNAME "Virtual PCD"\nDEVICENAME   /dev/null:0x8C7B\nLIBPATH      %s\nCHANNELID    0x8C7B\n' \
        "$lib" | $SUDO tee "$conf" >/dev/null
fi

# Restart pcscd cleanly: stop the one that runs (by its pid file, then by the
# exact process name), wait for it to go, start a fresh one.
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
pidfile=/run/pcscd/pcscd.pid
if [ -s "$pidfile" ]; then
    # pcscd writes its pid with a trailing NUL byte: keep the digits only.
    pid=$(tr -cd '0-9' <"$pidfile")
    [ -n "$pid" ] && $SUDO kill "$pid" 2>/dev/null || true
fi
for _ in $(seq 1 50); do
    pgrep -x pcscd >/dev/null || break
    sleep 0.1
done
if pgrep -x pcscd >/dev/null; then
    $SUDO kill $(pgrep -x pcscd) 2>/dev/null || true
    sleep 0.5
fi
pgrep -x pcscd >/dev/null && fail "an old pcscd does not stop"
$SUDO rm -f /run/pcscd/pcscd.comm "$pidfile"
$SUDO mkdir -p /run/pcscd
# pcscd daemonizes itself; --auto-exit is not used, it stays for the tests.
$SUDO pcscd || fail "pcscd did not start"

# Wait until pcscd has loaded the vpcd driver and listens for the virtual card.
for _ in $(seq 1 50); do
    if [ -S /run/pcscd/pcscd.comm ] && (exec 3<>/dev/tcp/127.0.0.1/35963) 2>/dev/null &&
        (exec 3<>/dev/tcp/127.0.0.1/35964) 2>/dev/null; then
        echo "pcscd is running with the vpcd readers on 127.0.0.1:35963 and :35964"
        exit 0
    fi
    sleep 0.1
done
fail "pcscd runs but the vpcd readers do not listen on 127.0.0.1:35963 and :35964 (see $conf)"
