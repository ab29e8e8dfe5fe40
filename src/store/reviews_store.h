/* reviews_store: SQL for product reviews (API.md §3.3), the purchase check they need
 * and the product rating they maintain. Writers call reviews_lock_product first in their
 * transaction and reviews_refresh_rating last, so that concurrent reviews of one product
 * never compute the mean from a stale snapshot (PostgreSQL READ COMMITTED).
 * Strings in returned structs live in the arena passed in. Functions return 0 or a
 * negative shop_err (SHOP_ENOTFOUND: no such row; SHOP_ECONFLICT: a second review by
 * the same customer for the same product). */
#ifndef SHOPD_STORE_REVIEWS_STORE_H
#define SHOPD_STORE_REVIEWS_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "db/db.h"

struct review {
    int64_t id;
    int64_t product_id;
    int64_t customer_id;
    const char *user_email; /* the reviewer's email (read only) */
    const char *review_text;
    int64_t rating;        /* 1..5 */
    const char *sentiment; /* NULL = null */
    bool has_sentiment_score;
    double sentiment_score;
    bool is_active;
    int64_t created_at, updated_at; /* us */
};

/* Whether the product exists and is active (SHOP_ENOTFOUND otherwise). */
int reviews_product_active(struct db *db, int64_t product_id);
/* Whether the customer has paid for the product (the purchases table). Errors: false. */
bool reviews_has_purchase(struct db *db, int64_t customer_id, int64_t product_id);
/* Whether the customer has a review of the product. Errors: true (fail closed). */
bool reviews_exists_for(struct db *db, int64_t customer_id, int64_t product_id);
/* Active reviews of an active product, newest first; *out is an arena array. */
int reviews_list(struct db *db, struct arena *a, int64_t product_id, struct review **out,
                 size_t *n);
/* One active review of an active product. */
int reviews_get(struct db *db, struct arena *a, int64_t product_id, int64_t id, struct review *out);

/* Serialises review writes of one active product (row lock on PostgreSQL; SQLite
 * writers are serialised already). SHOP_ENOTFOUND when the product is not active. */
int reviews_lock_product(struct db *db, int64_t product_id);
/* Inserts r (active, no sentiment) with created/updated = now_us; sets r->id. */
int reviews_insert(struct db *db, struct review *r, int64_t now_us);
/* Updates text and rating of r->id and sets r->updated_at = now_us. */
int reviews_update(struct db *db, struct review *r, int64_t now_us);
/* Erases the review. */
int reviews_delete(struct db *db, int64_t id);
/* products.rating := mean of the product's active reviews x 100, rounded half up (NULL
 * when none). */
int reviews_refresh_rating(struct db *db, int64_t product_id);
/* The rounding used by reviews_refresh_rating, exposed for tests: sum / count x 100,
 * half up; count > 0, sum >= 0. */
int64_t reviews_mean_x100(int64_t sum, int64_t count);

#endif
