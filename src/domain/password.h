/* password (prefix pwhash_): hashing and verification of customer passwords.
 *
 * New hashes are argon2id at OWASP's parameters (m=19456 KiB, t=2, p=1, 16-byte random
 * salt, 32-byte hash), written in Django's Argon2PasswordHasher form
 *   argon2$argon2id$v=19$m=19456,t=2,p=1$<salt b64>$<hash b64>
 * so that a Django deployment could read them back. Verification also accepts the bare
 * PHC form ("$argon2id$..."), Django's older argon2i hashes, and Django's
 * pbkdf2_sha256$<iterations>$<salt>$<base64 sha256> with the stored iteration count.
 * Anything else (other Django hashers, unusable "!..." passwords, parameters out of the
 * sanity bounds below) is unverifiable: it never matches, and never costs a hash.
 *
 * Passwords longer than PWHASH_MAX_PASSWORD bytes are refused before any hashing (as a
 * wrong password), so a 1 MB password is never a CPU sink. */
#ifndef SHOPD_DOMAIN_PASSWORD_H
#define SHOPD_DOMAIN_PASSWORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/slice.h"

/* The request body limit bounds a password anyway; argon2 and PBKDF2 hash a long
 * password once (BLAKE2b / the HMAC key), so even this much costs about a millisecond. */
#define PWHASH_MAX_PASSWORD (1024 * 1024)
/* Django's password column is a CharField(max_length=128); our hashes are 103 chars.
 * Buffer size for pwhash_hash, NUL included. */
#define PWHASH_ENCODED_MAX 129
/* Longest stored hash accepted by the parser (a little room over Django's 128). */
#define PWHASH_STORED_MAX 255

#define PWHASH_M_COST      19456u /* KiB */
#define PWHASH_T_COST      2u
#define PWHASH_PARALLELISM 1u
#define PWHASH_SALT_LEN    16u
#define PWHASH_HASH_LEN    32u

/* Sanity bounds for stored hashes (outside: unverifiable). */
#define PWHASH_PBKDF2_MAX_ITERATIONS 10000000u
#define PWHASH_ARGON2_MAX_M          1048576u /* 1 GiB */
#define PWHASH_ARGON2_MAX_T          64u
#define PWHASH_ARGON2_MAX_P          64u

enum pwhash_alg {
    PWHASH_ALG_ARGON2ID = 1,
    PWHASH_ALG_ARGON2I,
    PWHASH_ALG_PBKDF2_SHA256,
};

/* A parsed stored hash; slices point into the parsed string. */
struct pwhash_info {
    enum pwhash_alg alg;
    bool django_prefix;   /* argon2: "argon2" before the PHC string */
    uint32_t version;     /* argon2: 19 (0x13) or 16 (0x10, also when "v=" is absent) */
    uint32_t m_cost;      /* argon2, KiB */
    uint32_t t_cost;      /* argon2 */
    uint32_t parallelism; /* argon2 */
    uint32_t iterations;  /* pbkdf2 */
    struct slice phc;     /* argon2: the "$argon2..." PHC string */
    struct slice salt;    /* as stored: PHC base64 (argon2) or Django's salt text */
    struct slice hash;    /* as stored: base64 */
    size_t salt_len;      /* decoded bytes (argon2); text length (pbkdf2) */
    size_t hash_len;      /* decoded bytes */
};

/* Parses a stored hash (fuzzed). Returns 0, or SHOP_EINVAL when it is malformed, of
 * an unsupported algorithm, or outside the sanity bounds. */
int pwhash_parse(struct slice encoded, struct pwhash_info *out);

/* Hashes password with argon2id into out, Django's "argon2$argon2id$..." form,
 * NUL-terminated. Returns 0, SHOP_ETOOBIG (password over PWHASH_MAX_PASSWORD),
 * SHOP_EIO (no randomness) or SHOP_ENOMEM. About 20 ms and 19 MiB. */
int pwhash_hash(struct slice password, char out[PWHASH_ENCODED_MAX]);

/* Checks password against a stored hash in constant time. Returns 0 on a match,
 * SHOP_EINVAL on a mismatch (also: unverifiable hash, overlong password), SHOP_ENOMEM
 * when argon2 could not get its memory. */
int pwhash_verify(struct slice password, struct slice encoded);

/* For an unknown email: verifies password against a fixed argon2id hash of our own
 * parameters, along the same path, so it costs what a customer's login costs.
 * Returns SHOP_EINVAL (never a match) or SHOP_ENOMEM. */
int pwhash_verify_dummy(struct slice password);
/* The fixed hash pwhash_verify_dummy checks against (for tests: it must carry exactly
 * the parameters of new hashes, so that its cost equals a real login's by construction). */
struct slice pwhash_dummy_hash(void);

/* True when a hash that just verified should be re-hashed with pwhash_hash: anything
 * but argon2id v=19 at exactly our parameters with a salt of at least 16 bytes (weaker
 * or merely different parameters, as Django's must_update; one cost for every account
 * keeps logins indistinguishable in time). Unparseable hashes also answer true. */
bool pwhash_needs_upgrade(struct slice encoded);

#endif
