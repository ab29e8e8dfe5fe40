/* stores_store: see stores_store.h. products_sold is a correlated SUM over the store's
 * products (index products_store); followers come from one extra query per list or
 * detail, never one per store. Boolean literals are written TRUE/FALSE, which both
 * SQLite (as 1/0) and PostgreSQL read. */
#include "store/stores_store.h"

#include <string.h>

#include "core/err.h"

#define STORE_COLS                                                                                 \
    "SELECT s.id, s.owner_id, s.brand_name, s.slug, s.about, "                                     \
    "CAST((SELECT COALESCE(SUM(p.total_sold), 0) FROM products p WHERE p.store_id = s.id) "        \
    "AS BIGINT) FROM stores s "

static int read_store(struct db_stmt *st, struct arena *a, struct store *s)
{
    memset(s, 0, sizeof *s);
    s->id = db_col_int(st, 0);
    s->owner_id = db_col_int(st, 1);
    s->brand_name = db_col_dup(st, 2, a);
    s->slug = db_col_dup(st, 3, a);
    s->about = db_col_dup(st, 4, a);
    s->products_sold = db_col_int(st, 5);
    return s->brand_name && s->slug && s->about ? 0 : SHOP_ENOMEM;
}

/* A growable arena array of int64. */
struct i64vec {
    int64_t *v;
    size_t n, cap;
};

static int i64vec_push(struct arena *a, struct i64vec *vec, int64_t x)
{
    int64_t *nv = arena_grow(a, vec->v, vec->n, &vec->cap, sizeof *nv);
    if (!nv)
        return SHOP_ENOMEM;
    vec->v = nv;
    vec->v[vec->n++] = x;
    return 0;
}

static int load_followers(struct db *db, struct arena *a, struct store *s)
{
    struct db_stmt *st = db_prepare(db, "SELECT customer_id FROM store_followers "
                                        "WHERE store_id = ? ORDER BY customer_id");
    if (!st)
        return SHOP_EDB;
    db_bind_int(st, 1, s->id);
    struct i64vec vec = {0};
    int rc;
    while ((rc = db_step(st)) == DB_ROW)
        if (i64vec_push(a, &vec, db_col_int(st, 0)) != 0) {
            rc = SHOP_ENOMEM;
            break;
        }
    db_stmt_release(st);
    s->followers = vec.v;
    s->nfollowers = vec.n;
    return rc == DB_DONE ? 0 : rc;
}

int stores_get_by_slug(struct db *db, struct arena *a, const char *slug, struct store *out)
{
    struct db_stmt *st = db_prepare(db, STORE_COLS "WHERE s.slug = ? AND s.is_active = TRUE");
    if (!st)
        return SHOP_EDB;
    db_bind_text(st, 1, slug, (size_t)-1);
    int rc = db_step(st);
    if (rc == DB_ROW)
        rc = read_store(st, a, out);
    else if (rc == DB_DONE)
        rc = SHOP_ENOTFOUND;
    db_stmt_release(st);
    return rc ? rc : load_followers(db, a, out);
}

int stores_active_id_by_owner(struct db *db, int64_t owner_id, int64_t *store_id)
{
    struct db_stmt *st =
        db_prepare(db, "SELECT id FROM stores WHERE owner_id = ? AND is_active = TRUE");
    if (!st)
        return SHOP_EDB;
    db_bind_int(st, 1, owner_id);
    int rc = db_step(st);
    if (rc == DB_ROW)
        *store_id = db_col_int(st, 0);
    db_stmt_release(st);
    return rc == DB_ROW ? 0 : rc == DB_DONE ? SHOP_ENOTFOUND : rc;
}

int stores_count_active(struct db *db, int64_t *count)
{
    struct db_stmt *st = db_prepare(db, "SELECT COUNT(*) FROM stores WHERE is_active = TRUE");
    if (!st)
        return SHOP_EDB;
    int rc = db_step(st);
    if (rc == DB_ROW)
        *count = db_col_int(st, 0);
    db_stmt_release(st);
    return rc == DB_ROW ? 0 : rc < 0 ? rc : SHOP_EDB;
}

static int list_page(struct db *db, struct arena *a, int64_t limit, int64_t offset,
                     struct store **out, size_t *n)
{
    struct db_stmt *st = db_prepare(db, STORE_COLS "WHERE s.is_active = TRUE "
                                                   "ORDER BY s.id LIMIT ? OFFSET ?");
    if (!st)
        return SHOP_EDB;
    db_bind_int(st, 1, limit);
    db_bind_int(st, 2, offset);
    struct store *v = arena_calloc(a, (size_t)(limit > 0 ? limit : 1), sizeof *v);
    int rc = v ? 0 : SHOP_ENOMEM;
    *n = 0;
    while (rc == 0 && *n < (size_t)limit) {
        int step = db_step(st);
        if (step != DB_ROW) {
            rc = step; /* DB_DONE is 0 */
            break;
        }
        rc = read_store(st, a, &v[(*n)++]);
    }
    db_stmt_release(st);
    *out = v;
    return rc;
}

/* Followers of the same page's stores, in one query, handed out to each store in
 * order (both the rows and the page are sorted by store id). */
static int page_followers(struct db *db, struct arena *a, int64_t limit, int64_t offset,
                          struct store *v, size_t n)
{
    struct db_stmt *st = db_prepare(
        db, "SELECT f.store_id, f.customer_id FROM store_followers f WHERE f.store_id IN "
            "(SELECT s.id FROM stores s WHERE s.is_active = TRUE ORDER BY s.id LIMIT ? "
            "OFFSET ?) ORDER BY f.store_id, f.customer_id");
    if (!st)
        return SHOP_EDB;
    db_bind_int(st, 1, limit);
    db_bind_int(st, 2, offset);
    struct i64vec vec = {0};
    size_t i = 0;
    int rc;
    while ((rc = db_step(st)) == DB_ROW) {
        int64_t sid = db_col_int(st, 0);
        while (i < n && v[i].id < sid)
            i++;
        if (i == n || v[i].id != sid)
            continue; /* a store that turned inactive between the two reads */
        if (v[i].nfollowers == 0)
            vec = (struct i64vec){0};
        if (i64vec_push(a, &vec, db_col_int(st, 1)) != 0) {
            rc = SHOP_ENOMEM;
            break;
        }
        v[i].followers = vec.v;
        v[i].nfollowers = vec.n;
    }
    db_stmt_release(st);
    return rc == DB_DONE ? 0 : rc;
}

int stores_list_active(struct db *db, struct arena *a, int64_t limit, int64_t offset,
                       struct store **out, size_t *n)
{
    int rc = list_page(db, a, limit, offset, out, n);
    if (rc || *n == 0)
        return rc;
    return page_followers(db, a, limit, offset, *out, *n);
}

bool stores_brand_taken(struct db *db, const char *brand, int64_t except_id)
{
    struct db_stmt *st = db_prepare(db, "SELECT 1 FROM stores WHERE brand_name = ? AND id <> ?");
    if (!st)
        return true;
    db_bind_text(st, 1, brand, (size_t)-1);
    db_bind_int(st, 2, except_id);
    return db_has_row(st) != 0;
}

bool stores_slug_taken(struct db *db, const char *slug, int64_t except_id)
{
    struct db_stmt *st = db_prepare(db, "SELECT 1 FROM stores WHERE slug = ? AND id <> ?");
    if (!st)
        return true;
    db_bind_text(st, 1, slug, (size_t)-1);
    db_bind_int(st, 2, except_id);
    return db_has_row(st) != 0;
}

static int set_vendor(struct db *db, int64_t customer_id, bool vendor)
{
    struct db_stmt *st = db_prepare(db, "UPDATE customers SET is_vendor = ? WHERE id = ?");
    if (!st)
        return SHOP_EDB;
    db_bind_bool(st, 1, vendor);
    db_bind_int(st, 2, customer_id);
    return db_run(st);
}

int stores_insert(struct db *db, struct store *s, int64_t now_us)
{
    struct db_stmt *st = db_prepare(
        db, "INSERT INTO stores (owner_id, brand_name, brand_fold, slug, about, is_active, "
            "created_at, updated_at) VALUES (?, ?, ?, ?, ?, TRUE, ?, ?) RETURNING id");
    if (!st)
        return SHOP_EDB;
    db_bind_int(st, 1, s->owner_id);
    db_bind_text(st, 2, s->brand_name, (size_t)-1);
    db_bind_text(st, 3, s->brand_fold, (size_t)-1);
    db_bind_text(st, 4, s->slug, (size_t)-1);
    db_bind_text(st, 5, s->about, (size_t)-1);
    db_bind_int(st, 6, now_us);
    db_bind_int(st, 7, now_us);
    int rc = db_step(st);
    if (rc == DB_ROW)
        s->id = db_col_int(st, 0);
    db_stmt_release(st);
    if (rc != DB_ROW)
        return rc < 0 ? rc : SHOP_EDB;
    return set_vendor(db, s->owner_id, true);
}

int stores_update(struct db *db, const struct store *s, int64_t now_us)
{
    struct db_stmt *st = db_prepare(db, "UPDATE stores SET brand_name = ?, brand_fold = ?, "
                                        "slug = ?, about = ?, updated_at = ? "
                                        "WHERE id = ? AND is_active = TRUE");
    if (!st)
        return SHOP_EDB;
    db_bind_text(st, 1, s->brand_name, (size_t)-1);
    db_bind_text(st, 2, s->brand_fold, (size_t)-1);
    db_bind_text(st, 3, s->slug, (size_t)-1);
    db_bind_text(st, 4, s->about, (size_t)-1);
    db_bind_int(st, 5, now_us);
    db_bind_int(st, 6, s->id);
    return db_run_one(st);
}

static int deactivate_products(struct db *db, int64_t store_id, int64_t now_us)
{
    struct db_stmt *st = db_prepare(db, "UPDATE products SET is_active = FALSE, updated_at = ? "
                                        "WHERE store_id = ? AND is_active = TRUE");
    if (!st)
        return SHOP_EDB;
    db_bind_int(st, 1, now_us);
    db_bind_int(st, 2, store_id);
    return db_run(st);
}

int stores_deactivate(struct db *db, int64_t id, int64_t owner_id, int64_t now_us)
{
    struct db_stmt *st = db_prepare(db, "UPDATE stores SET is_active = FALSE, updated_at = ? "
                                        "WHERE id = ? AND is_active = TRUE");
    if (!st)
        return SHOP_EDB;
    db_bind_int(st, 1, now_us);
    db_bind_int(st, 2, id);
    int rc = db_run_one(st);
    if (!rc)
        rc = deactivate_products(db, id, now_us);
    return rc ? rc : set_vendor(db, owner_id, false);
}

int stores_deactivate_by_owner(struct db *db, int64_t owner_id, int64_t now_us)
{
    int64_t id;
    int rc = stores_active_id_by_owner(db, owner_id, &id);
    if (rc == SHOP_ENOTFOUND)
        return 0;
    return rc ? rc : stores_deactivate(db, id, owner_id, now_us);
}

int stores_follow(struct db *db, int64_t store_id, int64_t customer_id)
{
    struct db_stmt *st = db_prepare(db, "INSERT INTO store_followers (store_id, customer_id) "
                                        "VALUES (?, ?) ON CONFLICT DO NOTHING");
    if (!st)
        return SHOP_EDB;
    db_bind_int(st, 1, store_id);
    db_bind_int(st, 2, customer_id);
    return db_run(st);
}

int stores_unfollow(struct db *db, int64_t store_id, int64_t customer_id)
{
    struct db_stmt *st = db_prepare(db, "DELETE FROM store_followers "
                                        "WHERE store_id = ? AND customer_id = ?");
    if (!st)
        return SHOP_EDB;
    db_bind_int(st, 1, store_id);
    db_bind_int(st, 2, customer_id);
    return db_run(st);
}
