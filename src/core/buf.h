/* buf: a growable byte buffer with a hard maximum and a sticky error.
 * After any failure (allocation, or growth past max) every append is a no-op and
 * buf_failed() is true: callers check once at the end, so a truncated body is never
 * sent as a success. Memory is malloc'd; buf_cleanup frees it. */
#ifndef SHOPD_CORE_BUF_H
#define SHOPD_CORE_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct buf {
    char *data;     /* always NUL-terminated when non-NULL */
    size_t len;
    size_t cap;
    size_t max;     /* maximum len; appends beyond it fail */
    int err;        /* 0 or SHOP_ENOMEM / SHOP_ETOOBIG; sticky */
};

#define BUF_DEFAULT_MAX ((size_t)64 << 20)

/* max 0 means BUF_DEFAULT_MAX. */
void buf_init(struct buf *b, size_t max);
void buf_cleanup(struct buf *b);
/* Forget contents and error, keep memory. */
void buf_reset(struct buf *b);
/* arena_defer-compatible cleanup. */
void buf_cleanup_cb(void *b);

/* The out-of-line paths of buf_append/buf_putc: growth, failure, self-appends. */
void buf_append_slow(struct buf *b, const void *p, size_t n);

/* True when n more bytes (plus the NUL) fit without growing, and p (if not NULL) does
 * not point into the buffer. Unsigned wrap-around makes one comparison of each. */
static inline bool buf_fits(const struct buf *b, const void *p, size_t n)
{
    return !b->err && n < b->cap - b->len && b->len + n <= b->max &&
           (!p || (uintptr_t)p - (uintptr_t)b->data >= b->cap);
}

/* Inline because the JSON writer calls these for every token: the common case is a
 * copy into spare capacity (measured: a third of the writer's instructions were calls). */
static inline void buf_append(struct buf *b, const void *p, size_t n)
{
    if (n == 0 || !buf_fits(b, p, n)) { /* n == 0: p may be NULL, memcpy's UB */
        buf_append_slow(b, p, n);
        return;
    }
    memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
}

static inline void buf_putc(struct buf *b, char c)
{
    if (!buf_fits(b, NULL, 1)) {
        buf_append_slow(b, &c, 1);
        return;
    }
    b->data[b->len++] = c;
    b->data[b->len] = '\0';
}

void buf_puts(struct buf *b, const char *s);
/* Makes room for n more bytes at once (a body about to be written), so that appends do
 * not grow it step by step. Same failure rules as an append. */
void buf_reserve(struct buf *b, size_t n);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_put_i64(struct buf *b, int64_t v);
void buf_put_u64(struct buf *b, uint64_t v);

static inline bool buf_failed(const struct buf *b) { return b->err != 0; }

/* Takes the data out of the buffer (caller frees it with free()); the buffer is left
 * empty. Returns NULL if the buffer failed. */
char *buf_steal(struct buf *b, size_t *len);

#endif
