/* authn: see authn.h. SimpleJWT's JWTAuthentication: the header is split on whitespace
 * like Python's bytes.split(); "Bearer" alone or with more than one value is a 401
 * bad_authorization_header; the token must be a valid access token of an existing,
 * active customer whose password has not changed since it was issued. */
#include "app/authn.h"

#include <ctype.h>
#include <string.h>

#include "app/app.h"
#include "app/tokens.h"
#include "core/err.h"
#include "core/slice.h"
#include "domain/jwt.h"
#include "domain/jwt_cache.h"
#include "http/response.h"
#include "store/customers_store.h"

#define MAX_HEADER_WORDS 3

static size_t split_words(const char *s, struct slice *words, size_t max)
{
    size_t n = 0;
    while (*s) {
        while (*s && isspace((unsigned char)*s))
            s++;
        if (!*s)
            break;
        const char *start = s;
        while (*s && !isspace((unsigned char)*s))
            s++;
        if (n < max)
            words[n] = (struct slice){ start, (size_t)(s - start) };
        n++;
    }
    return n;
}

/* SimpleJWT's InvalidToken body for access tokens ("Given token not valid for any token
 * type" with the per-class message). */
static int answer_invalid(struct request *req, const char *message)
{
    struct json_w w;
    resp_json_begin(req, 401, &w);
    json_obj_begin(&w);
    json_key_str(&w, "detail", "Given token not valid for any token type");
    json_key_str(&w, "code", "token_not_valid");
    json_key(&w, "messages");
    json_arr_begin(&w);
    json_obj_begin(&w);
    json_key_str(&w, "token_class", "AccessToken");
    json_key_str(&w, "token_type", "access");
    json_key_str(&w, "message", message);
    json_obj_end(&w);
    json_arr_end(&w);
    json_obj_end(&w);
    resp_header(req, "WWW-Authenticate", "Bearer realm=\"api\"");
    return 401;
}

static int set_principal(struct request *req, const struct customer *c)
{
    struct principal *p = arena_calloc(req->arena, 1, sizeof *p);
    struct customer *copy = arena_alloc(req->arena, sizeof *copy);
    if (!p || !copy)
        return resp_from_err(req, SHOP_ENOMEM);
    *copy = *c;
    p->customer = copy;
    p->id = c->id;
    p->is_staff = c->is_staff;
    p->is_superuser = c->is_superuser;
    p->is_vendor = c->is_vendor;
    p->email = c->email;
    req->user = p;
    return 0;
}

static int authenticate_token(struct request *req, struct slice token)
{
    const struct app *app = req->app;
    struct jwt_result r = {.status = JWT_OK};
    int64_t now = tokens_now();
    if (!jwt_cache_get(token, now, &r.claims)) {
        int rc = jwt_decode(app->jwt_key, token, now, JWT_TYPE_ACCESS, &r);
        if (rc == SHOP_ENOMEM)
            return resp_from_err(req, rc);
        if (r.status == JWT_NO_USER)
            return tokens_answer_not_valid(req,
                                           "Token contained no recognizable user identification");
        if (rc != 0)
            return answer_invalid(req, jwt_status_message(r.status));
        jwt_cache_put(token, &r.claims);
    }
    struct db *db = app_db(req);
    if (!db)
        return resp_from_err(req, SHOP_EDB);
    struct customer c;
    int rc = customers_get(db, req->arena, r.claims.user_id, &c);
    if (rc == SHOP_ENOTFOUND)
        return resp_detail_code(req, 401, "User not found", "user_not_found");
    if (rc != 0)
        return resp_from_err(req, rc);
    if (!c.is_active)
        return resp_detail_code(req, 401, "User is inactive", "user_inactive");
    if (token_is_stale(&r.claims, &c))
        return tokens_answer_password_changed(req);
    return set_principal(req, &c);
}

int authn_request(struct request *req)
{
    req->user = NULL;
    const char *hdr = req_header(req, "Authorization");
    if (!hdr)
        return 0;
    struct slice words[MAX_HEADER_WORDS];
    size_t n = split_words(hdr, words, MAX_HEADER_WORDS);
    if (n == 0 || !slice_eq_cstr(words[0], "Bearer"))
        return 0;
    /* Repeated headers would reach Django joined ("Bearer a, Bearer b"): more than two
     * values, the same refusal. */
    if (n != 2 || req_header_count(req, "Authorization") > 1)
        return resp_detail_code(req, 401,
                                "Authorization header must contain two space-delimited values",
                                "bad_authorization_header");
    return authenticate_token(req, words[1]);
}
