/* seed: `shopd seed` (API.md §11.1) — a demo catalogue for trying the API: a demo vendor
 * customer and their store, six categories and 300 products (standalone ones and
 * multi-variant ones with attributes, some out of stock) so that lists page, filter and
 * search. Loaded once: a marker in app_meta makes a second run change nothing.
 * (The demo offer with a voucher comes with offers.) */
#ifndef SHOPD_APP_SEED_H
#define SHOPD_APP_SEED_H

#include <stdio.h>

#include "db/db.h"

/* Loads the demo catalogue in one transaction, unless it was loaded before. Reports on
 * out (the demo vendor's login, with a password generated for this database). Returns 0
 * (loaded, or already there) or a negative shop_err with a message on stderr. */
int seed_demo(struct db *db, FILE *out);

#endif
