/* stores_store: SQL for stores and their followers (API.md §4). A store is never
 * erased: deleting it (or deactivating its owner) sets is_active false, takes its
 * products off sale and ends the owner's vendor status, in the caller's transaction.
 * Reads return active stores only; brand names and slugs stay taken by inactive ones.
 * Strings in returned structs live in the arena passed in. Functions return 0 or a
 * negative shop_err (SHOP_ENOTFOUND: no such active store; SHOP_ECONFLICT: a unique
 * brand name, slug or one-active-store-per-owner violation). */
#ifndef SHOPD_STORE_STORES_STORE_H
#define SHOPD_STORE_STORES_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/arena.h"
#include "db/db.h"

struct store {
    int64_t id;
    int64_t owner_id;
    const char *brand_name;
    const char *brand_fold; /* case-folded brand name (core/fold.h); input only */
    const char *slug;
    const char *about;
    int64_t products_sold;    /* sum of total_sold over the store's products */
    const int64_t *followers; /* customer ids, ascending */
    size_t nfollowers;
};

/* One active store with its followers and products_sold. */
int stores_get_by_slug(struct db *db, struct arena *a, const char *slug, struct store *out);
/* The caller's active store id; SHOP_ENOTFOUND when the customer owns none. */
int stores_active_id_by_owner(struct db *db, int64_t owner_id, int64_t *store_id);
int stores_count_active(struct db *db, int64_t *count);
/* A page of active stores by id, followers and products_sold included, in three
 * queries whatever the page size. *out is an arena array of *n stores. */
int stores_list_active(struct db *db, struct arena *a, int64_t limit, int64_t offset,
                       struct store **out, size_t *n);

/* Uniqueness over every store, inactive ones included (their names stay taken). The
 * store except_id is not counted (0 = none). Errors count as taken (fail closed). */
bool stores_brand_taken(struct db *db, const char *brand, int64_t except_id);
bool stores_slug_taken(struct db *db, const char *slug, int64_t except_id);

/* Inserts s (active, no followers) and makes its owner a vendor; sets s->id. */
int stores_insert(struct db *db, struct store *s, int64_t now_us);
/* Updates brand name (and fold), slug and about of s->id. */
int stores_update(struct db *db, const struct store *s, int64_t now_us);
/* Deactivates the active store id of owner_id, its products and the owner's vendor
 * flag. SHOP_ENOTFOUND when it was not active (a concurrent delete). */
int stores_deactivate(struct db *db, int64_t id, int64_t owner_id, int64_t now_us);
/* The same for the store owner_id owns, if any (0 when there is none). */
int stores_deactivate_by_owner(struct db *db, int64_t owner_id, int64_t now_us);

/* Idempotent: following twice or unfollowing a store not followed is 0. */
int stores_follow(struct db *db, int64_t store_id, int64_t customer_id);
int stores_unfollow(struct db *db, int64_t store_id, int64_t customer_id);

#endif
