/* jobs_store: SQL for the background jobs table (DESIGN.md §7). So far only what
 * /metrics reads; the worker that claims jobs comes with the payment issue. */
#ifndef SHOPD_STORE_JOBS_STORE_H
#define SHOPD_STORE_JOBS_STORE_H

#include <stdint.h>

#include "db/db.h"

/* Jobs waiting to run (state "pending"): 0 and *n, or a shop_err. */
int jobs_count_pending(struct db *db, int64_t *n);

#endif
