/* count_cache: list counts remembered in memory, each with the database version it was
 * counted at (catalogue_version, migration 0004). A count is reused only while the
 * database still reports that version, so the cache holds nothing another instance
 * needs and never serves a count older than the last write (DESIGN.md §8).
 *
 * Bounded: COUNT_CACHE_SETS sets of COUNT_CACHE_WAYS entries, the least recently used
 * entry of a set is replaced; keys longer than COUNT_CACHE_KEY_MAX bytes are not kept
 * (the caller counts every time). Thread-safe: one mutex per set, held for a lookup or a
 * store only (never across a query). One cache per process, made by main.c and reached
 * through struct app. */
#ifndef SHOPD_STORE_COUNT_CACHE_H
#define SHOPD_STORE_COUNT_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define COUNT_CACHE_SETS    128
#define COUNT_CACHE_WAYS    4
#define COUNT_CACHE_KEY_MAX 200

struct count_cache;

/* NULL when out of memory. */
struct count_cache *count_cache_new(void);
void count_cache_free(struct count_cache *c);
/* true with *version and *count when key (len bytes, any content) is held. */
bool count_cache_get(struct count_cache *c, const char *key, size_t len, int64_t *version,
                     int64_t *count);
/* Remembers (version, count) for key, unless the entry holds a newer version already (a
 * slower request must not replace a fresher count). Keys over COUNT_CACHE_KEY_MAX are
 * ignored. */
void count_cache_put(struct count_cache *c, const char *key, size_t len, int64_t version,
                     int64_t count);

#endif
