/* reviews: API.md §3.3 — a product's reviews: public reads, creation by a customer who
 * has paid for the product (checked before the body, as the original did), one review
 * per customer and product, update by the author only, deletion by the author or staff.
 * Every write recomputes the product's rating in the same transaction. rating is a DRF
 * ChoiceField ("5" and 5 are accepted, 5.0 is not); sentiment, sentiment_score,
 * is_active and the author are not in any field table, so a body cannot set them. */
#include "app/app.h"
#include "app/reviews.h"
#include "app/handlers.h"
#include "app/perm.h"
#include "core/err.h"
#include "core/utctime.h"
#include "core/validate.h"
#include "db/db.h"
#include "http/body.h"
#include "http/response.h"
#include "http/router.h"
#include "store/reviews_store.h"

#define MSG_NO_REVIEW "Review doesn't exist"

static const char *const rating_choices[] = {"1", "2", "3", "4", "5", NULL};

static const struct field review_fields[] = {
    {.name = "review_text", .type = F_STRING, .required = true},
    {.name = "rating", .type = F_CHOICE, .required = true, .choices = rating_choices},
};
enum { V_TEXT, V_RATING, V_N };

/* ---- rendering ---- */

void reviews_write_object(struct json_w *w, const struct review *r)
{
    json_obj_begin(w);
    json_key_int(w, "id", r->id);
    json_key_str(w, "user", r->user_email);
    json_key(w, "images");
    json_arr_begin(w);
    json_arr_end(w);
    json_key_time(w, "created", r->created_at);
    json_key_time(w, "updated", r->updated_at);
    json_key_bool(w, "is_active", r->is_active);
    json_key_str(w, "review_text", r->review_text);
    json_key_int(w, "rating", r->rating);
    json_key_str(w, "sentiment", r->sentiment); /* NULL writes null */
    json_key(w, "sentiment_score");
    if (r->has_sentiment_score)
        json_double(w, r->sentiment_score, 17);
    else
        json_null_value(w);
    json_obj_end(w);
}

/* ---- shared steps ---- */

/* The review named by the path (product id, review id): 0, or the status answered
 * (404 {"error":"Review doesn't exist"} for any review not found). */
static int load_review(struct request *req, struct db **db, struct review *r)
{
    int st = app_db_or_answer(req, db);
    if (st)
        return st;
    int64_t product_id = router_param_id(req->params[0]);
    int64_t id = router_param_id(req->params[1]);
    int rc = reviews_get(*db, req->arena, product_id, id, r);
    if (rc == SHOP_ENOTFOUND)
        return resp_kv(req, 404, "error", MSG_NO_REVIEW);
    return rc ? resp_from_err(req, rc) : 0;
}

/* Validates the body into text and rating: 0, or the status answered (400). */
static int read_body(struct request *req, struct review *r)
{
    struct fval v[V_N];
    json_t *errors = req_errors_new(req);
    if (!errors)
        return resp_from_err(req, SHOP_ENOMEM);
    int rc = validate(req->arena, req->data, review_fields, V_N, v, errors);
    if (rc && rc != SHOP_EINVAL)
        return resp_from_err(req, rc);
    if (json_object_size(errors))
        return resp_errors(req, 400, errors);
    r->review_text = v[V_TEXT].s;
    r->rating = v[V_RATING].s[0] - '0';
    return 0;
}

struct write_ctx {
    struct review *r;
    int64_t now;
    enum { W_INSERT, W_UPDATE, W_DELETE } op;
};

/* Lock the product, write, recompute its rating: one transaction. */
static int write_tx(struct db *db, void *ctx)
{
    struct write_ctx *c = ctx;
    int rc = reviews_lock_product(db, c->r->product_id);
    if (rc)
        return rc;
    switch (c->op) {
    case W_INSERT:
        rc = reviews_insert(db, c->r, c->now);
        break;
    case W_UPDATE:
        rc = reviews_update(db, c->r, c->now);
        break;
    case W_DELETE:
        rc = reviews_delete(db, c->r->id);
        break;
    }
    return rc ? rc : reviews_refresh_rating(db, c->r->product_id);
}

/* ---- /api/v1/products/{id}/reviews/ ---- */

int reviews_list_view(struct request *req)
{
    struct db *db;
    int st = app_db_or_answer(req, &db);
    if (st)
        return st;
    int64_t product_id = router_param_id(req->params[0]);
    struct review *v;
    size_t n;
    int rc = reviews_product_active(db, product_id);
    if (!rc)
        rc = reviews_list(db, req->arena, product_id, &v, &n);
    if (rc == SHOP_ENOTFOUND)
        return resp_not_found(req);
    if (rc)
        return resp_from_err(req, rc);
    struct json_w w;
    resp_json_begin(req, 200, &w);
    json_arr_begin(&w);
    for (size_t i = 0; i < n; i++)
        reviews_write_object(&w, &v[i]);
    json_arr_end(&w);
    return 200;
}

int reviews_create(struct request *req)
{
    struct db *db;
    int st = app_db_or_answer(req, &db);
    if (st)
        return st;
    struct review r = {.product_id = router_param_id(req->params[0]), .customer_id = req->user->id};
    int rc = reviews_product_active(db, r.product_id);
    if (rc == SHOP_ENOTFOUND)
        return resp_not_found(req);
    if (rc)
        return resp_from_err(req, rc);
    if (!reviews_has_purchase(db, r.customer_id, r.product_id))
        return resp_kv(req, 400, "error",
                       "You can't add a review for a product you didn't purchase.");
    if (reviews_exists_for(db, r.customer_id, r.product_id))
        return resp_kv(req, 400, "error", "You have already reviewed this product.");
    st = read_body(req, &r);
    if (st)
        return st;
    struct write_ctx c = {&r, utc_now_us(), W_INSERT};
    rc = db_tx(db, write_tx, &c);
    if (rc == SHOP_ECONFLICT)
        return resp_kv(req, 400, "error", "You have already reviewed this product.");
    if (rc == SHOP_ENOTFOUND)
        return resp_not_found(req);
    return rc ? resp_from_err(req, rc) : resp_kv(req, 201, "success", "Review posted");
}

/* ---- /api/v1/products/{id}/reviews/{id}/ ---- */

int reviews_detail(struct request *req)
{
    struct db *db;
    struct review r;
    int st = load_review(req, &db, &r);
    if (st)
        return st;
    struct json_w w;
    resp_json_begin(req, 200, &w);
    reviews_write_object(&w, &r);
    return 200;
}

int reviews_edit(struct request *req)
{
    struct db *db;
    struct review r;
    int st = load_review(req, &db, &r);
    if (!st)
        st = perm_owner(req, r.customer_id);
    if (!st)
        st = read_body(req, &r);
    if (st)
        return st;
    struct write_ctx c = {&r, utc_now_us(), W_UPDATE};
    int rc = db_tx(db, write_tx, &c);
    if (rc == SHOP_ENOTFOUND)
        return resp_kv(req, 404, "error", MSG_NO_REVIEW);
    if (rc)
        return resp_from_err(req, rc);
    struct json_w w;
    resp_json_begin(req, 200, &w);
    reviews_write_object(&w, &r);
    return 200;
}

int reviews_destroy(struct request *req)
{
    struct db *db;
    struct review r;
    int st = load_review(req, &db, &r);
    if (!st)
        st = perm_owner_or_staff(req, r.customer_id);
    if (st)
        return st;
    struct write_ctx c = {&r, utc_now_us(), W_DELETE};
    int rc = db_tx(db, write_tx, &c);
    if (rc == SHOP_ENOTFOUND)
        return resp_kv(req, 404, "error", MSG_NO_REVIEW);
    return rc ? resp_from_err(req, rc) : resp_empty(req, 204);
}
