#!/bin/sh
# `make fuzz`: builds every libFuzzer target tests/fuzz/fuzz_<name>.c (clang, ASan+UBSan)
# against the project's objects and runs each for FUZZ_SECONDS (default 60) on its
# committed corpus tests/fuzz/corpus/<name>/ (new inputs go to build-fuzz/corpus/<name>).
# FUZZ_TARGETS="jwt query" limits the run. Crashes are left in build-fuzz/ as crash-*.
set -eu
SECONDS_EACH=${FUZZ_SECONDS:-60}
B=build-fuzz
FLAGS="-O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer"
make --no-print-directory BUILD=$B CC=clang HARDEN=-fPIE OPT="$FLAGS" \
    LDFLAGS="-pie -fsanitize=fuzzer-no-link,address,undefined" all >/dev/null
OBJS=$(find $B/obj -name '*.o' ! -path "$B/obj/main.o" | sort)
LIBS=$(pkg-config --libs libmicrohttpd jansson sqlite3 nettle libargon2 libmagic)  # libpq is dlopened
CFL=$(pkg-config --cflags libmicrohttpd jansson sqlite3 libpq nettle libargon2 libmagic)
status=0
for src in tests/fuzz/fuzz_*.c; do
    name=$(basename "$src" .c | sed 's/^fuzz_//')
    if [ -n "${FUZZ_TARGETS:-}" ] && ! echo " $FUZZ_TARGETS " | grep -q " $name "; then
        continue
    fi
    bin=$B/fuzz/fuzz_$name
    mkdir -p $B/fuzz "$B/corpus/$name"
    # shellcheck disable=SC2086
    clang -std=c11 -D_GNU_SOURCE -Isrc -I$B/gen -g -O1 -fsanitize=fuzzer,address,undefined \
        $CFL -o "$bin" "$src" $OBJS $LIBS -lpthread -lm
    echo "== fuzz $name (${SECONDS_EACH}s)"
    if ! (cd $B && "./fuzz/fuzz_$name" -max_total_time="$SECONDS_EACH" -print_final_stats=0 \
            "corpus/$name" "../tests/fuzz/corpus/$name" 2>"fuzz/$name.log"); then
        tail -n 40 "$B/fuzz/$name.log"
        status=1
    else
        grep -E '^(#[0-9]+.*DONE|Done)' "$B/fuzz/$name.log" | tail -n 1 || true
    fi
done
exit $status
