/* count_cache: see count_cache.h.
 *
 * Set-associative: a key's 64-bit FNV-1a hash picks its set, and the set's few entries
 * are compared by hash, then length and bytes. Each set has its own mutex, so requests
 * for different filters rarely meet; the critical sections are a handful of compares.
 * Recency is a per-set tick, enough for least-recently-used among four ways. */
#include "store/count_cache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct cc_entry {
    uint64_t hash;
    uint64_t used;      /* set tick of the last hit or store; 0 = empty */
    int64_t version, count;
    size_t len;
    char key[COUNT_CACHE_KEY_MAX];
};

struct cc_set {
    pthread_mutex_t mu;
    uint64_t tick;
    struct cc_entry e[COUNT_CACHE_WAYS];
};

struct count_cache {
    struct cc_set sets[COUNT_CACHE_SETS];
};

static uint64_t fnv1a(const char *s, size_t n)
{
    uint64_t h = 14695981039346656037ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ULL;
    }
    return h;
}

struct count_cache *count_cache_new(void)
{
    struct count_cache *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    for (size_t i = 0; i < COUNT_CACHE_SETS; i++)
        pthread_mutex_init(&c->sets[i].mu, NULL);
    return c;
}

void count_cache_free(struct count_cache *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < COUNT_CACHE_SETS; i++)
        pthread_mutex_destroy(&c->sets[i].mu);
    free(c);
}

static struct cc_entry *find(struct cc_set *s, uint64_t h, const char *key, size_t len)
{
    for (size_t i = 0; i < COUNT_CACHE_WAYS; i++) {
        struct cc_entry *e = &s->e[i];
        if (e->used && e->hash == h && e->len == len && memcmp(e->key, key, len) == 0)
            return e;
    }
    return NULL;
}

/* The empty or least recently used entry of a set. */
static struct cc_entry *victim(struct cc_set *s)
{
    struct cc_entry *v = &s->e[0];
    for (size_t i = 1; i < COUNT_CACHE_WAYS; i++)
        if (s->e[i].used < v->used)
            v = &s->e[i];
    return v;
}

bool count_cache_get(struct count_cache *c, const char *key, size_t len, int64_t *version,
                     int64_t *count)
{
    if (!c || len > COUNT_CACHE_KEY_MAX)
        return false;
    uint64_t h = fnv1a(key, len);
    struct cc_set *s = &c->sets[h % COUNT_CACHE_SETS];
    pthread_mutex_lock(&s->mu);
    struct cc_entry *e = find(s, h, key, len);
    if (e) {
        e->used = ++s->tick;
        *version = e->version;
        *count = e->count;
    }
    pthread_mutex_unlock(&s->mu);
    return e != NULL;
}

void count_cache_put(struct count_cache *c, const char *key, size_t len, int64_t version,
                     int64_t count)
{
    if (!c || len > COUNT_CACHE_KEY_MAX)
        return;
    uint64_t h = fnv1a(key, len);
    struct cc_set *s = &c->sets[h % COUNT_CACHE_SETS];
    pthread_mutex_lock(&s->mu);
    struct cc_entry *e = find(s, h, key, len);
    if (!e) {
        e = victim(s);
        e->hash = h;
        e->len = len;
        memcpy(e->key, key, len);
        e->version = INT64_MIN;
    }
    if (version >= e->version) {
        e->version = version;
        e->count = count;
    }
    e->used = ++s->tick;
    pthread_mutex_unlock(&s->mu);
}
