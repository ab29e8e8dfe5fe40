/* media_store: see media_store.h. The product lock is an UPDATE that changes nothing,
 * portable across both databases (a row lock on PostgreSQL). */
#include "store/media_store.h"

#include <string.h>

#include "core/err.h"

int media_product_owner(struct db *db, int64_t product_id, int64_t *owner_id)
{
    struct db_stmt *st =
        db_prepare(db, "SELECT s.owner_id FROM products p LEFT JOIN stores s ON s.id = p.store_id "
                       "AND s.is_active = TRUE WHERE p.id = ? AND p.is_active = TRUE");
    if (!st)
        return SHOP_EDB;
    db_bind_int(st, 1, product_id);
    int rc = db_step(st);
    if (rc == DB_ROW)
        *owner_id = db_col_null(st, 0) ? 0 : db_col_int(st, 0);
    db_stmt_release(st);
    return rc == DB_ROW ? 0 : rc == DB_DONE ? SHOP_ENOTFOUND : rc;
}

int media_lock_product(struct db *db, int64_t product_id)
{
    struct db_stmt *st = db_prepare(
        db, "UPDATE products SET updated_at = updated_at WHERE id = ? AND is_active = TRUE");
    if (!st)
        return SHOP_EDB;
    db_bind_int(st, 1, product_id);
    return db_run_one(st);
}

static int clear_primary(struct db *db, int64_t product_id)
{
    struct db_stmt *st = db_prepare(db, "UPDATE media SET is_primary = FALSE "
                                        "WHERE product_id = ? AND is_primary = TRUE");
    if (!st)
        return SHOP_EDB;
    db_bind_int(st, 1, product_id);
    return db_run(st);
}

int media_insert(struct db *db, struct media *m, int64_t now_us)
{
    if (m->is_primary) {
        int rc = clear_primary(db, m->product_id);
        if (rc)
            return rc;
    }
    struct db_stmt *st =
        db_prepare(db, "INSERT INTO media (product_id, file, content_type, file_type, file_size, "
                       "is_primary, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id");
    if (!st)
        return SHOP_EDB;
    db_bind_int(st, 1, m->product_id);
    db_bind_text(st, 2, m->file, (size_t)-1);
    db_bind_text(st, 3, m->content_type, (size_t)-1);
    db_bind_text(st, 4, m->file_type, (size_t)-1);
    db_bind_int(st, 5, m->file_size);
    db_bind_bool(st, 6, m->is_primary);
    db_bind_int(st, 7, now_us);
    int rc = db_step(st);
    if (rc == DB_ROW)
        m->id = db_col_int(st, 0);
    db_stmt_release(st);
    return rc == DB_ROW ? 0 : rc < 0 ? rc : SHOP_EDB;
}

int media_get(struct db *db, struct arena *a, int64_t product_id, int64_t id, struct media *out)
{
    struct db_stmt *st = db_prepare(db, "SELECT id, product_id, file, content_type, file_type, "
                                        "file_size, is_primary FROM media "
                                        "WHERE id = ? AND product_id = ?");
    if (!st)
        return SHOP_EDB;
    db_bind_int(st, 1, id);
    db_bind_int(st, 2, product_id);
    int rc = db_step(st);
    if (rc == DB_ROW) {
        out->id = db_col_int(st, 0);
        out->product_id = db_col_int(st, 1);
        out->file = db_col_dup(st, 2, a);
        out->content_type = db_col_dup(st, 3, a);
        out->file_type = db_col_dup(st, 4, a);
        out->file_size = db_col_int(st, 5);
        out->is_primary = db_col_bool(st, 6);
        rc = out->file && out->content_type && out->file_type ? 0 : SHOP_ENOMEM;
    } else if (rc == DB_DONE) {
        rc = SHOP_ENOTFOUND;
    }
    db_stmt_release(st);
    return rc;
}

int media_delete(struct db *db, int64_t id)
{
    struct db_stmt *st = db_prepare(db, "DELETE FROM media WHERE id = ?");
    if (!st)
        return SHOP_EDB;
    db_bind_int(st, 1, id);
    return db_run_one(st);
}

int media_content_type_of(struct db *db, struct arena *a, const char *file,
                          const char **content_type)
{
    struct db_stmt *st = db_prepare(db, "SELECT content_type FROM media WHERE file = ?");
    if (!st)
        return SHOP_EDB;
    db_bind_text(st, 1, file, (size_t)-1);
    int rc = db_step(st);
    if (rc == DB_ROW) {
        *content_type = db_col_dup(st, 0, a);
        rc = *content_type ? 0 : SHOP_ENOMEM;
    } else if (rc == DB_DONE) {
        rc = SHOP_ENOTFOUND;
    }
    db_stmt_release(st);
    return rc;
}
