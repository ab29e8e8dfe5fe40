/* query: form-urlencoded parsing and encoding, and DRF's LimitOffsetPagination links.
 * Design: parsing follows Python's parse_qsl(keep_blank_values=True), which is how
 * Django reads query strings and form bodies, and links follow DRF's
 * replace_query_param (parse_qs, replace, sort by key, urlencode with quote_plus), so
 * that next/previous are byte-identical to the original's. Everything is allocated in
 * the request arena. Caveat: Python replaces invalid UTF-8 with U+FFFD when decoding;
 * we keep the raw bytes (the JSON writer replaces them on output).
 * Fuzzed by tests/fuzz/fuzz_query.c. */
#include "http/query.h"

#include <inttypes.h>
#include <string.h>

#include "core/err.h"
#include "http/response.h"

static int hex_val(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decodes %XX (invalid escapes kept as they are) and, for forms, '+' as space. */
static char *form_decode(struct arena *a, const char *s, size_t len, bool plus, size_t *outlen)
{
    char *out = arena_alloc(a, len + 1);
    size_t o = 0;

    if (out == NULL)
        return NULL;
    for (size_t i = 0; i < len; i++) {
        int hi, lo;
        if (s[i] == '%' && i + 2 < len && (hi = hex_val(s[i + 1])) >= 0 &&
            (lo = hex_val(s[i + 2])) >= 0) {
            out[o++] = (char)(hi * 16 + lo);
            i += 2;
        } else {
            out[o++] = (plus && s[i] == '+') ? ' ' : s[i];
        }
    }
    out[o] = '\0';
    if (outlen != NULL)
        *outlen = o;
    return out;
}

char *url_decode(struct arena *a, const char *s, size_t len, size_t *outlen)
{
    return form_decode(a, s, len, false, outlen);
}

static size_t count_pairs(const char *s, size_t len)
{
    size_t n = 0, start = 0;

    for (size_t i = 0; i <= len; i++) {
        if (i == len || s[i] == '&') {
            n += i > start;
            start = i + 1;
        }
    }
    return n;
}

static int decode_pair(struct arena *a, const char *p, size_t n, struct qparam *q)
{
    const char *eq = memchr(p, '=', n);
    size_t klen = eq ? (size_t)(eq - p) : n;

    q->key = form_decode(a, p, klen, true, &q->key_len);
    if (eq != NULL)
        q->value = form_decode(a, eq + 1, n - klen - 1, true, &q->value_len);
    else
        q->value = form_decode(a, p, 0, true, &q->value_len);
    return (q->key == NULL || q->value == NULL) ? SHOP_ENOMEM : 0;
}

int query_parse(struct arena *a, const char *s, size_t len, size_t max, struct qparam **out,
                size_t *nout)
{
    size_t n = count_pairs(s, len), k = 0, start = 0;
    struct qparam *q;

    *out = NULL;
    *nout = 0;
    if (n > max)
        return SHOP_ETOOBIG;
    if (n == 0)
        return 0;
    q = arena_calloc(a, n, sizeof(*q));
    if (q == NULL)
        return SHOP_ENOMEM;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && s[i] != '&')
            continue;
        if (i > start && decode_pair(a, s + start, i - start, &q[k++]) != 0)
            return SHOP_ENOMEM;
        start = i + 1;
    }
    *out = q;
    *nout = k;
    return 0;
}

static bool is_alnum(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Writes s percent-encoded, keeping alnum, "_.-~" and the bytes of extra_safe. */
static void encode_into(struct buf *b, const char *s, size_t len, const char *extra_safe, bool plus)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t run = 0;

    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (is_alnum(c) || (c != '\0' && strchr("_.-~", c)) ||
            (c != '\0' && strchr(extra_safe, c))) {
            run++;
            continue;
        }
        buf_append(b, s + i - run, run);
        run = 0;
        if (plus && c == ' ') {
            buf_putc(b, '+');
        } else {
            char esc[3] = {'%', hex[c >> 4], hex[c & 15]};
            buf_append(b, esc, 3);
        }
    }
    buf_append(b, s + len - run, run);
}

void url_encode_into(struct buf *b, const char *s, size_t len)
{
    encode_into(b, s, len, "", true);
}

void url_path_encode_into(struct buf *b, const char *s, size_t len)
{
    encode_into(b, s, len, "/:@&+$,!*'()", false);
}

static bool is_py_space(char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f);
}

/* Python's int() on text: whitespace around, optional sign, digits with single '_'
 * between them. Saturates at INT64_MAX / INT64_MIN. Returns 0 or SHOP_EINVAL. */
static int py_int(const char *s, int64_t *out)
{
    bool neg = false, digit_before = false;
    uint64_t v = 0, lim;

    while (is_py_space(*s))
        s++;
    if (*s == '+' || *s == '-')
        neg = *s++ == '-';
    lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    for (; *s != '\0' && !is_py_space(*s); s++) {
        if (*s == '_' && digit_before && s[1] >= '0' && s[1] <= '9')
            continue;
        if (*s < '0' || *s > '9')
            return SHOP_EINVAL;
        digit_before = true;
        v = (v > (lim - (uint64_t)(*s - '0')) / 10) ? lim : v * 10 + (uint64_t)(*s - '0');
    }
    while (is_py_space(*s))
        s++;
    if (!digit_before || *s != '\0')
        return SHOP_EINVAL;
    *out = neg ? (v == lim ? INT64_MIN : -(int64_t)v) : (int64_t)v;
    return 0;
}

struct page page_from_request(struct request *req)
{
    struct page pg = {PAGE_DEFAULT_LIMIT, 0};
    const char *limit = req_query(req, "limit");
    const char *offset = req_query(req, "offset");
    int64_t v;

    if (limit != NULL && py_int(limit, &v) == 0 && v > 0)
        pg.limit = v < PAGE_MAX_LIMIT ? v : PAGE_MAX_LIMIT;
    if (offset != NULL && py_int(offset, &v) == 0 && v >= 0)
        pg.offset = v;
    return pg;
}

static int key_cmp(const struct qparam *x, const struct qparam *y)
{
    size_t n = x->key_len < y->key_len ? x->key_len : y->key_len;
    int c = memcmp(x->key, y->key, n);

    if (c != 0)
        return c;
    return (x->key_len > y->key_len) - (x->key_len < y->key_len);
}

/* Stable bottom-up merge sort by key (repeated keys keep their order, as parse_qs
 * groups them). */
static int sort_by_key(struct arena *a, const struct qparam **v, size_t n)
{
    const struct qparam **tmp = arena_alloc(a, (n ? n : 1) * sizeof(*tmp));

    if (tmp == NULL)
        return SHOP_ENOMEM;
    for (size_t w = 1; w < n; w *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * w) {
            size_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
            size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi)
                tmp[k++] = key_cmp(v[j], v[i]) < 0 ? v[j++] : v[i++];
            while (i < mid)
                tmp[k++] = v[i++];
            while (j < hi)
                tmp[k++] = v[j++];
        }
        memcpy(v, tmp, n * sizeof(*v));
    }
    return 0;
}

static bool key_is(const struct qparam *q, const char *k)
{
    return q->key_len == strlen(k) && memcmp(q->key, k, q->key_len) == 0;
}

static struct qparam *num_param(struct arena *a, const char *key, int64_t v)
{
    struct qparam *q = arena_calloc(a, 1, sizeof(*q));

    if (q == NULL)
        return NULL;
    q->key = key;
    q->key_len = strlen(key);
    q->value = arena_printf(a, "%" PRId64, v);
    q->value_len = q->value ? strlen(q->value) : 0;
    return q->value ? q : NULL;
}

/* The request's params without limit/offset, plus the new ones, sorted by key. */
static const struct qparam **link_params(struct request *req, int64_t limit, int64_t offset,
                                         size_t *n)
{
    struct arena *a = req->arena;
    const struct qparam **v = arena_alloc(a, (req->nquery + 2) * sizeof(*v));
    size_t k = 0;

    if (v == NULL)
        return NULL;
    for (size_t i = 0; i < req->nquery; i++)
        if (!key_is(&req->query[i], "limit") && !key_is(&req->query[i], "offset"))
            v[k++] = &req->query[i];
    if ((v[k++] = num_param(a, "limit", limit)) == NULL)
        return NULL;
    if (offset > 0 && (v[k++] = num_param(a, "offset", offset)) == NULL)
        return NULL;
    *n = k;
    return sort_by_key(a, v, k) == 0 ? v : NULL;
}

#define PAGE_URL_MAX ((size_t)1 << 20)

char *page_url(struct request *req, int64_t limit, int64_t offset)
{
    const char *base = req_base_url(req);
    size_t n = 0;
    const struct qparam **v = link_params(req, limit, offset, &n);
    struct buf b;
    char *url;

    if (base == NULL || v == NULL)
        return NULL;
    buf_init(&b, PAGE_URL_MAX);
    buf_puts(&b, base);
    url_path_encode_into(&b, req->path, req->path_len);
    for (size_t i = 0; i < n; i++) {
        buf_putc(&b, i == 0 ? '?' : '&');
        url_encode_into(&b, v[i]->key, v[i]->key_len);
        buf_putc(&b, '=');
        url_encode_into(&b, v[i]->value, v[i]->value_len);
    }
    url = buf_failed(&b) ? NULL : arena_strndup(req->arena, b.data, b.len);
    buf_cleanup(&b);
    return url;
}

/* Writes a link or null; an allocation failure fails the body (never a silent null). */
static void write_link(struct request *req, struct json_w *w, const char *key, bool present,
                       int64_t limit, int64_t offset)
{
    char *url = present ? page_url(req, limit, offset) : NULL;

    if (present && url == NULL && w->b->err == 0)
        w->b->err = SHOP_ENOMEM;
    json_key(w, key);
    if (url != NULL)
        json_str(w, url);
    else
        json_null_value(w);
}

void page_begin(struct request *req, struct json_w *w, struct page pg, int64_t count)
{
    /* Written without offset + limit, which could overflow with a clamped offset. */
    bool has_next = pg.offset < count && count - pg.offset > pg.limit;
    int64_t prev = pg.offset - pg.limit; /* offset >= 0, limit in 1..100: no overflow */

    json_obj_begin(w);
    json_key_int(w, "count", count);
    write_link(req, w, "next", has_next, pg.limit, has_next ? pg.offset + pg.limit : 0);
    write_link(req, w, "previous", pg.offset > 0, pg.limit, prev > 0 ? prev : 0);
    json_key(w, "results");
    json_arr_begin(w);
}

void page_end(struct json_w *w)
{
    json_arr_end(w);
    json_obj_end(w);
}

/* Length of a separator (comma or a Python whitespace character, UTF-8) at p. */
static size_t sep_len(const unsigned char *p, const unsigned char *end)
{
    size_t left = (size_t)(end - p);

    if (*p == ',' || is_py_space((char)*p))
        return 1;
    if (left >= 2 && p[0] == 0xC2 && (p[1] == 0x85 || p[1] == 0xA0))
        return 2;
    if (left < 3)
        return 0;
    if ((p[0] == 0xE1 && p[1] == 0x9A && p[2] == 0x80) ||
        (p[0] == 0xE2 && p[1] == 0x80 &&
         (p[2] <= 0x8A || p[2] == 0xA8 || p[2] == 0xA9 || p[2] == 0xAF)) ||
        (p[0] == 0xE2 && p[1] == 0x81 && p[2] == 0x9F) ||
        (p[0] == 0xE3 && p[1] == 0x80 && p[2] == 0x80))
        return 3;
    return 0;
}

int search_terms(struct arena *a, const char *s, char ***terms, size_t *n)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    const unsigned char *end = p + strlen((const char *)p);
    size_t cap = (size_t)(end - p) / 2 + 1, k = 0;
    char **v = arena_alloc(a, cap * sizeof(*v));

    *terms = NULL;
    *n = 0;
    if (v == NULL)
        return SHOP_ENOMEM;
    while (p < end) {
        size_t sl = sep_len(p, end);
        const unsigned char *start = p;
        if (sl > 0) {
            p += sl;
            continue;
        }
        while (p < end && sep_len(p, end) == 0)
            p++;
        v[k] = arena_strndup(a, (const char *)start, (size_t)(p - start));
        if (v[k++] == NULL)
            return SHOP_ENOMEM;
    }
    *terms = v;
    *n = k;
    return 0;
}
