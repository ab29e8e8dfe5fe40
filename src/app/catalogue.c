/* catalogue: API.md §3.1–§3.2 — categories, products, variants and attributes (media,
 * reviews and stores have their own files; this one renders their rows inside products).
 *
 * Reads are public and bounded: a product page is one version-and-COUNT (the COUNT only
 * when the process's count cache has no count at the current catalogue version), one
 * SELECT and one media SELECT (plus one lookup per id filter), a detail five statements,
 * whatever the sizes.
 * Writes belong to staff and to the vendor owning the product's store: the handler
 * checks "staff or vendor" (403 for customers) before loading the object, then 404 for a
 * missing or inactive product, then the object-level owner check. Bodies go through
 * field tables only, so counters, rating, owner, and `store` for vendors cannot be set.
 * Derived product counters are recomputed in the transaction of every variant change;
 * every product-scoped write transaction starts with cat_product_lock, so the
 * "no negative variant price" rule holds under concurrent writers on PostgreSQL too. */
#include "app/catalogue.h"
#include "app/media.h"
#include "app/reviews.h"
#include "app/slugs.h"

#include <stdio.h>
#include <string.h>

#include "app/app.h"
#include "app/handlers.h"
#include "app/perm.h"
#include "core/err.h"
#include "core/pyfloat.h"
#include "core/utctime.h"
#include "core/validate.h"
#include "db/db.h"
#include "http/body.h"
#include "http/query.h"
#include "http/response.h"
#include "http/router.h"
#include "store/catalogue_store.h"
#include "store/stores_store.h"

#define MSG_BAD_CHOICE "Select a valid choice. That choice is not one of the available choices."
#define MSG_NEGATIVE   "The variant's price cannot be negative."
#define MSG_STANDALONE "Standalone products can only have a single default variant"
#define MSG_SKU_TAKEN  "product variant with this SKU already exists."
#define MSG_SKU_RESERVED "SKUs starting with PRODVAR_ are reserved."
#define SKU_RESERVED   "PRODVAR_"

static json_t *errors_or_null(struct request *req) { return req_errors_new(req); }

/* validate / validate_partial; field messages are not failures here (SHOP_EINVAL). */
static int run_fields(struct request *req, const struct field *f, size_t n, struct fval *v,
                      json_t *errors, bool partial)
{
    int rc = partial ? validate_partial(req->arena, req->data, f, n, v, errors)
                     : validate(req->arena, req->data, f, n, v, errors);
    return rc == SHOP_EINVAL ? 0 : rc;
}

/* ---- rendering ---- */

/* The product list object's fields, in API.md's order (the caller opens the object). */
static void write_product_fields(struct json_w *w, const char *base, const struct cat_product *p)
{
    json_key_int(w, "id", p->id);
    json_key_str(w, "category", p->category_name);
    json_key(w, "store");
    if (p->store_slug)
        json_str_parts(w, (const char *const[]){base, "/api/v1/stores/", p->store_slug, "/"}, 4);
    else
        json_null_value(w);
    json_key(w, "media");
    json_arr_begin(w);
    for (size_t i = 0; i < p->nmedia; i++)
        media_write_object(w, base, &p->media[i]);
    json_arr_end(w);
    json_key(w, "product_offers"); /* offers come with a later issue: no table yet */
    json_arr_begin(w);
    json_arr_end(w);
    json_key_money_str(w, "base_price",
                       p->base_price + (p->has_min_adjustment ? p->min_adjustment : 0));
    json_key_time(w, "created", p->created_at);
    json_key_time(w, "updated", p->updated_at);
    json_key_bool(w, "is_active", p->is_active);
    json_key_str(w, "name", p->name);
    json_key_str(w, "description", p->description);
    json_key(w, "shipping_fee");
    if (p->has_shipping_fee)
        json_money_str(w, p->shipping_fee);
    else
        json_null_value(w);
    json_key(w, "rating");
    if (p->has_rating)
        json_money_num(w, p->rating); /* stored x100: 2 decimals, as a number */
    else
        json_null_value(w);
    json_key_bool(w, "is_standalone", p->is_standalone);
    json_key_int(w, "total_stock_level", p->total_stock_level);
    json_key_int(w, "total_sold", p->total_sold);
    json_key_bool(w, "is_available", p->total_stock_level > 0);
}

static void write_products(struct json_w *w, const char *base, const struct cat_product *p,
                           size_t n)
{
    for (size_t i = 0; i < n; i++) {
        json_obj_begin(w);
        write_product_fields(w, base, &p[i]);
        json_obj_end(w);
    }
}

static void write_variant(struct json_w *w, const struct cat_variant *v)
{
    json_obj_begin(w);
    json_key_int(w, "id", v->id);
    json_key(w, "attributes");
    json_arr_begin(w);
    for (size_t i = 0; i < v->nattrs; i++) {
        json_obj_begin(w);
        json_key_str(w, "attribute", v->attrs[i].attribute);
        json_key_str(w, "value", v->attrs[i].value);
        json_obj_end(w);
    }
    json_arr_end(w);
    json_key_time(w, "created", v->created_at);
    json_key_time(w, "updated", v->updated_at);
    json_key_bool(w, "is_active", v->is_active);
    json_key_str(w, "sku", v->sku);
    json_key_bool(w, "is_default", v->is_default);
    json_key_money_str(w, "price_adjustment", v->price_adjustment);
    json_key_int(w, "stock_level", v->stock_level);
    json_key_int(w, "quantity_sold", v->quantity_sold);
    json_obj_end(w);
}

/* Review object of API.md §3.3 (reviews.c writes them; the product detail shows them). */
int catalogue_write_store_products(struct request *req, struct db *db, struct json_w *w,
                                   int64_t store_id)
{
    struct cat_product *p;
    size_t n;
    const char *base = req_base_url(req);
    int rc = base ? cat_products_set(db, req->arena, true, store_id, &p, &n) : SHOP_ENOMEM;
    if (rc)
        return rc;
    json_arr_begin(w);
    write_products(w, base, p, n);
    json_arr_end(w);
    return 0;
}

/* ---- product detail ---- */

struct detail {
    struct cat_product p;
    struct cat_variant *variants;
    size_t nvariants;
    struct review *reviews;
    size_t nreviews;
};

struct detail_read {
    struct arena *a;
    int64_t id;
    struct detail *d;
};

/* Five statements, one snapshot: product, media, variants, their attribute values,
 * reviews. */
static int load_detail(struct db *db, void *ctx)
{
    struct detail_read *r = ctx;
    struct detail *d = r->d;
    int rc = cat_product_get(db, r->a, r->id, &d->p);
    if (!rc && !d->p.is_active)
        rc = SHOP_ENOTFOUND;
    if (!rc)
        rc = cat_media_attach(db, r->a, &d->p, 1);
    if (!rc)
        rc = cat_variants_of(db, r->a, r->id, &d->variants, &d->nvariants);
    if (!rc)
        rc = reviews_list(db, r->a, r->id, &d->reviews, &d->nreviews);
    return rc;
}

static int answer_detail(struct request *req, struct db *db, int64_t id, int status)
{
    struct detail d;
    struct detail_read r = {req->arena, id, &d};
    const char *base = req_base_url(req);
    int rc = base ? db_read(db, load_detail, &r) : SHOP_ENOMEM;
    if (rc == SHOP_ENOTFOUND)
        return resp_not_found(req);
    if (rc)
        return resp_from_err(req, rc);
    struct json_w w;
    resp_json_begin(req, status, &w);
    json_obj_begin(&w);
    write_product_fields(&w, base, &d.p);
    json_key(&w, "reviews");
    json_arr_begin(&w);
    for (size_t i = 0; i < d.nreviews; i++)
        reviews_write_object(&w, &d.reviews[i]);
    json_arr_end(&w);
    json_key(&w, "variants");
    json_arr_begin(&w);
    for (size_t i = 0; i < d.nvariants; i++)
        write_variant(&w, &d.variants[i]);
    json_arr_end(&w);
    json_obj_end(&w);
    return status;
}

int products_detail(struct request *req)
{
    struct db *db;
    int st = app_db_or_answer(req, &db);
    return st ? st : answer_detail(req, db, router_param_id(req->params[0]), 200);
}

/* ---- product lists: filters (API.md §0.3) ---- */

/* The last value of a query parameter (as Django reads it), with its length. */
static const char *query_last(struct request *req, const char *key, size_t *len)
{
    const char *v = NULL;
    for (size_t i = 0; i < req->nquery; i++) {
        if (strcmp(req->query[i].key, key) == 0 && strlen(key) == req->query[i].key_len) {
            v = req->query[i].value;
            *len = req->query[i].value_len;
        }
    }
    return v;
}

/* Python's int() of an id: "5", " 5 ", "+5" — but not "5.0", which int() refuses. */
static bool parse_id_text(const char *s, size_t n, int64_t *id)
{
    if (memchr(s, '.', n) || memchr(s, '\0', n))
        return false;
    return coerce_int_text(s, n, id) == 0;
}

/* An id filter naming an existing object; empty values do not filter. */
static int read_id_filter(struct request *req, struct db *db, const char *key, bool is_store,
                          int64_t *out, json_t *errors)
{
    size_t n = 0;
    const char *s = query_last(req, key, &n);
    int64_t id;
    struct cat_category c;
    *out = 0;
    if (!s || n == 0)
        return 0;
    if (!parse_id_text(s, n, &id) || id <= 0)
        return verr_add(errors, key, MSG_BAD_CHOICE);
    if (is_store) {
        if (!cat_store_exists(db, id))
            return verr_add(errors, key, MSG_BAD_CHOICE);
    } else {
        int rc = cat_category_get(db, req->arena, id, &c);
        if (rc)
            return rc == SHOP_ENOTFOUND ? verr_add(errors, key, MSG_BAD_CHOICE) : rc;
    }
    *out = id;
    return 0;
}

static int read_avail_filter(struct request *req, enum cat_avail *out, json_t *errors)
{
    size_t n = 0;
    const char *s = query_last(req, "is_available", &n);
    bool b;
    *out = CAT_AVAIL_ANY;
    if (!s || n == 0)
        return 0;
    if (coerce_bool_text(s, n, &b) != 0)
        return verr_add(errors, "is_available", "Must be a valid boolean.");
    *out = b ? CAT_AVAIL_YES : CAT_AVAIL_NO;
    return 0;
}

/* Fills f from the query: 0, or the status answered (400 with every bad filter). */
static int read_filters(struct request *req, struct db *db, struct cat_filter *f)
{
    const struct app *app = req->app;
    json_t *errors = errors_or_null(req);
    memset(f, 0, sizeof *f);
    f->counts = app->product_counts;
    if (!errors)
        return resp_from_err(req, SHOP_ENOMEM);
    int rc = read_id_filter(req, db, "category", false, &f->category_id, errors);
    if (!rc)
        rc = read_avail_filter(req, &f->avail, errors);
    if (!rc)
        rc = read_id_filter(req, db, "store", true, &f->store_id, errors);
    if (!rc)
        rc = search_terms(req->arena, req_query(req, "search"), &f->terms, &f->nterms);
    if (rc && rc != SHOP_EINVAL)
        return resp_from_err(req, rc);
    return json_object_size(errors) ? resp_errors(req, 400, errors) : 0;
}

struct page_read {
    struct arena *a;
    const struct cat_filter *f;
    struct page pg;
    struct cat_product *p;
    size_t n;
    int64_t count;
};

/* The count, the page and its media in one snapshot: the count matches the page. */
static int load_product_page(struct db *db, void *ctx)
{
    struct page_read *r = ctx;
    int rc = cat_products_page(db, r->a, r->f, r->pg.limit, r->pg.offset, &r->p, &r->n,
                               &r->count);
    return rc ? rc : cat_media_attach(db, r->a, r->p, r->n);
}

/* One page of products (none when empty): version-and-COUNT, SELECT and media SELECT. */
static int answer_product_page(struct request *req, struct db *db, const struct cat_filter *f,
                               bool empty)
{
    struct page_read r = {.a = req->arena, .f = f, .pg = page_from_request(req)};
    const char *base = req_base_url(req);
    int rc = base ? 0 : SHOP_ENOMEM;
    if (!rc && !empty)
        rc = db_read(db, load_product_page, &r);
    if (rc)
        return resp_from_err(req, rc);
    struct json_w w;
    resp_json_begin(req, 200, &w);
    page_begin(req, &w, r.pg, r.count);
    write_products(&w, base, r.p, r.n);
    page_end(&w);
    return 200;
}

int products_list(struct request *req)
{
    struct db *db;
    struct cat_filter f;
    int st = app_db_or_answer(req, &db);
    if (!st)
        st = read_filters(req, db, &f);
    return st ? st : answer_product_page(req, db, &f, false);
}

int products_by_category(struct request *req)
{
    struct db *db;
    struct cat_filter f;
    int st = app_db_or_answer(req, &db);
    if (!st)
        st = read_filters(req, db, &f);
    if (st)
        return st;
    struct cat_category c;
    const char *slug = arena_slice_dup(req->arena, req->params[0]);
    int rc = slug ? cat_category_by_slug(db, req->arena, slug, &c) : SHOP_ENOMEM;
    if (rc && rc != SHOP_ENOTFOUND)
        return resp_from_err(req, rc);
    /* an unknown slug (or a category filter naming another category) lists nothing */
    bool empty = rc == SHOP_ENOTFOUND || (f.category_id && f.category_id != c.id);
    if (!empty)
        f.category_id = c.id;
    return answer_product_page(req, db, &f, empty);
}

/* ---- categories (API.md §3.1) ---- */

static void write_category_fields(struct json_w *w, const struct cat_category *c)
{
    json_key_int(w, "id", c->id);
    json_key_str(w, "name", c->name);
    json_key_str(w, "slug", c->slug);
}

static int answer_category(struct request *req, int status, const struct cat_category *c)
{
    struct json_w w;
    resp_json_begin(req, status, &w);
    json_obj_begin(&w);
    write_category_fields(&w, c);
    json_obj_end(&w);
    return status;
}

int categories_list(struct request *req)
{
    struct db *db;
    int st = app_db_or_answer(req, &db);
    if (st)
        return st;
    struct page pg = page_from_request(req);
    char **terms;
    size_t nterms, n = 0;
    struct cat_category *c = NULL;
    int64_t count = 0;
    int rc = search_terms(req->arena, req_query(req, "search"), &terms, &nterms);
    if (!rc)
        rc = cat_categories_page(db, req->arena, terms, nterms, pg.limit, pg.offset, &c, &n,
                                 &count);
    if (rc)
        return resp_from_err(req, rc);
    struct json_w w;
    resp_json_begin(req, 200, &w);
    page_begin(req, &w, pg, count);
    for (size_t i = 0; i < n; i++) {
        json_obj_begin(&w);
        write_category_fields(&w, &c[i]);
        json_obj_end(&w);
    }
    page_end(&w);
    return 200;
}

/* The category named by the path's slug: 0, or the status answered (404). */
static int load_category(struct request *req, struct db *db, struct cat_category *c)
{
    const char *slug = arena_slice_dup(req->arena, req->params[0]);
    int rc = slug ? cat_category_by_slug(db, req->arena, slug, c) : SHOP_ENOMEM;
    if (rc == SHOP_ENOTFOUND)
        return resp_not_found(req);
    return rc ? resp_from_err(req, rc) : 0;
}

int categories_detail(struct request *req)
{
    struct db *db;
    struct cat_category c;
    int st = app_db_or_answer(req, &db);
    if (!st)
        st = load_category(req, db, &c);
    if (st)
        return st;
    struct cat_product *p;
    size_t n;
    const char *base = req_base_url(req);
    int rc = base ? cat_products_set(db, req->arena, false, c.id, &p, &n) : SHOP_ENOMEM;
    if (rc)
        return resp_from_err(req, rc);
    struct json_w w;
    resp_json_begin(req, 200, &w);
    json_obj_begin(&w);
    write_category_fields(&w, &c);
    json_key(&w, "product_set");
    json_arr_begin(&w);
    write_products(&w, base, p, n);
    json_arr_end(&w);
    json_obj_end(&w);
    return 200;
}

static const struct field category_fields[] = {
    { .name = "name", .type = F_STRING, .required = true, .max_len = 50 },
    { .name = "slug", .type = F_SLUG, .allow_null = true, .allow_blank = true, .max_len = 50 },
};
enum { C_NAME, C_SLUG, C_N };

static bool slug_given(const struct fval *v) { return v->present && !v->is_null && v->len; }

static void category_unique_errors(struct request *req, struct db *db, const struct fval *v,
                                   int64_t self_id, json_t *errors)
{
    if (v[C_NAME].present && cat_category_name_taken(db, req->arena, v[C_NAME].s, self_id))
        verr_add(errors, "name", "category with this name already exists.");
    if (slug_given(&v[C_SLUG]) && cat_category_slug_taken(db, v[C_SLUG].s, self_id))
        verr_add(errors, "slug", "category with this slug already exists.");
}

/* Validates a category body into c (old values kept for what the body leaves out): 0, or
 * the status answered. */
static int read_category(struct request *req, struct db *db, struct cat_category *c)
{
    struct fval v[C_N];
    json_t *errors = errors_or_null(req);
    int rc = errors ? run_fields(req, category_fields, C_N, v, errors, false) : SHOP_ENOMEM;
    if (rc)
        return resp_from_err(req, rc);
    category_unique_errors(req, db, v, c->id, errors);
    if (json_object_size(errors))
        return resp_errors(req, 400, errors);
    bool renamed = !c->name || strcmp(c->name, v[C_NAME].s) != 0;
    c->name = v[C_NAME].s;
    if (slug_given(&v[C_SLUG]))
        c->slug = v[C_SLUG].s;
    else if (renamed)
        c->slug = slug_unique(req->arena, db, c->name, cat_category_slug_taken, c->id);
    return c->slug ? 0 : resp_from_err(req, SHOP_ENOMEM);
}

struct category_tx {
    struct arena *a;
    struct cat_category *c;
    bool insert;
};

static int category_write_tx(struct db *db, void *ctx)
{
    struct category_tx *t = ctx;
    int64_t now = utc_now_us();
    return t->insert ? cat_category_insert(db, t->a, t->c, now)
                     : cat_category_update(db, t->a, t->c, now);
}

/* Runs the write; a unique violation (a concurrent writer) is answered like the check. */
static int write_category(struct request *req, struct db *db, struct cat_category *c,
                          bool insert)
{
    struct category_tx t = { req->arena, c, insert };
    int rc = db_tx(db, category_write_tx, &t);
    if (rc == SHOP_ECONFLICT) {
        json_t *errors = errors_or_null(req);
        if (!errors)
            return resp_from_err(req, SHOP_ENOMEM);
        if (cat_category_name_taken(db, req->arena, c->name, c->id))
            verr_add(errors, "name", "category with this name already exists.");
        else
            verr_add(errors, "slug", "category with this slug already exists.");
        return resp_errors(req, 400, errors);
    }
    if (rc)
        return rc == SHOP_ENOTFOUND ? resp_not_found(req) : resp_from_err(req, rc);
    return answer_category(req, insert ? 201 : 200, c);
}

int categories_create(struct request *req)
{
    struct db *db;
    struct cat_category c = { 0 };
    int st = app_db_or_answer(req, &db);
    if (!st)
        st = read_category(req, db, &c);
    return st ? st : write_category(req, db, &c, true);
}

int categories_update(struct request *req)
{
    struct db *db;
    struct cat_category c;
    int st = app_db_or_answer(req, &db);
    if (!st)
        st = load_category(req, db, &c);
    if (!st)
        st = read_category(req, db, &c);
    return st ? st : write_category(req, db, &c, false);
}

static int category_delete_tx(struct db *db, void *ctx)
{
    const struct cat_category *c = ctx;
    if (cat_category_has_products(db, c->id))
        return SHOP_ECONFLICT;
    return cat_category_delete(db, c->id);
}

int categories_destroy(struct request *req)
{
    struct db *db;
    struct cat_category c;
    int st = app_db_or_answer(req, &db);
    if (!st)
        st = load_category(req, db, &c);
    if (st)
        return st;
    int rc = db_tx(db, category_delete_tx, &c);
    /* a product added meanwhile fails the delete on its foreign key */
    if (rc == SHOP_ECONFLICT || (rc == SHOP_EDB && db_errkind(db) == DB_ERR_FOREIGN_KEY))
        return resp_kv(req, 400, "error", "Category has products");
    if (rc)
        return rc == SHOP_ENOTFOUND ? resp_not_found(req) : resp_from_err(req, rc);
    return resp_empty(req, 204);
}

/* ---- catalogue writers ---- */

struct caller {
    bool staff;
    int64_t store_id; /* the caller's active store, 0 = none */
};

/* Staff or vendor, else 403: 0 or the status answered. */
static int load_caller(struct request *req, struct db *db, struct caller *c)
{
    *c = (struct caller){ .staff = req->user && req->user->is_staff };
    if (!req->user)
        return resp_unauthenticated(req);
    int rc = stores_active_id_by_owner(db, req->user->id, &c->store_id);
    if (rc && rc != SHOP_ENOTFOUND)
        return resp_from_err(req, rc);
    return perm_staff_or_vendor(req, c->store_id != 0);
}

/* The active product of the path, writable by the caller: 0 or the status (404/403). */
static int load_writable(struct request *req, struct db *db, struct cat_product *p)
{
    int rc = cat_product_get(db, req->arena, router_param_id(req->params[0]), p);
    if (rc == SHOP_ENOTFOUND || (!rc && !p->is_active))
        return resp_not_found(req);
    if (rc)
        return resp_from_err(req, rc);
    return perm_staff_or_vendor_of(req, p->store_owner_id);
}

/* The start of every product write: database, caller, and (with_product) the product. */
static int begin_write(struct request *req, struct db **db, struct caller *who,
                       struct cat_product *p)
{
    int st = app_db_or_answer(req, db);
    if (!st)
        st = load_caller(req, *db, who);
    if (!st && p)
        st = load_writable(req, *db, p);
    return st;
}

/* DRF's PrimaryKeyRelatedField: a pk value naming an existing category (or active store):
 * *id, or a message under key. */
static int check_pk(struct request *req, struct db *db, const char *key, json_t *j,
                    bool is_store, int64_t *id, json_t *errors)
{
    char text[PYFLOAT_REPR_MAX];
    const char *shown = text;
    bool ok = false;
    if (json_is_integer(j)) {
        *id = json_integer_value(j);
        snprintf(text, sizeof text, "%lld", (long long)*id);
        ok = true;
    } else if (json_is_string(j)) {
        shown = json_string_value(j);
        ok = parse_id_text(shown, json_string_length(j), id);
    } else if (json_is_real(j)) {
        double d = json_real_value(j); /* Django's int() of an integral float: 5.0 is 5 */
        pyfloat_repr(text, d);
        ok = d > -1e15 && d < 1e15 && d == (double)(int64_t)d;
        *id = ok ? (int64_t)d : 0;
    }
    if (!ok)
        return verr_addf(errors, key, "Incorrect type. Expected pk value, received %s.",
                         json_py_type(j));
    struct cat_category c;
    int rc = is_store ? (cat_store_exists(db, *id) ? 0 : SHOP_ENOTFOUND)
                      : cat_category_get(db, req->arena, *id, &c);
    if (rc == SHOP_ENOTFOUND)
        return verr_addf(errors, key, "Invalid pk \"%s\" - object does not exist.", shown);
    return rc;
}

/* ---- products: writes ---- */

static const struct field product_fields[] = {
    { .name = "name", .type = F_STRING, .required = true, .max_len = 255 },
    { .name = "category", .type = F_ANY, .required = true },
    { .name = "description", .type = F_STRING, .allow_blank = true },
    { .name = "base_price", .type = F_MONEY, .required = true, .has_min = true, .min = 0 },
    { .name = "shipping_fee", .type = F_MONEY, .allow_null = true, .has_min = true, .min = 0 },
    { .name = "is_standalone", .type = F_BOOL },
};
enum { PF_NAME, PF_CATEGORY, PF_DESC, PF_PRICE, PF_FEE, PF_STANDALONE, PF_N };
/* Read only for standalone products (ignored otherwise). */
static const struct field stock_field[] = {
    { .name = "total_stock_level", .type = F_INT, .required = true, .has_min = true, .min = 0 },
};
/* Read only for staff (ignored for vendors). */
static const struct field store_field[] = {
    { .name = "store", .type = F_ANY, .allow_null = true },
};

enum write_mode { W_CREATE, W_PUT, W_PATCH };

struct product_in {
    struct cat_product p; /* the product as it will be */
    bool set_stock;
    int64_t stock;
};

/* Applies the validated main fields onto in->p, checking references and uniqueness. */
static int apply_product_fields(struct request *req, struct db *db, const struct fval *v,
                                struct product_in *in, json_t *errors)
{
    struct cat_product *p = &in->p;
    int rc = 0;
    if (v[PF_NAME].present) {
        p->name = v[PF_NAME].s;
        if (cat_product_name_taken(db, p->name, p->id))
            verr_add(errors, "name", "product with this name already exists.");
    }
    if (v[PF_CATEGORY].present)
        rc = check_pk(req, db, "category", v[PF_CATEGORY].json, false, &p->category_id,
                      errors);
    if (v[PF_DESC].present)
        p->description = v[PF_DESC].s;
    if (v[PF_PRICE].present)
        p->base_price = v[PF_PRICE].i;
    if (v[PF_FEE].present) {
        p->has_shipping_fee = !v[PF_FEE].is_null;
        p->shipping_fee = v[PF_FEE].i;
    }
    return rc;
}

static int read_store_field(struct request *req, struct db *db, bool partial,
                            struct product_in *in, json_t *errors)
{
    struct fval v[1];
    int rc = run_fields(req, store_field, 1, v, errors, partial);
    if (rc || !v[0].present)
        return rc;
    in->p.store_id = 0;
    return v[0].is_null ? 0 : check_pk(req, db, "store", v[0].json, true, &in->p.store_id, errors);
}

/* Validates a product body onto in (starting from old for updates): 0 or a shop_err;
 * field messages go to errors. */
static int read_product_body(struct request *req, struct db *db, const struct caller *who,
                             enum write_mode mode, struct product_in *in, json_t *errors)
{
    struct fval v[PF_N], sv[1];
    bool partial = mode == W_PATCH;
    int rc = run_fields(req, product_fields, PF_N, v, errors, partial);
    if (rc)
        return rc;
    if (mode == W_CREATE) {
        in->p.is_standalone = v[PF_STANDALONE].present ? v[PF_STANDALONE].b : true;
        in->p.description = "";
        in->p.store_id = who->staff ? 0 : who->store_id; /* a vendor's go to their store */
    }
    rc = apply_product_fields(req, db, v, in, errors); /* messages in field order */
    if (!rc && in->p.is_standalone) {
        rc = run_fields(req, stock_field, 1, sv, errors, partial);
        in->set_stock = sv[0].present;
        in->stock = sv[0].i;
    }
    return rc || !who->staff ? rc : read_store_field(req, db, partial, in, errors);
}

enum why { WHY_NONE, WHY_BASE_NEGATIVE, WHY_ADJ_NEGATIVE, WHY_STANDALONE };

struct product_tx {
    struct arena *a;
    struct product_in *in;
    enum why why;
};

static int product_create_tx(struct db *db, void *ctx)
{
    struct product_tx *t = ctx;
    struct cat_product *p = &t->in->p;
    int64_t now = utc_now_us();
    int rc = cat_product_insert(db, t->a, p, now);
    if (rc || !p->is_standalone)
        return rc;
    char sku[48];
    snprintf(sku, sizeof sku, SKU_RESERVED "%lld_DFLT", (long long)p->id);
    struct cat_variant v = { .product_id = p->id, .sku = sku, .stock_level = t->in->stock,
                             .is_default = true };
    rc = cat_variant_insert(db, &v, now);
    return rc ? rc : cat_product_refresh_totals(db, p->id);
}

static int product_update_tx(struct db *db, void *ctx)
{
    struct product_tx *t = ctx;
    struct cat_product *p = &t->in->p, cur;
    int64_t now = utc_now_us();
    t->why = WHY_NONE;
    int rc = cat_product_lock(db, p->id, &cur);
    if (rc)
        return rc;
    if (cur.has_min_adjustment && p->base_price + cur.min_adjustment < 0) {
        t->why = WHY_BASE_NEGATIVE;
        return SHOP_EINVAL;
    }
    rc = cat_product_update(db, t->a, p, now);
    if (rc || !cur.is_standalone || !t->in->set_stock)
        return rc;
    rc = cat_variant_set_standalone_stock(db, p->id, t->in->stock, now);
    return rc ? rc : cat_product_refresh_totals(db, p->id);
}

/* Maps a write transaction's result to an answer; 0 when it succeeded. */
static int answer_tx_error(struct request *req, int rc, enum why why, const char *conflict_key,
                           const char *conflict_msg)
{
    json_t *errors;
    if (rc == 0)
        return 0;
    if (rc == SHOP_ENOTFOUND)
        return resp_not_found(req);
    if (rc != SHOP_ECONFLICT && !(rc == SHOP_EINVAL && why != WHY_NONE))
        return resp_from_err(req, rc);
    errors = errors_or_null(req);
    if (!errors)
        return resp_from_err(req, SHOP_ENOMEM);
    if (rc == SHOP_ECONFLICT)
        verr_add(errors, conflict_key, conflict_msg);
    else if (why == WHY_STANDALONE)
        verr_add(errors, "non_field_errors", MSG_STANDALONE);
    else
        verr_add(errors, why == WHY_BASE_NEGATIVE ? "base_price" : "price_adjustment",
                 MSG_NEGATIVE);
    return resp_errors(req, 400, errors);
}

static int write_product(struct request *req, struct db *db, const struct caller *who,
                         enum write_mode mode, struct product_in *in)
{
    json_t *errors = errors_or_null(req);
    int rc = errors ? read_product_body(req, db, who, mode, in, errors) : SHOP_ENOMEM;
    if (rc)
        return resp_from_err(req, rc);
    if (json_object_size(errors))
        return resp_errors(req, 400, errors);
    struct product_tx t = { req->arena, in, WHY_NONE };
    rc = db_tx(db, mode == W_CREATE ? product_create_tx : product_update_tx, &t);
    int st = answer_tx_error(req, rc, t.why, "name", "product with this name already exists.");
    if (st)
        return st;
    return answer_detail(req, db, in->p.id, mode == W_CREATE ? 201 : 200);
}

int products_create(struct request *req)
{
    struct db *db;
    struct caller who;
    int st = begin_write(req, &db, &who, NULL);
    struct product_in in = { 0 };
    return st ? st : write_product(req, db, &who, W_CREATE, &in);
}

static int update_product(struct request *req, enum write_mode mode)
{
    struct db *db;
    struct caller who;
    struct product_in in = { 0 };
    int st = begin_write(req, &db, &who, &in.p);
    return st ? st : write_product(req, db, &who, mode, &in);
}

int products_update(struct request *req) { return update_product(req, W_PUT); }

int products_partial_update(struct request *req) { return update_product(req, W_PATCH); }

static int product_deactivate_tx(struct db *db, void *ctx)
{
    const struct cat_product *p = ctx;
    return cat_product_deactivate(db, p->id, utc_now_us());
}

int products_destroy(struct request *req)
{
    struct db *db;
    struct caller who;
    struct cat_product p;
    int st = begin_write(req, &db, &who, &p);
    if (st)
        return st;
    int rc = db_tx(db, product_deactivate_tx, &p);
    if (rc)
        return rc == SHOP_ENOTFOUND ? resp_not_found(req) : resp_from_err(req, rc);
    return resp_empty(req, 204);
}

int products_attributes(struct request *req)
{
    struct db *db;
    struct cat_product p;
    int st = app_db_or_answer(req, &db);
    if (st)
        return st;
    int rc = cat_product_get(db, req->arena, router_param_id(req->params[0]), &p);
    if (rc == SHOP_ENOTFOUND || (!rc && !p.is_active))
        return resp_not_found(req);
    struct cat_attribute *a = NULL;
    size_t n = 0;
    if (!rc)
        rc = cat_attributes_of(db, req->arena, p.id, &a, &n);
    if (rc)
        return resp_from_err(req, rc);
    struct json_w w;
    resp_json_begin(req, 200, &w);
    json_arr_begin(&w);
    for (size_t i = 0; i < n; i++) {
        json_obj_begin(&w);
        json_key_int(&w, "id", a[i].id);
        json_key_str(&w, "name", a[i].name);
        json_obj_end(&w);
    }
    json_arr_end(&w);
    return 200;
}

/* ---- variants ---- */

static const struct field variant_fields[] = {
    { .name = "sku", .type = F_STRING, .required = true, .max_len = 20 },
    { .name = "price_adjustment", .type = F_MONEY },
    { .name = "stock_level", .type = F_INT, .has_min = true, .min = 0 },
    { .name = "is_default", .type = F_BOOL },
    { .name = "attributes", .type = F_LIST },
};
enum { VF_SKU, VF_ADJ, VF_STOCK, VF_DEFAULT, VF_ATTRS, VF_N };

static const struct field attr_fields[] = {
    { .name = "attribute", .type = F_STRING, .required = true, .max_len = 255 },
    { .name = "value", .type = F_STRING, .required = true, .max_len = 255 },
};

static bool attr_seen(const struct cat_variant_attr *a, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(a[i].attribute, name) == 0)
            return true;
    return false;
}

/* One item of "attributes" into v->attrs[v->nattrs]; its messages go to e. */
static int read_attr_item(struct request *req, json_t *item, struct cat_variant *v, json_t *e)
{
    struct fval f[2];
    if (!json_is_object(item))
        return verr_addf(e, "non_field_errors",
                         "Invalid data. Expected a dictionary, but got %s.", json_py_type(item));
    int rc = validate(req->arena, item, attr_fields, 2, f, e);
    if (rc)
        return rc == SHOP_EINVAL ? 0 : rc;
    if (attr_seen(v->attrs, v->nattrs, f[0].s))
        return verr_add(e, "attribute", "This attribute is given more than once.");
    v->attrs[v->nattrs++] = (struct cat_variant_attr){ f[0].s, f[1].s };
    return 0;
}

/* The "attributes" list as DRF nests a many=True serializer's errors: one object per
 * item, {} for the good ones, only when some item failed. */
static int read_attrs(struct request *req, json_t *list, struct cat_variant *v,
                      json_t *errors)
{
    size_t n = json_array_size(list);
    json_t *item_errors = json_array();
    v->attrs = arena_calloc(req->arena, n ? n : 1, sizeof *v->attrs);
    v->nattrs = 0;
    if (!item_errors || !v->attrs) {
        json_decref(item_errors);
        return SHOP_ENOMEM;
    }
    bool bad = false;
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        json_t *e = json_object();
        rc = e ? read_attr_item(req, json_array_get(list, i), v, e) : SHOP_ENOMEM;
        bad = bad || (e && json_object_size(e) > 0);
        if (e && json_array_append_new(item_errors, e) != 0)
            rc = SHOP_ENOMEM;
    }
    if (!rc && bad)
        return json_object_set_new(errors, "attributes", item_errors) ? SHOP_ENOMEM : 0;
    json_decref(item_errors);
    return rc;
}

struct variant_in {
    struct cat_variant v; /* the variant as it will be */
    bool set_attrs;
};

static void check_sku(struct db *db, const struct fval *sku, const struct cat_variant *old,
                      json_t *errors)
{
    if (!sku->present || (old && strcmp(old->sku, sku->s) == 0))
        return; /* an unchanged SKU (a generated one included) is fine */
    if (strncmp(sku->s, SKU_RESERVED, strlen(SKU_RESERVED)) == 0)
        verr_add(errors, "sku", MSG_SKU_RESERVED);
    else if (cat_sku_taken(db, sku->s, old ? old->id : 0))
        verr_add(errors, "sku", MSG_SKU_TAKEN);
}

/* Validates a variant body onto in->v (which holds the old values for updates). */
static int read_variant_body(struct request *req, struct db *db, const struct cat_variant *old,
                             bool partial, struct variant_in *in, json_t *errors)
{
    struct fval v[VF_N];
    int rc = run_fields(req, variant_fields, VF_N, v, errors, partial);
    if (rc)
        return rc;
    check_sku(db, &v[VF_SKU], old, errors);
    if (v[VF_SKU].present)
        in->v.sku = v[VF_SKU].s;
    if (v[VF_ADJ].present)
        in->v.price_adjustment = v[VF_ADJ].i;
    if (v[VF_STOCK].present)
        in->v.stock_level = v[VF_STOCK].i;
    if (v[VF_DEFAULT].present)
        in->v.is_default = v[VF_DEFAULT].b;
    in->set_attrs = v[VF_ATTRS].present || !old;
    if (v[VF_ATTRS].present)
        return read_attrs(req, v[VF_ATTRS].json, &in->v, errors);
    return 0;
}

struct variant_tx {
    struct variant_in *in;
    bool create;
    enum why why;
};

/* The product rules a variant write must keep, checked under the product's lock. */
static int variant_rules(struct db *db, struct variant_tx *t)
{
    struct cat_product cur;
    int64_t nactive = 0;
    int rc = cat_product_lock(db, t->in->v.product_id, &cur);
    if (!rc && t->create && cur.is_standalone)
        rc = cat_product_active_variants(db, cur.id, &nactive);
    if (rc)
        return rc;
    if (nactive > 0)
        t->why = WHY_STANDALONE;
    else if (cur.base_price + t->in->v.price_adjustment < 0)
        t->why = WHY_ADJ_NEGATIVE;
    return t->why == WHY_NONE ? 0 : SHOP_EINVAL;
}

static int variant_write_tx(struct db *db, void *ctx)
{
    struct variant_tx *t = ctx;
    struct cat_variant *v = &t->in->v;
    int64_t now = utc_now_us();
    t->why = WHY_NONE;
    int rc = variant_rules(db, t);
    if (!rc)
        rc = t->create ? cat_variant_insert(db, v, now) : cat_variant_update(db, v, now);
    if (!rc && t->in->set_attrs)
        rc = cat_variant_set_attributes(db, v, now);
    return rc ? rc : cat_product_refresh_totals(db, v->product_id);
}

static int answer_variant(struct request *req, struct db *db, const struct cat_variant *v,
                          int status)
{
    struct cat_variant fresh;
    int rc = cat_variant_get(db, req->arena, v->product_id, v->id, &fresh);
    if (rc)
        return resp_from_err(req, rc);
    struct json_w w;
    resp_json_begin(req, status, &w);
    write_variant(&w, &fresh);
    return status;
}

static int write_variant_body(struct request *req, struct db *db, const struct cat_variant *old,
                              bool partial, struct variant_in *in)
{
    json_t *errors = errors_or_null(req);
    int rc = errors ? read_variant_body(req, db, old, partial, in, errors) : SHOP_ENOMEM;
    if (rc)
        return resp_from_err(req, rc);
    if (json_object_size(errors))
        return resp_errors(req, 400, errors);
    struct variant_tx t = { in, old == NULL, WHY_NONE };
    rc = db_tx(db, variant_write_tx, &t);
    int st = answer_tx_error(req, rc, t.why, "sku", MSG_SKU_TAKEN);
    return st ? st : answer_variant(req, db, &in->v, old ? 200 : 201);
}

int variants_create(struct request *req)
{
    struct db *db;
    struct caller who;
    struct cat_product p;
    int st = begin_write(req, &db, &who, &p);
    if (st)
        return st;
    struct variant_in in = { .v = { .product_id = p.id } };
    return write_variant_body(req, db, NULL, false, &in);
}

/* The active variant of the path's product: 0 or the status answered (404). */
static int load_variant(struct request *req, struct db *db, const struct cat_product *p,
                        struct cat_variant *v)
{
    int rc = cat_variant_get(db, req->arena, p->id, router_param_id(req->params[1]), v);
    if (rc == SHOP_ENOTFOUND || (!rc && !v->is_active))
        return resp_not_found(req);
    return rc ? resp_from_err(req, rc) : 0;
}

static int update_variant(struct request *req, bool partial)
{
    struct db *db;
    struct caller who;
    struct cat_product p;
    struct variant_in in = { 0 };
    int st = begin_write(req, &db, &who, &p);
    if (!st)
        st = load_variant(req, db, &p, &in.v);
    if (st)
        return st;
    struct cat_variant old = in.v;
    return write_variant_body(req, db, &old, partial, &in);
}

int variants_update(struct request *req) { return update_variant(req, false); }

int variants_partial_update(struct request *req) { return update_variant(req, true); }

static int variant_deactivate_tx(struct db *db, void *ctx)
{
    const struct cat_variant *v = ctx;
    struct cat_product cur;
    int rc = cat_product_lock(db, v->product_id, &cur);
    if (!rc)
        rc = cat_variant_deactivate(db, v->id, utc_now_us());
    return rc ? rc : cat_product_refresh_totals(db, v->product_id);
}

int variants_destroy(struct request *req)
{
    struct db *db;
    struct caller who;
    struct cat_product p;
    struct cat_variant v;
    int st = begin_write(req, &db, &who, &p);
    if (!st)
        st = load_variant(req, db, &p, &v);
    if (st)
        return st;
    int rc = db_tx(db, variant_deactivate_tx, &v);
    if (rc)
        return rc == SHOP_ENOTFOUND ? resp_not_found(req) : resp_from_err(req, rc);
    return resp_empty(req, 204);
}
