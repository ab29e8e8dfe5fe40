/* catalogue_store: see catalogue_store.h.
 *
 * Product lists: the SQL is chosen from static tables indexed by which filters are set
 * (category / store / both / neither: each picks the index of 0003 that serves the
 * filter and the ordering), the availability filter and whether there is a search (one
 * text per dialect: the terms travel as ONE bound JSON array of LIKE patterns, read by
 * json_each on SQLite and json_array_elements_text on PostgreSQL, so any number of terms
 * costs the same single statement). In page queries the stock condition is written
 * "+p.total_stock_level" so that SQLite keeps walking the ordering index instead of
 * sorting; counts without a category or store filter use it bare, so that they can
 * count from products_available alone.
 *
 * Names are compared folded (core/fold.c) in *_fold columns, never with SQL lower(),
 * which differs between the two databases. */
#include "store/catalogue_store.h"

#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/fold.h"
#include "core/json.h"

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

/* Reads every row of a product SELECT into an arena array. */
static int product_rows(struct db_stmt *st, struct arena *a, struct cat_product **out,
                        size_t *n)
{
    struct cat_product *v = NULL;
    size_t k = 0, cap = 0;
    int rc = db_step(st);
    while (rc == DB_ROW) {
        v = arena_grow(a, v, k, &cap, sizeof *v);
        if (!v) {
            rc = SHOP_ENOMEM;
            break;
        }
        read_product(st, a, &v[k++]);
        rc = db_step(st);
    }
    db_stmt_release(st);
    *out = v;
    *n = k;
    return rc == DB_DONE ? 0 : rc;
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
/* Search: every term (a row of t) must match one of the three names. */
#define P_MATCH                                                                            \
    "p.name_fold LIKE t.value ESCAPE '\\' OR c.name_fold LIKE t.value ESCAPE '\\' OR "     \
    "COALESCE(s.brand_fold, '') LIKE t.value ESCAPE '\\'"
#define S0_FROM "FROM products p "
#define S0_COND ""
#define S1_FROM P_FROM
#define S1_COND "AND NOT EXISTS (SELECT 1 FROM " TERMS_SQLITE " WHERE NOT (" P_MATCH ")) "
#define S2_FROM P_FROM
#define S2_COND "AND NOT EXISTS (SELECT 1 FROM " TERMS_PG " WHERE NOT (" P_MATCH ")) "

#define P_WHERE "WHERE p.is_active = TRUE "
#define CNT(d, av, s) "SELECT COUNT(*) " s##_FROM P_WHERE d av s##_COND
#define PAGE(d, av, s) P_COLS P_FROM P_WHERE d av s##_COND P_ORDER "LIMIT ? OFFSET ?"
#define CNT_S(d, av) { CNT(d, av, S0), CNT(d, av, S1), CNT(d, av, S2) }
#define PAGE_S(d, av) { PAGE(d, av, S0), PAGE(d, av, S1), PAGE(d, av, S2) }
/* Counts with a category or store filter use its index too ('+'), not products_available. */
#define CNT_A(d) { CNT_S(d, AC_ANY), CNT_S(d, AC_YES), CNT_S(d, AC_NO) }
#define CNT_AP(d) { CNT_S(d, AP_ANY), CNT_S(d, AP_YES), CNT_S(d, AP_NO) }
#define PAGE_A(d) { PAGE_S(d, AP_ANY), PAGE_S(d, AP_YES), PAGE_S(d, AP_NO) }

/* [driver][enum cat_avail][search kind] */
static const char *const products_count_sql[4][3][3] = {
    CNT_A(D_NONE), CNT_AP(D_CAT), CNT_AP(D_STORE), CNT_AP(D_BOTH),
};
static const char *const products_page_sql[4][3][3] = {
    PAGE_A(D_NONE), PAGE_A(D_CAT), PAGE_A(D_STORE), PAGE_A(D_BOTH),
};

/* Binds the filter values in the order the texts above use them; returns the next index. */
static int bind_filter(struct db_stmt *st, const struct cat_filter *f, const char *js)
{
    int i = 1;
    if (f->category_id)
        db_bind_int(st, i++, f->category_id);
    if (f->store_id)
        db_bind_int(st, i++, f->store_id);
    if (js)
        db_bind_text(st, i++, js, (size_t)-1);
    return i;
}

int cat_products_page(struct db *db, struct arena *a, const struct cat_filter *f,
                      int64_t limit, int64_t offset, struct cat_product **out, size_t *n,
                      int64_t *count)
{
    int kind = search_kind(db, f->nterms);
    int drv = (f->category_id ? 1 : 0) + (f->store_id ? 2 : 0);
    int av = f->avail == CAT_AVAIL_YES ? 1 : f->avail == CAT_AVAIL_NO ? 2 : 0;
    const char *js = kind ? terms_json(a, f->terms, f->nterms) : NULL;
    *out = NULL;
    *n = 0;
    if (kind && !js)
        return SHOP_ENOMEM;
    struct db_stmt *st = db_prepare(db, products_count_sql[drv][av][kind]);
    if (!st)
        return SHOP_EDB;
    bind_filter(st, f, js);
    int rc = db_fetch_int(st, count);
    if (rc || *count <= offset)
        return rc;
    st = db_prepare(db, products_page_sql[drv][av][kind]);
    if (!st)
        return SHOP_EDB;
    int i = bind_filter(st, f, js);
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
#define Q10    "?,?,?,?,?,?,?,?,?,?"
#define Q100   Q10 "," Q10 "," Q10 "," Q10 "," Q10 "," Q10 "," Q10 "," Q10 "," Q10 "," Q10

static int media_rows(struct db_stmt *st, struct arena *a, struct media **out, size_t *n)
{
    struct media *v = NULL;
    size_t k = 0, cap = 0;
    int rc = db_step(st);
    while (rc == DB_ROW) {
        v = arena_grow(a, v, k, &cap, sizeof *v);
        if (!v) {
            rc = SHOP_ENOMEM;
            break;
        }
        v[k] = (struct media){ .product_id = db_col_int(st, 0), .id = db_col_int(st, 1),
                                   .file = db_col_dup(st, 2, a), .file_type = db_col_dup(st, 3, a),
                                   .file_size = db_col_int(st, 4),
                                   .is_primary = db_col_bool(st, 5) };
        k++;
        rc = db_step(st);
    }
    db_stmt_release(st);
    *out = v;
    *n = k;
    return rc == DB_DONE ? 0 : rc;
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

/* Media rows come ordered by product id: each product's rows are one contiguous run,
 * which becomes its media array without copying. */
static int distribute_media(struct arena *a, struct cat_product *p, size_t n,
                            struct media *m, size_t nm)
{
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
    struct db_stmt *st = db_prepare(db, M_COLS "FROM media m WHERE m.product_id IN (" Q100
                                            ") ORDER BY m.product_id, m.id");
    if (!st)
        return SHOP_EDB;
    for (size_t i = 0; i < CAT_PAGE_MAX; i++)
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
    db_bind_text(st, 1, p->name, (size_t)-1);
    db_bind_text(st, 2, fold, (size_t)-1);
    db_bind_int(st, 3, p->category_id);
    bind_opt(st, 4, p->store_id != 0, p->store_id);
    db_bind_text(st, 5, p->description, (size_t)-1);
    db_bind_int(st, 6, p->base_price);
    bind_opt(st, 7, p->has_shipping_fee, p->shipping_fee);
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
    db_bind_text(st, 1, p->name, (size_t)-1);
    db_bind_text(st, 2, fold, (size_t)-1);
    db_bind_int(st, 3, p->category_id);
    bind_opt(st, 4, p->store_id != 0, p->store_id);
    db_bind_text(st, 5, p->description, (size_t)-1);
    db_bind_int(st, 6, p->base_price);
    bind_opt(st, 7, p->has_shipping_fee, p->shipping_fee);
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

static int variant_rows(struct db_stmt *st, struct arena *a, struct cat_variant **out,
                        size_t *n)
{
    struct cat_variant *v = NULL;
    size_t k = 0, cap = 0;
    int rc = db_step(st);
    while (rc == DB_ROW) {
        v = arena_grow(a, v, k, &cap, sizeof *v);
        if (!v) {
            rc = SHOP_ENOMEM;
            break;
        }
        read_variant(st, a, &v[k++]);
        rc = db_step(st);
    }
    db_stmt_release(st);
    *out = v;
    *n = k;
    return rc == DB_DONE ? 0 : rc;
}

struct attr_row {
    int64_t variant_id;
    struct cat_variant_attr attr;
};

static int attr_rows(struct db_stmt *st, struct arena *a, struct attr_row **out, size_t *n)
{
    struct attr_row *v = NULL;
    size_t k = 0, cap = 0;
    int rc = db_step(st);
    while (rc == DB_ROW) {
        v = arena_grow(a, v, k, &cap, sizeof *v);
        if (!v) {
            rc = SHOP_ENOMEM;
            break;
        }
        v[k++] = (struct attr_row){ db_col_int(st, 0), { db_col_dup(st, 1, a), db_col_dup(st, 2, a) } };
        rc = db_step(st);
    }
    db_stmt_release(st);
    *out = v;
    *n = k;
    return rc == DB_DONE ? 0 : rc;
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
