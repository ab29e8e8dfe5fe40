/* arena: request-scoped bump allocator.
 *
 * Design: the arena header and its first chunk come from one malloc, so a fresh arena
 * costs one allocation and arena_reset() returns to that state without calling free.
 * Further chunks of block_size are pushed on a list as the current one fills; a request
 * bigger than a quarter of a block gets a chunk of its own (on a separate list) so it
 * neither wastes the rest of the current chunk nor forces a huge block size.
 * Every size is rounded up to 16 bytes, so every pointer handed out is 16-aligned.
 * Deferred cleanups are nodes allocated in the arena itself, pushed on a stack and
 * popped one by one on reset/free: reverse order, and a cleanup that registers another
 * cleanup is still handled.
 * Caveat: not thread-safe; one arena belongs to one request (one thread) at a time. */
#include "core/arena.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"

#define ARENA_ALIGN ((size_t)16)
#define ARENA_DEFAULT_BLOCK ((size_t)16 << 10)

_Static_assert(alignof(max_align_t) >= ARENA_ALIGN, "malloc must return 16-aligned memory");

struct chunk {
    struct chunk *next;
    size_t cap;   /* usable bytes after the header */
    size_t used;
};

struct defer {
    struct defer *next;
    void (*fn)(void *);
    void *ptr;
};

struct arena {
    struct chunk *cur;     /* newest normal chunk; `first` is always the list's tail */
    struct chunk *first;   /* lives in the same allocation as the arena */
    struct chunk *large;   /* one chunk per large allocation */
    struct defer *defers;  /* newest first */
    size_t block_size;
    size_t used;
};

#define ROUND16(n) (((n) + ARENA_ALIGN - 1) & ~(ARENA_ALIGN - 1))
#define CHUNK_HDR ROUND16(sizeof(struct chunk))
#define ARENA_HDR ROUND16(sizeof(struct arena))

static unsigned char *chunk_data(struct chunk *c)
{
    return (unsigned char *)c + CHUNK_HDR;
}

/* Rounds n up to the alignment (0 counts as 1 so each call gets its own address);
 * -1 on overflow. */
static int round_size(size_t n, size_t *out)
{
    if (n > SIZE_MAX - (ARENA_ALIGN - 1))
        return -1;
    *out = ROUND16(n ? n : 1);
    return 0;
}

static struct chunk *chunk_new(size_t cap)
{
    struct chunk *c;

    if (cap > SIZE_MAX - CHUNK_HDR)
        return NULL;
    c = malloc(CHUNK_HDR + cap);
    if (!c)
        return NULL;
    c->next = NULL;
    c->cap = cap;
    c->used = 0;
    return c;
}

struct arena *arena_new(size_t block_size)
{
    struct arena *a;
    size_t bs;

    if (round_size(block_size ? block_size : ARENA_DEFAULT_BLOCK, &bs) != 0)
        return NULL;
    if (bs > SIZE_MAX - ARENA_HDR - CHUNK_HDR)
        return NULL;
    a = malloc(ARENA_HDR + CHUNK_HDR + bs);
    if (!a)
        return NULL;
    a->first = (struct chunk *)((unsigned char *)a + ARENA_HDR);
    a->first->next = NULL;
    a->first->cap = bs;
    a->first->used = 0;
    a->cur = a->first;
    a->large = NULL;
    a->defers = NULL;
    a->block_size = bs;
    a->used = 0;
    return a;
}

/* Pops one cleanup at a time so cleanups registered by a cleanup also run. */
static void run_defers(struct arena *a)
{
    while (a->defers) {
        struct defer *d = a->defers;

        a->defers = d->next;
        d->fn(d->ptr);
    }
}

static void free_chunks(struct arena *a)
{
    struct chunk *c, *next;

    for (c = a->cur; c && c != a->first; c = next) {
        next = c->next;
        free(c);
    }
    for (c = a->large; c; c = next) {
        next = c->next;
        free(c);
    }
    a->cur = a->first;
    a->first->next = NULL;
    a->first->used = 0;
    a->large = NULL;
    a->used = 0;
}

void arena_reset(struct arena *a)
{
    if (!a)
        return;
    run_defers(a);
    free_chunks(a);
}

void arena_free(struct arena *a)
{
    if (!a)
        return;
    arena_reset(a);
    free(a);
}

static void *alloc_large(struct arena *a, size_t n)
{
    struct chunk *c = chunk_new(n);

    if (!c)
        return NULL;
    c->used = n;
    c->next = a->large;
    a->large = c;
    a->used += n;
    return chunk_data(c);
}

void *arena_alloc(struct arena *a, size_t n)
{
    struct chunk *c;
    size_t sz;

    if (!a || round_size(n, &sz) != 0)
        return NULL;
    if (sz > a->block_size / 4)
        return alloc_large(a, sz);
    c = a->cur;
    if (c->cap - c->used < sz) {
        c = chunk_new(a->block_size);
        if (!c)
            return NULL;
        c->next = a->cur;
        a->cur = c;
    }
    c->used += sz;
    a->used += sz;
    return chunk_data(c) + c->used - sz;
}

void *arena_calloc(struct arena *a, size_t count, size_t size)
{
    void *p;

    if (size && count > SIZE_MAX / size)
        return NULL;
    p = arena_alloc(a, count * size);
    if (p)
        memset(p, 0, count * size);
    return p;
}

/* Copies exactly n bytes (which may include NULs) and terminates. */
static char *dup_bytes(struct arena *a, const char *s, size_t n)
{
    char *p;

    if (n == SIZE_MAX)
        return NULL;
    p = arena_alloc(a, n + 1);
    if (!p)
        return NULL;
    if (n)
        memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
    const char *nul;

    if (!s)
        return NULL;
    nul = memchr(s, '\0', n);
    return dup_bytes(a, s, nul ? (size_t)(nul - s) : n);
}

char *arena_strdup(struct arena *a, const char *s)
{
    return s ? dup_bytes(a, s, strlen(s)) : NULL;
}

char *arena_slice_dup(struct arena *a, struct slice s)
{
    if (!s.ptr && s.len)
        return NULL;
    return dup_bytes(a, s.ptr, s.len);
}

/* Formats straight into the free tail of the current chunk when the text fits (the
 * common case: one vsnprintf); otherwise measures, allocates and formats again. */
char *arena_vprintf(struct arena *a, const char *fmt, va_list ap)
{
    struct chunk *c;
    size_t room, sz;
    va_list ap2;
    char *p;
    int n;

    if (!a)
        return NULL;
    c = a->cur;
    room = c->cap - c->used;
    if (room > (size_t)INT32_MAX)
        room = (size_t)INT32_MAX;
    va_copy(ap2, ap);
    n = vsnprintf((char *)chunk_data(c) + c->used, room, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return NULL;
    if ((size_t)n < room && round_size((size_t)n + 1, &sz) == 0 && sz <= room) {
        c->used += sz;
        a->used += sz;
        return (char *)chunk_data(c) + c->used - sz;
    }
    p = arena_alloc(a, (size_t)n + 1);
    if (p)
        vsnprintf(p, (size_t)n + 1, fmt, ap);
    return p;
}

char *arena_printf(struct arena *a, const char *fmt, ...)
{
    va_list ap;
    char *p;

    va_start(ap, fmt);
    p = arena_vprintf(a, fmt, ap);
    va_end(ap);
    return p;
}

int arena_defer(struct arena *a, void (*fn)(void *), void *ptr)
{
    struct defer *d;

    if (!fn)
        return SHOP_EINVAL;
    d = arena_alloc(a, sizeof(*d));
    if (!d) {
        fn(ptr);
        return SHOP_ENOMEM;
    }
    d->fn = fn;
    d->ptr = ptr;
    d->next = a->defers;
    a->defers = d;
    return 0;
}

size_t arena_used(const struct arena *a)
{
    return a ? a->used : 0;
}

void *arena_grow(struct arena *a, void *arr, size_t used, size_t *cap, size_t elem)
{
    if (used < *cap)
        return arr;
    size_t ncap = *cap ? *cap * 2 : 16;
    if (elem == 0 || ncap > SIZE_MAX / elem)
        return NULL;
    void *bigger = arena_alloc(a, ncap * elem);
    if (!bigger)
        return NULL;
    if (used)
        memcpy(bigger, arr, used * elem);
    *cap = ncap;
    return bigger;
}
