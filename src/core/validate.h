/* validate: the one request-body validator. A handler declares a table of field rules;
 * validate() checks a parsed JSON object against it with DRF's coercion rules
 * (API.md §0.1) and produces DRF's messages (API.md §0.2) into an errors object
 * {"field": ["message", ...], "nested": {"field": [...]}} (a jansson object, rendered by
 * the response helper). Fields not in the table are ignored: no mass assignment. */
#ifndef SHOPD_CORE_VALIDATE_H
#define SHOPD_CORE_VALIDATE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"

enum field_type {
    F_STRING,   /* strings and numbers (as Python's str()), trimmed unless .no_trim */
    F_INT,      /* integers, integral numbers, numeric strings; range defaults to int32
                   on each side that has no explicit bound */
    F_BOOL,     /* DRF boolean spellings; with allow_null also "null"/"Null"/"NULL"/"" */
    F_MONEY,    /* decimal with <= 2 places -> cents (DRF DecimalField messages) */
    F_DATE,     /* YYYY-MM-DD -> days since epoch */
    F_DATETIME, /* ISO 8601 -> microseconds; outside years 1..9999 after the offset:
                   "Datetime value out of range." */
    F_EMAIL,    /* string + Django's EmailValidator, lower-cased domain; max_len 0 = 254 */
    F_SLUG,     /* string matching [-a-zA-Z0-9_]+ */
    F_CHOICE,   /* str(value) must equal one of .choices (no trimming) */
    F_OBJECT,   /* nested object validated against .nested */
    F_LIST,     /* any JSON array, handed to the caller raw */
    F_ANY,      /* any JSON value, handed to the caller raw */
};

struct field {
    const char *name;
    enum field_type type;
    bool required;
    bool allow_null;
    bool allow_blank;
    bool no_trim;
    size_t max_len;                 /* characters (code points); 0 = unlimited */
    bool has_min, has_max;
    int64_t min, max;               /* F_INT: value; F_MONEY: cents */
    const char *const *choices;     /* F_CHOICE: NULL-terminated */
    const struct field *nested;     /* F_OBJECT */
    size_t nnested;
    unsigned max_digits;            /* F_MONEY: DRF max_digits (decimal_places is 2);
                                       0 = 18, the most int64 cents can hold */
};

struct fval {
    bool present;       /* key present with a usable value (or null when allowed) */
    bool is_null;
    const char *s;      /* F_STRING/F_EMAIL/F_SLUG: NUL-terminated arena copy;
                           F_CHOICE: the matching .choices entry ("" when blank) */
    size_t len;
    int64_t i;          /* F_INT, F_MONEY cents, F_DATETIME us, F_DATE days */
    bool b;             /* F_BOOL */
    json_t *json;       /* F_OBJECT/F_LIST/F_ANY: borrowed reference into the body */
    struct fval *sub;   /* F_OBJECT: nnested values (arena) */
};

/* Validates body (a JSON object; NULL means empty) against fields[0..n). out must have n
 * entries. Messages are appended to errors (a JSON object owned by the caller).
 * Returns 0 when every field passed, SHOP_EINVAL when at least one message was added,
 * SHOP_ENOMEM on allocation failure. */
int validate(struct arena *a, json_t *body, const struct field *fields, size_t n,
             struct fval *out, json_t *errors);
/* The same for partial updates (PATCH, DRF's partial=True): a missing field is never
 * an error, nested objects included. */
int validate_partial(struct arena *a, json_t *body, const struct field *fields, size_t n,
                     struct fval *out, json_t *errors);

/* Appends msg (valid UTF-8) to errors[key] (creating the list). Returns 0, SHOP_ENOMEM,
 * or SHOP_EINVAL when errors[key] exists but is not a list or msg is not UTF-8. */
int verr_add(json_t *errors, const char *key, const char *msg);
/* printf-style variant. */
int verr_addf(json_t *errors, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* DRF-compatible single-value coercions, used by the validator and by query filters.
 * Each returns 0 or SHOP_EINVAL.
 * coerce_bool_text: exactly DRF 3.14's BooleanField string spellings (t, T, y, Y, yes,
 * Yes, YES, true, True, TRUE, on, On, ON, 1 and their false counterparts); no trimming.
 * coerce_int_text: DRF's int(re.sub(r'\.0*\s*$', '', text)): surrounding whitespace,
 * sign, "_" between digits, "5.0" and "5." accepted; a value outside int64 is
 * SHOP_EINVAL too. */
int coerce_bool_text(const char *s, size_t n, bool *out);
int coerce_int_text(const char *s, size_t n, int64_t *out);

/* Python type name of a JSON value for DRF messages ("list", "str", "int", ...). */
const char *json_py_type(const json_t *v);

#endif
