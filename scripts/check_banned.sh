#!/bin/sh
# Fails when src/ uses a banned function (STYLE.md): strcpy, sprintf, strtok, atoi, sscanf.
# Matches calls, not substrings of other names (snprintf, strtok_r stay allowed? no:
# strtok_r is fine, strtok is not).
set -u
hits=$(grep -rnE '(^|[^A-Za-z0-9_])(strcpy|sprintf|strtok|atoi|sscanf)[[:space:]]*\(' src/ || true)
if [ -n "$hits" ]; then
    echo "banned functions used in src/:"
    echo "$hits"
    echo "banned: 0 passed, 1 failed"
    exit 1
fi
echo "banned: 1 passed, 0 failed"
