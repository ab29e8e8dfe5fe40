/* Fuzz target for b64url: a successful decode must re-encode to exactly the input
 * (the decoder is strict, so each byte string has one accepted spelling) and must not
 * fit in one byte less; and the input bytes themselves must survive encode + decode. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/b64url.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_decode(const uint8_t *data, size_t size)
{
    size_t cap = B64URL_DEC_MAX(size);
    unsigned char *out = malloc(cap ? cap : 1);
    char *enc = malloc(size + 1);
    long n;

    if (!out || !enc)
        abort();
    n = b64url_decode(out, cap, (const char *)data, size);
    if (n >= 0) {
        if (b64url_encode(enc, out, (size_t)n) != size || memcmp(enc, data, size) != 0)
            abort();
        if (n > 0 && b64url_decode(out, (size_t)n - 1, (const char *)data, size) != -1)
            abort();
    }
    free(out);
    free(enc);
}

static void check_round_trip(const uint8_t *data, size_t size)
{
    char *enc = malloc(B64URL_ENC_LEN(size) + 1);
    unsigned char *out = malloc(size ? size : 1);
    size_t len;

    if (!enc || !out)
        abort();
    len = b64url_encode(enc, data, size);
    if (len != B64URL_ENC_LEN(size) || enc[len] != '\0')
        abort();
    if (b64url_decode(out, size, enc, len) != (long)size || memcmp(out, data, size) != 0)
        abort();
    free(enc);
    free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check_decode(data, size);
    check_round_trip(data, size);
    return 0;
}
