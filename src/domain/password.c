/* password: see password.h. argon2 through libargon2 (argon2id_hash_encoded,
 * argon2_verify, which compares in constant time), PBKDF2 through OpenSSL's
 * PKCS5_PBKDF2_HMAC with SHA-256 and CRYPTO_memcmp.
 *
 * Every stored hash goes through pwhash_parse first, which checks the whole string
 * and the cost bounds, so libargon2 never sees a string that would make it allocate
 * gigabytes or spin for minutes. Django's PBKDF2 verify re-encodes and compares the
 * whole string; here the parser insists on the canonical form (iterations without
 * leading zeros, 44-character padded base64) and only the hash part is compared,
 * which is equivalent. */
#include "domain/password.h"

#include <argon2.h>
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <unistd.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <string.h>

#include "core/err.h"

#define PBKDF2_PREFIX   "pbkdf2_sha256$"
#define PBKDF2_DK_LEN   32
#define PBKDF2_B64_LEN  44 /* 32 bytes in padded standard base64 */
#define PBKDF2_SALT_MAX 128
#define ARGON2_SALT_MIN 8
#define ARGON2_BLOB_MAX 64 /* salt and hash bytes */
#define DJANGO_ARGON2   "argon2"

/* An argon2id hash of a random, forgotten password at our parameters, in the form we
 * store: pwhash_verify_dummy follows exactly the path of a real customer's login. */
static const char DUMMY_HASH[] = "argon2$argon2id$v=19$m=19456,t=2,p=1$4iaEp12lsiZ1RyNND+J4QQ$"
                                 "bTzHif35alWn/H1YDFUf1RasPIl6uTzLHMBd9pXmS7c";

/* ---- parsing ------------------------------------------------------------------------ */

struct cur {
    const char *p;
    const char *end;
};

static bool eat(struct cur *c, const char *lit)
{
    size_t n = strlen(lit);
    if ((size_t)(c->end - c->p) < n || memcmp(c->p, lit, n) != 0)
        return false;
    c->p += n;
    return true;
}

/* Canonical decimal: 1-10 digits, no sign, no leading zero, at most UINT32_MAX. */
static bool num(struct cur *c, uint32_t *out)
{
    uint64_t v = 0;
    size_t n = 0;
    while (c->p + n < c->end && c->p[n] >= '0' && c->p[n] <= '9' && n < 11)
        v = v * 10 + (uint64_t)(c->p[n++] - '0');
    if (n == 0 || n > 10 || (n > 1 && c->p[0] == '0') || v > UINT32_MAX)
        return false;
    c->p += n;
    *out = (uint32_t)v;
    return true;
}

static bool is_b64(char ch)
{
    return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
           ch == '+' || ch == '/';
}

/* A run of unpadded standard base64 up to stop (or the end); its decoded length. */
static bool b64_field(struct cur *c, char stop, struct slice *s, size_t *bytes)
{
    const char *start = c->p;
    while (c->p < c->end && is_b64(*c->p))
        c->p++;
    size_t n = (size_t)(c->p - start);
    if (n == 0 || n % 4 == 1)
        return false;
    if (stop && !(c->p < c->end && *c->p == stop))
        return false;
    if (stop)
        c->p++;
    *s = (struct slice){start, n};
    *bytes = n / 4 * 3 + (n % 4 ? n % 4 - 1 : 0);
    return true;
}

static bool argon2_bounds_ok(const struct pwhash_info *in)
{
    return (in->version == ARGON2_VERSION_10 || in->version == ARGON2_VERSION_13) &&
           in->t_cost >= 1 && in->t_cost <= PWHASH_ARGON2_MAX_T && in->parallelism >= 1 &&
           in->parallelism <= PWHASH_ARGON2_MAX_P && in->m_cost >= 8 * in->parallelism &&
           in->m_cost <= PWHASH_ARGON2_MAX_M && in->salt_len >= ARGON2_SALT_MIN &&
           in->salt_len <= ARGON2_BLOB_MAX && in->hash_len >= ARGON2_MIN_OUTLEN &&
           in->hash_len <= ARGON2_BLOB_MAX;
}

/* [argon2]$argon2id|argon2i$[v=N$]m=N,t=N,p=N$<salt>$<hash> */
static int parse_argon2(struct slice e, struct pwhash_info *in)
{
    struct cur c = {e.ptr, e.ptr + e.len};
    in->django_prefix = eat(&c, DJANGO_ARGON2);
    in->phc = (struct slice){c.p, (size_t)(c.end - c.p)};
    if (eat(&c, "$argon2id$"))
        in->alg = PWHASH_ALG_ARGON2ID;
    else if (eat(&c, "$argon2i$"))
        in->alg = PWHASH_ALG_ARGON2I;
    else
        return SHOP_EINVAL;
    in->version = ARGON2_VERSION_10;
    if (eat(&c, "v=") && !(num(&c, &in->version) && eat(&c, "$")))
        return SHOP_EINVAL;
    if (!(eat(&c, "m=") && num(&c, &in->m_cost) && eat(&c, ",t=") && num(&c, &in->t_cost) &&
          eat(&c, ",p=") && num(&c, &in->parallelism) && eat(&c, "$")))
        return SHOP_EINVAL;
    if (!b64_field(&c, '$', &in->salt, &in->salt_len) ||
        !b64_field(&c, 0, &in->hash, &in->hash_len) || c.p != c.end)
        return SHOP_EINVAL;
    return argon2_bounds_ok(in) ? 0 : SHOP_EINVAL;
}

/* pbkdf2_sha256$<iterations>$<salt>$<44 chars of padded base64> */
static int parse_pbkdf2(struct slice e, struct pwhash_info *in)
{
    struct cur c = {e.ptr, e.ptr + e.len};
    in->alg = PWHASH_ALG_PBKDF2_SHA256;
    if (!eat(&c, PBKDF2_PREFIX) || !num(&c, &in->iterations) || !eat(&c, "$"))
        return SHOP_EINVAL;
    if (in->iterations < 1 || in->iterations > PWHASH_PBKDF2_MAX_ITERATIONS)
        return SHOP_EINVAL;
    const char *salt = c.p;
    while (c.p < c.end && *c.p != '$' && *c.p != '\0')
        c.p++;
    in->salt = (struct slice){salt, (size_t)(c.p - salt)};
    in->salt_len = in->salt.len;
    if (in->salt.len == 0 || in->salt.len > PBKDF2_SALT_MAX || !eat(&c, "$"))
        return SHOP_EINVAL;
    in->hash = (struct slice){c.p, (size_t)(c.end - c.p)};
    in->hash_len = PBKDF2_DK_LEN;
    if (in->hash.len != PBKDF2_B64_LEN || in->hash.ptr[PBKDF2_B64_LEN - 1] != '=')
        return SHOP_EINVAL;
    for (size_t i = 0; i < PBKDF2_B64_LEN - 1; i++)
        if (!is_b64(in->hash.ptr[i]))
            return SHOP_EINVAL;
    return 0;
}

int pwhash_parse(struct slice encoded, struct pwhash_info *out)
{
    static const char pbkdf2[] = PBKDF2_PREFIX;
    memset(out, 0, sizeof(*out));
    if (!encoded.ptr || encoded.len > PWHASH_STORED_MAX)
        return SHOP_EINVAL;
    if (encoded.len >= sizeof(pbkdf2) - 1 && memcmp(encoded.ptr, pbkdf2, sizeof(pbkdf2) - 1) == 0)
        return parse_pbkdf2(encoded, out);
    return parse_argon2(encoded, out);
}

/* ---- hashing and verifying --------------------------------------------------------- */

static int argon2_err(int rc)
{
    if (rc == ARGON2_OK)
        return 0;
    if (rc == ARGON2_MEMORY_ALLOCATION_ERROR || rc == ARGON2_THREAD_FAIL)
        return SHOP_ENOMEM;
    return SHOP_EINVAL;
}

/* At most one password hash per core at a time. argon2id is memory-bound (19 MiB per
 * hash): with more workers than cores, concurrent hashes only thrash the caches, and with
 * main.c's one malloc arena per core the memory they keep is bounded (measured: RSS 171
 * MiB after a login load with 8 workers and no limits, 93 MiB with both). */
static sem_t hash_slots;
static pthread_once_t hash_slots_once = PTHREAD_ONCE_INIT;

static void hash_slots_init(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    sem_init(&hash_slots, 0, n > 0 ? (unsigned)n : 1u);
}

static void hash_slot_take(void)
{
    pthread_once(&hash_slots_once, hash_slots_init);
    while (sem_wait(&hash_slots) != 0 && errno == EINTR)
        ;
}

static void hash_slot_give(void) { sem_post(&hash_slots); }

int pwhash_hash(struct slice password, char out[PWHASH_ENCODED_MAX])
{
    static const char prefix[] = DJANGO_ARGON2;
    unsigned char salt[PWHASH_SALT_LEN];
    if (password.len > PWHASH_MAX_PASSWORD)
        return SHOP_ETOOBIG;
    if (RAND_bytes(salt, (int)sizeof(salt)) != 1)
        return SHOP_EIO;
    memcpy(out, prefix, sizeof(prefix) - 1);
    hash_slot_take();
    int rc = argon2id_hash_encoded(PWHASH_T_COST, PWHASH_M_COST, PWHASH_PARALLELISM,
                                   password.len ? password.ptr : "", password.len, salt,
                                   sizeof(salt), PWHASH_HASH_LEN, out + sizeof(prefix) - 1,
                                   PWHASH_ENCODED_MAX - (sizeof(prefix) - 1));
    hash_slot_give();
    OPENSSL_cleanse(salt, sizeof(salt));
    return argon2_err(rc);
}

static int verify_argon2(struct slice password, const struct pwhash_info *in)
{
    char phc[PWHASH_STORED_MAX + 1];
    memcpy(phc, in->phc.ptr, in->phc.len);
    phc[in->phc.len] = '\0';
    argon2_type type = in->alg == PWHASH_ALG_ARGON2ID ? Argon2_id : Argon2_i;
    int rc = argon2_verify(phc, password.len ? password.ptr : "", password.len, type);
    if (rc == ARGON2_VERIFY_MISMATCH)
        return SHOP_EINVAL;
    return argon2_err(rc);
}

static int verify_pbkdf2(struct slice password, const struct pwhash_info *in)
{
    unsigned char dk[PBKDF2_DK_LEN];
    unsigned char b64[PBKDF2_B64_LEN + 1];
    if (PKCS5_PBKDF2_HMAC(password.len ? password.ptr : "", (int)password.len,
                          (const unsigned char *)in->salt.ptr, (int)in->salt.len,
                          (int)in->iterations, EVP_sha256(), sizeof(dk), dk) != 1)
        return SHOP_ENOMEM;
    EVP_EncodeBlock(b64, dk, sizeof(dk));
    int same = CRYPTO_memcmp(b64, in->hash.ptr, PBKDF2_B64_LEN) == 0;
    OPENSSL_cleanse(dk, sizeof(dk));
    return same ? 0 : SHOP_EINVAL;
}

int pwhash_verify(struct slice password, struct slice encoded)
{
    struct pwhash_info in;
    if (password.len > PWHASH_MAX_PASSWORD || pwhash_parse(encoded, &in) != 0)
        return SHOP_EINVAL;
    hash_slot_take();
    int rc = in.alg == PWHASH_ALG_PBKDF2_SHA256 ? verify_pbkdf2(password, &in)
                                                : verify_argon2(password, &in);
    hash_slot_give();
    return rc;
}

struct slice pwhash_dummy_hash(void)
{
    return (struct slice){ DUMMY_HASH, sizeof(DUMMY_HASH) - 1 };
}

int pwhash_verify_dummy(struct slice password)
{
    int rc = pwhash_verify(password, (struct slice){DUMMY_HASH, sizeof(DUMMY_HASH) - 1});
    return rc == SHOP_ENOMEM ? rc : SHOP_EINVAL;
}

bool pwhash_needs_upgrade(struct slice encoded)
{
    struct pwhash_info in;
    if (pwhash_parse(encoded, &in) != 0)
        return true;
    return !(in.alg == PWHASH_ALG_ARGON2ID && in.version == ARGON2_VERSION_13 &&
             in.m_cost == PWHASH_M_COST && in.t_cost == PWHASH_T_COST &&
             in.parallelism == PWHASH_PARALLELISM && in.hash_len == PWHASH_HASH_LEN &&
             in.salt_len >= PWHASH_SALT_LEN);
}
