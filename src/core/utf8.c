/* utf8: strict decoder and Python-compatible whitespace handling.
 * The decoder follows RFC 3629 table 3-7 exactly, so overlong forms, UTF-16 surrogates
 * and code points past U+10FFFF are rejected; every caller relies on that to keep
 * "valid UTF-8" meaning the same thing as jansson's checker. */
#include "core/utf8.h"

static bool is_cont(unsigned char c)
{
    return (c & 0xC0) == 0x80;
}

/* Second-byte bounds per lead byte (RFC 3629): they exclude overlongs and surrogates. */
static void second_range(unsigned char lead, unsigned char *lo, unsigned char *hi)
{
    *lo = 0x80;
    *hi = 0xBF;
    if (lead == 0xE0)
        *lo = 0xA0;
    else if (lead == 0xED)
        *hi = 0x9F;
    else if (lead == 0xF0)
        *lo = 0x90;
    else if (lead == 0xF4)
        *hi = 0x8F;
}

int utf8_decode(const char *s, size_t n, uint32_t *cp)
{
    const unsigned char *p = (const unsigned char *)s;
    unsigned char lo, hi;
    int len;
    uint32_t v;

    if (n == 0)
        return -1;
    if (p[0] < 0x80) {
        *cp = p[0];
        return 1;
    }
    if (p[0] >= 0xC2 && p[0] <= 0xDF) {
        len = 2;
        v = p[0] & 0x1F;
    } else if (p[0] >= 0xE0 && p[0] <= 0xEF) {
        len = 3;
        v = p[0] & 0x0F;
    } else if (p[0] >= 0xF0 && p[0] <= 0xF4) {
        len = 4;
        v = p[0] & 0x07;
    } else {
        return -1;
    }
    if (n < (size_t)len)
        return -1;
    second_range(p[0], &lo, &hi);
    if (p[1] < lo || p[1] > hi)
        return -1;
    for (int i = 1; i < len; i++) {
        if (!is_cont(p[i]))
            return -1;
        v = (v << 6) | (p[i] & 0x3F);
    }
    *cp = v;
    return len;
}

bool utf8_valid(const char *s, size_t n)
{
    size_t i = 0;
    uint32_t cp;

    while (i < n) {
        int k = utf8_decode(s + i, n - i, &cp);
        if (k < 0)
            return false;
        i += (size_t)k;
    }
    return true;
}

size_t utf8_count_chars(const char *s, size_t n)
{
    size_t i = 0, count = 0;
    uint32_t cp;

    while (i < n) {
        int k = utf8_decode(s + i, n - i, &cp);
        i += k > 0 ? (size_t)k : 1;
        count++;
    }
    return count;
}

bool utf8_is_space(uint32_t cp)
{
    if (cp <= 0x20)
        return cp == 0x20 || (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x1F);
    if (cp < 0x85)
        return false;
    return cp == 0x85 || cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) ||
           cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

/* Length of the whitespace character that ends s[0..n), or 0 when it is not one. */
static size_t trailing_space_len(const char *s, size_t n, bool (*is_ws)(uint32_t))
{
    size_t start = n;
    uint32_t cp;

    if (n == 0)
        return 0;
    while (start > 0 && n - start < 4) {
        start--;
        if (!is_cont((unsigned char)s[start]))
            break;
    }
    int k = utf8_decode(s + start, n - start, &cp);
    if (k < 0 || (size_t)k != n - start || !is_ws(cp))
        return 0;
    return (size_t)k;
}

struct slice utf8_trim(struct slice s)
{
    return utf8_trim_if(s, utf8_is_space);
}

struct slice utf8_trim_if(struct slice s, bool (*is_ws)(uint32_t cp))
{
    uint32_t cp;
    size_t k;

    while (s.len > 0) {
        int d = utf8_decode(s.ptr, s.len, &cp);
        if (d < 0 || !is_ws(cp))
            break;
        s.ptr += d;
        s.len -= (size_t)d;
    }
    for (;;) {
        k = trailing_space_len(s.ptr, s.len, is_ws);
        if (k == 0)
            break;
        s.len -= k;
    }
    return s;
}
