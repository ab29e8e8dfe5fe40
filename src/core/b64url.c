/* b64url: base64url without padding (RFC 4648 §5), as used by JWT.
 * Decoding is strict so that one byte string has exactly one accepted encoding: any
 * byte outside [A-Za-z0-9_-] (so '=', '+', '/', whitespace and NUL too), a length of
 * 4k+1, and set bits in the unused low part of the last character are all refused.
 * On failure the contents of out are unspecified. */
#include "core/b64url.h"

#include <limits.h>
#include <stdint.h>

static const char b64url_alphabet[64] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* Sextet value + 1, so the zero-initialised rest of the table means "invalid". */
static const unsigned char b64url_rev[256] = {
    ['A'] = 1,  ['B'] = 2,  ['C'] = 3,  ['D'] = 4,  ['E'] = 5,  ['F'] = 6,
    ['G'] = 7,  ['H'] = 8,  ['I'] = 9,  ['J'] = 10, ['K'] = 11, ['L'] = 12,
    ['M'] = 13, ['N'] = 14, ['O'] = 15, ['P'] = 16, ['Q'] = 17, ['R'] = 18,
    ['S'] = 19, ['T'] = 20, ['U'] = 21, ['V'] = 22, ['W'] = 23, ['X'] = 24,
    ['Y'] = 25, ['Z'] = 26, ['a'] = 27, ['b'] = 28, ['c'] = 29, ['d'] = 30,
    ['e'] = 31, ['f'] = 32, ['g'] = 33, ['h'] = 34, ['i'] = 35, ['j'] = 36,
    ['k'] = 37, ['l'] = 38, ['m'] = 39, ['n'] = 40, ['o'] = 41, ['p'] = 42,
    ['q'] = 43, ['r'] = 44, ['s'] = 45, ['t'] = 46, ['u'] = 47, ['v'] = 48,
    ['w'] = 49, ['x'] = 50, ['y'] = 51, ['z'] = 52, ['0'] = 53, ['1'] = 54,
    ['2'] = 55, ['3'] = 56, ['4'] = 57, ['5'] = 58, ['6'] = 59, ['7'] = 60,
    ['8'] = 61, ['9'] = 62, ['-'] = 63, ['_'] = 64,
};

size_t b64url_encode(char *out, const void *in, size_t n)
{
    const unsigned char *p = in;
    size_t i, o = 0;
    uint32_t v;

    for (i = 0; n - i >= 3; i += 3) {
        v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
        out[o++] = b64url_alphabet[v >> 18];
        out[o++] = b64url_alphabet[(v >> 12) & 63];
        out[o++] = b64url_alphabet[(v >> 6) & 63];
        out[o++] = b64url_alphabet[v & 63];
    }
    if (n - i == 1) {
        out[o++] = b64url_alphabet[p[i] >> 2];
        out[o++] = b64url_alphabet[(p[i] & 3) << 4];
    } else if (n - i == 2) {
        v = (uint32_t)p[i] << 8 | p[i + 1];
        out[o++] = b64url_alphabet[v >> 10];
        out[o++] = b64url_alphabet[(v >> 4) & 63];
        out[o++] = b64url_alphabet[(v & 15) << 2];
    }
    out[o] = '\0';
    return o;
}

/* Decodes k (2..4) characters into k-1 bytes; -1 on a bad character or, for a short
 * final group, non-zero unused bits. */
static int decode_group(unsigned char *out, const unsigned char *in, size_t k)
{
    uint32_t v = 0;
    size_t j;

    for (j = 0; j < k; j++) {
        unsigned s = b64url_rev[in[j]];

        if (!s)
            return -1;
        v = v << 6 | (s - 1);
    }
    if (k == 2) {
        if (v & 15)
            return -1;
        out[0] = (unsigned char)(v >> 4);
    } else if (k == 3) {
        if (v & 3)
            return -1;
        out[0] = (unsigned char)(v >> 10);
        out[1] = (unsigned char)(v >> 2);
    } else {
        out[0] = (unsigned char)(v >> 16);
        out[1] = (unsigned char)(v >> 8);
        out[2] = (unsigned char)v;
    }
    return 0;
}

long b64url_decode(void *out, size_t outcap, const char *in, size_t n)
{
    const unsigned char *p = (const unsigned char *)in;
    unsigned char *o = out;
    size_t rem = n % 4, full = n / 4, outlen, i;

    if (rem == 1)
        return -1;
    outlen = full * 3 + (rem ? rem - 1 : 0);
    if (outlen > outcap || outlen > (size_t)LONG_MAX)
        return -1;
    for (i = 0; i < full; i++)
        if (decode_group(o + i * 3, p + i * 4, 4) != 0)
            return -1;
    if (rem && decode_group(o + full * 3, p + full * 4, rem) != 0)
        return -1;
    return (long)outlen;
}
