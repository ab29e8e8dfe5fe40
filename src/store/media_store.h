/* media_store: SQL for product media rows (API.md §3.2); the files themselves live
 * under MEDIA_ROOT and are handled by app/media.c. Writers call media_lock_product first
 * in their transaction so that "one primary per product" holds under concurrent uploads.
 * Strings in returned structs live in the arena passed in. Functions return 0 or a
 * negative shop_err (SHOP_ENOTFOUND when the row does not exist). */
#ifndef SHOPD_STORE_MEDIA_STORE_H
#define SHOPD_STORE_MEDIA_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/arena.h"
#include "db/db.h"

struct media {
    int64_t id;
    int64_t product_id;
    const char *file;         /* "<uuid><ext>" under MEDIA_ROOT */
    const char *content_type; /* sniffed, e.g. image/png */
    const char *file_type;    /* image | video */
    int64_t file_size;        /* bytes */
    bool is_primary;
};

/* The owner of an active product's active store in *owner_id (0 when the product has
 * no store). SHOP_ENOTFOUND when the product is not active. */
int media_product_owner(struct db *db, int64_t product_id, int64_t *owner_id);
/* Serialises media writes of one active product (row lock on PostgreSQL; SQLite
 * writers are serialised already). SHOP_ENOTFOUND when the product is not active. */
int media_lock_product(struct db *db, int64_t product_id);
/* Inserts m; a primary one first clears the product's other primaries. Sets m->id. */
int media_insert(struct db *db, struct media *m, int64_t now_us);
/* One media row of a product. */
int media_get(struct db *db, struct arena *a, int64_t product_id, int64_t id, struct media *out);
int media_delete(struct db *db, int64_t id);
/* The stored content type of a file name; SHOP_ENOTFOUND when no row has that file. */
int media_content_type_of(struct db *db, struct arena *a, const char *file,
                          const char **content_type);

#endif
