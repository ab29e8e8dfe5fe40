/* buf: growable byte buffer with a hard maximum and a sticky error (SQLite's
 * StrAccum idea). Capacity doubles, capped at max + 1 so a full buffer never
 * allocates more than it may hold; data stays NUL-terminated after every append.
 * Caveats: appending a region of the buffer to itself is supported (the source is
 * re-located after growth), but buf_printf arguments must not point into the buffer. */
#include "core/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"

#define BUF_MIN_CAP ((size_t)64)

void buf_init(struct buf *b, size_t max)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max ? max : BUF_DEFAULT_MAX;
    b->err = 0;
}

void buf_cleanup(struct buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->err = 0;
}

void buf_cleanup_cb(void *b)
{
    buf_cleanup(b);
}

void buf_reset(struct buf *b)
{
    b->len = 0;
    b->err = 0;
    if (b->data)
        b->data[0] = '\0';
}

static void buf_fail(struct buf *b, int err)
{
    if (!b->err)
        b->err = err;
}

/* Makes room for n more bytes plus the NUL. Returns 0, or -1 with b->err set. */
static int buf_grow(struct buf *b, size_t n)
{
    size_t need, cap;
    char *p;

    if (b->err)
        return -1;
    if (n > b->max || b->len > b->max - n) {
        buf_fail(b, SHOP_ETOOBIG);
        return -1;
    }
    need = b->len + n + 1;
    if (need <= b->cap)
        return 0;
    cap = b->cap ? b->cap : BUF_MIN_CAP;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    if (cap > b->max + 1 && b->max < SIZE_MAX)
        cap = b->max + 1;
    p = realloc(b->data, cap);
    if (!p) {
        buf_fail(b, SHOP_ENOMEM);
        return -1;
    }
    b->data = p;
    b->cap = cap;
    return 0;
}

void buf_append_slow(struct buf *b, const void *p, size_t n)
{
    const char *src = p;
    uintptr_t s = (uintptr_t)src, d = (uintptr_t)b->data;

    if (b->data && s >= d && s < d + b->cap) {
        size_t off = (size_t)(s - d);

        if (buf_grow(b, n) != 0)
            return;
        src = b->data + off;
    } else if (buf_grow(b, n) != 0) {
        return;
    }
    if (n)
        memmove(b->data + b->len, src, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void buf_reserve(struct buf *b, size_t n)
{
    buf_grow(b, n);
}

void buf_puts(struct buf *b, const char *s)
{
    if (s)
        buf_append(b, s, strlen(s));
}

/* Formats into the spare capacity first (one vsnprintf in the common case). */
static void buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
    size_t room = b->data ? b->cap - b->len : 0;
    va_list ap2;
    int n;

    if (b->err)
        return;
    va_copy(ap2, ap);
    n = vsnprintf(room ? b->data + b->len : NULL, room, fmt, ap2);
    va_end(ap2);
    if (n < 0) {
        if (b->data)
            b->data[b->len] = '\0';
        buf_fail(b, SHOP_EINVAL);
        return;
    }
    if ((size_t)n < room && b->len + (size_t)n <= b->max) {
        b->len += (size_t)n;
        return;
    }
    if (b->data)
        b->data[b->len] = '\0';   /* the failed attempt overwrote the terminator */
    if (buf_grow(b, (size_t)n) != 0)
        return;
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
}

void buf_printf(struct buf *b, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    buf_vprintf(b, fmt, ap);
    va_end(ap);
}

void buf_put_u64(struct buf *b, uint64_t v)
{
    char tmp[20];
    size_t i = sizeof(tmp);

    do {
        tmp[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    buf_append(b, tmp + i, sizeof(tmp) - i);
}

void buf_put_i64(struct buf *b, int64_t v)
{
    if (v < 0) {
        buf_putc(b, '-');
        /* Negate in unsigned arithmetic: -INT64_MIN does not fit in int64_t. */
        buf_put_u64(b, 0 - (uint64_t)v);
        return;
    }
    buf_put_u64(b, (uint64_t)v);
}

char *buf_steal(struct buf *b, size_t *len)
{
    char *p;

    if (b->err)
        return NULL;
    p = b->data;
    if (!p) {
        /* NULL must mean failure only, so an empty buffer yields "". */
        p = malloc(1);
        if (!p) {
            buf_fail(b, SHOP_ENOMEM);
            return NULL;
        }
        p[0] = '\0';
    }
    if (len)
        *len = b->len;
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    return p;
}
