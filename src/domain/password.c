/* password: see password.h. argon2 through libargon2's argon2_ctx and argon2_verify_ctx
 * (which compares in constant time), with the PHC string written and read here; PBKDF2
 * through nettle's pbkdf2_hmac_sha256, its padded standard base64 and memeql_sec
 * (constant time). Salts come from the kernel's CSPRNG (core/uuid.c's random_bytes).
 *
 * Every stored hash goes through pwhash_parse first, which checks the whole string
 * and the cost bounds; libargon2 only ever gets the decoded fields, never parameters
 * that would make it allocate gigabytes or spin for minutes. Django's PBKDF2 verify
 * re-encodes and compares the whole string; here the parser insists on the canonical
 * form (iterations without leading zeros, 44-character padded base64) and only the
 * hash part is compared, which is equivalent.
 *
 * Memory: at most one hash per core runs at a time (a semaphore of hash slots), and
 * each slot owns one m = 19 MiB block, mmap'ed on the slot's first hash (an idle server
 * maps none), kept for the process lifetime and handed to argon2 through its
 * allocate/free callbacks. So hashing keeps at most cores x 19 MiB, by construction,
 * and a hash reuses warm memory without going through malloc. Before, each hash
 * malloc'ed its block and main.c capped glibc at one malloc arena per core so that the
 * workers' arenas would not each keep one (RSS after a login load with 8 workers:
 * 171 MiB uncapped, 93 MiB capped; with the slots, 48 MiB on 2 cores after rounds of
 * 4 concurrent logins: the idle 7 MiB and two blocks); that cap made every worker
 * contend on two arena locks for every ordinary request, and malloc now has its
 * default arenas again.
 * libargon2 wipes the part of the block it used after every hash. A stored hash with a
 * larger m (older or foreign parameters) still verifies, in memory libargon2 mallocs
 * and frees itself, under the same slot. */
#include "domain/password.h"

#include <argon2.h>
#include <nettle/base64.h>
#include <nettle/memops.h>
#include <nettle/pbkdf2.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/b64url.h"
#include "core/err.h"
#include "core/uuid.h"

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

/* ---- hash slots ----------------------------------------------------------------------- */

/* See the header: one slot per core, each with its own argon2 block. Free slots form
 * a LIFO list, so a lone login reuses the block used last and a second block is mapped
 * only once two hashes have overlapped. */
#define SLOT_BLOCK_KIB   PWHASH_M_COST
#define SLOT_BLOCK_BYTES ((size_t)SLOT_BLOCK_KIB * 1024)
#define SLOTS_MAX        256

struct hash_slot {
    uint8_t *block; /* SLOT_BLOCK_BYTES, NULL until the slot's first hash */
    struct hash_slot *next_free;
};

static struct hash_slot slots[SLOTS_MAX];
static struct hash_slot *slots_free; /* guarded by slots_lock */
static pthread_mutex_t slots_lock = PTHREAD_MUTEX_INITIALIZER;
static sem_t slots_count; /* free slots: takers wait here; the mutex only guards the list */
static pthread_once_t slots_once = PTHREAD_ONCE_INIT;
/* The slot this thread holds. argon2's allocation callbacks take no user pointer;
 * libargon2 calls them on the thread that called argon2_ctx. */
static _Thread_local struct hash_slot *slot_held;

static void slots_init(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned count = n < 1 ? 1u : n > SLOTS_MAX ? SLOTS_MAX : (unsigned)n;
    for (unsigned i = 0; i < count; i++) {
        slots[i].next_free = slots_free;
        slots_free = &slots[i];
    }
    sem_init(&slots_count, 0, count);
}

static void slot_take(void)
{
    pthread_once(&slots_once, slots_init);
    while (sem_wait(&slots_count) != 0) /* only EINTR on an initialised semaphore */
        ;
    pthread_mutex_lock(&slots_lock);
    slot_held = slots_free; /* the semaphore guarantees one is free */
    slots_free = slot_held->next_free;
    pthread_mutex_unlock(&slots_lock);
}

static void slot_give(void)
{
    pthread_mutex_lock(&slots_lock);
    slot_held->next_free = slots_free;
    slots_free = slot_held;
    pthread_mutex_unlock(&slots_lock);
    slot_held = NULL;
    sem_post(&slots_count);
}

/* argon2's allocate_cbk: the held slot's block. libargon2 ignores the return value and
 * tests *memory, so a refusal (no slot, a request larger than the block, no memory)
 * leaves it NULL, which makes argon2_ctx fail with ARGON2_MEMORY_ALLOCATION_ERROR. */
static int slot_alloc(uint8_t **memory, size_t bytes)
{
    struct hash_slot *s = slot_held;
    *memory = NULL;
    if (!s || bytes > SLOT_BLOCK_BYTES)
        return ARGON2_MEMORY_ALLOCATION_ERROR;
    if (!s->block) {
        void *p = mmap(NULL, SLOT_BLOCK_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                       -1, 0);
        if (p == MAP_FAILED)
            return ARGON2_MEMORY_ALLOCATION_ERROR;
        s->block = p;
    }
    *memory = s->block;
    return ARGON2_OK;
}

/* argon2's free_cbk: the block stays with its slot (libargon2 has wiped it). */
static void slot_release(uint8_t *memory, size_t bytes)
{
    (void)memory;
    (void)bytes;
}

/* Runs argon2 for ctx in a hash slot, then compares with expect when not NULL (in
 * constant time, argon2_verify_ctx). argon2 never asks for more than m_cost KiB (it
 * rounds down to a multiple of 4 x lanes blocks, and the parser keeps m_cost at least
 * 8 x lanes, argon2's minimum), so m_cost decides whether the slot's block serves.
 * Returns libargon2's code. */
static int argon2_in_slot(argon2_context *ctx, argon2_type type, const uint8_t *expect)
{
    if (ctx->m_cost <= SLOT_BLOCK_KIB) {
        ctx->allocate_cbk = slot_alloc;
        ctx->free_cbk = slot_release;
    }
    slot_take();
    int rc = expect ? argon2_verify_ctx(ctx, (const char *)expect, type) : argon2_ctx(ctx, type);
    slot_give();
    return rc;
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

/* PHC strings use standard base64 without padding: core/b64url's strict codec (which
 * also refuses non-zero trailing bits, as libargon2's decoder does) with '+' and '/'. */
static void b64_std_encode(char *out, const uint8_t *in, size_t n)
{
    size_t len = b64url_encode(out, in, n);
    for (size_t i = 0; i < len; i++)
        out[i] = out[i] == '-' ? '+' : out[i] == '_' ? '/' : out[i];
}

/* in holds only [A-Za-z0-9+/] (checked by the parser). Returns the decoded length or -1. */
static long b64_std_decode(uint8_t out[ARGON2_BLOB_MAX], struct slice in)
{
    char url[B64URL_ENC_LEN(ARGON2_BLOB_MAX)];
    if (in.len > sizeof(url))
        return -1;
    for (size_t i = 0; i < in.len; i++)
        url[i] = in.ptr[i] == '+' ? '-' : in.ptr[i] == '/' ? '_' : in.ptr[i];
    return b64url_decode(out, ARGON2_BLOB_MAX, url, in.len);
}

/* The context for our parameters or a stored hash's. libargon2 writes to pwd only with
 * ARGON2_FLAG_CLEAR_PASSWORD, which is not set: the cast drops const safely. */
static argon2_context argon2_context_for(struct slice password, const uint8_t *salt,
                                         size_t salt_len, uint8_t *out, size_t out_len)
{
    return (argon2_context){
        .out = out,
        .outlen = (uint32_t)out_len,
        .pwd = (uint8_t *)(password.len ? password.ptr : ""),
        .pwdlen = (uint32_t)password.len,
        .salt = (uint8_t *)salt,
        .saltlen = (uint32_t)salt_len,
        .flags = ARGON2_DEFAULT_FLAGS,
    };
}

/* Django's Argon2PasswordHasher form of one of our hashes, as argon2id_hash_encoded
 * writes the PHC part. */
static int encode_django(char out[PWHASH_ENCODED_MAX], const uint8_t salt[PWHASH_SALT_LEN],
                         const uint8_t hash[PWHASH_HASH_LEN])
{
    char salt64[B64URL_ENC_LEN(PWHASH_SALT_LEN) + 1], hash64[B64URL_ENC_LEN(PWHASH_HASH_LEN) + 1];
    b64_std_encode(salt64, salt, PWHASH_SALT_LEN);
    b64_std_encode(hash64, hash, PWHASH_HASH_LEN);
    int n = snprintf(out, PWHASH_ENCODED_MAX, DJANGO_ARGON2 "$argon2id$v=%u$m=%u,t=%u,p=%u$%s$%s",
                     (unsigned)ARGON2_VERSION_13, PWHASH_M_COST, PWHASH_T_COST, PWHASH_PARALLELISM,
                     salt64, hash64);
    return n > 0 && n < PWHASH_ENCODED_MAX ? 0 : SHOP_ETOOBIG;
}

int pwhash_hash(struct slice password, char out[PWHASH_ENCODED_MAX])
{
    uint8_t salt[PWHASH_SALT_LEN], hash[PWHASH_HASH_LEN];
    if (password.len > PWHASH_MAX_PASSWORD)
        return SHOP_ETOOBIG;
    if (random_bytes(salt, sizeof(salt)) != 0)
        return SHOP_EIO;
    argon2_context ctx = argon2_context_for(password, salt, sizeof(salt), hash, sizeof(hash));
    ctx.t_cost = PWHASH_T_COST;
    ctx.m_cost = PWHASH_M_COST;
    ctx.lanes = ctx.threads = PWHASH_PARALLELISM;
    ctx.version = ARGON2_VERSION_13;
    int rc = argon2_err(argon2_in_slot(&ctx, Argon2_id, NULL));
    if (rc == 0)
        rc = encode_django(out, salt, hash);
    explicit_bzero(salt, sizeof(salt));
    explicit_bzero(hash, sizeof(hash));
    return rc;
}

/* The parsed PHC fields, decoded, through argon2_verify_ctx: libargon2 never parses the
 * stored string itself (pwhash_parse bounded every field). lanes = threads, as
 * argon2_verify does. */
static int verify_argon2(struct slice password, const struct pwhash_info *in)
{
    uint8_t salt[ARGON2_BLOB_MAX], want[ARGON2_BLOB_MAX], got[ARGON2_BLOB_MAX];
    if (b64_std_decode(salt, in->salt) != (long)in->salt_len ||
        b64_std_decode(want, in->hash) != (long)in->hash_len)
        return SHOP_EINVAL;
    argon2_context ctx = argon2_context_for(password, salt, in->salt_len, got, in->hash_len);
    ctx.t_cost = in->t_cost;
    ctx.m_cost = in->m_cost;
    ctx.lanes = ctx.threads = in->parallelism;
    ctx.version = in->version;
    argon2_type type = in->alg == PWHASH_ALG_ARGON2ID ? Argon2_id : Argon2_i;
    int rc = argon2_in_slot(&ctx, type, want);
    explicit_bzero(got, sizeof(got));
    if (rc == ARGON2_VERIFY_MISMATCH)
        return SHOP_EINVAL;
    return argon2_err(rc);
}

/* Django compares the base64 text of the derived key with the stored one; so do we. */
static int verify_pbkdf2(struct slice password, const struct pwhash_info *in)
{
    uint8_t dk[PBKDF2_DK_LEN];
    char b64[BASE64_ENCODE_RAW_LENGTH(PBKDF2_DK_LEN)];
    _Static_assert(sizeof(b64) == PBKDF2_B64_LEN, "32 bytes are 44 padded base64 chars");
    pbkdf2_hmac_sha256(password.len, (const uint8_t *)(password.len ? password.ptr : ""),
                       in->iterations, in->salt.len, (const uint8_t *)in->salt.ptr, sizeof(dk), dk);
    base64_encode_raw(b64, sizeof(dk), dk);
    int same = memeql_sec(b64, in->hash.ptr, PBKDF2_B64_LEN);
    explicit_bzero(dk, sizeof(dk));
    explicit_bzero(b64, sizeof(b64));
    return same ? 0 : SHOP_EINVAL;
}

int pwhash_verify(struct slice password, struct slice encoded)
{
    struct pwhash_info in;
    if (password.len > PWHASH_MAX_PASSWORD || pwhash_parse(encoded, &in) != 0)
        return SHOP_EINVAL;
    if (in.alg != PWHASH_ALG_PBKDF2_SHA256)
        return verify_argon2(password, &in);
    slot_take(); /* PBKDF2 is CPU-bound: one per core too */
    int rc = verify_pbkdf2(password, &in);
    slot_give();
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
