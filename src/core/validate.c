/* validate: DRF's field coercions and messages for request bodies, driven by tables.
 * Each field runs DRF's sequence: Field.validate_empty_values (missing / null), the
 * field's to_internal_value (coercion, first failure wins), then every validator
 * (max length, null characters, email/slug syntax, min/max), whose messages are all
 * collected, as Field.run_validators does. Text seen by DRF as str(data) is rebuilt as
 * Python would print it (ints as digits, floats with repr, True/False, lists/dicts as
 * repr), so coercions of numbers and messages quoting the input match. */
#include "core/validate.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/email.h"
#include "core/err.h"
#include "core/money.h"
#include "core/pyfloat.h"
#include "core/utctime.h"
#include "core/utf8.h"

#define MSG_REQUIRED "This field is required."
#define MSG_NULL "This field may not be null."
#define MSG_BLANK "This field may not be blank."
#define MSG_STRING "Not a valid string."
#define MSG_NUL_CHAR "Null characters are not allowed."
#define MSG_INT "A valid integer is required."
#define MSG_BOOL "Must be a valid boolean."
#define MSG_NUMBER "A valid number is required."
#define MSG_STR_TOO_LARGE "String value too large."
#define MSG_EMAIL "Enter a valid email address."
#define MSG_SLUG "Enter a valid \xe2\x80\x9cslug\xe2\x80\x9d consisting of letters, numbers, " \
                 "underscores or hyphens."
#define MSG_DATE "Date has wrong format. Use one of these formats instead: YYYY-MM-DD."
#define MSG_DATETIME "Datetime has wrong format. Use one of these formats instead: " \
                     "YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."
#define MSG_DT_RANGE "Datetime value out of range."
#define MSG_PLACES "Ensure that there are no more than 2 decimal places."
#define FMT_MAX_LEN "Ensure this field has no more than %zu characters."
#define FMT_MIN "Ensure this value is greater than or equal to %s."
#define FMT_MAX "Ensure this value is less than or equal to %s."
#define FMT_DIGITS "Ensure that there are no more than %u digits in total."
#define FMT_WHOLE "Ensure that there are no more than %u digits before the decimal point."
#define FMT_CHOICE "\"%s\" is not a valid choice."
#define FMT_DICT "Invalid data. Expected a dictionary, but got %s."
#define FMT_LIST "Expected a list of items but got type \"%s\"."

#define EMAIL_MAX_LEN 254        /* DRF ModelSerializer's EmailField max_length */
#define DRF_MAX_STRING 1000      /* IntegerField/DecimalField MAX_STRING_LENGTH */
#define MONEY_DEFAULT_DIGITS 18  /* 16 whole + 2 places always fit in int64 cents */

struct vctx {
    struct arena *a;
    bool partial;
    bool failed;    /* at least one message added */
    int err;        /* sticky SHOP_ENOMEM */
};

/* ---- error objects ---- */

static int verr_vaddf(json_t *errors, const char *key, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return SHOP_EINVAL;
    char *msg = malloc((size_t)n + 1);
    if (!msg)
        return SHOP_ENOMEM;
    vsnprintf(msg, (size_t)n + 1, fmt, ap);
    int rc = verr_add(errors, key, msg);
    free(msg);
    return rc;
}

int verr_add(json_t *errors, const char *key, const char *msg)
{
    json_t *list = json_object_get(errors, key);

    if (!utf8_valid(msg, strlen(msg)))
        return SHOP_EINVAL;
    if (!list) {
        list = json_array();
        if (json_object_set_new(errors, key, list) != 0)
            return SHOP_ENOMEM;
    }
    if (!json_is_array(list))
        return SHOP_EINVAL;
    if (json_array_append_new(list, json_string(msg)) != 0)
        return SHOP_ENOMEM;
    return 0;
}

int verr_addf(json_t *errors, const char *key, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = verr_vaddf(errors, key, fmt, ap);
    va_end(ap);
    return rc;
}

static void note_rc(struct vctx *c, int rc)
{
    c->failed = true;
    if (rc == SHOP_ENOMEM)
        c->err = SHOP_ENOMEM;
}

static void fail(struct vctx *c, json_t *errors, const char *key, const char *msg)
{
    note_rc(c, verr_add(errors, key, msg));
}

__attribute__((format(printf, 4, 5)))
static void failf(struct vctx *c, json_t *errors, const char *key, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    note_rc(c, verr_vaddf(errors, key, fmt, ap));
    va_end(ap);
}

const char *json_py_type(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "dict";
    case JSON_ARRAY: return "list";
    case JSON_STRING: return "str";
    case JSON_INTEGER: return "int";
    case JSON_REAL: return "float";
    case JSON_TRUE:
    case JSON_FALSE: return "bool";
    case JSON_NULL: return "NoneType";
    }
    return "object";
}

/* ---- Python str()/repr() of JSON values, for choice lookups and messages ---- */

struct sbuf {
    char *p;
    size_t len, cap;
    bool oom;
};

static void sb_put(struct sbuf *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *np = realloc(b->p, cap);
        if (!np) {
            b->oom = true;
            return;
        }
        b->p = np;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void sb_puts(struct sbuf *b, const char *s)
{
    sb_put(b, s, strlen(s));
}

/* repr(str): single quotes unless the text has ' and no ", escapes as Python does for
 * ASCII; non-ASCII kept except the C1 controls, NBSP and soft hyphen (not printable). */
static void py_repr_str(struct sbuf *b, const char *s, size_t n)
{
    char q = memchr(s, '\'', n) && !memchr(s, '"', n) ? '"' : '\'';
    char esc[8];
    uint32_t cp;

    sb_put(b, &q, 1);
    for (size_t i = 0; i < n;) {
        int k = utf8_decode(s + i, n - i, &cp);
        if (k < 0) {
            sb_puts(b, "\xef\xbf\xbd");   /* U+FFFD, as errors="replace" would */
            i++;
            continue;
        }
        if (cp == '\\' || cp == (uint32_t)q) {
            esc[0] = '\\';
            esc[1] = (char)cp;
            sb_put(b, esc, 2);
        } else if (cp == '\n' || cp == '\r' || cp == '\t') {
            sb_puts(b, cp == '\n' ? "\\n" : cp == '\r' ? "\\r" : "\\t");
        } else if (cp < 0x20 || (cp >= 0x7F && cp <= 0xA0) || cp == 0xAD) {
            snprintf(esc, sizeof esc, "\\x%02x", (unsigned)cp);
            sb_puts(b, esc);
        } else {
            sb_put(b, s + i, (size_t)k);
        }
        i += (size_t)k;
    }
    sb_put(b, &q, 1);
}

static void py_text(struct sbuf *b, const json_t *v, bool repr);

static void py_list(struct sbuf *b, const json_t *v)
{
    size_t i;
    json_t *item;

    sb_puts(b, "[");
    json_array_foreach(v, i, item) {
        if (i > 0)
            sb_puts(b, ", ");
        py_text(b, item, true);
    }
    sb_puts(b, "]");
}

static void py_dict(struct sbuf *b, const json_t *v)
{
    const char *key;
    json_t *item;
    bool first = true;

    sb_puts(b, "{");
    json_object_foreach((json_t *)v, key, item) {
        if (!first)
            sb_puts(b, ", ");
        first = false;
        py_repr_str(b, key, strlen(key));
        sb_puts(b, ": ");
        py_text(b, item, true);
    }
    sb_puts(b, "}");
}

/* str(value) when !repr, repr(value) when repr (they differ only for strings). */
static void py_text(struct sbuf *b, const json_t *v, bool repr)
{
    char num[PYFLOAT_REPR_MAX];

    switch (json_typeof(v)) {
    case JSON_STRING:
        if (repr)
            py_repr_str(b, json_string_value(v), json_string_length(v));
        else
            sb_put(b, json_string_value(v), json_string_length(v));
        return;
    case JSON_INTEGER:
        snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
        sb_puts(b, num);
        return;
    case JSON_REAL:
        pyfloat_repr(num, json_real_value(v));
        sb_puts(b, num);
        return;
    case JSON_TRUE: sb_puts(b, "True"); return;
    case JSON_FALSE: sb_puts(b, "False"); return;
    case JSON_NULL: sb_puts(b, "None"); return;
    case JSON_ARRAY: py_list(b, v); return;
    case JSON_OBJECT: py_dict(b, v); return;
    }
}

/* Text of a string or number as str() gives it; false for other types. buf holds
 * PYFLOAT_REPR_MAX bytes for numbers. */
static bool scalar_text(const json_t *x, char *buf, struct slice *out)
{
    if (json_is_string(x)) {
        *out = (struct slice){ json_string_value(x), json_string_length(x) };
    } else if (json_is_integer(x)) {
        int n = snprintf(buf, PYFLOAT_REPR_MAX, "%lld", (long long)json_integer_value(x));
        *out = (struct slice){ buf, (size_t)n };
    } else if (json_is_real(x)) {
        *out = (struct slice){ buf, (size_t)pyfloat_repr(buf, json_real_value(x)) };
    } else {
        return false;
    }
    return true;
}

/* ---- coercions ---- */

/* DRF 3.14 BooleanField.TRUE_VALUES / FALSE_VALUES / NULL_VALUES (string members). */
static const char *const bool_true[] = { "t", "T", "y", "Y", "yes", "Yes", "YES", "true",
                                         "True", "TRUE", "on", "On", "ON", "1", NULL };
static const char *const bool_false[] = { "f", "F", "n", "N", "no", "No", "NO", "false",
                                          "False", "FALSE", "off", "Off", "OFF", "0", NULL };
static const char *const bool_null[] = { "null", "Null", "NULL", "", NULL };

static bool in_list(const char *const *list, const char *s, size_t n)
{
    for (; *list; list++) {
        if (strlen(*list) == n && memcmp(*list, s, n) == 0)
            return true;
    }
    return false;
}

int coerce_bool_text(const char *s, size_t n, bool *out)
{
    if (in_list(bool_true, s, n))
        *out = true;
    else if (in_list(bool_false, s, n))
        *out = false;
    else
        return SHOP_EINVAL;
    return 0;
}

/* DRF's re_decimal r'\.0*\s*$': drops a trailing ".", ".000" (and trailing spaces). */
static size_t strip_dot_zeros(const char *s, size_t n)
{
    const char *dot = memrchr(s, '.', n);
    if (!dot)
        return n;
    size_t i = (size_t)(dot - s) + 1;
    while (i < n && s[i] == '0')
        i++;
    struct slice rest = utf8_trim((struct slice){ s + i, n - i });
    return rest.len == 0 ? (size_t)(dot - s) : n;
}

/* int() strips what str.isspace() calls whitespace, except the ASCII separators. */
static bool int_space(uint32_t cp)
{
    return utf8_is_space(cp) && !(cp >= 0x1C && cp <= 0x1F);
}

/* Python int(text): whitespace, sign, digits with single '_' between them.
 * Returns 0, SHOP_EINVAL, or SHOP_ETOOBIG with *out saturated to the sign's bound. */
static int py_int(const char *s, size_t n, int64_t *out)
{
    struct slice t = utf8_trim_if((struct slice){ s, strip_dot_zeros(s, n) }, int_space);
    size_t i = 0;
    bool neg = false, over = false, prev_digit = false;
    uint64_t v = 0, lim;

    if (t.len > 0 && (t.ptr[0] == '+' || t.ptr[0] == '-')) {
        neg = t.ptr[0] == '-';
        i++;
    }
    lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    for (; i < t.len; i++) {
        char ch = t.ptr[i];
        if (ch == '_' && prev_digit && i + 1 < t.len && t.ptr[i + 1] >= '0' && t.ptr[i + 1] <= '9') {
            prev_digit = false;
            continue;
        }
        if (ch < '0' || ch > '9')
            return SHOP_EINVAL;
        prev_digit = true;
        if (v > (lim - (uint64_t)(ch - '0')) / 10)
            over = true;
        else
            v = v * 10 + (uint64_t)(ch - '0');
    }
    if (!prev_digit)
        return SHOP_EINVAL;
    if (over)
        v = lim;
    /* v <= 2^63 when negative: negate without ever forming +2^63 as int64. */
    *out = neg && v > 0 ? -(int64_t)(v - 1) - 1 : (int64_t)v;
    return over ? SHOP_ETOOBIG : 0;
}

int coerce_int_text(const char *s, size_t n, int64_t *out)
{
    int64_t v;

    if (!s || py_int(s, n, &v) != 0)
        return SHOP_EINVAL;
    *out = v;
    return 0;
}

/* ---- per-type checks; each returns true when v holds a good value ---- */

struct fctx {
    struct vctx *c;
    const struct field *f;
    json_t *errors;
};

static bool ferr(struct fctx *x, const char *msg)
{
    fail(x->c, x->errors, x->f->name, msg);
    return false;
}

static bool check_int_range(struct fctx *x, int64_t val, int rc, struct fval *v)
{
    int64_t lo = x->f->has_min ? x->f->min : INT32_MIN;
    int64_t hi = x->f->has_max ? x->f->max : INT32_MAX;
    char num[24];

    if (val > hi || (rc == SHOP_ETOOBIG && val > 0)) {
        snprintf(num, sizeof num, "%lld", (long long)hi);
        failf(x->c, x->errors, x->f->name, FMT_MAX, num);
        return false;
    }
    if (val < lo || rc == SHOP_ETOOBIG) {
        snprintf(num, sizeof num, "%lld", (long long)lo);
        failf(x->c, x->errors, x->f->name, FMT_MIN, num);
        return false;
    }
    v->i = val;
    return true;
}

static bool check_int(struct fctx *x, json_t *j, struct fval *v)
{
    int64_t val = 0;
    int rc = SHOP_EINVAL;

    if (json_is_integer(j)) {
        val = json_integer_value(j);
        rc = 0;
    } else if (json_is_real(j)) {
        /* str(float) is "5.0" below 1e16 and "1e+16" above, which int() refuses. */
        double d = json_real_value(j);
        if (d == trunc(d) && fabs(d) < 1e16) {
            val = (int64_t)d;
            rc = 0;
        }
    } else if (json_is_string(j)) {
        const char *s = json_string_value(j);
        size_t n = json_string_length(j);
        if (utf8_count_chars(s, n) > DRF_MAX_STRING)
            return ferr(x, MSG_STR_TOO_LARGE);
        rc = py_int(s, n, &val);
    }
    if (rc == SHOP_EINVAL)
        return ferr(x, MSG_INT);
    return check_int_range(x, val, rc, v);
}

static bool check_bool(struct fctx *x, json_t *j, struct fval *v)
{
    if (json_is_boolean(j)) {
        v->b = json_is_true(j);
        return true;
    }
    if (json_is_number(j)) {
        /* 1 == 1.0 == True in Python's set lookup */
        double d = json_number_value(j);
        if (d == 0 || d == 1) {
            v->b = d == 1;
            return true;
        }
        return ferr(x, MSG_BOOL);
    }
    if (!json_is_string(j))
        return ferr(x, MSG_BOOL);
    const char *s = json_string_value(j);
    size_t n = json_string_length(j);
    if (coerce_bool_text(s, n, &v->b) == 0)
        return true;
    if (x->f->allow_null && in_list(bool_null, s, n)) {
        v->is_null = true;
        return true;
    }
    return ferr(x, MSG_BOOL);
}

/* A cents bound as DRF prints the Decimal given to Min/MaxValueValidator: "0", "0.01",
 * "100", "1.5". */
static void bound_text(char *out, int64_t cents)
{
    int n = money_format(out, cents);

    while (out[n - 1] == '0')
        out[--n] = '\0';
    if (out[n - 1] == '.')
        out[--n] = '\0';
}

static bool money_precision(struct fctx *x, int rc, const struct money_parts *p)
{
    unsigned digits = x->f->max_digits ? x->f->max_digits : MONEY_DEFAULT_DIGITS;
    unsigned whole = digits > 2 ? digits - 2 : 0;

    if (p->total_digits > (int64_t)digits) {
        failf(x->c, x->errors, x->f->name, FMT_DIGITS, digits);
        return false;
    }
    if (p->places > 2)
        return ferr(x, MSG_PLACES);
    if (p->whole_digits > (int64_t)whole || rc == MONEY_ERANGE) {
        failf(x->c, x->errors, x->f->name, FMT_WHOLE, whole);
        return false;
    }
    return true;
}

static bool check_money(struct fctx *x, json_t *j, struct fval *v)
{
    char buf[PYFLOAT_REPR_MAX], num[MONEY_FMT_MAX];
    struct slice t;
    struct money_parts p;
    int64_t cents = 0;

    if (!scalar_text(j, buf, &t))
        return ferr(x, MSG_NUMBER);
    t = utf8_trim(t);
    if (utf8_count_chars(t.ptr, t.len) > DRF_MAX_STRING)
        return ferr(x, MSG_STR_TOO_LARGE);
    int rc = money_parse_parts(t, &cents, &p);
    if (rc == MONEY_EINVALID)
        return ferr(x, MSG_NUMBER);
    if (!money_precision(x, rc, &p))
        return false;
    if (x->f->has_min && cents < x->f->min) {
        bound_text(num, x->f->min);
        failf(x->c, x->errors, x->f->name, FMT_MIN, num);
        return false;
    }
    if (x->f->has_max && cents > x->f->max) {
        bound_text(num, x->f->max);
        failf(x->c, x->errors, x->f->name, FMT_MAX, num);
        return false;
    }
    v->i = cents;
    return true;
}

static bool check_date(struct fctx *x, json_t *j, struct fval *v)
{
    int32_t days;

    if (!json_is_string(j) ||
        date_parse((struct slice){ json_string_value(j), json_string_length(j) }, &days) != 0)
        return ferr(x, MSG_DATE);
    v->i = days;
    return true;
}

/* Python's datetime range, which an offset can push a parsed value out of. */
#define DT_MIN_US (-62135596800000000LL)   /* 0001-01-01T00:00:00Z */
#define DT_MAX_US 253402300799999999LL     /* 9999-12-31T23:59:59.999999Z */

static bool check_datetime(struct fctx *x, json_t *j, struct fval *v)
{
    if (!json_is_string(j) ||
        utc_parse((struct slice){ json_string_value(j), json_string_length(j) }, &v->i) != 0)
        return ferr(x, MSG_DATETIME);
    if (v->i < DT_MIN_US || v->i > DT_MAX_US)
        return ferr(x, MSG_DT_RANGE);
    return true;
}

static bool slug_valid(struct slice s)
{
    for (size_t i = 0; i < s.len; i++) {
        char ch = s.ptr[i];
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                  (ch >= '0' && ch <= '9') || ch == '_' || ch == '-';
        if (!ok)
            return false;
    }
    return s.len > 0;
}

/* CharField validators, all run and all reported (Field.run_validators). */
static bool text_validators(struct fctx *x, struct slice t)
{
    size_t max = x->f->max_len;
    bool ok = true;

    if (max == 0 && x->f->type == F_EMAIL)
        max = EMAIL_MAX_LEN;
    if (max > 0 && utf8_count_chars(t.ptr, t.len) > max) {
        failf(x->c, x->errors, x->f->name, FMT_MAX_LEN, max);
        ok = false;
    }
    if (memchr(t.ptr, '\0', t.len))
        ok = ferr(x, MSG_NUL_CHAR);
    if (x->f->type == F_EMAIL && !email_valid(t))
        ok = ferr(x, MSG_EMAIL);
    if (x->f->type == F_SLUG && !slug_valid(t))
        ok = ferr(x, MSG_SLUG);
    return ok;
}

static bool store_text(struct fctx *x, struct slice t, struct fval *v)
{
    char *copy = arena_slice_dup(x->c->a, t);

    if (!copy) {
        x->c->err = SHOP_ENOMEM;
        return false;
    }
    if (x->f->type == F_EMAIL)
        email_normalize(copy, t.len);
    v->s = copy;
    v->len = t.len;
    return true;
}

/* CharField's 'invalid' message, which EmailField and SlugField override. */
static const char *text_invalid_msg(const struct field *f)
{
    return f->type == F_EMAIL ? MSG_EMAIL : f->type == F_SLUG ? MSG_SLUG : MSG_STRING;
}

/* CharField.run_validation + to_internal_value, then the validators. */
static bool check_text(struct fctx *x, json_t *j, struct fval *v)
{
    char buf[PYFLOAT_REPR_MAX];
    struct slice t;

    if (!scalar_text(j, buf, &t) || !utf8_valid(t.ptr, t.len))
        return ferr(x, text_invalid_msg(x->f));
    if (!x->f->no_trim)
        t = utf8_trim(t);
    if (t.len == 0) {
        if (!x->f->allow_blank)
            return ferr(x, MSG_BLANK);
        return store_text(x, t, v);
    }
    if (!text_validators(x, t))
        return false;
    return store_text(x, t, v);
}

/* ChoiceField: str(data) must equal a choice; no trimming. */
static bool check_choice(struct fctx *x, json_t *j, struct fval *v)
{
    struct sbuf b = { 0 };
    bool ok = false;

    if (json_is_string(j) && json_string_length(j) == 0 && x->f->allow_blank) {
        v->s = "";
        return true;
    }
    py_text(&b, j, false);
    if (b.oom) {
        free(b.p);
        x->c->err = SHOP_ENOMEM;
        return false;
    }
    for (const char *const *ch = x->f->choices; ch && *ch; ch++) {
        if (strlen(*ch) == b.len && memcmp(*ch, b.p ? b.p : "", b.len) == 0) {
            v->s = *ch;
            v->len = b.len;
            ok = true;
            break;
        }
    }
    if (!ok)
        failf(x->c, x->errors, x->f->name, FMT_CHOICE, b.p ? b.p : "");
    free(b.p);
    return ok;
}

static bool check_list(struct fctx *x, json_t *j, struct fval *v)
{
    if (!json_is_array(j)) {
        failf(x->c, x->errors, x->f->name, FMT_LIST, json_py_type(j));
        return false;
    }
    v->json = j;
    return true;
}

static void run_fields(struct vctx *c, json_t *body, const struct field *fields, size_t n,
                       struct fval *out, json_t *errors);

/* A nested serializer: its errors nest under the field's key. */
static bool check_object(struct fctx *x, json_t *j, struct fval *v)
{
    json_t *sub_errors = json_object();
    bool ok = false;

    if (!sub_errors) {
        x->c->err = SHOP_ENOMEM;
        return false;
    }
    if (!json_is_object(j)) {
        note_rc(x->c, verr_addf(sub_errors, "non_field_errors", FMT_DICT, json_py_type(j)));
    } else {
        v->sub = arena_calloc(x->c->a, x->f->nnested ? x->f->nnested : 1, sizeof *v->sub);
        if (!v->sub) {
            x->c->err = SHOP_ENOMEM;
            json_decref(sub_errors);
            return false;
        }
        run_fields(x->c, j, x->f->nested, x->f->nnested, v->sub, sub_errors);
        v->json = j;
        ok = json_object_size(sub_errors) == 0;
    }
    if (ok) {
        json_decref(sub_errors);
        return true;
    }
    if (json_object_set_new(x->errors, x->f->name, sub_errors) != 0)
        x->c->err = SHOP_ENOMEM;
    x->c->failed = true;
    return false;
}

static bool check_value(struct fctx *x, json_t *j, struct fval *v)
{
    switch (x->f->type) {
    case F_STRING:
    case F_EMAIL:
    case F_SLUG: return check_text(x, j, v);
    case F_INT: return check_int(x, j, v);
    case F_BOOL: return check_bool(x, j, v);
    case F_MONEY: return check_money(x, j, v);
    case F_DATE: return check_date(x, j, v);
    case F_DATETIME: return check_datetime(x, j, v);
    case F_CHOICE: return check_choice(x, j, v);
    case F_OBJECT: return check_object(x, j, v);
    case F_LIST: return check_list(x, j, v);
    case F_ANY: v->json = j; return true;
    }
    return ferr(x, MSG_STRING);
}

/* Field.validate_empty_values, then the type's coercion. */
static void check_field(struct vctx *c, json_t *body, const struct field *f, struct fval *v,
                        json_t *errors)
{
    struct fctx x = { c, f, errors };
    json_t *j = body ? json_object_get(body, f->name) : NULL;

    memset(v, 0, sizeof *v);
    if (!j) {
        if (f->required && !c->partial)
            ferr(&x, MSG_REQUIRED);
        return;
    }
    if (json_is_null(j)) {
        if (!f->allow_null) {
            ferr(&x, MSG_NULL);
            return;
        }
        v->present = v->is_null = true;
        return;
    }
    v->present = check_value(&x, j, v);
}

static void run_fields(struct vctx *c, json_t *body, const struct field *fields, size_t n,
                       struct fval *out, json_t *errors)
{
    for (size_t i = 0; i < n && c->err == 0; i++)
        check_field(c, body, &fields[i], &out[i], errors);
}

static int run(struct vctx *c, json_t *body, const struct field *fields, size_t n,
               struct fval *out, json_t *errors)
{
    if (body && !json_is_object(body))
        body = NULL;
    memset(out, 0, n * sizeof *out);
    run_fields(c, body, fields, n, out, errors);
    if (c->err)
        return c->err;
    return c->failed ? SHOP_EINVAL : 0;
}

int validate(struct arena *a, json_t *body, const struct field *fields, size_t n,
             struct fval *out, json_t *errors)
{
    struct vctx c = { .a = a };
    return run(&c, body, fields, n, out, errors);
}

int validate_partial(struct arena *a, json_t *body, const struct field *fields, size_t n,
                     struct fval *out, json_t *errors)
{
    struct vctx c = { .a = a, .partial = true };
    return run(&c, body, fields, n, out, errors);
}
