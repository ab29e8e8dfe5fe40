#!/bin/sh
# run.sh: the body of `make bench` (after scripts/deps.sh). Builds the optimised binary
# into build-bench/ and bench/hashcost against its objects, raises the open-file limit
# for 1,000 keep-alive connections, starts a throwaway PostgreSQL cluster when
# BENCH_DB=postgres (stopped and removed on exit, whatever happens), then runs
# bench/bench.py, which measures and reports. See bench/README.md.
#
#   BENCH_SECONDS=10 BENCH_WARMUP=3 BENCH_CONNECTIONS=32 BENCH_THREADS=2
#   BENCH_SCALE=1000|100000 BENCH_DB=sqlite|postgres SHOPD_THREADS=0
set -eu
cd "$(dirname "$0")/.."
BUILD=build-bench
OPT="-O3 -g -DNDEBUG"
PKGS="libmicrohttpd jansson sqlite3 nettle libargon2 libmagic"   # linked; libpq: headers only

echo "bench: building $BUILD/shopd ($OPT)"
make --no-print-directory BUILD=$BUILD OPT="$OPT" all >/dev/null

# Same flags as the server (the Makefile's warnings and hardening), linked with its
# objects: the hash measured is the one the server computes.
# shellcheck disable=SC2046,SC2086
${CC:-cc} -std=c11 -D_GNU_SOURCE -Isrc -I$BUILD/gen \
    -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wvla \
    -fno-common -Wformat=2 -Wno-format-nonliteral \
    -fstack-protector-strong -D_FORTIFY_SOURCE=2 -fPIE $OPT \
    $(pkg-config --cflags $PKGS libpq) -pie -Wl,-z,relro,-z,now \
    -o $BUILD/hashcost bench/hashcost.c \
    $(find $BUILD/obj -name '*.o' ! -path "$BUILD/obj/main.o" | sort) \
    $(pkg-config --libs $PKGS) -lpthread -lm

# 1,000 keep-alive connections need as many descriptors in the server and the client
# (dash and bash have ulimit -n; bench.py also raises its soft limit itself).
# shellcheck disable=SC3045
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt 4096 ]; then
    ulimit -n 4096 2>/dev/null || echo "bench: cannot raise ulimit -n to 4096 ($(ulimit -n))" >&2
fi

PGDIR=""
# shellcheck disable=SC2317  # called by the trap
cleanup() {
    if [ -n "$PGDIR" ]; then
        sh scripts/pg_cluster.sh stop "$PGDIR" >/dev/null 2>&1 || true
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ "${BENCH_DB:-sqlite}" = postgres ]; then
    PGDIR=$(mktemp -d /tmp/shopd-bench-pg.XXXXXX)
    BENCH_PG_URL=$(sh scripts/pg_cluster.sh start "$PGDIR")
    export BENCH_PG_URL
    echo "bench: PostgreSQL cluster at $BENCH_PG_URL"
fi

export BENCH_BIN="$PWD/$BUILD/shopd" BENCH_HASHCOST="$PWD/$BUILD/hashcost"
rc=0
/usr/bin/python3 bench/bench.py || rc=$?
exit $rc
