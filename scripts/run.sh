#!/bin/sh
# The body of `make run`: migrate the database (SQLite under var/ unless DATABASE_URL
# says otherwise), load the demo catalogue once, and serve on 127.0.0.1:8000.
# A SECRET_KEY is generated once into var/secret_key so tokens survive restarts.
set -eu
BIN=${SHOPD_BIN:-build/shopd}
mkdir -p var
export DATABASE_URL="${DATABASE_URL:-sqlite:///var/shop.db}"
export MEDIA_ROOT="${MEDIA_ROOT:-var/media}"
if [ -z "${SECRET_KEY:-}" ]; then
    if [ ! -s var/secret_key ]; then
        umask 077
        head -c 48 /dev/urandom | od -An -tx1 | tr -d ' \n' > var/secret_key
    fi
    SECRET_KEY=$(cat var/secret_key)
    export SECRET_KEY
fi
"$BIN" migrate
if "$BIN" --help | grep -q '^  seed'; then
    "$BIN" seed
fi
exec "$BIN" serve
