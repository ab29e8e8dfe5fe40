/* tokens: what the token endpoints and authentication share — issuing a refresh/access
 * pair for a customer, the password-version check that revokes old tokens, and the
 * SimpleJWT-shaped 401 bodies. */
#ifndef SHOPD_APP_TOKENS_H
#define SHOPD_APP_TOKENS_H

#include <stdbool.h>

#include "core/json.h"
#include "domain/jwt.h"
#include "http/request.h"
#include "store/customers_store.h"

#define TOKEN_BUF 1024

/* True when the token predates the customer's last password change: its pwv is older,
 * or (a token made elsewhere, without pwv) its iat is before the change's second. */
bool token_is_stale(const struct jwt_claims *c, const struct customer *cust);
/* Writes "refresh" and "access" keys of a new pair for cust into an open object.
 * Returns 0 or a shop_err. */
int tokens_write_pair(struct request *req, struct json_w *w, const struct customer *cust);
/* 401 {"detail":"The user's password has been changed.","code":"password_changed"} */
int tokens_answer_password_changed(struct request *req);
/* 401 {"detail": <msg>, "code": "token_not_valid"} (token endpoints' form). */
int tokens_answer_not_valid(struct request *req, const char *msg);
/* Seconds since the epoch, as JWT claims count time. */
int64_t tokens_now(void);

#endif
