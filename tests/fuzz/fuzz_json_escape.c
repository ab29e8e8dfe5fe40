/* Fuzz target for json_escape: whatever the bytes, the output must be one JSON string
 * that an independent parser (jansson) accepts, valid UTF-8 with no raw control
 * characters or raw U+2028/U+2029; and when the input is valid UTF-8 (jansson's own
 * check), parsing the output must give back exactly the input. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_raw_bytes(const unsigned char *p, size_t n)
{
    size_t i;

    if (n < 2 || p[0] != '"' || p[n - 1] != '"')
        abort();
    for (i = 0; i < n; i++) {
        if (p[i] < 0x20)
            abort();
        if (i + 2 < n && p[i] == 0xE2 && p[i + 1] == 0x80 && (p[i + 2] & 0xFE) == 0xA8)
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct buf b;
    json_error_t err;
    json_t *parsed, *orig;

    buf_init(&b, 0);
    json_escape(&b, (const char *)data, size);
    if (buf_failed(&b))
        abort();
    check_raw_bytes((const unsigned char *)b.data, b.len);
    /* jansson rejects invalid UTF-8 and raw control characters while parsing. */
    parsed = json_loadb(b.data, b.len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
    if (!parsed || !json_is_string(parsed))
        abort();
    orig = json_stringn((const char *)data, size);   /* NULL when not valid UTF-8 */
    if (orig && !json_equal(orig, parsed))
        abort();
    json_decref(orig);
    json_decref(parsed);
    buf_cleanup(&b);
    return 0;
}
