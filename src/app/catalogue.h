/* catalogue: rendering shared with other resources (the store detail's product_set).
 * The catalogue's handlers themselves are declared in app/handlers.h. */
#ifndef SHOPD_APP_CATALOGUE_H
#define SHOPD_APP_CATALOGUE_H

#include <stdint.h>

#include "core/json.h"
#include "db/db.h"
#include "http/request.h"

/* Writes, as one JSON array value, the product list objects (API.md §3.2) of every
 * active product of the store, in list order: two statements whatever their number.
 * Returns 0 or a shop_err (then the caller answers with resp_from_err; what was written
 * is discarded with the body). */
int catalogue_write_store_products(struct request *req, struct db *db, struct json_w *w,
                                   int64_t store_id);

#endif
