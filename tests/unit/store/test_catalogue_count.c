/* Tests for the product list's count cache in src/store/catalogue_store.c with migration
 * 0004 (catalogue_version): which writes move the version (and which must not: the row
 * lock, counters, a stock change that keeps a product available), that while the version
 * stands the count is the cached one (a write hidden from the version keeps the old
 * count) and that a moved version makes the next request count again, in one statement
 * either way. (That a hit does not run the COUNT at all is the databases' lazy
 * evaluation of the CASE's subquery: EXPLAIN ANALYZE shows it "never executed" on
 * PostgreSQL; `make bench` at 100,000 products shows it on SQLite.) Runs on SQLite (a temporary file) and, when SHOPD_TEST_PG_URL is set, on
 * a PostgreSQL database created for the run. */
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
#include "store/count_cache.h"
#include "unit/testdb.h"

struct fixture {
    struct testdb t; /* first (testdb_fixture_setup): the database */
    struct db *db;
    struct arena *a;
    struct count_cache *cache;
    int64_t cat[2], store, prod[3];
};

static int64_t version(struct fixture *f)
{
    return testdb_scalar(f->db, "SELECT version FROM catalogue_version WHERE id = 1");
}

/* ---- catalogue: two categories, one store, three products with one variant each ---- */

static int64_t add_product(struct fixture *f, const char *name, int64_t cat, int64_t store,
                           int64_t stock)
{
    struct cat_product p = { .name = name, .description = "", .category_id = cat,
                             .store_id = store, .base_price = 1000, .is_standalone = true };
    assert_int_equal(cat_product_insert(f->db, f->a, &p, 1), 0);
    char sku[64];
    snprintf(sku, sizeof sku, "SKU-%lld", (long long)p.id);
    struct cat_variant v = { .product_id = p.id, .sku = sku, .stock_level = stock,
                             .is_default = true };
    assert_int_equal(cat_variant_insert(f->db, &v, 1), 0);
    assert_int_equal(cat_product_refresh_totals(f->db, p.id), 0);
    return p.id;
}

static void build_catalogue(struct fixture *f)
{
    testdb_exec(f->db, "INSERT INTO customers (email, email_key, first_name, last_name, slug, "
                       "password, date_joined) VALUES ('a@x.io', 'a@x.io', 'A', 'A', 'a', 'x', 0)");
    struct db_stmt *st = db_prepare(f->db, "INSERT INTO stores (owner_id, brand_name, "
                                           "brand_fold, slug, about, created_at, updated_at) "
                                           "SELECT id, 'Brandy', 'brandy', 'brandy', '', 0, 0 "
                                           "FROM customers RETURNING id");
    assert_non_null(st);
    assert_int_equal(db_fetch_int(st, &f->store), 0);
    struct cat_category c0 = { .name = "Lighting", .slug = "lighting" };
    struct cat_category c1 = { .name = "Kitchen", .slug = "kitchen" };
    assert_int_equal(cat_category_insert(f->db, f->a, &c0, 1), 0);
    assert_int_equal(cat_category_insert(f->db, f->a, &c1, 1), 0);
    f->cat[0] = c0.id;
    f->cat[1] = c1.id;
    f->prod[0] = add_product(f, "Alpha Lamp", c0.id, f->store, 5);
    f->prod[1] = add_product(f, "Beta Lamp", c0.id, 0, 2);
    f->prod[2] = add_product(f, "Gamma Mug", c1.id, f->store, 0);
}

/* ---- fixtures ---- */

static int setup_common(void *p)
{
    struct fixture *f = p;
    f->db = testdb_open(f->t.url);
    f->a = arena_new(0);
    f->cache = count_cache_new();
    if (!f->a || !f->cache)
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
    count_cache_free(f->cache);
}

static int setup_sqlite(void **state)
{
    return testdb_fixture_setup(state, sizeof(struct fixture), false, "count", setup_common);
}

static int setup_pg(void **state)
{
    return testdb_fixture_setup(state, sizeof(struct fixture), true, "count", setup_common);
}

static int teardown(void **state) { return testdb_fixture_teardown(state, close_common); }

static struct fixture *fx(void **state) { return testdb_fixture(state); }

/* ---- helpers ---- */

/* The list's count through the cache, checking that it cost one statement (limit 0: no
 * page statement). */
static int64_t count_of(struct fixture *f, int64_t cat, enum cat_avail av, const char *term)
{
    char *terms[] = { (char *)term };
    struct cat_filter flt = { .category_id = cat, .avail = av, .terms = terms,
                              .nterms = term ? 1 : 0, .counts = f->cache };
    struct cat_product *p;
    size_t n;
    int64_t count = -1;
    uint64_t before = db_query_count(f->db);
    if (cat_products_page(f->db, f->a, &flt, 1, INT64_MAX, &p, &n, &count) != 0)
        fail_msg("list: %s", db_errmsg(f->db));
    assert_int_equal(db_query_count(f->db) - before, 1);
    return count;
}

/* Runs sql and tells whether it moved the version. */
static bool bumps(struct fixture *f, const char *sql)
{
    int64_t v = version(f);
    testdb_exec(f->db, sql);
    return version(f) != v;
}

static void update_product(struct fixture *f, const char *set, int64_t id, bool want_bump)
{
    char sql[512];
    int n = snprintf(sql, sizeof sql, "UPDATE products SET %s WHERE id = %lld", set, (long long)id);
    if (n < 0 || (size_t)n >= sizeof sql)
        fail_msg("statement too long: %s", set);
    if (bumps(f, sql) != want_bump)
        fail_msg("%s: version %s", sql, want_bump ? "kept" : "moved");
}

/* ---- cases ---- */

static void test_writes_that_change_lists_move_the_version(void **state)
{
    struct fixture *f = fx(state);
    char sql[256];
    int64_t id = f->prod[1];
    int64_t v = version(f);
    add_product(f, "Delta Kite", f->cat[1], 0, 1);
    assert_true(version(f) > v);
    update_product(f, "is_active = FALSE", id, true);
    update_product(f, "is_active = TRUE", id, true);
    update_product(f, "total_stock_level = 0", id, true);   /* no longer available */
    update_product(f, "total_stock_level = 3", id, true);   /* available again */
    snprintf(sql, sizeof sql, "category_id = %lld", (long long)f->cat[1]);
    update_product(f, sql, id, true);
    snprintf(sql, sizeof sql, "store_id = %lld", (long long)f->store);
    update_product(f, sql, id, true);
    update_product(f, "store_id = NULL", id, true);
    update_product(f, "name = 'Beta Lantern', name_fold = 'beta lantern'", id, true);
    /* search also matches the category's name and the store's brand */
    snprintf(sql, sizeof sql, "UPDATE categories SET name = 'Lights', name_fold = 'lights' "
             "WHERE id = %lld", (long long)f->cat[0]);
    assert_true(bumps(f, sql));
    snprintf(sql, sizeof sql, "UPDATE stores SET brand_name = 'Brand', brand_fold = 'brand' "
             "WHERE id = %lld", (long long)f->store);
    assert_true(bumps(f, sql));
    /* versions only grow */
    assert_true(version(f) > v);
}

static void test_other_writes_keep_the_version(void **state)
{
    struct fixture *f = fx(state);
    char sql[256];
    int64_t id = f->prod[0];
    update_product(f, "total_stock_level = 4", id, false);  /* still available */
    update_product(f, "total_sold = 9, rating = 300", id, false);
    update_product(f, "description = 'new', base_price = 5, updated_at = 7", id, false);
    update_product(f, "name = 'alpha lamp 2'", id, false);   /* the folded name is the same */
    update_product(f, "is_active = TRUE", id, false);        /* cat_product_lock's no-op */
    int64_t v = version(f);
    struct cat_product p;
    assert_int_equal(cat_product_lock(f->db, id, &p), 0);
    assert_int_equal(version(f), v);
    snprintf(sql, sizeof sql, "UPDATE categories SET slug = 'lamps' WHERE id = %lld",
             (long long)f->cat[0]);
    assert_false(bumps(f, sql));
    snprintf(sql, sizeof sql, "UPDATE stores SET about = 'x' WHERE id = %lld",
             (long long)f->store);
    assert_false(bumps(f, sql));
}

static void test_counts_follow_writes(void **state)
{
    struct fixture *f = fx(state);
    assert_int_equal(count_of(f, 0, CAT_AVAIL_ANY, NULL), 3);
    assert_int_equal(count_of(f, 0, CAT_AVAIL_YES, NULL), 2);
    assert_int_equal(count_of(f, f->cat[0], CAT_AVAIL_ANY, NULL), 2);
    assert_int_equal(count_of(f, 0, CAT_AVAIL_ANY, "lamp"), 2);
    /* again, from the cache */
    assert_int_equal(count_of(f, 0, CAT_AVAIL_ANY, NULL), 3);
    assert_int_equal(count_of(f, f->cat[0], CAT_AVAIL_ANY, NULL), 2);
    int64_t id = add_product(f, "Delta Lamp", f->cat[0], 0, 4);
    assert_int_equal(count_of(f, 0, CAT_AVAIL_ANY, NULL), 4);
    assert_int_equal(count_of(f, 0, CAT_AVAIL_YES, NULL), 3);
    assert_int_equal(count_of(f, f->cat[0], CAT_AVAIL_ANY, NULL), 3);
    assert_int_equal(count_of(f, 0, CAT_AVAIL_ANY, "lamp"), 3);
    /* its stock goes to 0 through its variant, as the API does it */
    char sql[160];
    snprintf(sql, sizeof sql, "UPDATE variants SET stock_level = 0 WHERE product_id = %lld",
             (long long)id);
    testdb_exec(f->db, sql);
    assert_int_equal(cat_product_refresh_totals(f->db, id), 0);
    assert_int_equal(count_of(f, 0, CAT_AVAIL_YES, NULL), 2);
    assert_int_equal(count_of(f, 0, CAT_AVAIL_NO, NULL), 2);
    assert_int_equal(cat_product_deactivate(f->db, id, 2), 0);
    assert_int_equal(count_of(f, 0, CAT_AVAIL_ANY, NULL), 3);
    assert_int_equal(count_of(f, 0, CAT_AVAIL_ANY, "lamp"), 2);
    /* a category rename changes what a search finds */
    snprintf(sql, sizeof sql, "UPDATE categories SET name = 'Lamps', name_fold = 'lamps' "
             "WHERE id = %lld", (long long)f->cat[1]);
    testdb_exec(f->db, sql);
    assert_int_equal(count_of(f, 0, CAT_AVAIL_ANY, "lamp"), 3);
}

/* A write the triggers do not see (they are dropped for this case) shows that a hit
 * serves the cached count; bumping the version by hand makes the next request count
 * again. */
static void test_a_hit_skips_the_count_until_the_version_moves(void **state)
{
    struct fixture *f = fx(state);
    char sql[160];
    assert_int_equal(count_of(f, 0, CAT_AVAIL_ANY, NULL), 3);
    testdb_exec(f->db, db_dialect(f->db) == DB_POSTGRES
                           ? "DROP TRIGGER products_version_update ON products"
                           : "DROP TRIGGER products_version_update");
    snprintf(sql, sizeof sql, "UPDATE products SET is_active = FALSE WHERE id = %lld",
             (long long)f->prod[0]);
    testdb_exec(f->db, sql);
    assert_int_equal(count_of(f, 0, CAT_AVAIL_ANY, NULL), 3); /* cached */
    testdb_exec(f->db, "UPDATE catalogue_version SET version = version + 1");
    assert_int_equal(count_of(f, 0, CAT_AVAIL_ANY, NULL), 2);
    /* without a cache, every request counts */
    struct cat_filter flt = { 0 };
    struct cat_product *p;
    size_t n;
    int64_t count;
    snprintf(sql, sizeof sql, "UPDATE products SET is_active = FALSE WHERE id = %lld",
             (long long)f->prod[1]);
    testdb_exec(f->db, sql);
    assert_int_equal(cat_products_page(f->db, f->a, &flt, 10, 0, &p, &n, &count), 0);
    assert_int_equal(count, 1);
    assert_int_equal(n, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_writes_that_change_lists_move_the_version,
                                        setup_sqlite, teardown),
        cmocka_unit_test_setup_teardown(test_other_writes_keep_the_version, setup_sqlite,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_counts_follow_writes, setup_sqlite, teardown),
        cmocka_unit_test_setup_teardown(test_a_hit_skips_the_count_until_the_version_moves,
                                        setup_sqlite, teardown),
        cmocka_unit_test_setup_teardown(test_writes_that_change_lists_move_the_version,
                                        setup_pg, teardown),
        cmocka_unit_test_setup_teardown(test_other_writes_keep_the_version, setup_pg,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_counts_follow_writes, setup_pg, teardown),
        cmocka_unit_test_setup_teardown(test_a_hit_skips_the_count_until_the_version_moves,
                                        setup_pg, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
