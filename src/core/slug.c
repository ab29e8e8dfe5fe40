/* slug: see slug.h. Works in one pass over code points into a bounded buffer; the
 * result is at most SLUG_MAX bytes because only ASCII survives. */
#include "core/slug.h"

#include <ctype.h>
#include <stdint.h>
#include <string.h>

#include "core/buf.h"
#include "core/utf8.h"

static const char *fold_lookup(unsigned cp)
{
    size_t lo = 0, hi = slug_table_len;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (slug_table[mid].cp == cp)
            return slug_table[mid].ascii;
        if (slug_table[mid].cp < cp)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* Python's str.isspace() for the ASCII range (re's \s on str). */
static bool py_space(unsigned char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f);
}

/* Appends one ASCII character of the NFKD form, applying lower/filter/collapse. */
static void emit(struct buf *b, unsigned char c, bool *pending_dash)
{
    if (py_space(c) || c == '-') {
        *pending_dash = true;
        return;
    }
    if (!isalnum(c) && c != '_')
        return;
    if (*pending_dash && b->len > 0)
        buf_putc(b, '-');
    *pending_dash = false;
    buf_putc(b, (char)tolower(c));
}

char *slugify(struct arena *a, const char *s, size_t n)
{
    struct buf b;
    buf_init(&b, n + 16);
    bool pending_dash = false;
    size_t i = 0;
    while (i < n) {
        uint32_t cp;
        int used = utf8_decode(s + i, n - i, &cp);
        if (used <= 0) {
            i++;
            continue;
        }
        i += (size_t)used;
        if (cp < 0x80) {
            emit(&b, (unsigned char)cp, &pending_dash);
            continue;
        }
        const char *ascii = fold_lookup(cp);
        for (; ascii && *ascii; ascii++)
            emit(&b, (unsigned char)*ascii, &pending_dash);
    }
    /* Leading '-' never written; strip leading/trailing '_' and cut to SLUG_MAX. */
    size_t start = 0, end = b.len;
    while (start < end && (b.data[start] == '_' || b.data[start] == '-'))
        start++;
    if (end - start > SLUG_MAX)
        end = start + SLUG_MAX;
    while (end > start && (b.data[end - 1] == '_' || b.data[end - 1] == '-'))
        end--;
    char *out = end > start ? arena_strndup(a, b.data + start, end - start)
                            : arena_strdup(a, "n-a");
    buf_cleanup(&b);
    return out;
}

bool slug_is_valid(const char *s, size_t n)
{
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!isalnum(c) && c != '-' && c != '_')
            return false;
    }
    return true;
}
