/* auth: the token endpoints of API.md §1.2–§1.5 (SimpleJWT's views) and login
 * throttling. Throttling reserves a failure on every counter before the password is
 * checked (an atomic upsert per key, in one transaction) and gives it back on success:
 * concurrent attempts can never evaluate more passwords than the limit allows. */
#include <stdio.h>
#include <string.h>

#include "app/app.h"
#include "app/handlers.h"
#include "app/tokens.h"
#include "core/err.h"
#include "core/log.h"
#include "core/utctime.h"
#include "core/validate.h"
#include "db/db.h"
#include "domain/jwt.h"
#include "domain/password.h"
#include "http/body.h"
#include "http/response.h"
#include "store/customers_store.h"

#define THROTTLE_WINDOW 900 /* seconds */
#define PER_EMAIL_LIMIT 100
#define KEY_MAX 600

/* ---- client address and throttling ---- */

static bool in_list(const char *list, const char *item, size_t n)
{
    const char *p = list;
    while (*p) {
        size_t len = strcspn(p, ",");
        const char *s = p;
        size_t sl = len;
        while (sl && *s == ' ') {
            s++;
            sl--;
        }
        while (sl && s[sl - 1] == ' ')
            sl--;
        if (sl == n && memcmp(s, item, n) == 0)
            return true;
        p += len;
        if (*p == ',')
            p++;
    }
    return false;
}

/* The peer address, or with TRUST_PROXY the rightmost X-Forwarded-For entry that is not
 * one of TRUSTED_PROXIES (API.md §1.2). Arena string. */
static const char *client_addr(struct request *req)
{
    const char *xff = req->cfg->trust_proxy ? req_header(req, "X-Forwarded-For") : NULL;
    if (!xff)
        return req->peer_addr ? req->peer_addr : "";
    size_t end = strlen(xff);
    while (end > 0) {
        size_t start = end;
        while (start > 0 && xff[start - 1] != ',')
            start--;
        const char *s = xff + start;
        size_t n = end - start;
        while (n && *s == ' ') {
            s++;
            n--;
        }
        while (n && s[n - 1] == ' ')
            n--;
        if (n && !in_list(req->cfg->trusted_proxies, s, n))
            return arena_strndup(req->arena, s, n);
        end = start > 0 ? start - 1 : 0;
    }
    return req->peer_addr ? req->peer_addr : "";
}

struct throttle {
    char keys[3][KEY_MAX];
    int64_t limits[3];
    int64_t window;
    bool refused;
};

static void throttle_init(struct throttle *t, struct request *req, const char *email, int64_t now)
{
    char lower[KEY_MAX / 2];
    size_t n = strnlen(email, sizeof lower - 1);
    for (size_t i = 0; i < n; i++)
        lower[i] = (char)(email[i] >= 'A' && email[i] <= 'Z' ? email[i] + 32 : email[i]);
    lower[n] = '\0';
    const char *addr = client_addr(req);
    snprintf(t->keys[0], KEY_MAX, "a:%s|%s", lower, addr);
    snprintf(t->keys[1], KEY_MAX, "e:%s", lower);
    snprintf(t->keys[2], KEY_MAX, "i:%s", addr);
    t->limits[0] = req->cfg->login_failures_per_account;
    t->limits[1] = PER_EMAIL_LIMIT;
    t->limits[2] = req->cfg->login_failures_per_address;
    t->window = now - now % THROTTLE_WINDOW;
    t->refused = false;
}

static int reserve_tx(struct db *db, void *ctx)
{
    struct throttle *t = ctx;
    t->refused = false;
    int rc = login_failures_purge(db, t->window - THROTTLE_WINDOW); /* expired windows */
    if (rc)
        return rc;
    for (int i = 0; i < 3; i++) {
        int64_t count = 0;
        rc = login_failures_incr(db, t->keys[i], t->window, &count);
        if (rc)
            return rc;
        if (count > t->limits[i])
            t->refused = true;
    }
    return t->refused ? SHOP_ETOOBIG : 0; /* refused: roll the increments back */
}

static int release_tx(struct db *db, void *ctx)
{
    struct throttle *t = ctx;
    for (int i = 0; i < 3; i++) {
        int rc = login_failures_decr(db, t->keys[i], t->window);
        if (rc)
            return rc;
    }
    return 0;
}

static int answer_throttled(struct request *req, int64_t now, int64_t window)
{
    int64_t wait = window + THROTTLE_WINDOW - now;
    if (wait < 1)
        wait = 1;
    char secs[32];
    snprintf(secs, sizeof secs, "%lld", (long long)wait);
    char *msg = arena_printf(req->arena, "Request was throttled. Expected available in %lld %s",
                             (long long)wait, wait == 1 ? "second." : "seconds.");
    resp_detail(req, 429, msg ? msg : "Request was throttled.");
    resp_header(req, "Retry-After", secs);
    return 429;
}

/* ---- POST /auth/token/ ---- */

static const struct field obtain_fields[] = {
    { .name = "email", .type = F_STRING, .required = true },
    { .name = "password", .type = F_STRING, .required = true },
};

struct login_ok {
    struct throttle *t;
    struct customer *cust;
    const char *new_hash; /* non-NULL: re-hash to argon2id at this login */
    int64_t now_us;
};

/* Everything a successful login writes, in one transaction (one commit, one sync):
 * the reserved failures given back, last_login, and the re-hash of an old hash. */
static int login_tx(struct db *db, void *ctx)
{
    struct login_ok *l = ctx;
    int rc = release_tx(db, l->t);
    if (!rc)
        rc = customers_set_last_login(db, l->cust->id, l->now_us);
    if (!rc && l->new_hash)
        rc = customers_set_password(db, l->cust->id, l->new_hash, false, l->now_us);
    return rc;
}

/* Checks the password; unknown or inactive accounts cost one hash too. */
static bool credentials_ok(struct request *req, struct db *db, const struct fval *v,
                           struct customer *c)
{
    int rc = customers_get_by_email(db, req->arena, v[0].s, c);
    if (rc != 0) {
        pwhash_verify_dummy((struct slice){ v[1].s, v[1].len });
        return false;
    }
    bool ok = pwhash_verify((struct slice){ v[1].s, v[1].len }, slice_from_cstr(c->password)) == 0;
    return ok && c->is_active;
}

static int finish_login(struct request *req, struct db *db, struct throttle *t,
                        struct customer *c, const struct fval *pw)
{
    char hash[PWHASH_ENCODED_MAX];
    struct login_ok l = { .t = t, .cust = c, .now_us = utc_now_us() };
    if (pwhash_needs_upgrade(slice_from_cstr(c->password)) &&
        pwhash_hash((struct slice){ pw->s, pw->len }, hash) == 0)
        l.new_hash = hash;
    int rc = db_tx(db, login_tx, &l);
    if (rc)
        return resp_from_err(req, rc);
    struct json_w w;
    resp_json_begin(req, 200, &w);
    json_obj_begin(&w);
    rc = tokens_write_pair(req, &w, c);
    json_obj_end(&w);
    return rc ? resp_from_err(req, rc) : 200;
}

int auth_token_obtain(struct request *req)
{
    struct fval v[2];
    json_t *errors = req_errors_new(req);
    if (!errors)
        return resp_from_err(req, SHOP_ENOMEM);
    int rc = validate(req->arena, req->data, obtain_fields, 2, v, errors);
    if (rc)
        return rc == SHOP_EINVAL ? resp_errors(req, 400, errors) : resp_from_err(req, rc);
    struct db *db = app_db(req);
    if (!db)
        return resp_from_err(req, SHOP_EDB);
    int64_t now = tokens_now();
    struct throttle t;
    throttle_init(&t, req, v[0].s, now);
    rc = db_tx(db, reserve_tx, &t);
    if (t.refused)
        return answer_throttled(req, now, t.window);
    if (rc)
        return resp_from_err(req, rc);
    struct customer c;
    if (!credentials_ok(req, db, v, &c))
        return resp_detail(req, 401, "No active account found with the given credentials");
    return finish_login(req, db, &t, &c, &v[1]);
}

/* ---- refresh, verify, blacklist ---- */

static int answer_empty_object(struct request *req)
{
    struct json_w w;
    resp_json_begin(req, 200, &w);
    json_obj_begin(&w);
    json_obj_end(&w);
    return 200;
}

/* Reads the one required token field ("refresh" or "token"); 0 or the status answered. */
static int read_token_field(struct request *req, const char *name, struct fval *v)
{
    const struct field f[] = { { .name = name, .type = F_STRING, .required = true } };
    json_t *errors = req_errors_new(req);
    if (!errors)
        return resp_from_err(req, SHOP_ENOMEM);
    int rc = validate(req->arena, req->data, f, 1, v, errors);
    if (rc)
        return rc == SHOP_EINVAL ? resp_errors(req, 400, errors) : resp_from_err(req, rc);
    return 0;
}

/* Decodes a token of the expected type and answers SimpleJWT's token errors. */
static int decode_or_answer(struct request *req, struct slice tok, enum jwt_type expect,
                            struct jwt_result *r)
{
    const struct app *app = req->app;
    int rc = jwt_decode(app->jwt_key, tok, tokens_now(), expect, r);
    if (rc == SHOP_ENOMEM)
        return resp_from_err(req, rc);
    if (rc != 0)
        return tokens_answer_not_valid(req, jwt_status_message(r->status));
    return 0;
}

/* The token's customer, when it exists (found is false otherwise). */
static int load_customer(struct request *req, struct db *db, int64_t id, struct customer *c,
                         bool *found)
{
    int rc = customers_get(db, req->arena, id, c);
    *found = rc == 0;
    return rc == SHOP_ENOTFOUND ? 0 : rc;
}

static int answer_no_active_account(struct request *req)
{
    return resp_detail_code(req, 401, "No active account found for the given token.",
                            "no_active_account");
}

struct refresh_ctx {
    const char *jti;
    int64_t customer_id;
    int64_t exp;
};

static int blacklist_tx(struct db *db, void *ctx)
{
    struct refresh_ctx *r = ctx;
    blacklist_purge(db, tokens_now());
    return blacklist_add(db, r->jti, r->customer_id, r->exp);
}

/* Checks a refresh token the way every refresh-token endpoint does: signature and type,
 * blacklist, then password version. 0, or the status answered. */
static int check_refresh(struct request *req, struct db *db, struct slice tok,
                         struct jwt_result *r, struct customer *c, bool *found)
{
    int st = decode_or_answer(req, tok, JWT_TYPE_REFRESH, r);
    if (st)
        return st;
    if (blacklist_contains(db, r->claims.jti))
        return tokens_answer_not_valid(req, "Token is blacklisted");
    int rc = load_customer(req, db, r->claims.user_id, c, found);
    if (rc)
        return resp_from_err(req, rc);
    if (*found && token_is_stale(&r->claims, c))
        return tokens_answer_password_changed(req);
    return 0;
}

static int write_refreshed(struct request *req, struct slice tok, bool rotate)
{
    const struct app *app = req->app;
    int64_t now = tokens_now();
    char access[TOKEN_BUF], fresh[TOKEN_BUF];
    int rc = jwt_access_from_refresh(app->jwt_key, tok, now, app->cfg.access_token_lifetime,
                                     access, sizeof access, NULL);
    if (!rc && rotate)
        rc = jwt_refresh_rotate(app->jwt_key, tok, now, app->cfg.refresh_token_lifetime, fresh,
                                sizeof fresh, NULL);
    if (rc)
        return resp_from_err(req, rc);
    struct json_w w;
    resp_json_begin(req, 200, &w);
    json_obj_begin(&w);
    json_key_str(&w, "access", access);
    if (rotate)
        json_key_str(&w, "refresh", fresh);
    json_obj_end(&w);
    return 200;
}

int auth_token_refresh(struct request *req)
{
    struct fval v;
    int st = read_token_field(req, "refresh", &v);
    if (st)
        return st;
    struct db *db = app_db(req);
    if (!db)
        return resp_from_err(req, SHOP_EDB);
    struct slice tok = { v.s, v.len };
    struct jwt_result r;
    struct customer c;
    bool found;
    st = check_refresh(req, db, tok, &r, &c, &found);
    if (st)
        return st;
    if (!found || !c.is_active)
        return answer_no_active_account(req);
    bool rotate = req->cfg->rotate_refresh_tokens;
    if (rotate && req->cfg->blacklist_after_rotation) {
        /* Insert-first: of concurrent refreshes of one token, one insert wins. */
        struct refresh_ctx bc = { r.claims.jti, r.claims.user_id, r.claims.exp };
        int rc = db_tx(db, blacklist_tx, &bc);
        if (rc == SHOP_ECONFLICT)
            return tokens_answer_not_valid(req, "Token is blacklisted");
        if (rc)
            return resp_from_err(req, rc);
    }
    return write_refreshed(req, tok, rotate);
}

int auth_token_verify(struct request *req)
{
    struct fval v;
    int st = read_token_field(req, "token", &v);
    if (st)
        return st;
    struct db *db = app_db(req);
    if (!db)
        return resp_from_err(req, SHOP_EDB);
    struct jwt_result r;
    st = decode_or_answer(req, (struct slice){ v.s, v.len }, JWT_TYPE_ANY, &r);
    if (st)
        return st;
    if (r.claims.type == JWT_TYPE_REFRESH && blacklist_contains(db, r.claims.jti)) {
        json_t *errors = req_errors_new(req);
        if (!errors || verr_add(errors, "non_field_errors", "Token is blacklisted"))
            return resp_from_err(req, SHOP_ENOMEM);
        return resp_errors(req, 400, errors);
    }
    struct customer c;
    bool found;
    int rc = load_customer(req, db, r.claims.user_id, &c, &found);
    if (rc)
        return resp_from_err(req, rc);
    if (found && token_is_stale(&r.claims, &c))
        return tokens_answer_password_changed(req);
    return answer_empty_object(req);
}

/* POST /auth/token/blacklist/ and /auth/logout/ */
int auth_token_blacklist(struct request *req)
{
    struct fval v;
    int st = read_token_field(req, "refresh", &v);
    if (st)
        return st;
    struct db *db = app_db(req);
    if (!db)
        return resp_from_err(req, SHOP_EDB);
    struct jwt_result r;
    struct customer c;
    bool found;
    st = check_refresh(req, db, (struct slice){ v.s, v.len }, &r, &c, &found);
    if (st)
        return st;
    if (!found || !c.is_active)
        return answer_no_active_account(req);
    struct refresh_ctx bc = { r.claims.jti, r.claims.user_id, r.claims.exp };
    int rc = db_tx(db, blacklist_tx, &bc);
    if (rc == SHOP_ECONFLICT)
        return tokens_answer_not_valid(req, "Token is blacklisted");
    if (rc)
        return resp_from_err(req, rc);
    return answer_empty_object(req);
}
