/* slugs: unique slugs for any table (customers, categories, stores): slugify the text,
 * then append -2, -3, ... until the table's own check says the slug is free. */
#ifndef SHOPD_APP_SLUGS_H
#define SHOPD_APP_SLUGS_H

#include <stdbool.h>
#include <stdint.h>

#include "core/arena.h"
#include "db/db.h"

/* True when another row than self_id (0: none) already has slug. */
typedef bool (*slug_taken_fn)(struct db *db, const char *slug, int64_t self_id);

/* Arena string; NULL when out of memory or after 1000 clashes. The caller's unique
 * constraint still decides races: this only picks a likely-free candidate. */
const char *slug_unique(struct arena *a, struct db *db, const char *text, slug_taken_fn taken,
                        int64_t self_id);

#endif
