/* fold: see fold.h. ASCII takes a fast path; other code points are looked up by binary
 * search in the generated table. A folded character may need more or fewer bytes than
 * the original (U+212A KELVIN SIGN becomes "k", U+023A grows from 2 to 3 bytes), so the
 * buffers allow twice the input (three times for escaped LIKE patterns). */
#include "core/fold.h"

#include <string.h>

#include "core/buf.h"
#include "core/utf8.h"

uint32_t fold_cp(uint32_t cp)
{
    if (cp < 0x80)
        return cp >= 'A' && cp <= 'Z' ? cp + 32 : cp;
    size_t lo = 0, hi = fold_table_len;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (fold_table[mid].from == cp)
            return fold_table[mid].to;
        if (fold_table[mid].from < cp)
            lo = mid + 1;
        else
            hi = mid;
    }
    return cp;
}

static void put_utf8(struct buf *b, uint32_t cp)
{
    char t[4];
    size_t n;
    if (cp < 0x80) {
        t[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        t[0] = (char)(0xC0 | (cp >> 6));
        t[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        t[0] = (char)(0xE0 | (cp >> 12));
        t[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        t[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        t[0] = (char)(0xF0 | (cp >> 18));
        t[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        t[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        t[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    buf_append(b, t, n);
}

/* Appends the folded form of s; escape_like also escapes LIKE's special characters. */
static void fold_into(struct buf *b, const char *s, size_t n, bool escape_like)
{
    size_t i = 0;
    while (i < n) {
        uint32_t cp;
        int used = utf8_decode(s + i, n - i, &cp);
        if (used <= 0) {
            buf_putc(b, s[i++]);
            continue;
        }
        i += (size_t)used;
        cp = fold_cp(cp);
        if (escape_like && (cp == '%' || cp == '_' || cp == '\\'))
            buf_putc(b, '\\');
        put_utf8(b, cp);
    }
}

static char *finish(struct arena *a, struct buf *b)
{
    char *out = buf_failed(b) ? NULL : arena_strndup(a, b->data ? b->data : "", b->len);
    buf_cleanup(b);
    return out;
}

char *fold_str(struct arena *a, const char *s, size_t n)
{
    struct buf b;
    buf_init(&b, n * 2 + 16);
    fold_into(&b, s, n, false);
    return finish(a, &b);
}

char *fold_like_pattern(struct arena *a, const char *term, size_t n)
{
    struct buf b;
    buf_init(&b, n * 3 + 16);
    buf_putc(&b, '%');
    fold_into(&b, term, n, true);
    buf_putc(&b, '%');
    return finish(a, &b);
}
