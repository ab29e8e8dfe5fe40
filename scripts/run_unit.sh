#!/bin/sh
# Runs every unit-test binary given as arguments (cmocka), prints each one's result and
# a total line "unit: N passed, N failed". Exit status 1 when any test failed.
set -u
passed=0
failed=0
for t in "$@"; do
    out=$("$t" 2>&1)
    rc=$?
    p=$(printf '%s\n' "$out" | sed -n 's/.*\[  PASSED  \] \([0-9][0-9]*\) test.*/\1/p' | tail -n 1)
    f=$(printf '%s\n' "$out" | sed -n 's/.*\[  FAILED  \] \([0-9][0-9]*\) test.*/\1/p' | tail -n 1)
    p=${p:-0}
    f=${f:-0}
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        f=1 # crashed or failed without cmocka's summary
    fi
    if [ "$f" -ne 0 ]; then
        printf '%s\n' "$out"
        echo "FAIL $t"
    else
        echo "ok   $t ($p)"
    fi
    passed=$((passed + p))
    failed=$((failed + f))
done
echo "unit: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
