/* fold: Unicode simple case folding, for case-insensitive search and ordering that
 * behave the same on SQLite and PostgreSQL (API.md §0.3): names are stored folded in
 * *_fold columns and search terms are folded the same way, then compared with LIKE.
 * The table is generated at build time (scripts/gen_fold_table.py). */
#ifndef SHOPD_CORE_FOLD_H
#define SHOPD_CORE_FOLD_H

#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"

struct fold_pair {
    uint32_t from;
    uint32_t to;
};
extern const struct fold_pair fold_table[];
extern const unsigned fold_table_len;

uint32_t fold_cp(uint32_t cp);
/* Folded copy of s (arena string); invalid UTF-8 bytes are kept as they are. */
char *fold_str(struct arena *a, const char *s, size_t n);
/* A LIKE pattern matching term as a substring: folded, with '%', '_' and '\' escaped
 * by '\' (use with ESCAPE '\'), wrapped in '%'. Arena string. */
char *fold_like_pattern(struct arena *a, const char *term, size_t n);

#endif
