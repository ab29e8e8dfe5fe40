/* Tests for src/store/catalogue_store.c. The product list picks one of many static SQL
 * texts by filter (category, store, availability, search per dialect): every combination
 * is run against a small catalogue and compared with the same filter and ordering done
 * in C. Also: media attached in one statement (padded placeholders), derived counters,
 * the product lock, and LIKE's special characters taken literally. Runs on SQLite (a
 * temporary file) and, when SHOPD_TEST_PG_URL is set, on a PostgreSQL database created
 * for the run. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/err.h"
#include "db/db.h"
#include "store/catalogue_store.h"
#include "unit/testdb.h"

#define NPROD 14

struct fixture {
    struct testdb t; /* first (testdb_fixture_setup): the database */
    struct db *db;
    struct arena *a;
    int64_t cat[2], store[2], prod[NPROD];
};

/* What the products are, so that the test can filter and order them itself. */
struct model {
    int cat;        /* index into fixture.cat */
    int store;      /* index into fixture.store, -1 = none */
    int64_t stock, sold, rating; /* rating -1 = null */
    const char *name;
};

static const struct model models[NPROD] = {
    { 0, 0, 5, 10, 450, "Alpha Lamp" },  { 0, 1, 0, 10, 450, "Beta Lamp" },
    { 1, -1, 3, 10, -1, "alpha mug" },   { 1, 0, 0, 0, 300, "Gamma 50% Mug" },
    { 0, -1, 9, 7, 100, "Delta_Kite" },  { 1, 1, 2, 7, -1, "ALPHA KITE" },
    { 0, 0, 0, 0, -1, "Epsilon" },       { 1, 0, 4, 99, 500, "Zeta" },
    { 0, 1, 1, 3, 200, "Eta Alpha" },    { 1, -1, 0, 3, 200, "Theta" },
    { 0, 0, 6, 3, -1, "Iota" },          { 1, 1, 0, 1, 100, "Kappa" },
    { 0, -1, 8, 1, 100, "Lambda" },      { 1, 0, 2, 0, -1, "Mu" },
};

/* ---- catalogue ---- */

static int64_t insert_id(struct db *db, const char *sql)
{
    struct db_stmt *st = db_prepare(db, sql);
    if (!st || db_step(st) != DB_ROW)
        fail_msg("%s: %s", sql, db_errmsg(db));
    int64_t id = db_col_int(st, 0);
    db_stmt_release(st);
    return id;
}

static void set_counters(struct fixture *f, int i)
{
    char sql[256];
    const struct model *m = &models[i];
    struct cat_variant v = { .product_id = f->prod[i], .stock_level = m->stock,
                             .quantity_sold = m->sold, .is_default = true };
    char sku[32];
    snprintf(sku, sizeof sku, "SKU-%d", i);
    v.sku = sku;
    assert_int_equal(cat_variant_insert(f->db, &v, 1), 0);
    assert_int_equal(cat_product_refresh_totals(f->db, f->prod[i]), 0);
    if (m->rating >= 0) {
        snprintf(sql, sizeof sql, "UPDATE products SET rating = %lld WHERE id = %lld",
                 (long long)m->rating, (long long)f->prod[i]);
        testdb_exec(f->db, sql);
    }
}

static void build_catalogue(struct fixture *f)
{
    testdb_exec(f->db, "INSERT INTO customers (email, email_key, first_name, last_name, slug, "
                       "password, date_joined) VALUES ('a@x.io', 'a@x.io', 'A', 'A', 'a', 'x', 0), "
                       "('b@x.io', 'b@x.io', 'B', 'B', 'b', 'x', 0)");
    f->store[0] = insert_id(f->db, "INSERT INTO stores (owner_id, brand_name, brand_fold, "
                                   "slug, about, created_at, updated_at) SELECT id, "
                                   "'Brandy', 'brandy', 'brandy', '', 0, 0 FROM customers "
                                   "WHERE slug = 'a' RETURNING id");
    f->store[1] = insert_id(f->db, "INSERT INTO stores (owner_id, brand_name, brand_fold, "
                                   "slug, about, created_at, updated_at) SELECT id, "
                                   "'Other', 'other', 'other', '', 0, 0 FROM customers "
                                   "WHERE slug = 'b' RETURNING id");
    struct cat_category c0 = { .name = "Lighting", .slug = "lighting" };
    struct cat_category c1 = { .name = "Kitchen", .slug = "kitchen" };
    assert_int_equal(cat_category_insert(f->db, f->a, &c0, 1), 0);
    assert_int_equal(cat_category_insert(f->db, f->a, &c1, 1), 0);
    f->cat[0] = c0.id;
    f->cat[1] = c1.id;
    for (int i = 0; i < NPROD; i++) {
        struct cat_product p = { .name = models[i].name, .description = "",
                                 .category_id = f->cat[models[i].cat],
                                 .store_id = models[i].store < 0 ? 0 : f->store[models[i].store],
                                 .base_price = 1000, .is_standalone = true };
        assert_int_equal(cat_product_insert(f->db, f->a, &p, 1), 0);
        f->prod[i] = p.id;
        set_counters(f, i);
    }
}

/* ---- fixtures ---- */

static int setup_common(void *p)
{
    struct fixture *f = p;
    f->db = testdb_open(f->t.url);
    f->a = arena_new(0);
    if (!f->a)
        return -1;
    testdb_migrate(f->db);
    build_catalogue(f);
    return 0;
}

static void close_common(void *p)
{
    struct fixture *f = p;
    db_close(f->db);
    arena_free(f->a);
}

static int setup_sqlite(void **state)
{
    return testdb_fixture_setup(state, sizeof(struct fixture), false, "catalogue", setup_common);
}

static int setup_pg(void **state)
{
    return testdb_fixture_setup(state, sizeof(struct fixture), true, "catalogue", setup_common);
}

static int teardown(void **state) { return testdb_fixture_teardown(state, close_common); }

static struct fixture *fx(void **state) { return testdb_fixture(state); }

/* ---- the list, computed in C ---- */

/* Case-insensitive (ASCII is enough for these names) substring. */
static bool contains(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (const char *p = hay; *p; p++)
        if (strncasecmp(p, needle, n) == 0)
            return true;
    return n == 0;
}

static bool term_matches(int i, const char *term)
{
    static const char *const cat_names[2] = { "Lighting", "Kitchen" };
    static const char *const brands[2] = { "Brandy", "Other" };
    const struct model *m = &models[i];
    return contains(m->name, term) || contains(cat_names[m->cat], term) ||
           (m->store >= 0 && contains(brands[m->store], term));
}

static bool model_passes(int i, int cat, int store, enum cat_avail av, char **terms, size_t nt)
{
    const struct model *m = &models[i];
    if ((cat >= 0 && m->cat != cat) || (store >= 0 && m->store != store))
        return false;
    if ((av == CAT_AVAIL_YES && m->stock <= 0) || (av == CAT_AVAIL_NO && m->stock > 0))
        return false;
    for (size_t t = 0; t < nt; t++)
        if (!term_matches(i, terms[t]))
            return false;
    return true;
}

/* -total_sold, -rating nulls last, id (ids follow the model order). */
static int cmp_model(const void *x, const void *y)
{
    const struct model *a = &models[*(const int *)x], *b = &models[*(const int *)y];
    if (a->sold != b->sold)
        return a->sold > b->sold ? -1 : 1;
    if (a->rating != b->rating)
        return a->rating > b->rating ? -1 : 1; /* -1 (null) sorts last */
    return *(const int *)x - *(const int *)y;
}

static size_t expected_list(int cat, int store, enum cat_avail av, char **terms, size_t nt,
                            int *out)
{
    size_t n = 0;
    for (int i = 0; i < NPROD; i++)
        if (model_passes(i, cat, store, av, terms, nt))
            out[n++] = i;
    qsort(out, n, sizeof *out, cmp_model);
    return n;
}

static void check_combo(struct fixture *f, int cat, int store, enum cat_avail av, char **terms,
                        size_t nt)
{
    struct cat_filter flt = { .category_id = cat < 0 ? 0 : f->cat[cat],
                              .store_id = store < 0 ? 0 : f->store[store], .avail = av,
                              .terms = terms, .nterms = nt };
    struct cat_product *p;
    size_t n;
    int64_t count;
    int want[NPROD];
    size_t nwant = expected_list(cat, store, av, terms, nt, want);
    int rc = cat_products_page(f->db, f->a, &flt, 100, 0, &p, &n, &count);
    if (rc)
        fail_msg("cat %d store %d avail %d terms %zu: %s", cat, store, av, nt,
                 db_errmsg(f->db));
    assert_int_equal(count, nwant);
    assert_int_equal(n, nwant);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(p[i].id, f->prod[want[i]]);
    /* pages of two: a search walks the list order for the first pages and sorts the
     * matches for later ones (catalogue_store.c): the same products either way */
    for (int64_t off = 0; off < (int64_t)nwant; off += 2) {
        assert_int_equal(cat_products_page(f->db, f->a, &flt, 2, off, &p, &n, &count), 0);
        assert_int_equal(count, nwant);
        for (size_t i = 0; i < n; i++)
            assert_int_equal(p[i].id, f->prod[want[off + (int64_t)i]]);
    }
}

static void test_every_filter_combination(void **state)
{
    struct fixture *f = fx(state);
    char *one[] = { "ALPHA" };
    char *two[] = { "alpha", "lamp" };
    char *brand[] = { "brand", "a" };
    char *three_short[] = { "a", "M", "p" };
    char *four[] = { "LIGHT", "a", "lamp", "br" };
    char *five_short[] = { "KI", "te", "A", "n", "e" };
    char *spanning[] = { "lampligh" }; /* "... Lamp" then "Lighting" */
    char *span_short[] = { "pl" };
    char *none[] = { "alpha", "zzz" };
    char **term_sets[] = { NULL, one, two, brand, three_short, four, five_short, spanning,
                           span_short, none };
    size_t term_counts[] = { 0, 1, 2, 2, 3, 4, 5, 1, 1, 2 };
    for (int cat = -1; cat < 2; cat++)
        for (int store = -1; store < 2; store++)
            for (int av = 0; av < 3; av++)
                for (size_t t = 0; t < sizeof term_counts / sizeof *term_counts; t++)
                    check_combo(f, cat, store, (enum cat_avail)av, term_sets[t],
                                term_counts[t]);
}

static void test_pages_and_offsets(void **state)
{
    struct fixture *f = fx(state);
    struct cat_filter flt = { 0 };
    struct cat_product *p;
    size_t n;
    int64_t count;
    int want[NPROD];
    expected_list(-1, -1, CAT_AVAIL_ANY, NULL, 0, want);
    assert_int_equal(cat_products_page(f->db, f->a, &flt, 3, 4, &p, &n, &count), 0);
    assert_int_equal(count, NPROD);
    assert_int_equal(n, 3);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(p[i].id, f->prod[want[4 + i]]);
    /* past the end: the count, no rows (and no page statement) */
    uint64_t before = db_query_count(f->db);
    assert_int_equal(cat_products_page(f->db, f->a, &flt, 3, INT64_MAX, &p, &n, &count), 0);
    assert_int_equal(count, NPROD);
    assert_int_equal(n, 0);
    assert_int_equal(db_query_count(f->db) - before, 1);
}

static void test_like_characters_are_literal(void **state)
{
    struct fixture *f = fx(state);
    char *pct[] = { "50%" }, *under[] = { "a_k" }, *pct_only[] = { "%" };
    struct cat_filter flt = { .terms = pct, .nterms = 1 };
    struct cat_product *p;
    size_t n;
    int64_t count;
    assert_int_equal(cat_products_page(f->db, f->a, &flt, 10, 0, &p, &n, &count), 0);
    assert_int_equal(count, 1);
    assert_string_equal(p[0].name, "Gamma 50% Mug");
    flt.terms = under;
    assert_int_equal(cat_products_page(f->db, f->a, &flt, 10, 0, &p, &n, &count), 0);
    assert_int_equal(count, 1);
    assert_string_equal(p[0].name, "Delta_Kite");
    flt.terms = pct_only;
    assert_int_equal(cat_products_page(f->db, f->a, &flt, 10, 0, &p, &n, &count), 0);
    assert_int_equal(count, 1);
}

static int64_t search_count(struct fixture *f, char **terms, size_t nterms)
{
    struct cat_filter flt = { .terms = terms, .nterms = nterms };
    struct cat_product *p;
    size_t n;
    int64_t count;
    int rc = cat_products_page(f->db, f->a, &flt, 100, 0, &p, &n, &count);
    if (rc)
        fail_msg("search: %s", db_errmsg(f->db));
    assert_int_equal(n, count);
    return count;
}

/* The search text follows renames and product moves (migration 0005's triggers), and on
 * SQLite the trigram index holds exactly the search text of every product. */
static void test_search_follows_renames(void **state)
{
    struct fixture *f = fx(state);
    char *lighting[] = { "lighting" }, *lamps[] = { "lamps" }, *brandy[] = { "brandy" };
    char *wine[] = { "wine" }, *lamps_mug[] = { "LAMPS", "mug", "other" };
    assert_int_equal(search_count(f, lighting, 1), 7);
    struct cat_category c = { .id = f->cat[0], .name = "Lamps", .slug = "lamps" };
    assert_int_equal(cat_category_update(f->db, f->a, &c, 2), 0);
    assert_int_equal(search_count(f, lighting, 1), 0);
    assert_int_equal(search_count(f, lamps, 1), 7);
    assert_int_equal(search_count(f, brandy, 1), 6);
    char sql[160];
    snprintf(sql, sizeof sql, "UPDATE stores SET brand_name = 'Wine', brand_fold = 'wine' "
             "WHERE id = %lld", (long long)f->store[0]);
    testdb_exec(f->db, sql);
    assert_int_equal(search_count(f, brandy, 1), 0);
    assert_int_equal(search_count(f, wine, 1), 6);
    /* "alpha mug": Kitchen, no store -> Lamps, store "Other" */
    struct cat_product p;
    assert_int_equal(cat_product_get(f->db, f->a, f->prod[2], &p), 0);
    assert_int_equal(search_count(f, lamps_mug, 3), 0);
    p.category_id = f->cat[0];
    p.store_id = f->store[1];
    assert_int_equal(cat_product_update(f->db, f->a, &p, 3), 0);
    assert_int_equal(search_count(f, lamps_mug, 3), 1);
    if (db_dialect(f->db) != DB_SQLITE)
        return;
    struct db_stmt *st = db_prepare(f->db, "SELECT COUNT(*) FROM products p WHERE NOT EXISTS "
                                           "(SELECT 1 FROM products_fts t WHERE t.rowid = p.id "
                                           "AND t.search_fold = p.search_fold)");
    int64_t stale = -1;
    assert_int_equal(db_fetch_int(st, &stale), 0);
    assert_int_equal(stale, 0);
    st = db_prepare(f->db, "SELECT COUNT(*) FROM products_fts");
    assert_int_equal(db_fetch_int(st, &stale), 0);
    assert_int_equal(stale, NPROD);
}

/* Invalid UTF-8 in a term becomes U+FFFD as the JSON writer makes it (PostgreSQL would
 * refuse the raw bytes). */
static void test_invalid_utf8_terms(void **state)
{
    struct fixture *f = fx(state);
    struct cat_product p = { .name = "Odd \xEF\xBF\xBD( name", .description = "",
                             .category_id = f->cat[0], .base_price = 100,
                             .is_standalone = true };
    assert_int_equal(cat_product_insert(f->db, f->a, &p, 1), 0);
    char *bad[] = { "\xC3(" }, *two_bad[] = { "odd", "\xE2\x82(" }, *other[] = { "\xFF" };
    assert_int_equal(search_count(f, bad, 1), 1);
    assert_int_equal(search_count(f, two_bad, 2), 1); /* one U+FFFD for E2 82 */
    assert_int_equal(search_count(f, other, 1), 1);
}

static void insert_media(struct fixture *f, int64_t product, const char *file)
{
    char sql[256];
    snprintf(sql, sizeof sql, "INSERT INTO media (product_id, file, content_type, file_type, "
             "file_size, created_at) VALUES (%lld, '%s', 'image/png', 'image', 10, 0)",
             (long long)product, file);
    testdb_exec(f->db, sql);
}

static void test_media_attach_one_statement(void **state)
{
    struct fixture *f = fx(state);
    insert_media(f, f->prod[1], "b1.png");
    insert_media(f, f->prod[1], "b2.png");
    insert_media(f, f->prod[5], "f1.png");
    struct cat_product p[3] = { { .id = f->prod[5] }, { .id = f->prod[2] },
                                { .id = f->prod[1] } };
    uint64_t before = db_query_count(f->db);
    assert_int_equal(cat_media_attach(f->db, f->a, p, 3), 0);
    assert_int_equal(db_query_count(f->db) - before, 1);
    assert_int_equal(p[0].nmedia, 1);
    assert_string_equal(p[0].media[0].file, "f1.png");
    assert_int_equal(p[1].nmedia, 0);
    assert_int_equal(p[2].nmedia, 2);
    assert_string_equal(p[2].media[1].file, "b2.png");
    struct cat_product many[CAT_PAGE_MAX + 1];
    assert_int_equal(cat_media_attach(f->db, f->a, many, CAT_PAGE_MAX + 1), SHOP_EINVAL);
    /* sets: the category's products with their media, two statements */
    struct cat_product *set;
    size_t n;
    before = db_query_count(f->db);
    assert_int_equal(cat_products_set(f->db, f->a, false, f->cat[1], &set, &n), 0);
    assert_int_equal(db_query_count(f->db) - before, 2);
    int want[NPROD];
    assert_int_equal(n, expected_list(1, -1, CAT_AVAIL_ANY, NULL, 0, want));
    for (size_t i = 0; i < n; i++)
        assert_int_equal(set[i].nmedia, set[i].id == f->prod[5] ? 1 : 0);
}

static void test_counters_follow_active_variants(void **state)
{
    struct fixture *f = fx(state);
    int64_t id = f->prod[0];
    struct cat_variant v = { .product_id = id, .sku = "EXTRA-1", .price_adjustment = -250,
                             .stock_level = 7, .quantity_sold = 2 };
    assert_int_equal(cat_variant_insert(f->db, &v, 2), 0);
    assert_int_equal(cat_product_refresh_totals(f->db, id), 0);
    struct cat_product p;
    assert_int_equal(cat_product_get(f->db, f->a, id, &p), 0);
    assert_int_equal(p.total_stock_level, 12);
    assert_int_equal(p.total_sold, 12);
    assert_true(p.has_min_adjustment);
    assert_int_equal(p.min_adjustment, -250);
    assert_int_equal(cat_variant_deactivate(f->db, v.id, 3), 0);
    assert_int_equal(cat_variant_deactivate(f->db, v.id, 3), SHOP_ENOTFOUND);
    assert_int_equal(cat_product_refresh_totals(f->db, id), 0);
    assert_int_equal(cat_product_get(f->db, f->a, id, &p), 0);
    assert_int_equal(p.total_stock_level, 5);
    assert_int_equal(p.min_adjustment, 0);
    /* the lock reads the current price facts; an inactive product is not found */
    struct cat_product cur;
    assert_int_equal(cat_product_lock(f->db, id, &cur), 0);
    assert_int_equal(cur.base_price, 1000);
    assert_true(cur.is_standalone);
    assert_int_equal(cat_product_deactivate(f->db, f->prod[13], 4), 0);
    assert_int_equal(cat_product_lock(f->db, f->prod[13], &cur), SHOP_ENOTFOUND);
}

#define BOTH(fn)                                                                           \
    { "sqlite/" #fn, fn, setup_sqlite, teardown, NULL },                                   \
        { "postgres/" #fn, fn, setup_pg, teardown, NULL }

int main(void)
{
    const struct CMUnitTest tests[] = {
        BOTH(test_every_filter_combination),
        BOTH(test_pages_and_offsets),
        BOTH(test_like_characters_are_literal),
        BOTH(test_search_follows_renames),
        BOTH(test_invalid_utf8_terms),
        BOTH(test_media_attach_one_statement),
        BOTH(test_counters_follow_active_variants),
    };
    return cmocka_run_group_tests_name("catalogue_store", tests, NULL, NULL);
}
