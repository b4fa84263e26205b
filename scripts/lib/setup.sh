# Shared by scripts/setup/*.sh (sourced, not run): `fail` and `need_packages`.
# The sourcing script has `set -euo pipefail`.

setup_name=$(basename "${BASH_SOURCE[1]:-setup}")

# fail MESSAGE: print "error: <script>: MESSAGE" and stop with exit 1.
fail() {
    echo "error: $setup_name: $*" >&2
    exit 1
}

# need_packages PACKAGE...: install the Debian packages that are not installed
# yet (without recommends), as root or through sudo; nothing when all are there.
need_packages() {
    local missing=() p
    for p in "$@"; do
        if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
            missing+=("$p")
        fi
    done
    [ "${#missing[@]}" -gt 0 ] || return 0
    echo "installing: ${missing[*]}"
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null || fail "need root or sudo to install ${missing[*]}"
        sudo=(sudo)
    fi
    export DEBIAN_FRONTEND=noninteractive
    "${sudo[@]}" apt-get update -q >/dev/null || fail "apt-get update failed"
    "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null ||
        fail "apt-get install ${missing[*]} failed"
}
