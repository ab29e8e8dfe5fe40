/* catalogue_store: see catalogue_store.h.
 *
 * Product lists: the SQL is chosen from static tables indexed by which filters are set
 * (category / store / both / neither: each picks the index of 0003 that serves the
 * filter and the ordering) and the availability filter. In page queries the stock
 * condition is written "+p.total_stock_level" so that SQLite keeps walking the ordering
 * index instead of sorting; counts without a category or store filter use it bare, so
 * that they can count from products_available alone. Searches have their own texts
 * (section "products: search"). Category search binds its terms as ONE JSON array of
 * LIKE patterns, read by json_each on SQLite and json_array_elements_text on
 * PostgreSQL: any number of terms costs one statement, and categories are few.
 *
 * Names are compared folded (core/fold.c) in *_fold columns, never with SQL lower(),
 * which differs between the two databases.
 *
 * Product counts: the count statement reads the catalogue version (migration 0004, bumped
 * by triggers with every write that can change a list) and, in a CASE, runs the COUNT
 * only when the version differs from the one bound: the version of the count the
 * caller's count_cache holds for this filter. Both databases evaluate an uncorrelated
 * scalar subquery only when the CASE reaches it, so a hit costs one primary-key read,
 * and the version and the count come from the same snapshot, so a count is stored with
 * exactly the version it was counted at: a write by any instance moves the version and
 * the next request counts again. */
#include "store/catalogue_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/fold.h"
#include "core/json.h"
#include "core/utf8.h"

/* ---- helpers ---- */

static const char *col_str_or_null(struct db_stmt *st, struct arena *a, int col)
{
    return db_col_null(st, col) ? NULL : db_col_dup(st, col, a);
}

static void bind_opt(struct db_stmt *st, int idx, bool has, int64_t v)
{
    if (has)
        db_bind_int(st, idx, v);
    else
        db_bind_null(st, idx);
}

/* The search terms as one JSON array of folded, escaped LIKE patterns (arena string).
 * The JSON writer replaces invalid UTF-8 with U+FFFD, as Django decodes query strings. */
static const char *terms_json(struct arena *a, char **terms, size_t n)
{
    struct buf b;
    struct json_w w;
    buf_init(&b, 0);
    json_init(&w, &b);
    json_arr_begin(&w);
    for (size_t i = 0; i < n; i++) {
        const char *pat = fold_like_pattern(a, terms[i], strlen(terms[i]));
        if (!pat) {
            buf_cleanup(&b);
            return NULL;
        }
        json_str(&w, pat);
    }
    json_arr_end(&w);
    char *out = buf_failed(&b) ? NULL : arena_strndup(a, b.data, b.len);
    buf_cleanup(&b);
    return out;
}

/* Which search SQL: 0 none, 1 SQLite, 2 PostgreSQL. */
static int search_kind(struct db *db, size_t nterms)
{
    if (nterms == 0)
        return 0;
    return db_dialect(db) == DB_POSTGRES ? 2 : 1;
}

/* Table-valued function reading the bound JSON array of patterns, per dialect. */
#define TERMS_SQLITE "json_each(?) t"
#define TERMS_PG     "json_array_elements_text(CAST(? AS json)) AS t(value)"

/* ---- categories ---- */

#define CAT_COLS "SELECT c.id, c.name, c.slug FROM categories c "
#define CAT_NOMATCH(TERMS) \
    "WHERE NOT EXISTS (SELECT 1 FROM " TERMS " WHERE c.name_fold NOT LIKE t.value ESCAPE '\\') "
#define CAT_ORDER "ORDER BY c.name_fold, c.id LIMIT ? OFFSET ?"

static const char *const cat_count_sql[3] = {
    "SELECT COUNT(*) FROM categories c",
    "SELECT COUNT(*) FROM categories c " CAT_NOMATCH(TERMS_SQLITE),
    "SELECT COUNT(*) FROM categories c " CAT_NOMATCH(TERMS_PG),
};
static const char *const cat_page_sql[3] = {
    CAT_COLS CAT_ORDER,
    CAT_COLS CAT_NOMATCH(TERMS_SQLITE) CAT_ORDER,
    CAT_COLS CAT_NOMATCH(TERMS_PG) CAT_ORDER,
};

static void read_category(struct db_stmt *st, struct arena *a, struct cat_category *c)
{
    c->id = db_col_int(st, 0);
    c->name = db_col_dup(st, 1, a);
    c->slug = db_col_dup(st, 2, a);
}

static int categories_rows(struct db_stmt *st, struct arena *a, int64_t limit,
                           struct cat_category **out, size_t *n)
{
    struct cat_category *v = arena_calloc(a, (size_t)limit, sizeof *v);
    int rc = v ? db_step(st) : SHOP_ENOMEM;
    size_t k = 0;
    while (rc == DB_ROW && k < (size_t)limit) {
        read_category(st, a, &v[k++]);
        rc = db_step(st);
    }
    db_stmt_release(st);
    *out = v;
    *n = k;
    return rc == DB_DONE || rc == DB_ROW ? 0 : rc;
}

int cat_categories_page(struct db *db, struct arena *a, char **terms, size_t nterms,
                        int64_t limit, int64_t offset, struct cat_category **out, size_t *n,
                        int64_t *count)
{
    int kind = search_kind(db, nterms);
    const char *js = kind ? terms_json(a, terms, nterms) : NULL;
    *out = NULL;
    *n = 0;
    if (kind && !js)
        return SHOP_ENOMEM;
    struct db_stmt *st = db_prepare(db, cat_count_sql[kind]);
    if (!st)
        return SHOP_EDB;
    if (js)
        db_bind_text(st, 1, js, (size_t)-1);
    int rc = db_fetch_int(st, count);
    if (rc || *count <= offset)
        return rc;
    st = db_prepare(db, cat_page_sql[kind]);
    if (!st)
        return SHOP_EDB;
    int i = 1;
    if (js)
        db_bind_text(st, i++, js, (size_t)-1);
    db_bind_int(st, i++, limit);
    db_bind_int(st, i, offset);
    return categories_rows(st, a, limit, out, n);
}

static int fetch_category(struct db_stmt *st, struct arena *a, struct cat_category *out)
{
    int rc = db_step(st);
    if (rc == DB_ROW)
        read_category(st, a, out);
    db_stmt_release(st);
    return rc == DB_ROW ? 0 : rc == DB_DONE ? SHOP_ENOTFOUND : rc;
}

int cat_category_get(struct db *db, struct arena *a, int64_t id, struct cat_category *out)
{
    struct db_stmt *st = db_prepare(db, CAT_COLS "WHERE c.id = ?");
    if (!st)
        return SHOP_EDB;
    db_bind_int(st, 1, id);
    return fetch_category(st, a, out);
}

int cat_category_by_slug(struct db *db, struct arena *a, const char *slug,
                         struct cat_category *out)
{
    struct db_stmt *st = db_prepare(db, CAT_COLS "WHERE c.slug = ?");
    if (!st)
        return SHOP_EDB;
    db_bind_text(st, 1, slug, (size_t)-1);
    return fetch_category(st, a, out);
}

bool cat_category_name_taken(struct db *db, struct arena *a, const char *name,
                             int64_t except_id)
{
    const char *fold = fold_str(a, name, strlen(name));
    struct db_stmt *st =
        fold ? db_prepare(db, "SELECT 1 FROM categories WHERE name_fold = ? AND id <> ?") : NULL;
    if (!st)
        return true;
    db_bind_text(st, 1, fold, (size_t)-1);
    db_bind_int(st, 2, except_id);
    return db_has_row(st) != 0;
}

bool cat_category_slug_taken(struct db *db, const char *slug, int64_t except_id)
{
    struct db_stmt *st = db_prepare(db, "SELECT 1 FROM categories WHERE slug = ? AND id <> ?");
    if (!st)
        return true;
    db_bind_text(st, 1, slug, (size_t)-1);
    db_bind_int(st, 2, except_id);
    return db_has_row(st) != 0;
}

bool cat_category_has_products(struct db *db, int64_t id)
{
    /* products_category starts with category_id: one index probe */
    struct db_stmt *st = db_prepare(db, "SELECT 1 FROM products WHERE category_id = ? LIMIT 1");
    if (!st)
        return true;
    db_bind_int(st, 1, id);
    return db_has_row(st) != 0;
}

int cat_category_insert(struct db *db, struct arena *a, struct cat_category *c, int64_t now)
{
    const char *fold = fold_str(a, c->name, strlen(c->name));
    if (!fold)
        return SHOP_ENOMEM;
    struct db_stmt *st = db_prepare(
        db, "INSERT INTO categories (name, name_fold, slug, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?) RETURNING id");
    if (!st)
        return SHOP_EDB;
    db_bind_text(st, 1, c->name, (size_t)-1);
    db_bind_text(st, 2, fold, (size_t)-1);
    db_bind_text(st, 3, c->slug, (size_t)-1);
    db_bind_int(st, 4, now);
    db_bind_int(st, 5, now);
    int rc = db_fetch_int(st, &c->id);
    return rc == SHOP_ENOTFOUND ? SHOP_EDB : rc;
}

int cat_category_update(struct db *db, struct arena *a, const struct cat_category *c,
                        int64_t now)
{
    const char *fold = fold_str(a, c->name, strlen(c->name));
    if (!fold)
        return SHOP_ENOMEM;
    struct db_stmt *st = db_prepare(db, "UPDATE categories SET name = ?, name_fold = ?, "
                                        "slug = ?, updated_at = ? WHERE id = ?");
    if (!st)
        return SHOP_EDB;
    db_bind_text(st, 1, c->name, (size_t)-1);
    db_bind_text(st, 2, fold, (size_t)-1);
    db_bind_text(st, 3, c->slug, (size_t)-1);
    db_bind_int(st, 4, now);
    db_bind_int(st, 5, c->id);
    return db_run_one(st);
}

int cat_category_delete(struct db *db, int64_t id)
{
    struct db_stmt *st = db_prepare(db, "DELETE FROM categories WHERE id = ?");
    if (!st)
        return SHOP_EDB;
    db_bind_int(st, 1, id);
    return db_run_one(st);
}

/* ---- products: reading ---- */

#define P_COLS                                                                             \
    "SELECT p.id, p.name, p.description, p.category_id, c.name, p.store_id, s.slug, "      \
    "s.owner_id, s.is_active, p.base_price, p.shipping_fee, p.rating, p.is_standalone, "   \
    "p.total_stock_level, p.total_sold, p.min_adjustment, p.is_active, p.created_at, "     \
    "p.updated_at "
#define P_FROM                                                                             \
    "FROM products p JOIN categories c ON c.id = p.category_id "                           \
    "LEFT JOIN stores s ON s.id = p.store_id "
#define P_ORDER "ORDER BY p.total_sold DESC, p.rating DESC NULLS LAST, p.id "

static void read_product(struct db_stmt *st, struct arena *a, struct cat_product *p)
{
    memset(p, 0, sizeof *p);
    p->id = db_col_int(st, 0);
    p->name = db_col_dup(st, 1, a);
    p->description = db_col_dup(st, 2, a);
    p->category_id = db_col_int(st, 3);
    p->category_name = db_col_dup(st, 4, a);
    p->store_id = db_col_int(st, 5);
    p->store_slug = col_str_or_null(st, a, 6);
    p->store_owner_id = db_col_bool(st, 8) ? db_col_int(st, 7) : 0;
    p->base_price = db_col_int(st, 9);
    p->has_shipping_fee = !db_col_null(st, 10);
    p->shipping_fee = db_col_int(st, 10);
    p->has_rating = !db_col_null(st, 11);
    p->rating = db_col_int(st, 11);
    p->is_standalone = db_col_bool(st, 12);
    p->total_stock_level = db_col_int(st, 13);
    p->total_sold = db_col_int(st, 14);
    p->has_min_adjustment = !db_col_null(st, 15);
    p->min_adjustment = db_col_int(st, 15);
    p->is_active = db_col_bool(st, 16);
    p->created_at = db_col_int(st, 17);
    p->updated_at = db_col_int(st, 18);
}

static void read_product_row(struct db_stmt *st, struct arena *a, void *p)
{
    read_product(st, a, p);
}

/* Reads every row of a product SELECT into an arena array. */
static int product_rows(struct db_stmt *st, struct arena *a, struct cat_product **out,
                        size_t *n)
{
    void *rows;
    int rc = db_collect(st, a, sizeof **out, read_product_row, &rows, n);
    *out = rows;
    return rc;
}

/* Driver filters (index used): none (products_list), category (products_category),
 * store (products_store), both (products_category, store checked on its rows). */
#define D_NONE  ""
#define D_CAT   "AND p.category_id = ? "
#define D_STORE "AND p.store_id = ? "
#define D_BOTH  "AND p.category_id = ? AND p.store_id = ? "
/* Availability, for counts and for pages (see the file comment for the '+'). */
#define AC_ANY ""
#define AC_YES "AND p.total_stock_level > 0 "
#define AC_NO  "AND p.total_stock_level <= 0 "
#define AP_ANY ""
#define AP_YES "AND +p.total_stock_level > 0 "
#define AP_NO  "AND +p.total_stock_level <= 0 "
#define P_WHERE "WHERE p.is_active = TRUE "
/* Parameters: the cached version (NULL: none), then the filter's. */
#define VERSIONED(count)                                                                   \
    "SELECT cv.version, CASE WHEN cv.version = ? THEN NULL ELSE (" count ") END "          \
    "FROM catalogue_version cv WHERE cv.id = 1"
#define CNT(d, av) VERSIONED("SELECT COUNT(*) FROM products p " P_WHERE d av)
#define PAGE(d, av) P_COLS P_FROM P_WHERE d av P_ORDER "LIMIT ? OFFSET ?"
/* Counts with a category or store filter use its index too ('+'), not products_available. */
#define CNT_A(d) { CNT(d, AC_ANY), CNT(d, AC_YES), CNT(d, AC_NO) }
#define CNT_AP(d) { CNT(d, AP_ANY), CNT(d, AP_YES), CNT(d, AP_NO) }
#define PAGE_A(d) { PAGE(d, AP_ANY), PAGE(d, AP_YES), PAGE(d, AP_NO) }

/* [driver][enum cat_avail] */
static const char *const products_count_sql[4][3] = {
    CNT_A(D_NONE), CNT_AP(D_CAT), CNT_AP(D_STORE), CNT_AP(D_BOTH),
};
static const char *const products_page_sql[4][3] = {
    PAGE_A(D_NONE), PAGE_A(D_CAT), PAGE_A(D_STORE), PAGE_A(D_BOTH),
};

/* Binds the filter ids from index i in the order the texts above use them; returns the
 * next index. */
static int bind_filter(struct db_stmt *st, int i, const struct cat_filter *f)
{
    if (f->category_id)
        db_bind_int(st, i++, f->category_id);
    if (f->store_id)
        db_bind_int(st, i++, f->store_id);
    return i;
}

/* The cache key of a filter: availability, the ids, and for a search ("s") its folded
 * patterns. Its length, or -1 when there is no cache or the key does not fit. */
static int count_key(char *key, size_t size, const struct cat_filter *f, const char *terms)
{
    if (!f->counts)
        return -1;
    int len = snprintf(key, size, "%s/%d/%lld/%lld/%s", terms ? "s" : "l", (int)f->avail,
                       (long long)f->category_id, (long long)f->store_id, terms ? terms : "");
    return len > 0 && (size_t)len < size && len <= COUNT_CACHE_KEY_MAX ? len : -1;
}

/* Runs st, a VERSIONED count whose filter parameters (from index 2) are bound, and
 * releases it: the count comes from f->counts when it holds the current version under
 * key (len < 0: no key), else from the statement, and is remembered. *extra (when not
 * NULL) gets column 2. */
static int versioned_count(struct db_stmt *st, const struct cat_filter *f, const char *key,
                           int len, int64_t *count, int64_t *extra)
{
    int64_t version = 0, cached = 0;
    bool have = len >= 0 && count_cache_get(f->counts, key, (size_t)len, &version, &cached);
    bind_opt(st, 1, have, version);
    int rc = db_step(st);
    if (rc == DB_ROW) {
        version = db_col_int(st, 0);
        bool hit = have && db_col_null(st, 1);
        *count = hit ? cached : db_col_int(st, 1);
        if (extra)
            *extra = db_col_int(st, 2);
        if (!hit && len >= 0)
            count_cache_put(f->counts, key, (size_t)len, version, *count);
    }
    db_stmt_release(st);
    return rc == DB_ROW ? 0 : rc == DB_DONE ? SHOP_EDB : rc;
}

/* The filter's count: from f->counts when it holds the current version, else counted
 * (in the same statement) and remembered. */
static int products_count(struct db *db, const struct cat_filter *f, int drv, int av,
                          int64_t *count)
{
    char key[COUNT_CACHE_KEY_MAX + 1];
    int len = count_key(key, sizeof key, f, NULL);
    struct db_stmt *st = db_prepare(db, products_count_sql[drv][av]);
    if (!st)
        return SHOP_EDB;
    bind_filter(st, 2, f);
    return versioned_count(st, f, key, len, count, NULL);
}

/* ---- products: search ----
 *
 * products.search_fold (migration 0005, kept by triggers) is the product's three search
 * fields folded, joined by U+001F, which no term contains: a term matches it exactly
 * when it matches one field. Each term is one bound LIKE pattern on it; the texts are
 * static per number of terms (1, 2, 3; beyond three the others travel as one JSON array,
 * read per candidate row only). Terms are ordered longest first: the order does not
 * change the result, and the first LIKE is then the most selective one and, when any
 * term has SEARCH_TRIGRAM code points, one the trigram index can serve.
 *
 * With such a term the index finds the candidates: on SQLite the FTS5 trigram table
 * products_fts drives (a MATCH of those terms as phrases; case_sensitive, the text being
 * folded already), on PostgreSQL the GIN trigram index serves the LIKE itself. Every
 * term is still checked with LIKE, so the index only ever narrows. Shorter terms have no
 * trigrams: those searches read the products (counts by a plain table scan, which is
 * cheaper than an index walk with a row lookup per product).
 *
 * The page is one of two plans, chosen here from the count, because neither database
 * can know how many products a pattern matches: walking the list's ordering index and
 * checking each product stops after about (offset + limit) * products / matches rows,
 * cheap when matches are dense ("lantern": 1 product in 20); sorting every candidate the
 * index finds costs about SEARCH_SORT_COST walked rows per match, cheap when they are
 * few. The count statement also reads MAX(id), a bound on the number of products that
 * costs one index descent. SQLite follows the texts: the sort puts products_fts first
 * with CROSS JOIN. PostgreSQL plans for itself, so its walk writes each LIKE as
 * (search_fold || '') LIKE (SELECT pattern): no index on the expression, and a pattern
 * the planner cannot see, estimated at its default selectivity (seeing "%lantern%" it
 * guesses one match in 100,000 and sorts everything); its sort orders by +total_sold,
 * which no index provides. */

#define SEARCH_TRIGRAM   3
#define SEARCH_SORT_COST 4.0

#define SL     "AND p.search_fold LIKE ? ESCAPE '\\' "
#define SL_PGW "AND (p.search_fold || '') LIKE (SELECT CAST(? AS TEXT)) ESCAPE '\\' "
#define SJ(TERMS) "AND NOT EXISTS (SELECT 1 FROM " TERMS " WHERE p.search_fold NOT LIKE t.value ESCAPE '\\') "
/* Terms by shape: 1, 2, 3, and more (three LIKEs, then the JSON array of the rest). */
#define ST0(L, J) L
#define ST1(L, J) L L
#define ST2(L, J) L L L
#define ST3(L, J) L L L J
#define SX(W, H, L, J) { W(H, ST0(L, J)), W(H, ST1(L, J)), W(H, ST2(L, J)), W(H, ST3(L, J)) }
/* Availability: the bound value is the one excluded (NULL: none). Written so, it is
 * never taken for an index condition, and PostgreSQL does not mistake it for a selective
 * filter, which would make it prefer sorting everything to walking. */
#define SA "AND (p.total_stock_level > 0) IS DISTINCT FROM ? "
/* Where an index on search_fold drives, or the table is scanned, the category and the
 * store are row checks, bound as ranges ("any" is the whole range; no store counts as
 * 0); '+' keeps SQLite from walking products_category with a row lookup per product. */
#define SR "AND +p.category_id BETWEEN ? AND ? AND COALESCE(+p.store_id, 0) BETWEEN ? AND ? " SA

#define SC_FTS "FROM products_fts f CROSS JOIN products p "                                 \
    "WHERE f.products_fts MATCH ? AND p.id = f.rowid AND p.is_active = TRUE "
#define SC_SCAN_SQLITE "FROM products p WHERE +p.is_active = TRUE "
#define SC_PG "FROM products p WHERE p.is_active = TRUE "
#define SP_FTS "FROM products_fts f CROSS JOIN products p "                                 \
    "JOIN categories c ON c.id = p.category_id LEFT JOIN stores s ON s.id = p.store_id "    \
    "WHERE f.products_fts MATCH ? AND p.id = f.rowid AND p.is_active = TRUE "
#define SP_ALL P_FROM "WHERE p.is_active = TRUE "

/* Counts carry the catalogue version as VERSIONED does, and MAX(id) after it. */
#define SCNT(H, T)                                                                         \
    "SELECT cv.version, CASE WHEN cv.version = ? THEN NULL ELSE (SELECT COUNT(*) " H SR T  \
    ") END, (SELECT MAX(m.id) FROM products m) FROM catalogue_version cv WHERE cv.id = 1"
#define SSORT(H, T) P_COLS H SR T                                                          \
    "ORDER BY +p.total_sold DESC, p.rating DESC NULLS LAST, p.id LIMIT ? OFFSET ?"
/* The walk keeps the list's static driver texts: they choose the ordering index. */
#define SWALK(d, T) P_COLS SP_ALL d SA T P_ORDER "LIMIT ? OFFSET ?"
/* [PostgreSQL][indexed][shape] */
static const char *const search_count_sql[2][2][4] = {
    { SX(SCNT, SC_SCAN_SQLITE, SL, SJ(TERMS_SQLITE)), SX(SCNT, SC_FTS, SL, SJ(TERMS_SQLITE)) },
    { SX(SCNT, SC_PG, SL_PGW, SJ(TERMS_PG)), SX(SCNT, SC_PG, SL, SJ(TERMS_PG)) },
};
/* [PostgreSQL][shape], indexed searches only */
static const char *const search_sort_sql[2][4] = {
    SX(SSORT, SP_FTS, SL, SJ(TERMS_SQLITE)),
    SX(SSORT, SP_ALL, SL, SJ(TERMS_PG)),
};
#define SW_D(d, L, J)                                                                      \
    { SWALK(d, ST0(L, J)), SWALK(d, ST1(L, J)), SWALK(d, ST2(L, J)), SWALK(d, ST3(L, J)) }
#define SW_DRV(L, J)                                                                       \
    { SW_D(D_NONE, L, J), SW_D(D_CAT, L, J), SW_D(D_STORE, L, J), SW_D(D_BOTH, L, J) }
/* [PostgreSQL][driver][shape] */
static const char *const search_walk_sql[2][4][4] = {
    SW_DRV(SL, SJ(TERMS_SQLITE)),
    SW_DRV(SL_PGW, SJ(TERMS_PG)),
};

/* A search ready to bind. Strings in the arena. */
struct search {
    bool indexed;        /* a term has SEARCH_TRIGRAM code points or more */
    int shape;           /* 0, 1, 2: that many terms + 1; 3: more than three */
    const char *like[3]; /* the first three patterns */
    const char *rest;    /* shape 3: JSON array of the other patterns */
    const char *match;   /* SQLite, indexed: the FTS5 query */
    const char *key;     /* JSON array of every pattern: the count cache's key */
};

struct search_term {
    const char *folded, *pattern;
    size_t chars, pos;
};

/* Longest first, then as given (qsort is not stable). */
static int by_length(const void *x, const void *y)
{
    const struct search_term *a = x, *b = y;
    if (a->chars != b->chars)
        return a->chars > b->chars ? -1 : 1;
    return (a->pos > b->pos) - (a->pos < b->pos);
}

/* The term with invalid UTF-8 replaced exactly as the JSON writer replaces it (one
 * U+FFFD per maximal invalid subpart, as Python decodes with errors="replace"), which is
 * how terms reached the database before they were bound one by one; PostgreSQL refuses
 * invalid text. */
static const char *valid_utf8(struct arena *a, const char *term)
{
    size_t n = strlen(term);
    if (utf8_valid(term, n))
        return term;
    struct buf b;
    buf_init(&b, 0);
    json_escape(&b, term, n);
    json_t *j = buf_failed(&b) ? NULL : json_loadb(b.data, b.len, JSON_DECODE_ANY, NULL);
    buf_cleanup(&b);
    const char *s = json_string_value(j);
    char *out = s ? arena_strndup(a, s, strlen(s)) : NULL;
    json_decref(j);
    return out;
}

/* A JSON array of the patterns of t[0..n) (arena string). */
static const char *patterns_json(struct arena *a, const struct search_term *t, size_t n)
{
    struct buf b;
    struct json_w w;
    buf_init(&b, 0);
    json_init(&w, &b);
    json_arr_begin(&w);
    for (size_t i = 0; i < n; i++)
        json_str(&w, t[i].pattern);
    json_arr_end(&w);
    char *out = buf_failed(&b) ? NULL : arena_strndup(a, b.data, b.len);
    buf_cleanup(&b);
    return out;
}

/* The FTS5 query requiring every term of SEARCH_TRIGRAM code points or more as a phrase
 * (a string in double quotes, where "" is a quote: nothing else is special there). */
static const char *fts_query(struct arena *a, const struct search_term *t, size_t n)
{
    struct buf b;
    buf_init(&b, 0);
    for (size_t i = 0; i < n && t[i].chars >= SEARCH_TRIGRAM; i++) {
        buf_append(&b, i ? " \"" : "\"", i ? 2 : 1);
        for (const char *c = t[i].folded; *c; c++) {
            if (*c == '"')
                buf_putc(&b, '"');
            buf_putc(&b, *c);
        }
        buf_putc(&b, '"');
    }
    char *out = buf_failed(&b) ? NULL : arena_strndup(a, b.data, b.len);
    buf_cleanup(&b);
    return out;
}

/* Folds, escapes and orders the terms (n >= 1); the FTS5 query only when fts. */
static int search_prepare(struct arena *a, char **terms, size_t n, bool fts, struct search *s)
{
    struct search_term *t = arena_alloc(a, n * sizeof *t);
    if (!t)
        return SHOP_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        const char *v = valid_utf8(a, terms[i]);
        t[i].folded = v ? fold_str(a, v, strlen(v)) : NULL;
        t[i].pattern = v ? fold_like_pattern(a, v, strlen(v)) : NULL;
        if (!t[i].folded || !t[i].pattern)
            return SHOP_ENOMEM;
        t[i].chars = utf8_count_chars(t[i].folded, strlen(t[i].folded));
        t[i].pos = i;
    }
    qsort(t, n, sizeof *t, by_length);
    *s = (struct search){ .indexed = t[0].chars >= SEARCH_TRIGRAM,
                          .shape = n > 3 ? 3 : (int)n - 1 };
    for (size_t i = 0; i < n && i < 3; i++)
        s->like[i] = t[i].pattern;
    s->rest = n > 3 ? patterns_json(a, t + 3, n - 3) : NULL;
    s->match = fts && s->indexed ? fts_query(a, t, n) : NULL;
    s->key = patterns_json(a, t, n);
    if (!s->key || (n > 3 && !s->rest) || (fts && s->indexed && !s->match))
        return SHOP_ENOMEM;
    return 0;
}

/* Binds the terms from index i: the patterns, then the JSON array of the rest. */
static int bind_terms(struct db_stmt *st, int i, const struct search *s)
{
    for (int k = 0; k < 3 && k <= s->shape; k++)
        db_bind_text(st, i++, s->like[k], (size_t)-1);
    if (s->rest)
        db_bind_text(st, i++, s->rest, (size_t)-1);
    return i;
}

/* SA's parameter: the availability excluded. */
static int bind_avail(struct db_stmt *st, int i, enum cat_avail av)
{
    if (av == CAT_AVAIL_ANY)
        db_bind_null(st, i);
    else
        db_bind_bool(st, i, av == CAT_AVAIL_NO);
    return i + 1;
}

/* Binds from index i what SCNT and SSORT take after the version: the FTS5 query (when
 * with_match), SR's ranges and availability, the terms. Returns the next index. */
static int bind_search(struct db_stmt *st, int i, const struct cat_filter *f,
                       const struct search *s, bool with_match)
{
    if (with_match)
        db_bind_text(st, i++, s->match, (size_t)-1);
    db_bind_int(st, i++, f->category_id ? f->category_id : INT64_MIN);
    db_bind_int(st, i++, f->category_id ? f->category_id : INT64_MAX);
    db_bind_int(st, i++, f->store_id ? f->store_id : INT64_MIN);
    db_bind_int(st, i++, f->store_id ? f->store_id : INT64_MAX);
    i = bind_avail(st, i, f->avail);
    return bind_terms(st, i, s);
}

/* The walk's: the driver ids (bind_filter), availability, terms. */
static int bind_walk(struct db_stmt *st, const struct cat_filter *f, const struct search *s)
{
    int i = bind_avail(st, bind_filter(st, 1, f), f->avail);
    return bind_terms(st, i, s);
}

/* The search's count (through the count cache, as products_count) and MAX(id). */
static int search_count(struct db *db, const struct cat_filter *f, const struct search *s,
                        const char *sql, int64_t *count, int64_t *maxid)
{
    char key[COUNT_CACHE_KEY_MAX + 1];
    int len = count_key(key, sizeof key, f, s->key);
    struct db_stmt *st = db_prepare(db, sql);
    if (!st)
        return SHOP_EDB;
    bind_search(st, 2, f, s, s->match != NULL);
    return versioned_count(st, f, key, len, count, maxid);
}

/* Whether walking the ordering index is the cheaper page (see the section comment). */
static bool search_walks(const struct search *s, int64_t count, int64_t maxid,
                         int64_t limit, int64_t offset)
{
    if (!s->indexed)
        return true;
    double rows = ((double)offset + (double)limit) * (double)maxid / (double)count;
    return rows <= SEARCH_SORT_COST * (double)count;
}

/* cat_products_page with search terms. */
static int search_page(struct db *db, struct arena *a, const struct cat_filter *f, int drv,
                       int64_t limit, int64_t offset, struct cat_product **out, size_t *n,
                       int64_t *count)
{
    int pg = db_dialect(db) == DB_POSTGRES;
    struct search s;
    int rc = search_prepare(a, f->terms, f->nterms, !pg, &s);
    if (rc)
        return rc;
    int64_t maxid = 0;
    rc = search_count(db, f, &s, search_count_sql[pg][s.indexed][s.shape], count, &maxid);
    if (rc || *count <= offset)
        return rc;
    bool walk = search_walks(&s, *count, maxid, limit, offset);
    struct db_stmt *st = db_prepare(db, walk ? search_walk_sql[pg][drv][s.shape]
                                             : search_sort_sql[pg][s.shape]);
    if (!st)
        return SHOP_EDB;
    int i = walk ? bind_walk(st, f, &s) : bind_search(st, 1, f, &s, s.match != NULL);
    db_bind_int(st, i++, limit);
    db_bind_int(st, i, offset);
    return product_rows(st, a, out, n);
}

int cat_products_page(struct db *db, struct arena *a, const struct cat_filter *f,
                      int64_t limit, int64_t offset, struct cat_product **out, size_t *n,
                      int64_t *count)
{
    int drv = (f->category_id ? 1 : 0) + (f->store_id ? 2 : 0);
    int av = f->avail == CAT_AVAIL_YES ? 1 : f->avail == CAT_AVAIL_NO ? 2 : 0;
    *out = NULL;
    *n = 0;
    if (f->nterms)
        return search_page(db, a, f, drv, limit, offset, out, n, count);
    int rc = products_count(db, f, drv, av, count);
    if (rc || *count <= offset)
        return rc;
    struct db_stmt *st = db_prepare(db, products_page_sql[drv][av]);
    if (!st)
        return SHOP_EDB;
    int i = bind_filter(st, 1, f);
    db_bind_int(st, i++, limit);
    db_bind_int(st, i, offset);
    return product_rows(st, a, out, n);
}

int cat_product_get(struct db *db, struct arena *a, int64_t id, struct cat_product *out)
{
    struct db_stmt *st = db_prepare(db, P_COLS P_FROM "WHERE p.id = ?");
    if (!st)
        return SHOP_EDB;
    db_bind_int(st, 1, id);
    int rc = db_step(st);
    if (rc == DB_ROW)
        read_product(st, a, out);
    db_stmt_release(st);
    return rc == DB_ROW ? 0 : rc == DB_DONE ? SHOP_ENOTFOUND : rc;
}

/* ---- media ---- */

#define M_COLS "SELECT m.product_id, m.id, m.file, m.file_type, m.file_size, m.is_primary "
/* The media of up to 10 or 100 products: one index seek per product, joined with
 * UNION ALL. `product_id IN (?, ...)` reads the same rows but builds a temporary b-tree
 * (with its own pager) for the list on every call on SQLite: 45k instructions (callgrind)
 * for a 10-product page without media against 29k, though much of that difference is
 * the temporary pages' zeroing, which callgrind over-counts; in wall-clock time the two
 * are within this machine's noise. Rows are sorted in C, whatever the plan. */
#define M_ONE  M_COLS "FROM media m WHERE m.product_id = ?"
#define M_ALL  " UNION ALL "
#define M10    M_ONE M_ALL M_ONE M_ALL M_ONE M_ALL M_ONE M_ALL M_ONE M_ALL \
               M_ONE M_ALL M_ONE M_ALL M_ONE M_ALL M_ONE M_ALL M_ONE
#define M100   M10 M_ALL M10 M_ALL M10 M_ALL M10 M_ALL M10 M_ALL \
               M10 M_ALL M10 M_ALL M10 M_ALL M10 M_ALL M10

static void read_media_row(struct db_stmt *st, struct arena *a, void *elem)
{
    *(struct media *)elem = (struct media){
        .product_id = db_col_int(st, 0), .id = db_col_int(st, 1),
        .file = db_col_dup(st, 2, a), .file_type = db_col_dup(st, 3, a),
        .file_size = db_col_int(st, 4), .is_primary = db_col_bool(st, 5) };
}

static int media_rows(struct db_stmt *st, struct arena *a, struct media **out, size_t *n)
{
    void *rows;
    int rc = db_collect(st, a, sizeof **out, read_media_row, &rows, n);
    *out = rows;
    return rc;
}

struct id_pos {
    int64_t id;
    size_t pos;
};

static int cmp_id_pos(const void *x, const void *y)
{
    const struct id_pos *a = x, *b = y;
    return a->id < b->id ? -1 : a->id > b->id;
}

/* Position of id in the sorted index, or SIZE_MAX. */
static size_t find_pos(const struct id_pos *idx, size_t n, int64_t id)
{
    struct id_pos key = { id, 0 };
    const struct id_pos *hit = bsearch(&key, idx, n, sizeof *idx, cmp_id_pos);
    return hit ? hit->pos : SIZE_MAX;
}

static int cmp_media(const void *x, const void *y)
{
    const struct media *a = x, *b = y;
    if (a->product_id != b->product_id)
        return a->product_id < b->product_id ? -1 : 1;
    return a->id < b->id ? -1 : a->id > b->id;
}

/* Sorted by product id, then id, each product's media rows are one contiguous run,
 * which becomes its media array without copying. */
static int distribute_media(struct arena *a, struct cat_product *p, size_t n,
                            struct media *m, size_t nm)
{
    if (nm > 1)
        qsort(m, nm, sizeof *m, cmp_media);
    struct id_pos *idx = arena_alloc(a, (n ? n : 1) * sizeof *idx);
    if (!idx)
        return SHOP_ENOMEM;
    for (size_t i = 0; i < n; i++)
        idx[i] = (struct id_pos){ p[i].id, i };
    qsort(idx, n, sizeof *idx, cmp_id_pos);
    for (size_t i = 0; i < nm;) {
        size_t j = i;
        while (j < nm && m[j].product_id == m[i].product_id)
            j++;
        size_t pos = find_pos(idx, n, m[i].product_id);
        if (pos != SIZE_MAX) {
            p[pos].media = &m[i];
            p[pos].nmedia = j - i;
        }
        i = j;
    }
    return 0;
}

int cat_media_attach(struct db *db, struct arena *a, struct cat_product *p, size_t n)
{
    if (n == 0)
        return 0;
    if (n > CAT_PAGE_MAX)
        return SHOP_EINVAL;
    /* Two sizes of placeholder list: the default page (10) need not bind and look up
     * 90 padding ids (measured: 9 % less server CPU per 10-product list). */
    size_t slots = n <= 10 ? 10 : CAT_PAGE_MAX;
    struct db_stmt *st = db_prepare(db, n <= 10 ? M10 : M100);
    if (!st)
        return SHOP_EDB;
    for (size_t i = 0; i < slots; i++)
        db_bind_int(st, (int)i + 1, i < n ? p[i].id : 0); /* 0 names no product */
    struct media *m;
    size_t nm;
    int rc = media_rows(st, a, &m, &nm);
    return rc ? rc : distribute_media(a, p, n, m, nm);
}

static const char *const set_sql[2] = {
    P_COLS P_FROM P_WHERE "AND p.category_id = ? " P_ORDER,
    P_COLS P_FROM P_WHERE "AND p.store_id = ? " P_ORDER,
};
static const char *const set_media_sql[2] = {
    M_COLS "FROM products p JOIN media m ON m.product_id = p.id "
           "WHERE p.category_id = ? AND p.is_active = TRUE ORDER BY m.product_id, m.id",
    M_COLS "FROM products p JOIN media m ON m.product_id = p.id "
           "WHERE p.store_id = ? AND p.is_active = TRUE ORDER BY m.product_id, m.id",
};

int cat_products_set(struct db *db, struct arena *a, bool by_store, int64_t id,
                     struct cat_product **out, size_t *n)
{
    struct db_stmt *st = db_prepare(db, set_sql[by_store]);
    if (!st)
        return SHOP_EDB;
    db_bind_int(st, 1, id);
    int rc = product_rows(st, a, out, n);
    if (rc || *n == 0)
        return rc;
    st = db_prepare(db, set_media_sql[by_store]);
    if (!st)
        return SHOP_EDB;
    db_bind_int(st, 1, id);
    struct media *m;
    size_t nm;
    rc = media_rows(st, a, &m, &nm);
    return rc ? rc : distribute_media(a, *out, *n, m, nm);
}

/* ---- products: writing ---- */

bool cat_product_name_taken(struct db *db, const char *name, int64_t except_id)
{
    struct db_stmt *st = db_prepare(db, "SELECT 1 FROM products WHERE name = ? AND id <> ?");
    if (!st)
        return true;
    db_bind_text(st, 1, name, (size_t)-1);
    db_bind_int(st, 2, except_id);
    return db_has_row(st) != 0;
}

/* Parameters 1-7 of both the INSERT and the UPDATE, in their column order. */
static void bind_product_fields(struct db_stmt *st, const struct cat_product *p,
                                const char *fold)
{
    db_bind_text(st, 1, p->name, (size_t)-1);
    db_bind_text(st, 2, fold, (size_t)-1);
    db_bind_int(st, 3, p->category_id);
    bind_opt(st, 4, p->store_id != 0, p->store_id);
    db_bind_text(st, 5, p->description, (size_t)-1);
    db_bind_int(st, 6, p->base_price);
    bind_opt(st, 7, p->has_shipping_fee, p->shipping_fee);
}

int cat_product_insert(struct db *db, struct arena *a, struct cat_product *p, int64_t now)
{
    const char *fold = fold_str(a, p->name, strlen(p->name));
    if (!fold)
        return SHOP_ENOMEM;
    struct db_stmt *st = db_prepare(
        db, "INSERT INTO products (name, name_fold, category_id, store_id, description, "
            "base_price, shipping_fee, is_standalone, total_stock_level, total_sold, "
            "is_active, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, 0, TRUE, "
            "?, ?) RETURNING id");
    if (!st)
        return SHOP_EDB;
    bind_product_fields(st, p, fold);
    db_bind_bool(st, 8, p->is_standalone);
    db_bind_int(st, 9, now);
    db_bind_int(st, 10, now);
    int rc = db_fetch_int(st, &p->id);
    return rc == SHOP_ENOTFOUND ? SHOP_EDB : rc;
}

int cat_product_update(struct db *db, struct arena *a, const struct cat_product *p,
                       int64_t now)
{
    const char *fold = fold_str(a, p->name, strlen(p->name));
    if (!fold)
        return SHOP_ENOMEM;
    struct db_stmt *st = db_prepare(
        db, "UPDATE products SET name = ?, name_fold = ?, category_id = ?, store_id = ?, "
            "description = ?, base_price = ?, shipping_fee = ?, updated_at = ? "
            "WHERE id = ? AND is_active = TRUE");
    if (!st)
        return SHOP_EDB;
    bind_product_fields(st, p, fold);
    db_bind_int(st, 8, now);
    db_bind_int(st, 9, p->id);
    return db_run_one(st);
}

int cat_product_deactivate(struct db *db, int64_t id, int64_t now)
{
    struct db_stmt *st = db_prepare(db, "UPDATE products SET is_active = FALSE, updated_at = ? "
                                        "WHERE id = ? AND is_active = TRUE");
    if (!st)
        return SHOP_EDB;
    db_bind_int(st, 1, now);
    db_bind_int(st, 2, id);
    return db_run_one(st);
}

int cat_product_lock(struct db *db, int64_t id, struct cat_product *out)
{
    /* A no-op UPDATE takes PostgreSQL's row lock and, under READ COMMITTED, returns the
     * row as the last committed writer left it. */
    struct db_stmt *st = db_prepare(
        db, "UPDATE products SET is_active = TRUE WHERE id = ? AND is_active = TRUE "
            "RETURNING base_price, is_standalone, min_adjustment, store_id");
    if (!st)
        return SHOP_EDB;
    db_bind_int(st, 1, id);
    int rc = db_step(st);
    if (rc == DB_ROW) {
        out->id = id;
        out->base_price = db_col_int(st, 0);
        out->is_standalone = db_col_bool(st, 1);
        out->has_min_adjustment = !db_col_null(st, 2);
        out->min_adjustment = db_col_int(st, 2);
        out->store_id = db_col_int(st, 3);
    }
    db_stmt_release(st);
    return rc == DB_ROW ? 0 : rc == DB_DONE ? SHOP_ENOTFOUND : rc;
}

int cat_product_refresh_totals(struct db *db, int64_t id)
{
    struct db_stmt *st = db_prepare(
        db, "UPDATE products SET "
            "total_stock_level = (SELECT COALESCE(SUM(stock_level), 0) FROM variants "
            "WHERE product_id = ? AND is_active = TRUE), "
            "total_sold = (SELECT COALESCE(SUM(quantity_sold), 0) FROM variants "
            "WHERE product_id = ? AND is_active = TRUE), "
            "min_adjustment = (SELECT MIN(price_adjustment) FROM variants "
            "WHERE product_id = ? AND is_active = TRUE) WHERE id = ?");
    if (!st)
        return SHOP_EDB;
    for (int i = 1; i <= 4; i++)
        db_bind_int(st, i, id);
    return db_run_one(st);
}

int cat_product_active_variants(struct db *db, int64_t id, int64_t *n)
{
    struct db_stmt *st = db_prepare(
        db, "SELECT COUNT(*) FROM variants WHERE product_id = ? AND is_active = TRUE");
    if (!st)
        return SHOP_EDB;
    db_bind_int(st, 1, id);
    return db_fetch_int(st, n);
}

/* ---- variants and attributes ---- */

#define V_COLS                                                                             \
    "SELECT v.id, v.product_id, v.sku, v.price_adjustment, v.stock_level, "               \
    "v.quantity_sold, v.is_default, v.is_active, v.created_at, v.updated_at FROM variants v "

static void read_variant(struct db_stmt *st, struct arena *a, struct cat_variant *v)
{
    *v = (struct cat_variant){
        .id = db_col_int(st, 0), .product_id = db_col_int(st, 1), .sku = db_col_dup(st, 2, a),
        .price_adjustment = db_col_int(st, 3), .stock_level = db_col_int(st, 4),
        .quantity_sold = db_col_int(st, 5), .is_default = db_col_bool(st, 6),
        .is_active = db_col_bool(st, 7), .created_at = db_col_int(st, 8),
        .updated_at = db_col_int(st, 9),
    };
}

static void read_variant_row(struct db_stmt *st, struct arena *a, void *v)
{
    read_variant(st, a, v);
}

static int variant_rows(struct db_stmt *st, struct arena *a, struct cat_variant **out,
                        size_t *n)
{
    void *rows;
    int rc = db_collect(st, a, sizeof **out, read_variant_row, &rows, n);
    *out = rows;
    return rc;
}

struct attr_row {
    int64_t variant_id;
    struct cat_variant_attr attr;
};

static void read_attr_row(struct db_stmt *st, struct arena *a, void *elem)
{
    *(struct attr_row *)elem = (struct attr_row){
        db_col_int(st, 0), { db_col_dup(st, 1, a), db_col_dup(st, 2, a) } };
}

static int attr_rows(struct db_stmt *st, struct arena *a, struct attr_row **out, size_t *n)
{
    void *rows;
    int rc = db_collect(st, a, sizeof **out, read_attr_row, &rows, n);
    *out = rows;
    return rc;
}

/* Rows come ordered by variant id: each run becomes that variant's attribute list. */
static int distribute_attrs(struct arena *a, struct cat_variant *v, size_t n,
                            const struct attr_row *r, size_t nr)
{
    struct id_pos *idx = arena_alloc(a, (n ? n : 1) * sizeof *idx);
    if (!idx)
        return SHOP_ENOMEM;
    for (size_t i = 0; i < n; i++)
        idx[i] = (struct id_pos){ v[i].id, i };
    qsort(idx, n, sizeof *idx, cmp_id_pos);
    for (size_t i = 0; i < nr;) {
        size_t j = i;
        while (j < nr && r[j].variant_id == r[i].variant_id)
            j++;
        size_t pos = find_pos(idx, n, r[i].variant_id);
        struct cat_variant_attr *list = arena_alloc(a, (j - i) * sizeof *list);
        if (!list)
            return SHOP_ENOMEM;
        for (size_t k = i; k < j; k++)
            list[k - i] = r[k].attr;
        if (pos != SIZE_MAX) {
            v[pos].attrs = list;
            v[pos].nattrs = j - i;
        }
        i = j;
    }
    return 0;
}

#define VA_COLS                                                                            \
    "SELECT va.variant_id, a.name, va.value FROM variants v "                             \
    "JOIN variant_attributes va ON va.variant_id = v.id "                                  \
    "JOIN attributes a ON a.id = va.attribute_id "

int cat_variants_of(struct db *db, struct arena *a, int64_t product_id,
                    struct cat_variant **out, size_t *n)
{
    struct db_stmt *st = db_prepare(db, V_COLS "WHERE v.product_id = ? AND v.is_active = TRUE "
                                               "ORDER BY v.quantity_sold DESC, v.id");
    if (!st)
        return SHOP_EDB;
    db_bind_int(st, 1, product_id);
    int rc = variant_rows(st, a, out, n);
    if (rc || *n == 0)
        return rc;
    st = db_prepare(db, VA_COLS "WHERE v.product_id = ? AND v.is_active = TRUE "
                                "ORDER BY va.variant_id, a.id");
    if (!st)
        return SHOP_EDB;
    db_bind_int(st, 1, product_id);
    struct attr_row *r;
    size_t nr;
    rc = attr_rows(st, a, &r, &nr);
    return rc ? rc : distribute_attrs(a, *out, *n, r, nr);
}

int cat_variant_get(struct db *db, struct arena *a, int64_t product_id, int64_t id,
                    struct cat_variant *out)
{
    struct db_stmt *st = db_prepare(db, V_COLS "WHERE v.id = ? AND v.product_id = ?");
    if (!st)
        return SHOP_EDB;
    db_bind_int(st, 1, id);
    db_bind_int(st, 2, product_id);
    struct cat_variant *v;
    size_t n;
    int rc = variant_rows(st, a, &v, &n);
    if (rc || n == 0)
        return rc ? rc : SHOP_ENOTFOUND;
    st = db_prepare(db, VA_COLS "WHERE v.id = ? ORDER BY va.variant_id, a.id");
    if (!st)
        return SHOP_EDB;
    db_bind_int(st, 1, id);
    struct attr_row *r;
    size_t nr;
    rc = attr_rows(st, a, &r, &nr);
    if (!rc)
        rc = distribute_attrs(a, v, 1, r, nr);
    *out = v[0];
    return rc;
}

bool cat_sku_taken(struct db *db, const char *sku, int64_t except_id)
{
    struct db_stmt *st = db_prepare(db, "SELECT 1 FROM variants WHERE sku = ? AND id <> ?");
    if (!st)
        return true;
    db_bind_text(st, 1, sku, (size_t)-1);
    db_bind_int(st, 2, except_id);
    return db_has_row(st) != 0;
}

int cat_variant_insert(struct db *db, struct cat_variant *v, int64_t now)
{
    struct db_stmt *st = db_prepare(
        db, "INSERT INTO variants (product_id, sku, price_adjustment, stock_level, "
            "quantity_sold, is_default, is_active, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, TRUE, ?, ?) RETURNING id");
    if (!st)
        return SHOP_EDB;
    db_bind_int(st, 1, v->product_id);
    db_bind_text(st, 2, v->sku, (size_t)-1);
    db_bind_int(st, 3, v->price_adjustment);
    db_bind_int(st, 4, v->stock_level);
    db_bind_int(st, 5, v->quantity_sold);
    db_bind_bool(st, 6, v->is_default);
    db_bind_int(st, 7, now);
    db_bind_int(st, 8, now);
    int rc = db_fetch_int(st, &v->id);
    return rc == SHOP_ENOTFOUND ? SHOP_EDB : rc;
}

int cat_variant_update(struct db *db, const struct cat_variant *v, int64_t now)
{
    struct db_stmt *st = db_prepare(
        db, "UPDATE variants SET sku = ?, price_adjustment = ?, stock_level = ?, "
            "is_default = ?, updated_at = ? WHERE id = ? AND is_active = TRUE");
    if (!st)
        return SHOP_EDB;
    db_bind_text(st, 1, v->sku, (size_t)-1);
    db_bind_int(st, 2, v->price_adjustment);
    db_bind_int(st, 3, v->stock_level);
    db_bind_bool(st, 4, v->is_default);
    db_bind_int(st, 5, now);
    db_bind_int(st, 6, v->id);
    return db_run_one(st);
}

int cat_variant_deactivate(struct db *db, int64_t id, int64_t now)
{
    struct db_stmt *st = db_prepare(db, "UPDATE variants SET is_active = FALSE, updated_at = ? "
                                        "WHERE id = ? AND is_active = TRUE");
    if (!st)
        return SHOP_EDB;
    db_bind_int(st, 1, now);
    db_bind_int(st, 2, id);
    return db_run_one(st);
}

int cat_variant_set_standalone_stock(struct db *db, int64_t product_id, int64_t stock,
                                     int64_t now)
{
    /* by product, not by the generated SKU, which an update may have changed */
    struct db_stmt *st = db_prepare(db, "UPDATE variants SET stock_level = ?, updated_at = ? "
                                        "WHERE product_id = ? AND is_active = TRUE");
    if (!st)
        return SHOP_EDB;
    db_bind_int(st, 1, stock);
    db_bind_int(st, 2, now);
    db_bind_int(st, 3, product_id);
    return db_run(st);
}

/* The id of the product's attribute called name, created when new. */
static int attribute_id(struct db *db, int64_t product_id, const char *name, int64_t now,
                        int64_t *id)
{
    struct db_stmt *st = db_prepare(
        db, "INSERT INTO attributes (product_id, name, created_at) VALUES (?, ?, ?) "
            "ON CONFLICT (product_id, name) DO NOTHING");
    if (!st)
        return SHOP_EDB;
    db_bind_int(st, 1, product_id);
    db_bind_text(st, 2, name, (size_t)-1);
    db_bind_int(st, 3, now);
    int rc = db_run(st);
    if (rc)
        return rc;
    st = db_prepare(db, "SELECT id FROM attributes WHERE product_id = ? AND name = ?");
    if (!st)
        return SHOP_EDB;
    db_bind_int(st, 1, product_id);
    db_bind_text(st, 2, name, (size_t)-1);
    rc = db_fetch_int(st, id);
    return rc == SHOP_ENOTFOUND ? SHOP_EDB : rc;
}

static int add_value(struct db *db, int64_t variant_id, int64_t attr_id, const char *value)
{
    struct db_stmt *st = db_prepare(db, "INSERT INTO variant_attributes (variant_id, "
                                        "attribute_id, value) VALUES (?, ?, ?)");
    if (!st)
        return SHOP_EDB;
    db_bind_int(st, 1, variant_id);
    db_bind_int(st, 2, attr_id);
    db_bind_text(st, 3, value, (size_t)-1);
    return db_run(st);
}

int cat_variant_set_attributes(struct db *db, const struct cat_variant *v, int64_t now)
{
    struct db_stmt *st = db_prepare(db, "DELETE FROM variant_attributes WHERE variant_id = ?");
    if (!st)
        return SHOP_EDB;
    db_bind_int(st, 1, v->id);
    int rc = db_run(st);
    for (size_t i = 0; rc == 0 && i < v->nattrs; i++) {
        int64_t attr_id;
        rc = attribute_id(db, v->product_id, v->attrs[i].attribute, now, &attr_id);
        if (!rc)
            rc = add_value(db, v->id, attr_id, v->attrs[i].value);
    }
    return rc;
}

int cat_attributes_of(struct db *db, struct arena *a, int64_t product_id,
                      struct cat_attribute **out, size_t *n)
{
    struct db_stmt *st =
        db_prepare(db, "SELECT id, name FROM attributes WHERE product_id = ? ORDER BY id");
    if (!st)
        return SHOP_EDB;
    db_bind_int(st, 1, product_id);
    struct cat_attribute *v = NULL;
    size_t k = 0, cap = 0;
    int rc = db_step(st);
    while (rc == DB_ROW) {
        v = arena_grow(a, v, k, &cap, sizeof *v);
        if (!v) {
            rc = SHOP_ENOMEM;
            break;
        }
        v[k++] = (struct cat_attribute){ db_col_int(st, 0), db_col_dup(st, 1, a) };
        rc = db_step(st);
    }
    db_stmt_release(st);
    *out = v;
    *n = k;
    return rc == DB_DONE ? 0 : rc;
}

/* ---- other modules' tables ---- */

bool cat_store_exists(struct db *db, int64_t id)
{
    struct db_stmt *st = db_prepare(db, "SELECT 1 FROM stores WHERE id = ? AND is_active = TRUE");
    if (!st)
        return false;
    db_bind_int(st, 1, id);
    return db_has_row(st) != 0;
}

/* ---- seed support ---- */

int cat_meta_get(struct db *db, struct arena *a, const char *key, const char **value)
{
    struct db_stmt *st = db_prepare(db, "SELECT value FROM app_meta WHERE key = ?");
    if (!st)
        return SHOP_EDB;
    db_bind_text(st, 1, key, (size_t)-1);
    int rc = db_step(st);
    if (rc == DB_ROW)
        *value = db_col_dup(st, 0, a);
    db_stmt_release(st);
    return rc == DB_ROW ? 0 : rc == DB_DONE ? SHOP_ENOTFOUND : rc;
}

int cat_meta_set(struct db *db, const char *key, const char *value)
{
    struct db_stmt *st = db_prepare(db, "INSERT INTO app_meta (key, value) VALUES (?, ?)");
    if (!st)
        return SHOP_EDB;
    db_bind_text(st, 1, key, (size_t)-1);
    db_bind_text(st, 2, value, (size_t)-1);
    return db_run(st);
}
