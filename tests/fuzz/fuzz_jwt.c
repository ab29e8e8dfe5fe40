/* Fuzz target for domain/jwt.c. Two modes, chosen by the first byte:
 *  - even: the rest is a token, decoded with a fixed key under every expected type; a
 *    decoded refresh token is refreshed and rotated, and what comes out must decode.
 *  - odd: the rest is "header JSON \n payload JSON", signed here with the fixed key, so
 *    that the header, JSON and claim checks behind the signature get fuzzed too.
 * Invariants: no crash or leak; a status is JWT_OK exactly when the call returns 0; a
 * refused token gets a SimpleJWT message. */
#include <nettle/hmac.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/b64url.h"
#include "core/err.h"
#include "domain/jwt.h"

#define KEY "shopd-test-secret-0123456789abcdef0123456789abcdef"
#define NOW 1700000100

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct jwt_key *key(void)
{
    static struct jwt_key *k;
    if (!k)
        k = jwt_key_new(slice_from_cstr(KEY));
    if (!k)
        abort();
    return k;
}

static void check_derived(int rc, const char *out, enum jwt_type type)
{
    struct jwt_result r;
    if (rc == 0 && jwt_decode(key(), slice_from_cstr(out), NOW, type, &r) != 0)
        abort();
    if (rc != 0 && rc != SHOP_EINVAL && rc != SHOP_ETOOBIG)
        abort();
}

static void decode_all(struct slice tok)
{
    static const enum jwt_type types[] = {JWT_TYPE_ANY, JWT_TYPE_ACCESS, JWT_TYPE_REFRESH};
    char out[JWT_MAX_LEN + 1];
    for (size_t i = 0; i < 3; i++) {
        struct jwt_result r;
        int rc = jwt_decode(key(), tok, NOW, types[i], &r);
        if ((rc == 0) != (r.status == JWT_OK) || (rc != 0 && rc != SHOP_EINVAL))
            abort();
        if (rc != 0 && jwt_status_message(r.status)[0] == '\0')
            abort();
        if (rc == 0 && types[i] == JWT_TYPE_REFRESH) {
            check_derived(jwt_access_from_refresh(key(), tok, NOW, 60, out, sizeof(out), NULL), out,
                          JWT_TYPE_ACCESS);
            check_derived(jwt_refresh_rotate(key(), tok, NOW, 60, out, sizeof(out), NULL), out,
                          JWT_TYPE_REFRESH);
        }
    }
}

/* header.payload.signature signed with KEY from the two JSON texts. */
static void signed_mode(const uint8_t *data, size_t size)
{
    const uint8_t *nl = memchr(data, '\n', size);
    size_t hn = nl ? (size_t)(nl - data) : size;
    size_t pn = nl ? size - hn - 1 : 0;
    char *tok = malloc(B64URL_ENC_LEN(hn) + B64URL_ENC_LEN(pn) + B64URL_ENC_LEN(32) + 4);
    uint8_t md[32];
    struct hmac_sha256_ctx c;
    if (!tok)
        abort();
    size_t o = b64url_encode(tok, data, hn);
    tok[o++] = '.';
    o += b64url_encode(tok + o, nl ? nl + 1 : data, pn);
    hmac_sha256_set_key(&c, strlen(KEY), (const uint8_t *)KEY);
    hmac_sha256_update(&c, o, (const uint8_t *)tok);
    hmac_sha256_digest(&c, sizeof(md), md);
    tok[o++] = '.';
    o += b64url_encode(tok + o, md, sizeof(md));
    decode_all((struct slice){tok, o});
    free(tok);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    if (data[0] & 1)
        signed_mode(data + 1, size - 1);
    else
        decode_all((struct slice){(const char *)data + 1, size - 1});
    return 0;
}
