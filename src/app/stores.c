/* stores: API.md §4 — the public store list and detail (with the store's products),
 * creation by any customer (who becomes a vendor; one active store each), update by the
 * owner, deactivation by the owner or staff, and following. owner, products_sold and
 * followers are not in any field table, so a body can never set them.
 * The slug follows the brand name (slugify, then -2, -3... on clashes with any store,
 * inactive ones included, since their brand names and slugs stay taken). */
#include <string.h>

#include "app/app.h"
#include "app/slugs.h"
#include "app/catalogue.h"
#include "app/handlers.h"
#include "app/perm.h"
#include "core/err.h"
#include "core/fold.h"
#include "core/slug.h"
#include "core/utctime.h"
#include "core/validate.h"
#include "db/db.h"
#include "http/body.h"
#include "http/query.h"
#include "http/response.h"
#include "store/stores_store.h"

#define BRAND_MAX_LEN   50
#define MSG_BRAND_TAKEN "store with this brand name already exists."

/* ---- rendering ---- */

/* The Store object's fields, inside an object the caller opened. */
static void write_store_fields(struct request *req, struct json_w *w, const struct store *s)
{
    const char *base = req_base_url(req);
    if (!base)
        w->b->err = SHOP_ENOMEM; /* fail the answer rather than write a wrong url */
    json_key_int(w, "id", s->id);
    json_key(w, "url");
    json_str_parts(w, (const char *const[]){base, "/api/v1/stores/", s->slug, "/"}, 4);
    json_key_str(w, "brand_name", s->brand_name);
    json_key_str(w, "about", s->about);
    json_key_int(w, "products_sold", s->products_sold);
    json_key_int(w, "owner", s->owner_id);
    json_key(w, "followers");
    json_arr_begin(w);
    for (size_t i = 0; i < s->nfollowers; i++)
        json_int(w, s->followers[i]);
    json_arr_end(w);
}

static int answer_store(struct request *req, int status, const struct store *s)
{
    struct json_w w;
    resp_json_begin(req, status, &w);
    json_obj_begin(&w);
    write_store_fields(req, &w, s);
    json_obj_end(&w);
    return status;
}

/* ---- shared steps ---- */

/* Loads the active store named by the path's slug: 0, or the status answered (404). */
static int load_store(struct request *req, struct db **db, struct store *s)
{
    int st = app_db_or_answer(req, db);
    if (st)
        return st;
    const char *slug = arena_slice_dup(req->arena, req->params[0]);
    if (!slug)
        return resp_from_err(req, SHOP_ENOMEM);
    int rc = stores_get_by_slug(*db, req->arena, slug, s);
    if (rc == SHOP_ENOTFOUND)
        return resp_not_found(req);
    return rc ? resp_from_err(req, rc) : 0;
}

/* Sets the brand name with its fold and slug. 0 or SHOP_ENOMEM. */
static int set_brand(struct request *req, struct db *db, struct store *s, const char *brand)
{
    s->brand_name = brand;
    s->brand_fold = fold_str(req->arena, brand, strlen(brand));
    s->slug = slug_unique(req->arena, db, brand, stores_slug_taken, s->id);
    return s->brand_fold && s->slug ? 0 : SHOP_ENOMEM;
}

/* ---- GET /api/v1/stores/ ---- */

int stores_list(struct request *req)
{
    struct db *db;
    int st = app_db_or_answer(req, &db);
    if (st)
        return st;
    struct page pg = page_from_request(req);
    int64_t count;
    struct store *v;
    size_t n;
    int rc = stores_count_active(db, &count);
    if (!rc)
        rc = stores_list_active(db, req->arena, pg.limit, pg.offset, &v, &n);
    if (rc)
        return resp_from_err(req, rc);
    struct json_w w;
    resp_json_begin(req, 200, &w);
    page_begin(req, &w, pg, count);
    for (size_t i = 0; i < n; i++) {
        json_obj_begin(&w);
        write_store_fields(req, &w, &v[i]);
        json_obj_end(&w);
    }
    page_end(&w);
    return 200;
}

/* ---- POST /api/v1/stores/ ---- */

static const struct field create_fields[] = {
    {.name = "brand_name", .type = F_STRING, .required = true, .max_len = BRAND_MAX_LEN},
    {.name = "about", .type = F_STRING, .required = true},
};
enum { S_BRAND, S_ABOUT, S_N };

struct store_ctx {
    struct store *s;
    int64_t now;
};

static int create_tx(struct db *db, void *ctx)
{
    struct store_ctx *c = ctx;
    return stores_insert(db, c->s, c->now);
}

static bool owns_store(struct db *db, int64_t customer_id)
{
    int64_t id;
    return stores_active_id_by_owner(db, customer_id, &id) != SHOP_ENOTFOUND;
}

/* A unique violation at insert: a concurrent create took the brand name or gave the
 * caller a store first. Answers with the message that applies. */
static int answer_create_conflict(struct request *req, struct db *db, const struct store *s,
                                  json_t *errors)
{
    if (owns_store(db, s->owner_id))
        return resp_kv(req, 400, "error", "You already own a store");
    if (stores_brand_taken(db, s->brand_name, 0)) {
        verr_add(errors, "brand_name", MSG_BRAND_TAKEN);
        return resp_errors(req, 400, errors);
    }
    return resp_from_err(req, SHOP_ECONFLICT);
}

int stores_create(struct request *req)
{
    struct db *db;
    int st = app_db_or_answer(req, &db);
    if (st)
        return st;
    if (owns_store(db, req->user->id))
        return resp_kv(req, 400, "error", "You already own a store");
    struct fval v[S_N];
    json_t *errors = req_errors_new(req);
    if (!errors)
        return resp_from_err(req, SHOP_ENOMEM);
    int rc = validate(req->arena, req->data, create_fields, S_N, v, errors);
    if (rc && rc != SHOP_EINVAL)
        return resp_from_err(req, rc);
    if (v[S_BRAND].present && stores_brand_taken(db, v[S_BRAND].s, 0))
        verr_add(errors, "brand_name", MSG_BRAND_TAKEN);
    if (json_object_size(errors))
        return resp_errors(req, 400, errors);
    struct store s = {.owner_id = req->user->id, .about = v[S_ABOUT].s};
    rc = set_brand(req, db, &s, v[S_BRAND].s);
    if (rc)
        return resp_from_err(req, rc);
    struct store_ctx c = {&s, utc_now_us()};
    rc = db_tx(db, create_tx, &c);
    if (rc == SHOP_ECONFLICT)
        return answer_create_conflict(req, db, &s, errors);
    return rc ? resp_from_err(req, rc) : answer_store(req, 201, &s);
}

/* ---- /api/v1/stores/{slug}/ ---- */

int stores_detail(struct request *req)
{
    struct db *db;
    struct store s;
    int st = load_store(req, &db, &s);
    if (st)
        return st;
    struct json_w w;
    resp_json_begin(req, 200, &w);
    json_obj_begin(&w);
    write_store_fields(req, &w, &s);
    json_key(&w, "product_set");
    int rc = catalogue_write_store_products(req, db, &w, s.id);
    json_obj_end(&w);
    return rc ? resp_from_err(req, rc) : 200;
}

static const struct field update_fields[] = {
    {.name = "brand_name", .type = F_STRING, .max_len = BRAND_MAX_LEN},
    {.name = "about", .type = F_STRING},
};

static int update_tx(struct db *db, void *ctx)
{
    struct store_ctx *c = ctx;
    return stores_update(db, c->s, c->now);
}

int stores_edit(struct request *req)
{
    struct db *db;
    struct store s;
    int st = load_store(req, &db, &s);
    if (!st)
        st = perm_owner(req, s.owner_id);
    if (st)
        return st;
    struct fval v[S_N];
    json_t *errors = req_errors_new(req);
    if (!errors)
        return resp_from_err(req, SHOP_ENOMEM);
    int rc = validate(req->arena, req->data, update_fields, S_N, v, errors);
    if (rc && rc != SHOP_EINVAL)
        return resp_from_err(req, rc);
    if (v[S_BRAND].present && stores_brand_taken(db, v[S_BRAND].s, s.id))
        verr_add(errors, "brand_name", MSG_BRAND_TAKEN);
    if (json_object_size(errors))
        return resp_errors(req, 400, errors);
    if (v[S_ABOUT].present)
        s.about = v[S_ABOUT].s;
    if (v[S_BRAND].present && strcmp(v[S_BRAND].s, s.brand_name) != 0)
        rc = set_brand(req, db, &s, v[S_BRAND].s);
    else
        s.brand_fold = fold_str(req->arena, s.brand_name, strlen(s.brand_name));
    if (rc || !s.brand_fold)
        return resp_from_err(req, rc ? rc : SHOP_ENOMEM);
    struct store_ctx c = {&s, utc_now_us()};
    rc = db_tx(db, update_tx, &c);
    if (rc == SHOP_ECONFLICT && stores_brand_taken(db, s.brand_name, s.id)) {
        verr_add(errors, "brand_name", MSG_BRAND_TAKEN);
        return resp_errors(req, 400, errors);
    }
    if (rc == SHOP_ENOTFOUND)
        return resp_not_found(req);
    return rc ? resp_from_err(req, rc) : answer_store(req, 200, &s);
}

static int deactivate_tx(struct db *db, void *ctx)
{
    struct store_ctx *c = ctx;
    return stores_deactivate(db, c->s->id, c->s->owner_id, c->now);
}

int stores_destroy(struct request *req)
{
    struct db *db;
    struct store s;
    int st = load_store(req, &db, &s);
    if (!st)
        st = perm_owner_or_staff(req, s.owner_id);
    if (st)
        return st;
    struct store_ctx c = {&s, utc_now_us()};
    int rc = db_tx(db, deactivate_tx, &c);
    if (rc == SHOP_ENOTFOUND)
        return resp_not_found(req);
    return rc ? resp_from_err(req, rc) : resp_empty(req, 204);
}

/* ---- follow_store / unfollow_store ---- */

struct follow_ctx {
    int64_t store_id, customer_id;
    bool follow;
};

static int follow_tx(struct db *db, void *ctx)
{
    struct follow_ctx *f = ctx;
    return f->follow ? stores_follow(db, f->store_id, f->customer_id)
                     : stores_unfollow(db, f->store_id, f->customer_id);
}

static int follow(struct request *req, bool on)
{
    struct db *db;
    struct store s;
    int st = load_store(req, &db, &s);
    if (st)
        return st;
    struct follow_ctx f = {s.id, req->user->id, on};
    int rc = db_tx(db, follow_tx, &f);
    if (rc)
        return resp_from_err(req, rc);
    const char *msg =
        arena_printf(req->arena, on ? "You now follow %s" : "You unfollowed %s", s.brand_name);
    return msg ? resp_kv(req, 200, "success", msg) : resp_from_err(req, SHOP_ENOMEM);
}

int stores_follow_store(struct request *req)
{
    return follow(req, true);
}

int stores_unfollow_store(struct request *req)
{
    return follow(req, false);
}
