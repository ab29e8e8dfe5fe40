/* jwt_cache: the claims of access tokens this thread has already verified, so that a
 * client sending the same token with every request (every client does, for up to an
 * hour) pays the signature and JSON work once.
 *
 * Exact by construction: an entry is the token's exact bytes and the claims that
 * jwt_decode returned for them; the signature binds those claims to the bytes, and the
 * only check whose answer can change with time from OK to refused is expiry, which
 * jwt_cache_get repeats (iat and nbf can only go from refused to OK, and refused tokens
 * are never stored). What depends on the database (user active, password version) is
 * not cached: the caller checks it every time. Keys are compared in constant time.
 *
 * Per thread, fixed size (JWT_CACHE_SLOTS entries, direct-mapped by a hash of the token
 * with a per-process random seed), allocated on the thread's first put and freed when
 * the thread exits. Tokens longer than JWT_CACHE_TOKEN_MAX are never cached. */
#ifndef SHOPD_DOMAIN_JWT_CACHE_H
#define SHOPD_DOMAIN_JWT_CACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/slice.h"
#include "domain/jwt.h"

#define JWT_CACHE_SLOTS     64
#define JWT_CACHE_TOKEN_MAX 512

/* true and *out filled when token was stored by this thread and has not expired at
 * now (seconds since the epoch). */
bool jwt_cache_get(struct slice token, int64_t now, struct jwt_claims *out);
/* Stores the claims jwt_decode returned with JWT_OK for token (replacing the slot's
 * previous entry). Silently does nothing when out of memory or the token is too long. */
void jwt_cache_put(struct slice token, const struct jwt_claims *claims);

#endif
