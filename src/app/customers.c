/* customers: API.md §2 — registration, profile read/update/deactivation with
 * owner-or-staff permission, the caller's own profile, password change (which revokes
 * every earlier token through the password version) and the orders redirect.
 * Privileged fields (is_staff, is_active, slug, ...) are not in any field table, so a
 * body can never set them. */
#include <string.h>

#include "app/app.h"
#include "app/slugs.h"
#include "app/handlers.h"
#include "app/perm.h"
#include "app/tokens.h"
#include "core/err.h"
#include "core/utf8.h"
#include "core/utctime.h"
#include "core/validate.h"
#include "db/db.h"
#include "domain/password.h"
#include "domain/password_policy.h"
#include "http/body.h"
#include "http/response.h"
#include "store/customers_store.h"
#include "store/stores_store.h"

#define NAME_MAX_LEN 150

/* ---- rendering ---- */

static void write_address(struct json_w *w, const struct address *a)
{
    json_obj_begin(w);
    json_key_str(w, "street_address", a->street_address);
    json_key_int(w, "postal_code", a->postal_code);
    json_key_str(w, "city", a->city);
    json_key_str(w, "state", a->state);
    json_key_str(w, "country", a->country);
    json_obj_end(w);
}

static int answer_customer(struct request *req, int status, const struct customer *c)
{
    struct json_w w;
    resp_json_begin(req, status, &w);
    json_obj_begin(&w);
    json_key_int(&w, "id", c->id);
    json_key_str(&w, "email", c->email);
    json_key_str(&w, "first_name", c->first_name);
    json_key_str(&w, "last_name", c->last_name);
    json_key_str(&w, "slug", c->slug);
    json_key(&w, "date_of_birth");
    if (c->has_dob) {
        char d[16];
        date_format(d, c->date_of_birth);
        json_str(&w, d);
    } else {
        json_null_value(&w);
    }
    json_key(&w, "address");
    if (c->has_address)
        write_address(&w, &c->address);
    else
        json_null_value(&w);
    json_key(&w, "last_purchase_date");
    if (c->last_purchase_date)
        json_time(&w, c->last_purchase_date);
    else
        json_null_value(&w);
    json_obj_end(&w);
    return status;
}

/* ---- shared input rules ---- */

static const struct field address_fields[] = {
    { .name = "street_address", .type = F_STRING, .required = true, .max_len = 30 },
    { .name = "postal_code", .type = F_INT, .required = true, .has_min = true, .min = 0 },
    { .name = "city", .type = F_STRING, .required = true, .max_len = 50 },
    { .name = "state", .type = F_STRING, .required = true, .max_len = 50 },
    { .name = "country", .type = F_STRING, .required = true, .max_len = 30 },
};
#define NADDR (sizeof address_fields / sizeof address_fields[0])

static void address_from(struct address *a, const struct fval *v)
{
    a->street_address = v[0].s;
    a->postal_code = v[1].i;
    a->city = v[2].s;
    a->state = v[3].s;
    a->country = v[4].s;
}

/* The original's Address.validate_country, run after the field rules passed. */
static int check_country(json_t *errors, const char *key, const struct fval *addr)
{
    if (!addr->present || addr->is_null || !addr->sub || !addr->sub[4].present)
        return 0;
    if (utf8_count_chars(addr->sub[4].s, addr->sub[4].len) > 3)
        return 0;
    json_t *nested = json_object_get(errors, key);
    if (!nested) {
        nested = json_object();
        json_object_set_new(errors, key, nested);
    }
    return verr_add(nested, "country", "Country name should be in full");
}

/* Runs Django's password validators on one password field, adding messages under key. */
static void check_password(json_t *errors, const char *key, const struct fval *pw,
                           const char *email, const char *first, const char *last)
{
    if (!pw->present)
        return;
    struct pwpolicy_user u = { .email = slice_from_cstr(email),
                               .first_name = slice_from_cstr(first),
                               .last_name = slice_from_cstr(last) };
    struct pwpolicy_result r;
    pwpolicy_check((struct slice){ pw->s, pw->len }, &u, &r);
    for (size_t i = 0; i < r.n; i++)
        verr_add(errors, key, r.msgs[i]);
}

/* The object-level check, run only when every field passed (DRF's validate()). */
static void check_passwords_match(json_t *errors, const struct fval *a, const struct fval *b)
{
    if (json_object_size(errors) == 0 &&
        (a->len != b->len || memcmp(a->s, b->s, a->len) != 0))
        verr_add(errors, "error", "Passwords don't match");
}

/* The slug follows "first last" (API.md §2). */
static const char *customer_slug(struct request *req, struct db *db, const struct customer *c)
{
    char *name = arena_printf(req->arena, "%s %s", c->first_name, c->last_name);
    return name ? slug_unique(req->arena, db, name, customers_slug_taken, c->id) : NULL;
}

/* ---- POST /api/v1/customers/ ---- */

static const struct field register_fields[] = {
    { .name = "email", .type = F_EMAIL, .required = true, .max_len = 254 },
    { .name = "first_name", .type = F_STRING, .required = true, .max_len = NAME_MAX_LEN },
    { .name = "last_name", .type = F_STRING, .required = true, .max_len = NAME_MAX_LEN },
    { .name = "password", .type = F_STRING, .required = true },
    { .name = "password2", .type = F_STRING, .required = true },
    { .name = "date_of_birth", .type = F_DATE, .allow_null = true },
};
enum { R_EMAIL, R_FIRST, R_LAST, R_PW, R_PW2, R_DOB, R_N };

static int register_tx(struct db *db, void *ctx)
{
    struct customer *c = ctx;
    return customers_insert(db, c);
}

static void fill_new_customer(struct customer *c, const struct fval *v)
{
    memset(c, 0, sizeof *c);
    c->email = v[R_EMAIL].s;
    c->first_name = v[R_FIRST].s;
    c->last_name = v[R_LAST].s;
    c->has_dob = v[R_DOB].present && !v[R_DOB].is_null;
    c->date_of_birth = (int32_t)v[R_DOB].i;
    c->is_active = true;
    c->date_joined = utc_now_us();
}

static int validate_registration(struct request *req, struct db *db, struct fval *v,
                                 json_t *errors)
{
    int rc = validate(req->arena, req->data, register_fields, R_N, v, errors);
    if (rc && rc != SHOP_EINVAL)
        return rc;
    if (v[R_EMAIL].present && customers_email_taken(db, v[R_EMAIL].s, 0))
        verr_add(errors, "email", "customer with this email address already exists.");
    const char *email = v[R_EMAIL].present ? v[R_EMAIL].s : NULL;
    const char *first = v[R_FIRST].present ? v[R_FIRST].s : NULL;
    const char *last = v[R_LAST].present ? v[R_LAST].s : NULL;
    check_password(errors, "password", &v[R_PW], email, first, last);
    check_password(errors, "password2", &v[R_PW2], email, first, last);
    check_passwords_match(errors, &v[R_PW], &v[R_PW2]);
    return 0;
}

int customers_register(struct request *req)
{
    struct db *db;
    int st = app_db_or_answer(req, &db);
    if (st)
        return st;
    struct fval v[R_N];
    json_t *errors = req_errors_new(req);
    if (!errors)
        return resp_from_err(req, SHOP_ENOMEM);
    int rc = validate_registration(req, db, v, errors);
    if (rc)
        return resp_from_err(req, rc);
    if (json_object_size(errors))
        return resp_errors(req, 400, errors);
    struct customer c;
    fill_new_customer(&c, v);
    char hash[PWHASH_ENCODED_MAX];
    rc = pwhash_hash((struct slice){ v[R_PW].s, v[R_PW].len }, hash);
    if (rc)
        return resp_from_err(req, rc);
    c.password = hash;
    c.slug = customer_slug(req, db, &c);
    if (!c.slug)
        return resp_from_err(req, SHOP_ENOMEM);
    rc = db_tx(db, register_tx, &c);
    if (rc == SHOP_ECONFLICT && customers_email_taken(db, c.email, 0)) {
        verr_add(errors, "email", "customer with this email address already exists.");
        return resp_errors(req, 400, errors);
    }
    if (rc)
        return resp_from_err(req, rc);
    return answer_customer(req, 201, &c);
}

/* ---- /api/v1/customers/{id}/ ---- */

/* Loads the customer named by the path and checks owner-or-staff: 0 or status answered. */
static int load_target(struct request *req, struct db **db, struct customer *c)
{
    int st = app_db_or_answer(req, db);
    if (st)
        return st;
    int64_t id;
    if (coerce_int_text(req->params[0].ptr, req->params[0].len, &id) != 0)
        return resp_not_found(req);
    if (req->user && req->user->id == id) { /* the caller's own row, read by authn */
        *c = *req->user->customer;
        return 0;
    }
    int rc = customers_get(*db, req->arena, id, c);
    if (rc == SHOP_ENOTFOUND)
        return resp_not_found(req);
    if (rc)
        return resp_from_err(req, rc);
    return perm_owner_or_staff(req, c->id);
}

/* load_target, for routes of the owner alone (staff get 403 too). */
static int load_own_target(struct request *req, struct db **db, struct customer *c)
{
    int st = load_target(req, db, c);
    return st ? st : perm_owner(req, c->id);
}

int customers_detail(struct request *req)
{
    struct db *db;
    struct customer c;
    int st = load_target(req, &db, &c);
    return st ? st : answer_customer(req, 200, &c);
}

int customers_me(struct request *req)
{
    /* authentication has just read this very row */
    return answer_customer(req, 200, req->user->customer);
}

static const struct field update_fields[] = {
    { .name = "email", .type = F_EMAIL, .required = true, .max_len = 254 },
    { .name = "first_name", .type = F_STRING, .max_len = NAME_MAX_LEN },
    { .name = "last_name", .type = F_STRING, .max_len = NAME_MAX_LEN },
    { .name = "date_of_birth", .type = F_DATE, .allow_null = true },
    { .name = "address", .type = F_OBJECT, .allow_null = true, .nested = address_fields,
      .nnested = NADDR },
};
enum { U_EMAIL, U_FIRST, U_LAST, U_DOB, U_ADDR, U_N };

struct update_ctx {
    struct customer *c;
    const struct fval *v;
};

static int update_tx(struct db *db, void *ctx)
{
    struct update_ctx *u = ctx;
    int rc = customers_update_profile(db, u->c);
    const struct fval *addr = &u->v[U_ADDR];
    if (rc || !addr->present)
        return rc;
    if (addr->is_null) {
        u->c->has_address = false;
        return customers_delete_address(db, u->c->id);
    }
    address_from(&u->c->address, addr->sub);
    u->c->has_address = true;
    return customers_set_address(db, u->c->id, &u->c->address);
}

static void apply_update(struct customer *c, const struct fval *v)
{
    c->email = v[U_EMAIL].s;
    if (v[U_FIRST].present)
        c->first_name = v[U_FIRST].s;
    if (v[U_LAST].present)
        c->last_name = v[U_LAST].s;
    if (v[U_DOB].present) {
        c->has_dob = !v[U_DOB].is_null;
        c->date_of_birth = (int32_t)v[U_DOB].i;
    }
}

int customers_update(struct request *req)
{
    struct db *db;
    struct customer c;
    int st = load_target(req, &db, &c);
    if (st)
        return st;
    struct fval v[U_N];
    json_t *errors = req_errors_new(req);
    if (!errors)
        return resp_from_err(req, SHOP_ENOMEM);
    int rc = validate(req->arena, req->data, update_fields, U_N, v, errors);
    if (rc && rc != SHOP_EINVAL)
        return resp_from_err(req, rc);
    if (v[U_EMAIL].present && customers_email_taken(db, v[U_EMAIL].s, c.id))
        verr_add(errors, "email", "customer with this email address already exists.");
    check_country(errors, "address", &v[U_ADDR]);
    if (json_object_size(errors))
        return resp_errors(req, 400, errors);
    const char *old_first = c.first_name, *old_last = c.last_name;
    apply_update(&c, v);
    if (strcmp(old_first, c.first_name) != 0 || strcmp(old_last, c.last_name) != 0)
        c.slug = customer_slug(req, db, &c);
    if (!c.slug)
        return resp_from_err(req, SHOP_ENOMEM);
    struct update_ctx u = { &c, v };
    rc = db_tx(db, update_tx, &u);
    if (rc == SHOP_ECONFLICT) {
        verr_add(errors, "email", "customer with this email address already exists.");
        return resp_errors(req, 400, errors);
    }
    return rc ? resp_from_err(req, rc) : answer_customer(req, 200, &c);
}

/* The customer's store goes with the account (API.md §2.2, §4), in one transaction. */
static int deactivate_tx(struct db *db, void *ctx)
{
    const struct customer *c = ctx;
    int rc = customers_deactivate(db, c->id);
    return rc ? rc : stores_deactivate_by_owner(db, c->id, utc_now_us());
}

int customers_destroy(struct request *req)
{
    struct db *db;
    struct customer c;
    int st = load_target(req, &db, &c);
    if (st)
        return st;
    int rc = db_tx(db, deactivate_tx, &c);
    return rc ? resp_from_err(req, rc) : resp_empty(req, 204);
}

/* ---- POST /api/v1/customers/{id}/password/ ---- */

static const struct field password_fields[] = {
    { .name = "old_password", .type = F_STRING, .required = true },
    { .name = "new_password", .type = F_STRING, .required = true },
    { .name = "new_password2", .type = F_STRING, .required = true },
};
enum { P_OLD, P_NEW, P_NEW2, P_N };

struct password_ctx {
    int64_t id;
    const char *hash;
};

static int password_tx(struct db *db, void *ctx)
{
    struct password_ctx *p = ctx;
    return customers_set_password(db, p->id, p->hash, true, utc_now_us());
}

static int validate_password_change(struct request *req, const struct customer *c,
                                    struct fval *v, json_t *errors)
{
    int rc = validate(req->arena, req->data, password_fields, P_N, v, errors);
    if (rc && rc != SHOP_EINVAL)
        return rc;
    if (v[P_OLD].present &&
        pwhash_verify((struct slice){ v[P_OLD].s, v[P_OLD].len }, slice_from_cstr(c->password)))
        verr_add(errors, "old_password", "Wrong password.");
    check_password(errors, "new_password", &v[P_NEW], c->email, c->first_name, c->last_name);
    check_password(errors, "new_password2", &v[P_NEW2], c->email, c->first_name, c->last_name);
    check_passwords_match(errors, &v[P_NEW], &v[P_NEW2]);
    return 0;
}

int customers_change_password(struct request *req)
{
    struct db *db;
    struct customer c;
    int st = load_own_target(req, &db, &c);
    if (st)
        return st;
    struct fval v[P_N];
    json_t *errors = req_errors_new(req);
    if (!errors)
        return resp_from_err(req, SHOP_ENOMEM);
    int rc = validate_password_change(req, &c, v, errors);
    if (rc)
        return resp_from_err(req, rc);
    if (json_object_size(errors))
        return resp_errors(req, 400, errors);
    char hash[PWHASH_ENCODED_MAX];
    rc = pwhash_hash((struct slice){ v[P_NEW].s, v[P_NEW].len }, hash);
    if (rc)
        return resp_from_err(req, rc);
    struct password_ctx p = { c.id, hash };
    rc = db_tx(db, password_tx, &p);
    if (!rc)
        rc = customers_get(db, req->arena, c.id, &c);
    if (rc)
        return resp_from_err(req, rc);
    struct json_w w;
    resp_json_begin(req, 200, &w);
    json_obj_begin(&w);
    json_key_str(&w, "success", "Password updated");
    rc = tokens_write_pair(req, &w, &c);
    json_obj_end(&w);
    return rc ? resp_from_err(req, rc) : 200;
}

/* GET /api/v1/customers/{id}/orders/ → 302 to the caller's order list. */
int customers_orders_redirect(struct request *req)
{
    struct db *db;
    struct customer c;
    int st = load_own_target(req, &db, &c);
    if (st)
        return st;
    resp_empty(req, 302);
    resp_header(req, "Location", "/api/v1/i/orders/");
    return 302;
}
