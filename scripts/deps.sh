#!/bin/sh
# Installs the Debian packages shopd needs to build, test and run, when missing.
# Runs apt-get (as root) only if something is missing, so repeated runs are instant.
set -eu
PKGS="build-essential pkg-config clang libclang-rt-14-dev \
libmicrohttpd-dev libjansson-dev libsqlite3-dev sqlite3 libpq-dev nettle-dev \
libargon2-dev libmagic-dev libcmocka-dev \
postgresql python3 python3-pytest python3-requests python3-jwt python3-zxcvbn \
curl wrk nginx-light"
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "deps: installing$missing"
if [ "$(id -u)" != 0 ]; then
    echo "deps: missing packages and not root; install them:$missing" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
# Debian starts the packaged cluster on install; tests run their own cluster instead.
