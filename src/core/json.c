/* json: streaming JSON writer producing exactly what DRF's JSONRenderer writes
 * (compact separators, UNICODE_JSON: non-ASCII kept as UTF-8).
 *
 * Escaping follows Python's json.dumps(ensure_ascii=False): '"' '\\' \b \f \n \r \t,
 * other bytes < 0x20 as \u00xx (lowercase hex), DEL (0x7f) kept. DRF then replaces
 * U+2028/U+2029 with \u2028/\u2029 (renderers.py, "strict javascript subset"), so we do
 * too. Input is bytes, not Python str, so invalid UTF-8 is possible here: each maximal
 * invalid subpart (Unicode ch. 3 "substitution of maximal subparts", as Python's
 * errors="replace" and WHATWG do) becomes U+FFFD, keeping the output valid UTF-8.
 *
 * Speed: the escaper scans 8 bytes at a time for anything that is not plain ASCII
 * text, and appends each run of bytes that need no change with one buf_append; valid
 * multi-byte UTF-8 stays inside the run.
 *
 * Numbers: money is int64 cents and is printed with integer arithmetic. json_money_num
 * and json_double write what Python's float repr would (DRF renders those fields as
 * float): exact decimal text while it has at most 15 significant digits (then it is
 * the shortest round-trip form), otherwise the shortest round-trip digits via printf.
 * Caveat: printf/strtod assume the "C" numeric locale (the server never calls setlocale). */
#include "core/json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"

/* 1 for bytes that need escaping or UTF-8 checking, 0 for plain ASCII text. */
static const unsigned char json_special[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,   /* '"' */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,   /* '\\' */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,   /* 0x7f is kept */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
};

#define ONES ((uint64_t)0x0101010101010101ULL)
#define HIGHS ((uint64_t)0x8080808080808080ULL)

/* Nonzero if any byte of v is >= 0x80, < 0x20, '"' or '\\'. The "has a byte below n"
 * trick is exact only when no high bit is set, but a high bit already answers yes. */
static uint64_t word_special(uint64_t v)
{
    uint64_t q = v ^ (ONES * '"'), bs = v ^ (ONES * '\\');

    return (v | ((v - ONES * 0x20) & ~v) | ((q - ONES) & ~q) | ((bs - ONES) & ~bs)) & HIGHS;
}

static size_t scan_plain(const unsigned char *p, size_t i, size_t n)
{
    uint64_t v;

    while (n - i >= 8) {
        memcpy(&v, p + i, 8);
        if (word_special(v))
            break;
        i += 8;
    }
    while (i < n && !json_special[p[i]])
        i++;
    return i;
}

/* At a byte >= 0x80: the length of the valid sequence, or minus the length of the
 * maximal invalid subpart to replace with one U+FFFD. Ranges are Unicode's table 3-7,
 * which excludes overlongs, surrogates (ED A0..BF) and code points above U+10FFFF. */
static int utf8_seq(const unsigned char *p, size_t avail)
{
    unsigned c = p[0], lo = 0x80, hi = 0xBF;
    size_t need, k;

    if (c >= 0xC2 && c <= 0xDF) {
        need = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
        need = 2;
        lo = c == 0xE0 ? 0xA0 : 0x80;
        hi = c == 0xED ? 0x9F : 0xBF;
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 3;
        lo = c == 0xF0 ? 0x90 : 0x80;
        hi = c == 0xF4 ? 0x8F : 0xBF;
    } else {
        return -1;
    }
    for (k = 1; k <= need; k++) {
        if (k >= avail || p[k] < lo || p[k] > hi)
            return -(int)k;
        lo = 0x80;
        hi = 0xBF;
    }
    return (int)need + 1;
}

static void put_ctrl_escape(struct buf *b, unsigned char c)
{
    static const char hex[] = "0123456789abcdef";
    char e[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };

    switch (c) {
    case '"':  buf_append(b, "\\\"", 2); return;
    case '\\': buf_append(b, "\\\\", 2); return;
    case '\b': buf_append(b, "\\b", 2); return;
    case '\f': buf_append(b, "\\f", 2); return;
    case '\n': buf_append(b, "\\n", 2); return;
    case '\r': buf_append(b, "\\r", 2); return;
    case '\t': buf_append(b, "\\t", 2); return;
    }
    buf_append(b, e, sizeof(e));
}

/* U+2028 / U+2029 (E2 80 A8 / E2 80 A9), which DRF escapes. */
static int is_line_sep(const unsigned char *p, int len)
{
    return len == 3 && p[0] == 0xE2 && p[1] == 0x80 && (p[2] & 0xFE) == 0xA8;
}

/* The contents of a JSON string (no quotes): runs of plain text with escapes between
 * them. */
static void escape_body(struct buf *b, const unsigned char *p, size_t n)
{
    size_t i = 0, start = 0;
    int len;

    while ((i = scan_plain(p, i, n)) < n) {
        if (p[i] < 0x80) {
            buf_append(b, p + start, i - start);
            put_ctrl_escape(b, p[i]);
            start = ++i;
            continue;
        }
        /* Valid UTF-8 stays in the run; consecutive sequences are consumed here
         * rather than by the ASCII scanner, which would stop at each one. */
        len = utf8_seq(p + i, n - i);
        while (len > 0 && !is_line_sep(p + i, len)) {
            i += (size_t)len;
            if (i >= n || p[i] < 0x80)
                break;
            len = utf8_seq(p + i, n - i);
        }
        if (i >= n || p[i] < 0x80)
            continue;
        /* p[i] starts an invalid sequence (len < 0) or U+2028/U+2029. */
        buf_append(b, p + start, i - start);
        if (len > 0) {
            buf_append(b, p[i + 2] == 0xA8 ? "\\u2028" : "\\u2029", 6);
        } else {
            buf_append(b, "\xEF\xBF\xBD", 3);
            len = -len;
        }
        i += (size_t)len;
        start = i;
    }
    buf_append(b, p + start, n - start);
}

/* Plain text (nearly every string) is one scan and one copy. */
static void escape_piece(struct buf *b, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;

    if (scan_plain(p, 0, n) == n)
        buf_append(b, s, n);
    else
        escape_body(b, p, n);
}

void json_escape(struct buf *b, const char *s, size_t n)
{
    buf_putc(b, '"');
    escape_piece(b, s, n);
    buf_putc(b, '"');
}

/* ---- structure ---- */

static void json_fail(struct json_w *w)
{
    if (!w->b->err)
        w->b->err = SHOP_EINVAL;
}

void json_init(struct json_w *w, struct buf *b)
{
    memset(w, 0, sizeof(*w));
    w->b = b;
}

/* The separator before a value: nothing right after a key, else a comma after a
 * sibling. */
static void json_value_prefix(struct json_w *w)
{
    if (w->after_key) {
        w->after_key = false;
        return;
    }
    if (w->need_comma[w->depth])
        buf_putc(w->b, ',');
    w->need_comma[w->depth] = true;
}

static void json_begin(struct json_w *w, char c)
{
    json_value_prefix(w);
    if (w->depth >= JSON_MAX_DEPTH) {
        json_fail(w);
        return;
    }
    buf_putc(w->b, c);
    w->need_comma[++w->depth] = false;
}

static void json_end(struct json_w *w, char c)
{
    if (w->depth <= 0 || w->after_key) {
        json_fail(w);
        return;
    }
    buf_putc(w->b, c);
    w->depth--;
}

void json_obj_begin(struct json_w *w) { json_begin(w, '{'); }
void json_obj_end(struct json_w *w) { json_end(w, '}'); }
void json_arr_begin(struct json_w *w) { json_begin(w, '['); }
void json_arr_end(struct json_w *w) { json_end(w, ']'); }

/* [,]"key": in one step when the key needs no escaping and fits: keys are written for
 * every field of every object, so this is the writer's most frequent operation. */
static bool put_plain_key(struct buf *b, bool comma, const char *key, size_t n)
{
    if (scan_plain((const unsigned char *)key, 0, n) < n || !buf_fits(b, key, n + 4))
        return false;
    char *d = b->data + b->len;
    if (comma)
        *d++ = ',';
    *d++ = '"';
    memcpy(d, key, n);
    d += n;
    *d++ = '"';
    *d++ = ':';
    *d = '\0';
    b->len = (size_t)(d - b->data);
    return true;
}

/* A key outside any container, two keys in a row or a NULL key is a writer bug. */
void json_key_n(struct json_w *w, const char *key, size_t n)
{
    if (!key || w->after_key || w->depth == 0) {
        json_fail(w);
        return;
    }
    bool comma = w->need_comma[w->depth];
    w->need_comma[w->depth] = true;
    w->after_key = true;
    if (put_plain_key(w->b, comma, key, n))
        return;
    if (comma)
        buf_putc(w->b, ',');
    json_escape(w->b, key, n);
    buf_putc(w->b, ':');
}

/* ---- scalar values ---- */

void json_strn(struct json_w *w, const char *s, size_t n)
{
    json_value_prefix(w);
    json_escape(w->b, s, n);
}

void json_str(struct json_w *w, const char *s)
{
    if (!s) {
        json_null_value(w);
        return;
    }
    json_strn(w, s, strlen(s));
}

void json_str_parts(struct json_w *w, const char *const *parts, size_t n)
{
    json_value_prefix(w);
    buf_putc(w->b, '"');
    for (size_t i = 0; i < n; i++)
        if (parts[i])
            escape_piece(w->b, parts[i], strlen(parts[i]));
    buf_putc(w->b, '"');
}

void json_slice(struct json_w *w, struct slice s)
{
    json_strn(w, s.ptr, s.len);
}

void json_int(struct json_w *w, int64_t v)
{
    json_value_prefix(w);
    buf_put_i64(w->b, v);
}

void json_bool(struct json_w *w, bool v)
{
    json_value_prefix(w);
    buf_append(w->b, v ? "true" : "false", v ? 4 : 5);
}

void json_null_value(struct json_w *w)
{
    json_value_prefix(w);
    buf_append(w->b, "null", 4);
}

void json_raw(struct json_w *w, const char *text, size_t n)
{
    json_value_prefix(w);
    buf_append(w->b, text, n);
}

/* ---- numbers in Python's float repr ---- */

/* Copies the shortest round-trip significant digits of d into dig (NUL-terminated),
 * returns the decimal exponent; *neg is set for negative values (and -0.0). */
static int shortest_digits(double d, char dig[20], int *neg)
{
    char e[40];
    const char *p = e;
    int prec, nd = 0;

    for (prec = 1; prec <= 17; prec++) {
        snprintf(e, sizeof(e), "%.*e", prec - 1, d);
        if (strtod(e, NULL) == d)
            break;
    }
    *neg = *p == '-';
    p += *neg;
    for (; *p && *p != 'e'; p++)
        if (*p != '.')
            dig[nd++] = *p;
    dig[nd] = '\0';
    return (int)strtol(p + 1, NULL, 10);
}

/* repr(float): fixed notation when -4 <= exponent < 16, else d.ddde+XX. */
static void put_py_float(struct buf *b, double d)
{
    char dig[20];
    int neg, exp = shortest_digits(d, dig, &neg), nd = (int)strlen(dig);

    if (neg)
        buf_putc(b, '-');
    if (exp < -4 || exp >= 16) {
        buf_putc(b, dig[0]);
        if (nd > 1) {
            buf_putc(b, '.');
            buf_append(b, dig + 1, (size_t)nd - 1);
        }
        buf_printf(b, "e%c%02d", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
    } else if (exp < 0) {
        buf_append(b, "0.0000", (size_t)(1 - exp));
        buf_append(b, dig, (size_t)nd);
    } else if (nd <= exp + 1) {
        buf_append(b, dig, (size_t)nd);
        buf_append(b, "0000000000000000", (size_t)(exp + 1 - nd));
        buf_append(b, ".0", 2);
    } else {
        buf_append(b, dig, (size_t)exp + 1);
        buf_putc(b, '.');
        buf_append(b, dig + exp + 1, (size_t)(nd - exp - 1));
    }
}

/* Formats cents as [-]whole.ff; with trim, as Python's float repr would print the
 * exact value: 150.0, 150.5, 149.99. Returns the length; out holds >= 24 bytes. */
static size_t money_text(char *out, int64_t cents, bool trim)
{
    uint64_t mag = cents < 0 ? 0 - (uint64_t)cents : (uint64_t)cents;
    uint64_t whole = mag / 100;
    unsigned frac = (unsigned)(mag % 100);
    char tmp[20];
    size_t i = sizeof(tmp), n = 0;

    do {
        tmp[--i] = (char)('0' + whole % 10);
        whole /= 10;
    } while (whole);
    if (cents < 0)
        out[n++] = '-';
    memcpy(out + n, tmp + i, sizeof(tmp) - i);
    n += sizeof(tmp) - i;
    out[n++] = '.';
    out[n++] = (char)('0' + frac / 10);
    if (!trim || frac % 10)
        out[n++] = (char)('0' + frac % 10);
    out[n] = '\0';
    return n;
}

void json_money_str(struct json_w *w, int64_t cents)
{
    char t[32];
    size_t n = money_text(t + 1, cents, false);

    t[0] = '"';
    t[n + 1] = '"';
    json_raw(w, t, n + 2);
}

/* Below 10^15 cents the decimal has at most 15 significant digits, so it is already
 * the shortest text that round-trips through a double, i.e. Python's repr. */
void json_money_num(struct json_w *w, int64_t cents)
{
    char t[32];
    size_t n = money_text(t, cents, true);

    if (cents > -1000000000000000LL && cents < 1000000000000000LL) {
        json_raw(w, t, n);
        return;
    }
    json_value_prefix(w);
    put_py_float(w->b, strtod(t, NULL));
}

/* round(v, decimals) then repr: fixed text with trailing zeros trimmed (keeping one
 * decimal) is that repr while it has few enough digits; otherwise take the slow path. */
void json_double(struct json_w *w, double v, int decimals)
{
    char t[400];   /* "%.17f" of DBL_MAX is 327 bytes */
    int n;

    if (!isfinite(v)) {
        json_null_value(w);
        return;
    }
    decimals = decimals < 0 ? 0 : decimals > 17 ? 17 : decimals;
    n = snprintf(t, sizeof(t), "%.*f", decimals, v);
    if (n <= 0 || (size_t)n >= sizeof(t)) {
        json_fail(w);
        return;
    }
    if (decimals > 4 || fabs(v) >= 1e11) {
        json_value_prefix(w);
        put_py_float(w->b, strtod(t, NULL));
        return;
    }
    while (decimals > 0 && t[n - 1] == '0' && t[n - 2] != '.')
        n--;
    if (decimals == 0) {
        t[n++] = '.';
        t[n++] = '0';
    }
    json_raw(w, t, (size_t)n);
}

/* ---- time ---- */

/* Howard Hinnant's days_from_civil inverse; exact for the whole int64 microsecond
 * range (about +-292,000 years). */
static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    int64_t era, yy;
    unsigned doe, yoe, doy, mp;

    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = (unsigned)(z - era * 146097);
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    yy = (int64_t)yoe + era * 400;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = yy + (*m <= 2);
}

static char *put_num(char *p, uint64_t v, int width)
{
    char tmp[20];
    int i = 20;

    do {
        tmp[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v || 20 - i < width);
    memcpy(p, tmp + i, (size_t)(20 - i));
    return p + (20 - i);
}

/* "YYYY-MM-DDThh:mm:ss[.ffffff]Z". Years outside 0..9999 (which Python cannot hold)
 * get more digits or a leading '-' (astronomical numbering), never a wrong date. */
static size_t format_time(char *out, int64_t us)
{
    int64_t secs = us / 1000000, frac = us % 1000000, days, sod, y;
    unsigned mo, d;
    char *p = out;

    if (frac < 0) {
        frac += 1000000;
        secs--;
    }
    days = secs / 86400;
    sod = secs % 86400;
    if (sod < 0) {
        sod += 86400;
        days--;
    }
    civil_from_days(days, &y, &mo, &d);
    if (y < 0)
        *p++ = '-';
    p = put_num(p, y < 0 ? 0 - (uint64_t)y : (uint64_t)y, 4);
    *p++ = '-';
    p = put_num(p, mo, 2);
    *p++ = '-';
    p = put_num(p, d, 2);
    *p++ = 'T';
    p = put_num(p, (uint64_t)(sod / 3600), 2);
    *p++ = ':';
    p = put_num(p, (uint64_t)(sod / 60 % 60), 2);
    *p++ = ':';
    p = put_num(p, (uint64_t)(sod % 60), 2);
    if (frac) {
        *p++ = '.';
        p = put_num(p, (uint64_t)frac, 6);
    }
    *p++ = 'Z';
    return (size_t)(p - out);
}

void json_time(struct json_w *w, int64_t us)
{
    char t[48];
    size_t n;

    t[0] = '"';
    n = 1 + format_time(t + 1, us);
    t[n++] = '"';
    json_raw(w, t, n);
}

