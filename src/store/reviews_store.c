/* reviews_store: see reviews_store.h. The product lock is an UPDATE that changes
 * nothing ("rating = rating"): portable, and on PostgreSQL it takes the row lock so the
 * later SELECT of the mean (a new snapshot per statement under READ COMMITTED) sees
 * every review committed before ours. */
#include "store/reviews_store.h"

#include <string.h>

#include "core/err.h"

#define REVIEW_COLS                                                                                \
    "SELECT r.id, r.product_id, r.customer_id, c.email, r.review_text, r.rating, "                 \
    "r.sentiment, r.sentiment_score, r.is_active, r.created_at, r.updated_at "                     \
    "FROM reviews r JOIN customers c ON c.id = r.customer_id "                                     \
    "JOIN products p ON p.id = r.product_id "

static int read_review(struct db_stmt *st, struct arena *a, struct review *r)
{
    memset(r, 0, sizeof *r);
    r->id = db_col_int(st, 0);
    r->product_id = db_col_int(st, 1);
    r->customer_id = db_col_int(st, 2);
    r->user_email = db_col_dup(st, 3, a);
    r->review_text = db_col_dup(st, 4, a);
    r->rating = db_col_int(st, 5);
    r->sentiment = db_col_null(st, 6) ? NULL : db_col_dup(st, 6, a);
    r->has_sentiment_score = !db_col_null(st, 7);
    r->sentiment_score = db_col_double(st, 7);
    r->is_active = db_col_bool(st, 8);
    r->created_at = db_col_int(st, 9);
    r->updated_at = db_col_int(st, 10);
    bool oom = !r->user_email || !r->review_text || (!db_col_null(st, 6) && !r->sentiment);
    return oom ? SHOP_ENOMEM : 0;
}

int reviews_product_active(struct db *db, int64_t product_id)
{
    struct db_stmt *st = db_prepare(db, "SELECT 1 FROM products WHERE id = ? AND is_active = TRUE");
    if (!st)
        return SHOP_EDB;
    db_bind_int(st, 1, product_id);
    int rc = db_has_row(st);
    return rc == 1 ? 0 : rc == 0 ? SHOP_ENOTFOUND : rc;
}

bool reviews_has_purchase(struct db *db, int64_t customer_id, int64_t product_id)
{
    struct db_stmt *st =
        db_prepare(db, "SELECT 1 FROM purchases WHERE customer_id = ? AND product_id = ?");
    if (!st)
        return false;
    db_bind_int(st, 1, customer_id);
    db_bind_int(st, 2, product_id);
    return db_has_row(st) == 1;
}

bool reviews_exists_for(struct db *db, int64_t customer_id, int64_t product_id)
{
    struct db_stmt *st =
        db_prepare(db, "SELECT 1 FROM reviews WHERE customer_id = ? AND product_id = ?");
    if (!st)
        return true;
    db_bind_int(st, 1, customer_id);
    db_bind_int(st, 2, product_id);
    return db_has_row(st) != 0;
}

int reviews_list(struct db *db, struct arena *a, int64_t product_id, struct review **out, size_t *n)
{
    struct db_stmt *st = db_prepare(
        db, REVIEW_COLS "WHERE r.product_id = ? AND r.is_active = TRUE AND p.is_active = TRUE "
                        "ORDER BY r.created_at DESC, r.id DESC");
    if (!st)
        return SHOP_EDB;
    db_bind_int(st, 1, product_id);
    size_t cap = 0;
    int rc = 0;
    *out = NULL;
    *n = 0;
    while (rc == 0) {
        int step = db_step(st);
        if (step != DB_ROW) {
            rc = step; /* DB_DONE is 0 */
            break;
        }
        struct review *nv = arena_grow(a, *out, *n, &cap, sizeof *nv);
        if (!nv) {
            rc = SHOP_ENOMEM;
            break;
        }
        *out = nv;
        rc = read_review(st, a, &(*out)[(*n)++]);
    }
    db_stmt_release(st);
    return rc;
}

int reviews_get(struct db *db, struct arena *a, int64_t product_id, int64_t id, struct review *out)
{
    struct db_stmt *st =
        db_prepare(db, REVIEW_COLS "WHERE r.id = ? AND r.product_id = ? AND r.is_active = TRUE "
                                   "AND p.is_active = TRUE");
    if (!st)
        return SHOP_EDB;
    db_bind_int(st, 1, id);
    db_bind_int(st, 2, product_id);
    int rc = db_step(st);
    if (rc == DB_ROW)
        rc = read_review(st, a, out);
    else if (rc == DB_DONE)
        rc = SHOP_ENOTFOUND;
    db_stmt_release(st);
    return rc;
}

int reviews_lock_product(struct db *db, int64_t product_id)
{
    struct db_stmt *st =
        db_prepare(db, "UPDATE products SET rating = rating WHERE id = ? AND is_active = TRUE");
    if (!st)
        return SHOP_EDB;
    db_bind_int(st, 1, product_id);
    return db_run_one(st);
}

int reviews_insert(struct db *db, struct review *r, int64_t now_us)
{
    struct db_stmt *st = db_prepare(
        db, "INSERT INTO reviews (product_id, customer_id, review_text, rating, is_active, "
            "created_at, updated_at) VALUES (?, ?, ?, ?, TRUE, ?, ?) RETURNING id");
    if (!st)
        return SHOP_EDB;
    db_bind_int(st, 1, r->product_id);
    db_bind_int(st, 2, r->customer_id);
    db_bind_text(st, 3, r->review_text, (size_t)-1);
    db_bind_int(st, 4, r->rating);
    db_bind_int(st, 5, now_us);
    db_bind_int(st, 6, now_us);
    int rc = db_step(st);
    if (rc == DB_ROW)
        r->id = db_col_int(st, 0);
    db_stmt_release(st);
    if (rc != DB_ROW)
        return rc < 0 ? rc : SHOP_EDB;
    r->is_active = true;
    r->created_at = r->updated_at = now_us;
    return 0;
}

int reviews_update(struct db *db, struct review *r, int64_t now_us)
{
    struct db_stmt *st = db_prepare(
        db, "UPDATE reviews SET review_text = ?, rating = ?, updated_at = ? WHERE id = ?");
    if (!st)
        return SHOP_EDB;
    db_bind_text(st, 1, r->review_text, (size_t)-1);
    db_bind_int(st, 2, r->rating);
    db_bind_int(st, 3, now_us);
    db_bind_int(st, 4, r->id);
    int rc = db_run_one(st);
    if (!rc)
        r->updated_at = now_us;
    return rc;
}

int reviews_delete(struct db *db, int64_t id)
{
    struct db_stmt *st = db_prepare(db, "DELETE FROM reviews WHERE id = ?");
    if (!st)
        return SHOP_EDB;
    db_bind_int(st, 1, id);
    return db_run_one(st);
}

int64_t reviews_mean_x100(int64_t sum, int64_t count)
{
    /* floor(sum * 100 / count + 1/2) in integers */
    return (sum * 200 + count) / (2 * count);
}

int reviews_refresh_rating(struct db *db, int64_t product_id)
{
    struct db_stmt *st = db_prepare(db, "SELECT COUNT(*), CAST(COALESCE(SUM(rating), 0) AS "
                                        "BIGINT) FROM reviews WHERE product_id = ? AND "
                                        "is_active = TRUE");
    if (!st)
        return SHOP_EDB;
    db_bind_int(st, 1, product_id);
    int rc = db_step(st);
    int64_t count = rc == DB_ROW ? db_col_int(st, 0) : 0;
    int64_t sum = rc == DB_ROW ? db_col_int(st, 1) : 0;
    db_stmt_release(st);
    if (rc != DB_ROW)
        return rc < 0 ? rc : SHOP_EDB;
    st = db_prepare(db, "UPDATE products SET rating = ? WHERE id = ?");
    if (!st)
        return SHOP_EDB;
    if (count > 0)
        db_bind_int(st, 1, reviews_mean_x100(sum, count));
    else
        db_bind_null(st, 1);
    db_bind_int(st, 2, product_id);
    return db_run(st);
}
