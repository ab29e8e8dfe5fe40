/* json: the one JSON writer. Streams into a struct buf; never builds a tree.
 * Commas and nesting are tracked by the writer (max depth JSON_MAX_DEPTH); strings are
 * always escaped: quotes, backslash, control characters (\n \t ... or \u00XX), and
 * invalid UTF-8 sequences replaced by U+FFFD, so output is always valid JSON/UTF-8;
 * U+2028/U+2029 are written as \u2028/\u2029 as DRF's renderer does.
 * Output matches DRF's compact renderer: no spaces, non-ASCII written as UTF-8.
 * Errors are the buffer's sticky error; a nesting error marks the buffer failed. */
#ifndef SHOPD_CORE_JSON_H
#define SHOPD_CORE_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/buf.h"
#include "core/slice.h"

#define JSON_MAX_DEPTH 32

struct json_w {
    struct buf *b;
    int depth;
    bool need_comma[JSON_MAX_DEPTH + 1];
    bool after_key;
};

void json_init(struct json_w *w, struct buf *b);

void json_obj_begin(struct json_w *w);
void json_obj_end(struct json_w *w);
void json_arr_begin(struct json_w *w);
void json_arr_end(struct json_w *w);

/* A key of n bytes. json_key and the shorthands below are inline so that the length of
 * a literal key is known at compile time (keys are written for every field of every
 * object: the writer's most frequent call). */
void json_key_n(struct json_w *w, const char *key, size_t n);
static inline void json_key(struct json_w *w, const char *key)
{
    json_key_n(w, key, key ? strlen(key) : 0);
}

/* Values (inside arrays, or after json_key). */
void json_str(struct json_w *w, const char *s);          /* NULL writes null */
void json_strn(struct json_w *w, const char *s, size_t n);
/* One string value made of several pieces (a URL from base, path and slug) without
 * building it first. NULL pieces are skipped. Each piece is escaped on its own, so a
 * UTF-8 sequence must not be split between two. */
void json_str_parts(struct json_w *w, const char *const *parts, size_t n);
void json_slice(struct json_w *w, struct slice s);
void json_int(struct json_w *w, int64_t v);
void json_bool(struct json_w *w, bool v);
/* Not json_null: jansson (included with this header by http/request.h) owns that name. */
void json_null_value(struct json_w *w);
void json_double(struct json_w *w, double v, int decimals); /* fixed decimals, trims to DRF's form */
void json_money_str(struct json_w *w, int64_t cents);    /* "149.99" */
void json_money_num(struct json_w *w, int64_t cents);    /* 149.99, 150.0, 150.5: Python float repr */
void json_time(struct json_w *w, int64_t us);            /* "2024-01-15T10:30:00.123456Z" */
void json_raw(struct json_w *w, const char *text, size_t n); /* pre-rendered, trusted JSON */

/* key + value shorthands */
static inline void json_key_str(struct json_w *w, const char *k, const char *s)
{
    json_key(w, k);
    json_str(w, s);
}
static inline void json_key_strn(struct json_w *w, const char *k, const char *s, size_t n)
{
    json_key(w, k);
    json_strn(w, s, n);
}
static inline void json_key_int(struct json_w *w, const char *k, int64_t v)
{
    json_key(w, k);
    json_int(w, v);
}
static inline void json_key_bool(struct json_w *w, const char *k, bool v)
{
    json_key(w, k);
    json_bool(w, v);
}
static inline void json_key_null(struct json_w *w, const char *k)
{
    json_key(w, k);
    json_null_value(w);
}
static inline void json_key_money_str(struct json_w *w, const char *k, int64_t cents)
{
    json_key(w, k);
    json_money_str(w, cents);
}
static inline void json_key_money_num(struct json_w *w, const char *k, int64_t cents)
{
    json_key(w, k);
    json_money_num(w, cents);
}
static inline void json_key_time(struct json_w *w, const char *k, int64_t us)
{
    json_key(w, k);
    json_time(w, us);
}

/* Escapes s into b as a quoted JSON string (used by the writer; exposed for tests). */
void json_escape(struct buf *b, const char *s, size_t n);

#endif
