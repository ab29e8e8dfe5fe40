/* catalogue_store: SQL for categories, products, variants and their attributes
 * (API.md §3.1–§3.2), plus the reads the catalogue renders from tables other modules
 * write (media, reviews, stores). Strings in returned structs live in the arena passed
 * in. Every function returns 0 or a negative shop_err (SHOP_ENOTFOUND when the row does
 * not exist, SHOP_ECONFLICT on a unique violation).
 *
 * Bounded queries: a product page costs one version-and-COUNT (the COUNT only when the
 * count cache cannot answer), one SELECT and one media SELECT whatever its size
 * (cat_media_attach takes at most CAT_PAGE_MAX products, bound into a fixed list of 10
 * or 100 placeholders); a product set (a category's or a store's products) is one
 * SELECT plus one media SELECT joined on the same scope. The SQL texts are all static:
 * filters choose among them, input is only ever bound. */
#ifndef SHOPD_STORE_CATALOGUE_STORE_H
#define SHOPD_STORE_CATALOGUE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "db/db.h"
#include "store/count_cache.h"
#include "store/media_store.h"

#define CAT_PAGE_MAX 100 /* the most products cat_media_attach takes (PAGE_MAX_LIMIT) */

struct cat_category {
    int64_t id;
    const char *name;
    const char *slug;
};

struct cat_product {
    int64_t id;
    const char *name;
    const char *description;
    int64_t category_id;
    const char *category_name;
    int64_t store_id;           /* 0 = none */
    const char *store_slug;     /* NULL when no store */
    int64_t store_owner_id;     /* 0 when no store or the store is inactive */
    int64_t base_price;         /* cents, the product's own */
    bool has_shipping_fee;
    int64_t shipping_fee;
    bool has_rating;
    int64_t rating;             /* x100 */
    bool is_standalone;
    int64_t total_stock_level, total_sold;
    bool has_min_adjustment;
    int64_t min_adjustment;     /* smallest adjustment among active variants */
    bool is_active;
    int64_t created_at, updated_at;
    struct media *media;    /* filled by cat_media_attach / cat_media_attach_set */
    size_t nmedia;
};

struct cat_variant_attr {
    const char *attribute;
    const char *value;
};

struct cat_variant {
    int64_t id;
    int64_t product_id;
    const char *sku;
    int64_t price_adjustment;
    int64_t stock_level, quantity_sold;
    bool is_default, is_active;
    int64_t created_at, updated_at;
    struct cat_variant_attr *attrs; /* attribute creation order */
    size_t nattrs;
};

struct cat_attribute {
    int64_t id;
    const char *name;
};

/* ---- categories ---- */

/* Categories ordered by folded name then id; terms (raw search terms, each matching the
 * name as a case-insensitive substring) may be empty. */
int cat_categories_page(struct db *db, struct arena *a, char **terms, size_t nterms,
                        int64_t limit, int64_t offset, struct cat_category **out, size_t *n,
                        int64_t *count);
int cat_category_get(struct db *db, struct arena *a, int64_t id, struct cat_category *out);
int cat_category_by_slug(struct db *db, struct arena *a, const char *slug,
                         struct cat_category *out);
/* Name comparison is on the folded name (case-insensitive). */
bool cat_category_name_taken(struct db *db, struct arena *a, const char *name,
                             int64_t except_id);
bool cat_category_slug_taken(struct db *db, const char *slug, int64_t except_id);
bool cat_category_has_products(struct db *db, int64_t id);
/* Inserts c (sets c->id) / updates name and slug of c->id / deletes. now in us. */
int cat_category_insert(struct db *db, struct arena *a, struct cat_category *c, int64_t now);
int cat_category_update(struct db *db, struct arena *a, const struct cat_category *c,
                        int64_t now);
int cat_category_delete(struct db *db, int64_t id);

/* ---- products ---- */

enum cat_avail { CAT_AVAIL_ANY = 0, CAT_AVAIL_YES, CAT_AVAIL_NO };

struct cat_filter {
    int64_t category_id;    /* 0 = any */
    int64_t store_id;       /* 0 = any */
    enum cat_avail avail;
    char **terms;           /* raw search terms; each must match the product name, the
                               category name or the store brand name */
    size_t nterms;
    struct count_cache *counts; /* counts remembered by catalogue version; NULL: count
                                   every time */
};

/* Active products in list order (-total_sold, -rating nulls last, id), without media.
 * The first statement reads the catalogue version and counts only when f->counts has no
 * count for this filter at that version (the version and the count come from one
 * snapshot); then the page, skipped when offset >= count. */
int cat_products_page(struct db *db, struct arena *a, const struct cat_filter *f,
                      int64_t limit, int64_t offset, struct cat_product **out, size_t *n,
                      int64_t *count);
/* Every active product of a category (by_store false) or a store (true), list order,
 * media attached: two statements. */
int cat_products_set(struct db *db, struct arena *a, bool by_store, int64_t id,
                     struct cat_product **out, size_t *n);
/* Any product, active or not (the caller decides); media not attached. */
int cat_product_get(struct db *db, struct arena *a, int64_t id, struct cat_product *out);
/* Attaches media to n <= CAT_PAGE_MAX products in one statement. */
int cat_media_attach(struct db *db, struct arena *a, struct cat_product *p, size_t n);
bool cat_product_name_taken(struct db *db, const char *name, int64_t except_id);
/* Inserts p (name, category, store, description, prices, is_standalone); sets p->id.
 * Counters start at 0: add variants, then cat_product_refresh_totals. */
int cat_product_insert(struct db *db, struct arena *a, struct cat_product *p, int64_t now);
/* Updates name, category, store, description, base price and shipping fee of an active
 * product; SHOP_ENOTFOUND when it is not active. */
int cat_product_update(struct db *db, struct arena *a, const struct cat_product *p,
                       int64_t now);
int cat_product_deactivate(struct db *db, int64_t id, int64_t now);
/* Serialises writes to one active product (a row lock on PostgreSQL; SQLite writers are
 * serialised already) and reads its current price facts. SHOP_ENOTFOUND when inactive. */
int cat_product_lock(struct db *db, int64_t id, struct cat_product *out);
/* Recomputes total_stock_level, total_sold and min_adjustment from active variants. Call
 * in the same transaction as every variant change. */
int cat_product_refresh_totals(struct db *db, int64_t id);
/* Number of active variants of a product. */
int cat_product_active_variants(struct db *db, int64_t id, int64_t *n);

/* ---- variants and attributes ---- */

/* Active variants of a product, most sold first then id, attributes attached: two
 * statements. */
int cat_variants_of(struct db *db, struct arena *a, int64_t product_id,
                    struct cat_variant **out, size_t *n);
/* One variant of a product (active or not), attributes attached. */
int cat_variant_get(struct db *db, struct arena *a, int64_t product_id, int64_t id,
                    struct cat_variant *out);
bool cat_sku_taken(struct db *db, const char *sku, int64_t except_id);
/* Inserts v (sets v->id) / updates sku, adjustment, stock, is_default of an active
 * variant / deactivates it. */
int cat_variant_insert(struct db *db, struct cat_variant *v, int64_t now);
int cat_variant_update(struct db *db, const struct cat_variant *v, int64_t now);
int cat_variant_deactivate(struct db *db, int64_t id, int64_t now);
/* Sets the stock of a standalone product's variant (its only active one). */
int cat_variant_set_standalone_stock(struct db *db, int64_t product_id, int64_t stock,
                                     int64_t now);
/* Replaces the variant's attribute values with v->attrs, creating attribute names new to
 * the product. Names must be distinct (the caller checks). */
int cat_variant_set_attributes(struct db *db, const struct cat_variant *v, int64_t now);
/* The product's attribute names in creation order. */
int cat_attributes_of(struct db *db, struct arena *a, int64_t product_id,
                      struct cat_attribute **out, size_t *n);

/* ---- read from other modules' tables ---- */

/* Whether an active store with this id exists (the caller's own store: stores_store.h). */
bool cat_store_exists(struct db *db, int64_t id);

/* ---- seed support ---- */

/* app_meta: *value (arena) or SHOP_ENOTFOUND / insert. */
int cat_meta_get(struct db *db, struct arena *a, const char *key, const char **value);
int cat_meta_set(struct db *db, const char *key, const char *value);

#endif
