/* cookies: Cookie header parsing without allocation (see cookies.h).
 * Design: one left-to-right pass over the pairs; each pair is trimmed of spaces and
 * tabs like Python's str.strip() does for ASCII. Caveat: Python's _unquote also decodes
 * backslash escapes inside a quoted value; we only drop the quotes (our own cookies are
 * plain tokens, and a slice cannot hold a rewritten value). */
#include "http/cookies.h"

#include <string.h>

#include "core/err.h"

static int is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static struct slice trim(const char *p, size_t n)
{
    while (n > 0 && is_ws(p[0])) {
        p++;
        n--;
    }
    while (n > 0 && is_ws(p[n - 1]))
        n--;
    return (struct slice){p, n};
}

static struct slice unquote(struct slice v)
{
    if (v.len >= 2 && v.ptr[0] == '"' && v.ptr[v.len - 1] == '"')
        return (struct slice){v.ptr + 1, v.len - 2};
    return v;
}

/* Splits one pair at its first '='; a pair without '=' has an empty name. */
static void split_pair(const char *p, size_t n, struct slice *key, struct slice *val)
{
    const char *eq = memchr(p, '=', n);

    if (eq == NULL) {
        *key = (struct slice){p, 0};
        *val = trim(p, n);
        return;
    }
    *key = trim(p, (size_t)(eq - p));
    *val = trim(eq + 1, n - (size_t)(eq - p) - 1);
}

int cookie_find(const char *hdr, size_t len, const char *name, struct slice *out)
{
    size_t name_len = name ? strlen(name) : 0;
    const char *end, *p = hdr;
    int found = SHOP_ENOTFOUND;

    if (name_len == 0 || hdr == NULL)
        return SHOP_ENOTFOUND;
    end = hdr + len;
    while (p < end) {
        const char *semi = memchr(p, ';', (size_t)(end - p));
        const char *stop = semi ? semi : end;
        struct slice key, val;

        split_pair(p, (size_t)(stop - p), &key, &val);
        if (key.len == name_len && memcmp(key.ptr, name, name_len) == 0) {
            *out = unquote(val);
            found = 0;
        }
        p = semi ? semi + 1 : end;
    }
    return found;
}
