/* jwt_cache: see jwt_cache.h.
 *
 * Measured (callgrind, GET /api/v1/customers/me/): verifying a token costs about 50k
 * instructions (base64url, HMAC-SHA256, two JSON documents parsed by jansson with a
 * dozen allocations), a third of the request; a hit here costs a few hundred.
 *
 * The slot is chosen from the token's last 16 bytes (signature bytes for any token that
 * was ever stored) mixed with a random seed, so a client cannot aim at another client's
 * slot; even when it shares one, the comparison is in constant time and a miss only
 * means a full verification. */
#include "domain/jwt_cache.h"

#include <nettle/memops.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/uuid.h"

struct entry {
    uint16_t len; /* 0: empty */
    char token[JWT_CACHE_TOKEN_MAX];
    struct jwt_claims claims;
};

struct cache {
    struct entry slots[JWT_CACHE_SLOTS];
};

static pthread_once_t once = PTHREAD_ONCE_INIT;
static pthread_key_t key;     /* this thread's struct cache, freed at thread exit */
static bool key_ok;
static uint64_t seed;

static void init(void)
{
    key_ok = pthread_key_create(&key, free) == 0;
    if (random_bytes(&seed, sizeof seed) != 0)
        key_ok = false; /* no cache rather than a predictable slot choice */
}

static uint64_t mix(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    return x ^ (x >> 33);
}

static struct entry *slot_of(struct cache *c, struct slice token)
{
    uint64_t a = 0, b = 0;
    size_t n = token.len < 16 ? token.len : 16;
    char tail[16] = {0};
    memcpy(tail, token.ptr + token.len - n, n);
    memcpy(&a, tail, 8);
    memcpy(&b, tail + 8, 8);
    uint64_t h = mix(a ^ seed) ^ mix(b + token.len);
    return &c->slots[h % JWT_CACHE_SLOTS];
}

static struct cache *this_thread(bool create)
{
    pthread_once(&once, init);
    if (!key_ok)
        return NULL;
    struct cache *c = pthread_getspecific(key);
    if (!c && create) {
        c = calloc(1, sizeof *c);
        if (c && pthread_setspecific(key, c) != 0) {
            free(c);
            c = NULL;
        }
    }
    return c;
}

bool jwt_cache_get(struct slice token, int64_t now, struct jwt_claims *out)
{
    if (token.len == 0 || token.len > JWT_CACHE_TOKEN_MAX)
        return false;
    struct cache *c = this_thread(false);
    if (!c)
        return false;
    const struct entry *e = slot_of(c, token);
    if (e->len != token.len || !memeql_sec(e->token, token.ptr, token.len))
        return false;
    if (e->claims.exp <= now) /* PyJWT: expired when exp <= now */
        return false;
    *out = e->claims;
    return true;
}

void jwt_cache_put(struct slice token, const struct jwt_claims *claims)
{
    if (token.len == 0 || token.len > JWT_CACHE_TOKEN_MAX)
        return;
    struct cache *c = this_thread(true);
    if (!c)
        return;
    struct entry *e = slot_of(c, token);
    memcpy(e->token, token.ptr, token.len);
    e->len = (uint16_t)token.len;
    e->claims = *claims;
}
