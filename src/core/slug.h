/* slug: Django's slugify (API.md §0.1) — NFKD with non-ASCII dropped (no
 * transliteration), lower-cased, characters other than letters, digits, '_', '-' and
 * whitespace dropped, runs of whitespace and '-' turned into one '-', leading/trailing
 * '-' and '_' stripped, cut to 50 characters; empty becomes "n-a". The per-character
 * NFKD table is generated at build time (scripts/gen_slug_table.py). */
#ifndef SHOPD_CORE_SLUG_H
#define SHOPD_CORE_SLUG_H

#include <stdbool.h>
#include <stddef.h>

#include "core/arena.h"

#define SLUG_MAX 50

struct slug_fold {
    unsigned cp;
    const char *ascii;
};
extern const struct slug_fold slug_table[];
extern const unsigned slug_table_len;

/* Arena string; NULL when out of memory. Invalid UTF-8 bytes are dropped. */
char *slugify(struct arena *a, const char *s, size_t n);
/* A client-given slug must match [-a-zA-Z0-9_]+. */
bool slug_is_valid(const char *s, size_t n);

#endif
