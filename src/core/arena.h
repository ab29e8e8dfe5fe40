/* arena: request-scoped memory. Everything parsed or rendered for one request is
 * allocated here and dropped in one call; resources that are not memory register a
 * cleanup with arena_defer, run in reverse order by arena_reset/arena_free.
 * Allocation never returns unaligned memory (16-byte alignment). */
#ifndef SHOPD_CORE_ARENA_H
#define SHOPD_CORE_ARENA_H

#include <stdarg.h>
#include <stddef.h>

#include "core/slice.h"

struct arena;

/* Returns NULL when out of memory. block_size is the size of each chunk (0 = 16 KiB). */
struct arena *arena_new(size_t block_size);
/* Runs the deferred cleanups, frees every chunk and the arena itself. NULL is fine. */
void arena_free(struct arena *a);
/* Runs deferred cleanups and forgets all allocations, keeping the first chunk. */
void arena_reset(struct arena *a);

/* NULL when out of memory. Memory is uninitialised / zeroed respectively. */
void *arena_alloc(struct arena *a, size_t n);
void *arena_calloc(struct arena *a, size_t count, size_t size);
/* NUL-terminated copies. */
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_strdup(struct arena *a, const char *s);
char *arena_slice_dup(struct arena *a, struct slice s);
char *arena_printf(struct arena *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
char *arena_vprintf(struct arena *a, const char *fmt, va_list ap);

/* Room for one more element in an arena array of `used` elements of `elem` bytes whose
 * capacity is *cap: returns arr itself while it has room, else a copy with twice the
 * capacity (16 at first; the arena has no realloc). NULL when out of memory. */
void *arena_grow(struct arena *a, void *arr, size_t used, size_t *cap, size_t elem);

/* Registers fn(ptr) to run when the arena is reset or freed. Returns 0 or SHOP_ENOMEM
 * (in which case fn(ptr) has already been run, so the resource is never leaked). */
int arena_defer(struct arena *a, void (*fn)(void *), void *ptr);

/* Bytes handed out so far (for metrics/tests). */
size_t arena_used(const struct arena *a);

#endif
