/* tokens: see tokens.h. Access tokens are made from the refresh token exactly as
 * SimpleJWT's RefreshToken.access_token does, so both carry the same iat and pwv. */
#include "app/tokens.h"

#include <time.h>

#include "app/app.h"
#include "core/err.h"
#include "http/response.h"

int64_t tokens_now(void) { return (int64_t)time(NULL); }

bool token_is_stale(const struct jwt_claims *c, const struct customer *cust)
{
    if (c->has_pwv)
        return c->pwv < cust->pwv;
    if (cust->password_changed_at == 0)
        return false;
    int64_t changed_s = cust->password_changed_at / 1000000;
    return !c->has_iat || c->iat < changed_s;
}

int tokens_write_pair(struct request *req, struct json_w *w, const struct customer *cust)
{
    const struct app *app = req->app;
    int64_t now = tokens_now();
    struct jwt_claims rc;
    char refresh[TOKEN_BUF], access[TOKEN_BUF];
    int err = jwt_claims_new(&rc, JWT_TYPE_REFRESH, cust->id, cust->pwv, now,
                             app->cfg.refresh_token_lifetime);
    if (!err)
        err = jwt_encode(app->jwt_key, &rc, refresh, sizeof refresh);
    if (!err)
        err = jwt_access_from_refresh(app->jwt_key, slice_from_cstr(refresh), now,
                                      app->cfg.access_token_lifetime, access, sizeof access,
                                      NULL);
    if (err)
        return err;
    json_key_str(w, "refresh", refresh);
    json_key_str(w, "access", access);
    return 0;
}

int tokens_answer_password_changed(struct request *req)
{
    return resp_detail_code(req, 401, "The user's password has been changed.",
                            "password_changed");
}

int tokens_answer_not_valid(struct request *req, const char *msg)
{
    return resp_detail_code(req, 401, msg, "token_not_valid");
}
