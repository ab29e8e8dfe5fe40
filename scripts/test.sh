#!/bin/sh
# The body of `make test` (and of `make sanitize` with SHOPD_BUILD=build-san): static
# checks, unit tests, then the black-box API tests against the real binary on SQLite and
# on a PostgreSQL cluster started here in a temporary folder and removed afterwards.
# Ends with one line "N passed, N failed" over every suite; exit status 1 on failure.
set -u
BUILD=${SHOPD_BUILD:-build}
ROOT=$(pwd)
export SHOPD_BIN="$ROOT/$BUILD/shopd"
PY=/usr/bin/python3
LOGDIR=$(mktemp -d /tmp/shopd-test.XXXXXX)
PGDIR=""
total_pass=0
total_fail=0

cleanup() {
    [ -n "$PGDIR" ] && sh scripts/pg_cluster.sh stop "$PGDIR" >/dev/null 2>&1
    rm -rf "$LOGDIR"
}
trap cleanup EXIT INT TERM

# Adds the counts of a suite's "N passed" / "N failed" / "N error(s)" closing line.
count() {
    line=$(grep -E '[0-9]+ (passed|failed)' "$1" | tail -n 1)
    p=$(printf '%s' "$line" | grep -oE '[0-9]+ passed' | grep -oE '[0-9]+' || true)
    f=$(printf '%s' "$line" | grep -oE '[0-9]+ failed' | grep -oE '[0-9]+' || true)
    e=$(printf '%s' "$line" | grep -oE '[0-9]+ error' | grep -oE '[0-9]+' || true)
    p=${p:-0}; f=${f:-0}; e=${e:-0}
    if [ "$2" -ne 0 ] && [ "$f" -eq 0 ] && [ "$e" -eq 0 ]; then f=1; fi
    total_pass=$((total_pass + p))
    total_fail=$((total_fail + f + e))
}

suite() { # name, command...
    name=$1; shift
    echo "== $name"
    log="$LOGDIR/$(echo "$name" | tr ' /' '__').log"
    "$@" >"$log" 2>&1
    rc=$?
    if [ $rc -ne 0 ]; then cat "$log"; else tail -n 3 "$log"; fi
    count "$log" $rc
}

suite "banned functions" sh scripts/check_banned.sh
if [ "$BUILD" = build ]; then
    suite "clang build" sh -c 'make --no-print-directory BUILD=build-clang CC=clang all >/dev/null && echo "clang: 1 passed, 0 failed"'
fi
suite "unit tests" sh scripts/run_unit.sh $(find "$BUILD/tests" -type f -perm -u+x | sort)

pytest_api() { # backend
    SHOPD_TEST_BACKEND=$1 $PY -m pytest -q -p no:cacheprovider -o console_output_style=classic \
        "$ROOT/tests/api"
}
suite "API tests (SQLite)" pytest_api sqlite

PGDIR=$(mktemp -d /tmp/shopd-pg.XXXXXX)
if PGURL=$(sh scripts/pg_cluster.sh start "$PGDIR" 2>"$LOGDIR/pg.err"); then
    export SHOPD_TEST_PG_URL="$PGURL"
    # the unit tests that talk to a database run again, now on PostgreSQL too
    suite "db and store unit tests (PostgreSQL)" sh scripts/run_unit.sh \
        $(find "$BUILD/tests/db" "$BUILD/tests/store" -type f -perm -u+x 2>/dev/null | sort)
    suite "API tests (PostgreSQL)" pytest_api postgres
else
    cat "$LOGDIR/pg.err"
    echo "cannot start PostgreSQL"
    total_fail=$((total_fail + 1))
fi

echo
echo "shopd: $total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
