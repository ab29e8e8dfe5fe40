/* jwt: SimpleJWT-compatible tokens (djangorestframework-simplejwt 5.4 on PyJWT 2.x),
 * HS256 only, with no HTTP and no SQL.
 *
 * Encoding writes exactly what PyJWT writes for SimpleJWT: the header bytes
 * {"alg":"HS256","typ":"JWT"} and a compact payload with the claims in SimpleJWT's order
 * (token_type, exp, iat, jti, user_id, then shopd's pwv), base64url without padding.
 *
 * Decoding trusts nothing in the token: the algorithm is fixed here, the signature is the
 * HMAC of the received "header.payload" bytes compared in constant time, the header must
 * say "alg":"HS256", and every malformed input is just JWT_INVALID (never an error of the
 * server). The checks and their order are PyJWT's, then SimpleJWT's Token.verify(), so the
 * status says which SimpleJWT message applies (jwt_status_message()). */
#ifndef SHOPD_DOMAIN_JWT_H
#define SHOPD_DOMAIN_JWT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/slice.h"

/* Longer tokens are invalid before any decoding; our own tokens are ~300 bytes. */
#define JWT_MAX_LEN 8192
/* SimpleJWT's OutstandingToken.jti is a CharField(max_length=255). */
#define JWT_JTI_MAX 255
/* Length of the jti of tokens made here: 16 random bytes in lowercase hex (uuid4().hex). */
#define JWT_JTI_LEN 32

enum jwt_type {
    JWT_TYPE_ANY = 0, /* as an expectation: do not check the type (SimpleJWT's UntypedToken) */
    JWT_TYPE_ACCESS,  /* "access" */
    JWT_TYPE_REFRESH, /* "refresh" */
    JWT_TYPE_OTHER,   /* token_type present with any other value */
    JWT_TYPE_MISSING, /* no token_type claim */
};

/* Why a token was refused, in the order the checks run. */
enum jwt_status {
    JWT_OK = 0,
    JWT_INVALID,    /* structure, base64url, signature, header, JSON, claim types, iat/nbf
                       in the future: "Token is invalid or expired" */
    JWT_EXPIRED,    /* now >= exp; PyJWT raises it, so also "Token is invalid or expired" */
    JWT_NO_EXP,     /* "Token has no 'exp' claim" */
    JWT_NO_ID,      /* "Token has no id" (no jti) */
    JWT_NO_TYPE,    /* "Token has no type" */
    JWT_WRONG_TYPE, /* "Token has wrong type" */
    JWT_NO_USER,    /* no user_id: "Token contained no recognizable user identification"
                       (raised by JWTAuthentication.get_user, after the token checks) */
};

struct jwt_claims {
    enum jwt_type type;
    int64_t exp;
    int64_t iat;     /* meaningful when has_iat */
    int64_t user_id; /* integer, or a decimal string as newer SimpleJWT writes it */
    int64_t pwv;     /* password version; meaningful when has_pwv (absent in Django's) */
    bool has_iat;
    bool has_pwv;
    char jti[JWT_JTI_MAX + 1]; /* NUL-terminated */
};

struct jwt_result {
    enum jwt_status status;
    struct jwt_claims claims; /* filled only when status is JWT_OK */
};

/* The signing key, prepared once (HMAC key schedule) and shared read-only by all threads.
 * secret is not kept: only the keyed HMAC states. NULL when out of memory. */
struct jwt_key;
struct jwt_key *jwt_key_new(struct slice secret);
void jwt_key_free(struct jwt_key *k);

/* Verifies token at time now (seconds since the epoch). expect is the token class:
 * JWT_TYPE_ACCESS, JWT_TYPE_REFRESH, or JWT_TYPE_ANY for /auth/token/verify/.
 * Returns 0 (r->status == JWT_OK, r->claims filled), SHOP_EINVAL (r->status says why) or
 * SHOP_ENOMEM (a 503, not the token's fault; r->status is then JWT_INVALID). */
int jwt_decode(const struct jwt_key *k, struct slice token, int64_t now, enum jwt_type expect,
               struct jwt_result *r);

/* SimpleJWT 5.4's message for a status ("Token is invalid or expired", ...); "" for OK. */
const char *jwt_status_message(enum jwt_status s);

/* Claims of a new token (SimpleJWT's Token.for_user plus pwv): exp = now + lifetime,
 * iat = now, a fresh random jti. type is JWT_TYPE_ACCESS or JWT_TYPE_REFRESH.
 * Returns 0, SHOP_EINVAL (bad type or lifetime) or SHOP_EIO (no randomness). */
int jwt_claims_new(struct jwt_claims *c, enum jwt_type type, int64_t user_id, int64_t pwv,
                   int64_t now, int64_t lifetime);

/* Signs c into out (capacity outcap, NUL-terminated), byte for byte what PyJWT writes for
 * the same claims. Returns 0, SHOP_EINVAL (c->type not access/refresh), SHOP_ETOOBIG (does
 * not fit outcap or JWT_MAX_LEN) or SHOP_ENOMEM. */
int jwt_encode(const struct jwt_key *k, const struct jwt_claims *c, char *out, size_t outcap);

/* SimpleJWT's RefreshToken.access_token: the refresh token (verified again here as a
 * refresh token at now) gives an access token that copies every claim, in order, except
 * token_type, exp and jti; exp = now + lifetime, a fresh jti; iat is the refresh token's
 * (now when it has none). The new token's claims go to *access when not NULL.
 * Returns 0, SHOP_EINVAL (refresh not valid), SHOP_ETOOBIG, SHOP_ENOMEM or SHOP_EIO. */
int jwt_access_from_refresh(const struct jwt_key *k, struct slice refresh, int64_t now,
                            int64_t lifetime, char *out, size_t outcap, struct jwt_claims *access);

/* ROTATE_REFRESH_TOKENS: the same refresh payload with a fresh jti, exp = now + lifetime
 * and iat = now (SimpleJWT's set_jti/set_exp/set_iat). Same returns as above. */
int jwt_refresh_rotate(const struct jwt_key *k, struct slice refresh, int64_t now, int64_t lifetime,
                       char *out, size_t outcap, struct jwt_claims *fresh);

#endif
