/* jwt: see jwt.h. HS256 with nettle's HMAC-SHA256: the key schedule (the inner and
 * outer SHA-256 states after the padded key) is done once in jwt_key_new, and each token
 * works on a copy of that context taken by value, on the stack: no allocation, no lock,
 * 0.34 us per access token with SHA-NI (docs/ARCHITECTURE.md has the comparison with
 * the library this replaced; callgrind hides SHA-NI, so judge by time). JSON
 * with jansson (duplicate keys rejected, UTF-8 checked, nesting bounded by jansson's
 * depth limit), base64url from core/b64url (strict: no padding, '+', '/', whitespace).
 *
 * Decoding order: size, three segments, signature (so no JSON of an unsigned token is
 * ever parsed), header, payload, then PyJWT's claim checks (iat, nbf, exp) and
 * SimpleJWT's (exp present, jti present, token_type), then shopd's own type checks of
 * jti, pwv and user_id. Where PyJWT would raise a TypeError (a string exp, a null iat:
 * a 500 in Django) the token is simply invalid here.
 * Caveat: PyJWT >= 2.6 refuses an iat in the future and so does this module. */
#include "domain/jwt.h"

#include <jansson.h>
#include <nettle/hmac.h>
#include <nettle/memops.h>
#include <nettle/sha2.h>
#include <stdlib.h>
#include <string.h>

#include "core/b64url.h"
#include "core/err.h"
#include "core/uuid.h"

#define SIG_LEN     SHA256_DIGEST_SIZE
#define SIG_B64_LEN B64URL_ENC_LEN(SIG_LEN)
/* Decoded header or payload of a token of at most JWT_MAX_LEN characters. */
#define SEG_MAX            B64URL_DEC_MAX(JWT_MAX_LEN)
#define USER_ID_DIGITS_MAX 18 /* any 18-digit number fits in int64_t */

/* PyJWT: json.dumps({"typ":"JWT","alg":"HS256"}, separators=(",",":"), sort_keys=True). */
static const char HEADER_JSON[] = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";

struct jwt_key {
    struct hmac_sha256_ctx keyed; /* set once; only ever copied, so shared read-only */
};

void jwt_key_free(struct jwt_key *k)
{
    if (!k)
        return;
    explicit_bzero(k, sizeof(*k)); /* the key-derived states are as good as the key */
    free(k);
}

struct jwt_key *jwt_key_new(struct slice secret)
{
    static const uint8_t empty[1];
    struct jwt_key *k = calloc(1, sizeof(*k));
    if (!k)
        return NULL;
    /* An empty secret is a valid HMAC key (PyJWT accepts it); pass a non-NULL pointer. */
    const uint8_t *key = secret.len ? (const uint8_t *)secret.ptr : empty;
    hmac_sha256_set_key(&k->keyed, secret.len, key);
    return k;
}

static void hmac(const struct jwt_key *k, const char *data, size_t n, uint8_t out[SIG_LEN])
{
    struct hmac_sha256_ctx c = k->keyed;
    hmac_sha256_update(&c, n, (const uint8_t *)data);
    hmac_sha256_digest(&c, SIG_LEN, out);
}

const char *jwt_status_message(enum jwt_status s)
{
    switch (s) {
    case JWT_OK:
        return "";
    case JWT_NO_EXP:
        return "Token has no 'exp' claim";
    case JWT_NO_ID:
        return "Token has no id";
    case JWT_NO_TYPE:
        return "Token has no type";
    case JWT_WRONG_TYPE:
        return "Token has wrong type";
    case JWT_NO_USER:
        return "Token contained no recognizable user identification";
    case JWT_INVALID:
    case JWT_EXPIRED:
        break;
    }
    return "Token is invalid or expired";
}

static int refuse(struct jwt_result *r, enum jwt_status s)
{
    r->status = s;
    return SHOP_EINVAL;
}

/* ---- decoding ---------------------------------------------------------------------- */

/* Exactly three segments; a fourth '.' or a missing one is invalid (PyJWT would read a
 * four-segment token's extra dot as part of the payload and fail later anyway). */
static int split3(struct slice t, struct slice seg[3])
{
    size_t start = 0, n = 0;
    for (size_t i = 0; i <= t.len; i++) {
        if (i < t.len && t.ptr[i] != '.')
            continue;
        if (n == 3)
            return -1;
        seg[n++] = (struct slice){t.ptr + start, i - start};
        start = i + 1;
    }
    return n == 3 ? 0 : -1;
}

/* The signature covers the received "header.payload" text, never a re-serialisation. */
static int check_signature(const struct jwt_key *k, const struct slice seg[3])
{
    uint8_t got[SIG_LEN + 1], want[SIG_LEN];
    if (seg[2].len != SIG_B64_LEN ||
        b64url_decode(got, sizeof(got), seg[2].ptr, seg[2].len) != SIG_LEN)
        return SHOP_EINVAL;
    hmac(k, seg[0].ptr, seg[0].len + 1 + seg[1].len, want);
    return memeql_sec(got, want, SIG_LEN) ? 0 : SHOP_EINVAL;
}

/* base64url segment -> JSON object. SHOP_EINVAL for anything else. */
static int load_object(struct slice seg, json_t **out)
{
    unsigned char buf[SEG_MAX];
    json_error_t err;
    long n = b64url_decode(buf, sizeof(buf), seg.ptr, seg.len);
    if (n < 0)
        return SHOP_EINVAL;
    json_t *j = json_loadb((const char *)buf, (size_t)n, JSON_REJECT_DUPLICATES, &err);
    if (!j)
        return json_error_code(&err) == json_error_out_of_memory ? SHOP_ENOMEM : SHOP_EINVAL;
    if (!json_is_object(j)) {
        json_decref(j);
        return SHOP_EINVAL;
    }
    *out = j;
    return 0;
}

/* alg must be exactly "HS256" (never trusted to pick the algorithm: it only has to agree).
 * "b64": false asks for a detached payload, which PyJWT refuses without one. typ, kid,
 * jku, x5u, jwk and the rest are ignored, as PyJWT's decode ignores them. */
static bool header_ok(const json_t *h)
{
    const json_t *alg = json_object_get(h, "alg");
    return json_is_string(alg) && json_string_length(alg) == 5 &&
           strcmp(json_string_value(alg), "HS256") == 0 &&
           !json_is_false(json_object_get(h, "b64"));
}

static int load_header(struct slice seg)
{
    /* The header PyJWT and shopd write, known good: no need to parse it (~1 us). */
    static const char usual[] = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9";
    if (slice_eq(seg, SLICE_LIT(usual)))
        return 0;
    json_t *h = NULL;
    int rc = load_object(seg, &h);
    if (rc == 0 && !header_ok(h))
        rc = SHOP_EINVAL;
    json_decref(h);
    return rc;
}

static enum jwt_type type_of(const json_t *v)
{
    if (!v)
        return JWT_TYPE_MISSING;
    const char *s = json_string_value(v);
    if (s && strcmp(s, "access") == 0)
        return JWT_TYPE_ACCESS;
    if (s && strcmp(s, "refresh") == 0)
        return JWT_TYPE_REFRESH;
    return JWT_TYPE_OTHER;
}

/* PyJWT's _validate_claims with leeway 0 and no audience/issuer configured. */
static enum jwt_status pyjwt_claims(const json_t *p, int64_t now)
{
    const json_t *iat = json_object_get(p, "iat");
    const json_t *nbf = json_object_get(p, "nbf");
    const json_t *exp = json_object_get(p, "exp");
    if (iat && (!json_is_integer(iat) || json_integer_value(iat) > now))
        return JWT_INVALID;
    if (nbf && (!json_is_integer(nbf) || json_integer_value(nbf) > now))
        return JWT_INVALID;
    if (exp && !json_is_integer(exp))
        return JWT_INVALID;
    if (exp && json_integer_value(exp) <= now)
        return JWT_EXPIRED;
    return JWT_OK;
}

/* SimpleJWT's Token.verify(): check_exp, the jti presence check, verify_token_type. */
static enum jwt_status simplejwt_claims(const json_t *p, enum jwt_type expect)
{
    if (!json_object_get(p, "exp"))
        return JWT_NO_EXP;
    if (!json_object_get(p, "jti"))
        return JWT_NO_ID;
    if (expect == JWT_TYPE_ANY)
        return JWT_OK;
    enum jwt_type t = type_of(json_object_get(p, "token_type"));
    if (t == JWT_TYPE_MISSING)
        return JWT_NO_TYPE;
    return t == expect ? JWT_OK : JWT_WRONG_TYPE;
}

/* user_id: a JSON integer, or a string of decimal digits (SimpleJWT >= 5.3 writes
 * str(user.pk) for non-int keys; Django's int() lookup accepts it). */
static int parse_user_id(const json_t *v, int64_t *out)
{
    if (json_is_integer(v)) {
        *out = json_integer_value(v);
        return 0;
    }
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    if (!s || n == 0 || n > USER_ID_DIGITS_MAX)
        return -1;
    int64_t id = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        id = id * 10 + (s[i] - '0');
    }
    *out = id;
    return 0;
}

/* Claims as shopd uses them; stricter than SimpleJWT on types it never writes otherwise. */
static enum jwt_status extract(const json_t *p, struct jwt_claims *c)
{
    const json_t *jti = json_object_get(p, "jti");
    const json_t *iat = json_object_get(p, "iat");
    const json_t *pwv = json_object_get(p, "pwv");
    const json_t *uid = json_object_get(p, "user_id");
    memset(c, 0, sizeof(*c));
    if (!json_is_string(jti) || json_string_length(jti) > JWT_JTI_MAX)
        return JWT_INVALID;
    if (pwv && !json_is_integer(pwv))
        return JWT_INVALID;
    if (!uid)
        return JWT_NO_USER;
    if (parse_user_id(uid, &c->user_id) != 0)
        return JWT_INVALID;
    memcpy(c->jti, json_string_value(jti), json_string_length(jti) + 1);
    c->type = type_of(json_object_get(p, "token_type"));
    c->exp = json_integer_value(json_object_get(p, "exp"));
    c->has_iat = iat != NULL;
    c->iat = json_integer_value(iat);
    c->has_pwv = pwv != NULL;
    c->pwv = json_integer_value(pwv);
    return JWT_OK;
}

static enum jwt_status check_claims(const json_t *p, int64_t now, enum jwt_type expect,
                                    struct jwt_claims *c)
{
    enum jwt_status s = pyjwt_claims(p, now);
    if (s == JWT_OK)
        s = simplejwt_claims(p, expect);
    if (s == JWT_OK)
        s = extract(p, c);
    return s;
}

/* The whole decode; on success *payload holds the payload object (caller decrefs). */
static int load_verified(const struct jwt_key *k, struct slice token, int64_t now,
                         enum jwt_type expect, struct jwt_result *r, json_t **payload)
{
    struct slice seg[3];
    json_t *p = NULL;
    memset(r, 0, sizeof(*r));
    if (!token.ptr || token.len > JWT_MAX_LEN || split3(token, seg) != 0)
        return refuse(r, JWT_INVALID);
    int rc = check_signature(k, seg);
    if (rc == 0)
        rc = load_header(seg[0]);
    if (rc == 0)
        rc = load_object(seg[1], &p);
    if (rc) {
        refuse(r, JWT_INVALID); /* never JWT_OK beside an error, even SHOP_ENOMEM */
        return rc;
    }
    enum jwt_status s = check_claims(p, now, expect, &r->claims);
    if (s != JWT_OK) {
        json_decref(p);
        return refuse(r, s);
    }
    *payload = p;
    return 0;
}

int jwt_decode(const struct jwt_key *k, struct slice token, int64_t now, enum jwt_type expect,
               struct jwt_result *r)
{
    json_t *p = NULL;
    int rc = load_verified(k, token, now, expect, r, &p);
    json_decref(p);
    return rc;
}

/* ---- encoding ---------------------------------------------------------------------- */

static const char *type_name(enum jwt_type t)
{
    if (t == JWT_TYPE_ACCESS)
        return "access";
    if (t == JWT_TYPE_REFRESH)
        return "refresh";
    return NULL;
}

static int new_jti(char out[JWT_JTI_LEN + 1])
{
    static const char hex[] = "0123456789abcdef";
    unsigned char b[JWT_JTI_LEN / 2];
    if (random_bytes(b, sizeof(b)) != 0)
        return SHOP_EIO;
    for (size_t i = 0; i < sizeof(b); i++) {
        out[2 * i] = hex[b[i] >> 4];
        out[2 * i + 1] = hex[b[i] & 15];
    }
    out[JWT_JTI_LEN] = '\0';
    return 0;
}

int jwt_claims_new(struct jwt_claims *c, enum jwt_type type, int64_t user_id, int64_t pwv,
                   int64_t now, int64_t lifetime)
{
    if (!type_name(type) || lifetime <= 0 || now < 0 || now > INT64_MAX - lifetime)
        return SHOP_EINVAL;
    memset(c, 0, sizeof(*c));
    c->type = type;
    c->exp = now + lifetime;
    c->iat = now;
    c->has_iat = true;
    c->user_id = user_id;
    c->pwv = pwv;
    c->has_pwv = true;
    return new_jti(c->jti);
}

/* json_object_set_new that reports failure (it frees v on failure; v may be NULL). */
static bool put(json_t *o, const char *key, json_t *v)
{
    return v && json_object_set_new(o, key, v) == 0;
}

/* "header.payload.signature" for a payload object, into out (NUL-terminated). */
static int sign_json(const struct jwt_key *k, const json_t *payload, char *out, size_t outcap)
{
    char json[SEG_MAX];
    size_t n = json_dumpb(payload, json, sizeof(json), JSON_COMPACT | JSON_ENSURE_ASCII);
    if (n == 0)
        return SHOP_ENOMEM;
    if (n > sizeof(json))
        return SHOP_ETOOBIG;
    size_t hlen = B64URL_ENC_LEN(sizeof(HEADER_JSON) - 1);
    size_t need = hlen + 1 + B64URL_ENC_LEN(n) + 1 + SIG_B64_LEN;
    if (need > JWT_MAX_LEN || need >= outcap)
        return SHOP_ETOOBIG;
    size_t o = b64url_encode(out, HEADER_JSON, sizeof(HEADER_JSON) - 1);
    out[o++] = '.';
    o += b64url_encode(out + o, json, n);
    uint8_t sig[SIG_LEN];
    hmac(k, out, o, sig);
    out[o++] = '.';
    b64url_encode(out + o, sig, SIG_LEN);
    return 0;
}

/* SimpleJWT's insertion order: token_type, exp, iat, jti, user_id (for_user), pwv. */
static json_t *claims_json(const struct jwt_claims *c)
{
    json_t *o = json_object();
    bool ok = o && put(o, "token_type", json_string(type_name(c->type))) &&
              put(o, "exp", json_integer(c->exp)) &&
              (!c->has_iat || put(o, "iat", json_integer(c->iat))) &&
              put(o, "jti", json_string(c->jti)) && put(o, "user_id", json_integer(c->user_id)) &&
              (!c->has_pwv || put(o, "pwv", json_integer(c->pwv)));
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}

int jwt_encode(const struct jwt_key *k, const struct jwt_claims *c, char *out, size_t outcap)
{
    if (!type_name(c->type))
        return SHOP_EINVAL;
    json_t *o = claims_json(c);
    if (!o)
        return SHOP_ENOMEM;
    int rc = sign_json(k, o, out, outcap);
    json_decref(o);
    return rc;
}

static bool no_copy(const char *claim)
{
    return strcmp(claim, "token_type") == 0 || strcmp(claim, "exp") == 0 ||
           strcmp(claim, "jti") == 0;
}

/* AccessToken() then access_token's copy loop: a claim already present (iat) keeps its
 * place and takes the refresh token's value; the others are appended in their order. */
static json_t *access_payload(json_t *refresh, const struct jwt_claims *fresh)
{
    json_t *o = json_object();
    bool ok = o && put(o, "token_type", json_string("access")) &&
              put(o, "exp", json_integer(fresh->exp)) && put(o, "iat", json_integer(fresh->iat)) &&
              put(o, "jti", json_string(fresh->jti));
    for (void *it = json_object_iter(refresh); ok && it; it = json_object_iter_next(refresh, it)) {
        const char *key = json_object_iter_key(it);
        if (!no_copy(key))
            ok = json_object_set(o, key, json_object_iter_value(it)) == 0;
    }
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* Signs payload o (consumed) and fills *c from it. */
static int finish(const struct jwt_key *k, json_t *o, char *out, size_t outcap,
                  struct jwt_claims *c)
{
    struct jwt_claims tmp;
    if (!o)
        return SHOP_ENOMEM;
    int rc = sign_json(k, o, out, outcap);
    if (rc == 0 && extract(o, c ? c : &tmp) != JWT_OK)
        rc = SHOP_EINVAL;
    json_decref(o);
    return rc;
}

int jwt_access_from_refresh(const struct jwt_key *k, struct slice refresh, int64_t now,
                            int64_t lifetime, char *out, size_t outcap, struct jwt_claims *access)
{
    struct jwt_result r;
    struct jwt_claims fresh;
    json_t *src = NULL;
    int rc = jwt_claims_new(&fresh, JWT_TYPE_ACCESS, 0, 0, now, lifetime);
    if (rc == 0)
        rc = load_verified(k, refresh, now, JWT_TYPE_REFRESH, &r, &src);
    if (rc == 0)
        rc = finish(k, access_payload(src, &fresh), out, outcap, access);
    json_decref(src);
    return rc;
}

int jwt_refresh_rotate(const struct jwt_key *k, struct slice refresh, int64_t now, int64_t lifetime,
                       char *out, size_t outcap, struct jwt_claims *fresh)
{
    struct jwt_result r;
    struct jwt_claims c;
    json_t *p = NULL;
    int rc = jwt_claims_new(&c, JWT_TYPE_REFRESH, 0, 0, now, lifetime);
    if (rc == 0)
        rc = load_verified(k, refresh, now, JWT_TYPE_REFRESH, &r, &p);
    if (rc != 0)
        return rc;
    /* In place, in SimpleJWT's order (set_jti, set_exp, set_iat): positions are kept. */
    if (!put(p, "jti", json_string(c.jti)) || !put(p, "exp", json_integer(c.exp)) ||
        !put(p, "iat", json_integer(c.iat))) {
        json_decref(p);
        return SHOP_ENOMEM;
    }
    return finish(k, p, out, outcap, fresh);
}
