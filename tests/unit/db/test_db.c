/* Tests for src/db (db.c, sqlite.c, postgres.c, migrate.c). Every case runs on SQLite
 * (a file in a temporary folder) and, when SHOPD_TEST_PG_URL names a PostgreSQL server,
 * again on a database created for this run and dropped at the end (otherwise the
 * PostgreSQL cases are reported as skipped). The '?' rewrite is also tested directly.
 * The cases of one backend share one database and run in order: the first one sees a
 * schema that was never migrated. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/err.h"
#include "db/db.h"
#include "db/db_backend.h"
#include "db/migrations.h"
#include "unit/testdb.h"

/* url "" = backend not available: its cases are skipped */
static struct testdb fx_sqlite, fx_pg;

struct tctx {
    struct testdb *fx;
    struct db *db;
};

/* ---- helpers ---- */

static bool is_pg(struct db *db) { return db_dialect(db) == DB_POSTGRES; }

static int dialect_migrations(struct db *db)
{
    const char *d = is_pg(db) ? "postgres" : "sqlite";
    int n = 0;
    for (unsigned i = 0; i < migrations_count; i++)
        n += strcmp(migrations[i].dialect, d) == 0;
    return n;
}

/* ---- group and per-case fixtures ---- */

static int group_setup(void **state)
{
    (void)state;
    testdb_sqlite_create(&fx_sqlite, "db");
    testdb_pg_create(&fx_pg, "db"); /* fx_pg.url stays "" without SHOPD_TEST_PG_URL */
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    int rc = testdb_destroy(&fx_sqlite);
    return testdb_destroy(&fx_pg) != 0 ? -1 : rc;
}

static int open_fx(void **state, struct testdb *fx)
{
    struct tctx *t = calloc(1, sizeof *t);
    assert_non_null(t);
    t->fx = fx;
    if (fx->url[0])
        t->db = testdb_open(fx->url);
    *state = t;
    return 0;
}

static int open_sqlite(void **state) { return open_fx(state, &fx_sqlite); }
static int open_pg(void **state) { return open_fx(state, &fx_pg); }

static int close_db(void **state)
{
    struct tctx *t = *state;
    db_close(t->db);
    free(t);
    return 0;
}

static struct db *use(void **state)
{
    struct tctx *t = *state;
    if (!t->db)
        skip();
    return t->db;
}

/* ---- cases ---- */

static void test_open_bad_urls(void **state)
{
    (void)state;
    static const char *const bad[] = {"mysql://x/y", "sqlite://", "sqlite:///", "sqlite:x.db",
                                      "postgres:/x", ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char err[128] = "";
        struct db *db = (struct db *)1;
        assert_int_equal(db_open(bad[i], &db, err, sizeof err), SHOP_EINVAL);
        assert_null(db);
        assert_true(err[0] != '\0');
    }
}

/* sqlite:///rel.db is relative to the working directory, sqlite:////abs.db absolute. */
static void test_sqlite_url_paths(void **state)
{
    struct tctx *t = *state;
    if (t->fx != &fx_sqlite)
        skip();
    char cwd[512], url[700], path[600];
    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(chdir(fx_sqlite.dir), 0);
    struct db *db = testdb_open("sqlite:///rel.db");
    testdb_exec(db, "CREATE TABLE x (a INTEGER)");
    db_close(db);
    assert_int_equal(chdir(cwd), 0);
    snprintf(path, sizeof path, "%s/rel.db", fx_sqlite.dir);
    assert_int_equal(access(path, F_OK), 0);
    snprintf(path, sizeof path, "%s/abs.db", fx_sqlite.dir);
    snprintf(url, sizeof url, "sqlite:///%s", path); /* path starts with '/' */
    assert_true(strncmp(url, "sqlite:////", 11) == 0);
    db = testdb_open(url);
    testdb_exec(db, "CREATE TABLE x (a INTEGER)");
    db_close(db);
    assert_int_equal(access(path, F_OK), 0);
}

static void test_schema_fresh_then_migrate_twice(void **state)
{
    struct db *db = use(state);
    int n = dialect_migrations(db), pending = -1;
    assert_true(n >= 1);
    assert_int_equal(db_schema_check(db, &pending), SHOP_EINVAL);
    assert_int_equal(pending, n);
    testdb_migrate(db);
    assert_int_equal(db_schema_check(db, &pending), 0);
    assert_int_equal(pending, 0);
    /* the migrations create tables without IF NOT EXISTS: re-running one would fail */
    testdb_migrate(db);
    assert_int_equal(testdb_scalar(db, "SELECT COUNT(*) FROM schema_migrations"), n);
    assert_int_equal(testdb_scalar(db, "SELECT MIN(version) FROM schema_migrations"), 1);
    assert_true(testdb_scalar(db, "SELECT MIN(applied_at) FROM schema_migrations") >
                1600000000000000);
    testdb_exec(db, "INSERT INTO app_meta (key, value) VALUES ('probe', 'x')");
    testdb_exec(db, "INSERT INTO jobs (kind, payload, state, run_after, created_at, updated_at) "
                    "VALUES ('k', '{}', 'queued', 0, 0, 0)");
    assert_int_equal(testdb_scalar(db, "SELECT attempts FROM jobs"), 0);
}

static void test_schema_newer_than_binary(void **state)
{
    struct db *db = use(state);
    testdb_migrate(db);
    testdb_exec(db, "INSERT INTO schema_migrations (version, name, applied_at) "
                    "VALUES (99999, '99999_future', 0)");
    char err[256] = "";
    assert_int_not_equal(db_migrate(db, err, sizeof err), 0);
    assert_non_null(strstr(err, "database schema is newer than this binary"));
    int pending = -1;
    assert_int_equal(db_schema_check(db, &pending), SHOP_EDB);
    assert_non_null(strstr(db_errmsg(db), "database schema is newer than this binary"));
    testdb_exec(db, "DELETE FROM schema_migrations WHERE version = 99999");
    assert_int_equal(db_schema_check(db, &pending), 0);
}

static void create_types_table(struct db *db)
{
    testdb_exec(db, is_pg(db) ? "CREATE TABLE t_types (id BIGSERIAL PRIMARY KEY, i BIGINT, "
                                "d DOUBLE PRECISION, b BOOLEAN, s TEXT, n TEXT)"
                              : "CREATE TABLE t_types (id INTEGER PRIMARY KEY, i BIGINT, "
                                "d DOUBLE PRECISION, b INTEGER, s TEXT, n TEXT)");
}

static int64_t insert_types(struct db *db, int64_t i, double d, bool b, const char *s)
{
    static const char sql[] = "INSERT INTO t_types (i, d, b, s, n) VALUES (?, ?, ?, ?, ?) "
                              "RETURNING id";
    struct db_stmt *st = db_prepare(db, sql);
    assert_non_null(st);
    assert_int_equal(db_bind_int(st, 1, i), 0);
    assert_int_equal(db_bind_double(st, 2, d), 0);
    assert_int_equal(db_bind_bool(st, 3, b), 0);
    assert_int_equal(db_bind_text(st, 4, s, (size_t)-1), 0);
    assert_int_equal(db_bind_null(st, 5), 0);
    assert_int_equal(db_step(st), DB_ROW);
    int64_t id = db_col_int(st, 0);
    assert_int_equal(db_step(st), DB_DONE);
    db_stmt_release(st);
    return id;
}

static void check_types_row(struct db *db, int64_t id, int64_t i, double d, bool b,
                            const char *s)
{
    struct db_stmt *st = db_prepare(db, "SELECT i, d, b, s, n FROM t_types WHERE id = ?");
    assert_non_null(st);
    assert_int_equal(db_bind_int(st, 1, id), 0);
    assert_int_equal(db_step(st), DB_ROW);
    assert_int_equal(db_col_count(st), 5);
    assert_true(db_col_int(st, 0) == i);
    assert_true(db_col_double(st, 1) == d); /* %.17g round-trips exactly */
    assert_true(db_col_bool(st, 2) == b);
    assert_string_equal(db_col_text(st, 3), s);
    assert_int_equal(db_col_len(st, 3), strlen(s));
    assert_false(db_col_null(st, 3));
    assert_true(db_col_null(st, 4));
    assert_string_equal(db_col_text(st, 4), "");
    assert_int_equal(db_col_len(st, 4), 0);
    assert_int_equal(db_col_int(st, 4), 0);
    assert_false(db_col_bool(st, 4));
    assert_true(db_col_null(st, 7));  /* out of range reads as NULL */
    assert_int_equal(db_step(st), DB_DONE);
    assert_int_equal(db_step(st), DB_DONE); /* sticky until release */
    db_stmt_release(st);
}

static void test_types_and_nulls(void **state)
{
    struct db *db = use(state);
    create_types_table(db);
    int64_t a = insert_types(db, INT64_MAX, 0.1, true, "h\xc3\xa9llo, 'w\"orld' ?");
    int64_t b = insert_types(db, INT64_MIN, -1e300, false, "");
    int64_t c = insert_types(db, 0, 1.0 / 3.0, true, "x");
    assert_true(a > 0);
    assert_true(b > a);
    assert_true(c > b);
    check_types_row(db, a, INT64_MAX, 0.1, true, "h\xc3\xa9llo, 'w\"orld' ?");
    check_types_row(db, b, INT64_MIN, -1e300, false, "");
    check_types_row(db, c, 0, 1.0 / 3.0, true, "x");
}

static void test_bind_text_len_and_nul(void **state)
{
    struct db *db = use(state);
    struct db_stmt *st = db_prepare(db, "SELECT CAST(? AS TEXT), CAST(? AS TEXT)");
    assert_non_null(st);
    assert_int_equal(db_bind_text(st, 1, "abcdef", 3), 0);
    assert_int_equal(db_bind_text(st, 2, "a\0b", 3), SHOP_EINVAL);
    assert_int_equal(db_bind_text(st, 2, NULL, 0), 0); /* NULL pointer binds NULL */
    assert_int_equal(db_step(st), DB_ROW);
    assert_string_equal(db_col_text(st, 0), "abc");
    assert_true(db_col_null(st, 1));
    db_stmt_release(st);
    /* long text goes through the heap path of the PostgreSQL parameters */
    char big[5000];
    memset(big, 'z', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    st = db_prepare(db, "SELECT LENGTH(CAST(? AS TEXT))");
    assert_int_equal(db_bind_text(st, 1, big, (size_t)-1), 0);
    assert_int_equal(db_step(st), DB_ROW);
    assert_int_equal(db_col_int(st, 0), sizeof big - 1);
    db_stmt_release(st);
}

static void test_bind_errors(void **state)
{
    struct db *db = use(state);
    struct db_stmt *st = db_prepare(db, "SELECT CAST(? AS BIGINT)");
    assert_non_null(st);
    assert_int_equal(db_bind_int(st, 0, 1), SHOP_EINVAL);
    assert_int_equal(db_bind_int(st, 2, 1), SHOP_EINVAL);
    assert_int_equal(db_bind_int(st, 1, 7), 0);
    assert_int_equal(db_step(st), DB_ROW);
    assert_int_equal(db_bind_int(st, 1, 8), SHOP_EINVAL); /* after db_step */
    assert_int_equal(db_col_int(st, 0), 7);
    db_stmt_release(st);
    assert_null(db_prepare(db, "SELEC nonsense"));
    assert_true(db_errmsg(db)[0] != '\0');
    db_stmt_release(NULL);
}

static int tx_insert_dup(struct db *db, void *p)
{
    (void)p;
    struct db_stmt *st = db_prepare(db, "INSERT INTO app_meta (key, value) VALUES ('dup', 'w')");
    int rc = db_step(st);
    db_stmt_release(st);
    return rc;
}

static void test_unique_violation(void **state)
{
    struct db *db = use(state);
    testdb_migrate(db);
    static const char sql[] = "INSERT INTO app_meta (key, value) VALUES (?, ?)";
    for (int round = 0; round < 2; round++) {
        struct db_stmt *st = db_prepare(db, sql);
        db_bind_text(st, 1, "dup", (size_t)-1);
        db_bind_text(st, 2, "v", (size_t)-1);
        int rc = db_step(st);
        db_stmt_release(st);
        if (round == 0) {
            assert_int_equal(rc, DB_DONE);
            assert_int_equal(db_errkind(db), DB_ERR_NONE);
        } else {
            assert_int_equal(rc, SHOP_ECONFLICT);
            assert_int_equal(db_errkind(db), DB_ERR_UNIQUE);
            assert_non_null(strstr(db_err_constraint(db), "app_meta"));
        }
    }
    /* the connection stays usable after the failure */
    assert_int_equal(testdb_scalar(db, "SELECT COUNT(*) FROM app_meta WHERE key = 'dup'"), 1);
    /* through db_tx: the rollback keeps the error that caused it */
    assert_int_equal(db_tx(db, tx_insert_dup, NULL), SHOP_ECONFLICT);
    assert_int_equal(db_errkind(db), DB_ERR_UNIQUE);
    assert_non_null(strstr(db_err_constraint(db), "app_meta"));
    assert_non_null(strstr(db_errmsg(db), "app_meta"));
}

static void test_foreign_key_violation(void **state)
{
    struct db *db = use(state);
    testdb_exec(db, "CREATE TABLE t_parent (id INTEGER PRIMARY KEY)");
    testdb_exec(db, "CREATE TABLE t_child (id INTEGER PRIMARY KEY, "
                    "parent_id INTEGER NOT NULL REFERENCES t_parent (id))");
    struct db_stmt *st = db_prepare(db, "INSERT INTO t_child (id, parent_id) VALUES (1, ?)");
    db_bind_int(st, 1, 42);
    assert_int_equal(db_step(st), SHOP_EDB);
    assert_int_equal(db_errkind(db), DB_ERR_FOREIGN_KEY);
    db_stmt_release(st);
}

static void test_statement_cache_nested(void **state)
{
    struct db *db = use(state);
    static const char sql[] = "SELECT CAST(? AS BIGINT) * 2";
    struct db_stmt *a = db_prepare(db, sql);
    assert_non_null(a);
    db_bind_int(a, 1, 10);
    assert_int_equal(db_step(a), DB_ROW);
    /* the same SQL again while `a` is out: a distinct statement that works on its own */
    struct db_stmt *b = db_prepare(db, sql);
    assert_non_null(b);
    assert_ptr_not_equal(a, b);
    db_bind_int(b, 1, 21);
    assert_int_equal(db_step(b), DB_ROW);
    assert_int_equal(db_col_int(b, 0), 42);
    assert_int_equal(db_col_int(a, 0), 20);
    db_stmt_release(b); /* uncached: freed (ASan checks) */
    assert_int_equal(db_step(a), DB_DONE);
    db_stmt_release(a);
    /* back from the cache, reset and unbound (unbound reads as NULL) */
    struct db_stmt *c = db_prepare(db, sql);
    assert_ptr_equal(a, c);
    assert_int_equal(db_step(c), DB_ROW);
    assert_true(db_col_null(c, 0));
    db_stmt_release(c);
    /* equal text at another address shares the cache entry */
    char copy[sizeof sql];
    memcpy(copy, sql, sizeof sql);
    struct db_stmt *d = db_prepare(db, copy);
    assert_ptr_equal(a, d);
    db_stmt_release(d);
}

static void test_statement_cache_many(void **state)
{
    struct db *db = use(state);
    /* more distinct statements than the first table size: growth keeps them reachable */
    static char sqls[200][48];
    struct db_stmt *first[200];
    for (int i = 0; i < 200; i++) {
        snprintf(sqls[i], sizeof sqls[i], "SELECT %d + CAST(? AS BIGINT)", i);
        first[i] = db_prepare(db, sqls[i]);
        assert_non_null(first[i]);
        db_bind_int(first[i], 1, 1);
        assert_int_equal(db_step(first[i]), DB_ROW);
        assert_int_equal(db_col_int(first[i], 0), i + 1);
        db_stmt_release(first[i]);
    }
    for (int i = 0; i < 200; i++) {
        struct db_stmt *st = db_prepare(db, sqls[i]);
        assert_ptr_equal(st, first[i]);
        db_stmt_release(st);
    }
}

struct tx_ctx {
    int calls;
    int busy_times; /* fail with SHOP_EBUSY this many times first */
    int result;     /* then return this */
};

static int tx_insert(struct db *db, void *p)
{
    struct tx_ctx *c = p;
    c->calls++;
    assert_true(db_in_tx(db));
    struct db_stmt *st = db_prepare(db, "INSERT INTO t_tx (v) VALUES (?)");
    db_bind_int(st, 1, c->calls);
    int rc = db_step(st);
    db_stmt_release(st);
    if (rc < 0)
        return rc;
    if (c->calls <= c->busy_times)
        return SHOP_EBUSY;
    return c->result;
}

static void test_tx_commit_rollback(void **state)
{
    struct tctx *t = *state;
    struct db *db = use(state);
    testdb_exec(db, "CREATE TABLE t_tx (v INTEGER NOT NULL)");
    struct tx_ctx ok = {0, 0, 0};
    assert_int_equal(db_tx(db, tx_insert, &ok), 0);
    assert_false(db_in_tx(db));
    struct db *other = testdb_open(t->fx->url); /* committed: visible elsewhere */
    assert_int_equal(testdb_scalar(other, "SELECT COUNT(*) FROM t_tx"), 1);
    struct tx_ctx bad = {0, 0, SHOP_EINVAL};
    assert_int_equal(db_tx(db, tx_insert, &bad), SHOP_EINVAL);
    assert_false(db_in_tx(db));
    assert_int_equal(testdb_scalar(other, "SELECT COUNT(*) FROM t_tx"), 1);
    assert_int_equal(testdb_scalar(db, "SELECT COUNT(*) FROM t_tx"), 1);
    db_close(other);
}

static void test_tx_retries_on_busy(void **state)
{
    struct db *db = use(state);
    testdb_exec(db, "DELETE FROM t_tx");
    struct tx_ctx twice = {0, 2, 0};
    assert_int_equal(db_tx(db, tx_insert, &twice), 0);
    assert_int_equal(twice.calls, 3);
    /* the two busy attempts were rolled back: only the third insert is there */
    assert_int_equal(testdb_scalar(db, "SELECT COUNT(*) FROM t_tx"), 1);
    assert_int_equal(testdb_scalar(db, "SELECT MAX(v) FROM t_tx"), 3);
    struct tx_ctx always = {0, 100, 0};
    assert_int_equal(db_tx(db, tx_insert, &always), SHOP_EBUSY);
    assert_int_equal(always.calls, 6); /* the first try and 5 retries */
    assert_int_equal(testdb_scalar(db, "SELECT COUNT(*) FROM t_tx"), 1);
}

static int tx_nested(struct db *db, void *p)
{
    struct tx_ctx inner = {0, 0, 0};
    int rc = db_tx(db, tx_insert, &inner); /* joins the outer transaction */
    *(int *)p = inner.calls;
    return rc ? rc : SHOP_EINVAL;          /* and the outer one rolls it all back */
}

static void test_tx_explicit_and_nested(void **state)
{
    struct db *db = use(state);
    testdb_exec(db, "DELETE FROM t_tx");
    assert_int_equal(db_rollback(db), 0);            /* nothing open: no-op */
    assert_int_equal(db_commit(db), SHOP_EINVAL);
    assert_int_equal(db_begin_read(db), 0);
    assert_true(db_in_tx(db));
    assert_int_equal(db_begin_write(db), SHOP_EINVAL); /* no nesting */
    assert_int_equal(db_commit(db), 0);
    assert_false(db_in_tx(db));
    int inner_calls = 0;
    assert_int_equal(db_tx(db, tx_nested, &inner_calls), SHOP_EINVAL);
    assert_int_equal(inner_calls, 1);
    assert_int_equal(testdb_scalar(db, "SELECT COUNT(*) FROM t_tx"), 0);
}

struct read_ctx {
    struct db *other;  /* writes between the two reads */
    int64_t first, second;
    uint64_t queries;  /* counted inside fn */
    int fail;
};

static int read_twice(struct db *db, void *p)
{
    struct read_ctx *r = p;
    uint64_t q0 = db_query_count(db);
    r->first = testdb_scalar(db, "SELECT COUNT(*) FROM t_read");
    if (r->other)
        testdb_exec(r->other, "INSERT INTO t_read VALUES (2)");
    r->second = testdb_scalar(db, "SELECT COUNT(*) FROM t_read");
    r->queries = db_query_count(db) - q0;
    return r->fail;
}

static int tx_then_read(struct db *db, void *p)
{
    testdb_exec(db, "INSERT INTO t_read VALUES (3)");
    return db_read(db, read_twice, p); /* joins: sees the uncommitted row */
}

static void test_read_snapshot(void **state)
{
    struct tctx *t = *state;
    struct db *db = use(state);
    testdb_exec(db, "CREATE TABLE t_read (v INTEGER NOT NULL)");
    testdb_exec(db, "INSERT INTO t_read VALUES (1)");
    struct read_ctx r = {.other = testdb_open(t->fx->url)};
    uint64_t before = db_query_count(db);
    assert_int_equal(db_read(db, read_twice, &r), 0);
    assert_false(db_in_tx(db));
    /* The bracket (BEGIN/COMMIT on SQLite, nothing on PostgreSQL) is not counted. */
    assert_int_equal(db_query_count(db) - before, 2);
    assert_int_equal(r.queries, 2);
    assert_int_equal(r.first, 1);
    /* SQLite: one snapshot for both reads; PostgreSQL: each statement its own. */
    assert_int_equal(r.second, db_dialect(db) == DB_SQLITE ? 1 : 2);
    assert_int_equal(testdb_scalar(db, "SELECT COUNT(*) FROM t_read"), 2);

    struct read_ctx bad = {.fail = SHOP_EINVAL};
    assert_int_equal(db_read(db, read_twice, &bad), SHOP_EINVAL);
    assert_false(db_in_tx(db));
    assert_int_equal(testdb_scalar(db, "SELECT COUNT(*) FROM t_read"), 2); /* still usable */

    struct read_ctx inner = {0};
    assert_int_equal(db_tx(db, tx_then_read, &inner), 0);
    assert_int_equal(inner.first, 3);
    assert_false(db_in_tx(db));
    db_close(r.other);
}

static int64_t changes_of(struct db *db, const char *sql, int64_t k)
{
    struct db_stmt *st = db_prepare(db, sql);
    assert_non_null(st);
    db_bind_int(st, 1, k);
    while (db_step(st) == DB_ROW)
        ;
    int64_t n = db_changes(st);
    db_stmt_release(st);
    return n;
}

static void test_changes(void **state)
{
    struct db *db = use(state);
    testdb_exec(db, "CREATE TABLE t_changes (k INTEGER NOT NULL, v INTEGER NOT NULL)");
    testdb_exec(db, "INSERT INTO t_changes VALUES (1, 0), (1, 0), (1, 0), (2, 0)");
    assert_int_equal(changes_of(db, "UPDATE t_changes SET v = v + 1 WHERE k = ?", 1), 3);
    /* a SELECT right after reports 0, not the connection's last count */
    assert_int_equal(changes_of(db, "SELECT k FROM t_changes WHERE k >= ?", 0), 0);
    assert_int_equal(changes_of(db, "DELETE FROM t_changes WHERE k = ?", 2), 1);
    assert_int_equal(changes_of(db, "UPDATE t_changes SET v = 9 WHERE k = ?", 77), 0);
    assert_int_equal(changes_of(db, "INSERT INTO t_changes VALUES (?, 0) RETURNING k", 5), 1);
}

static void test_placeholder_in_literals(void **state)
{
    struct db *db = use(state);
    struct db_stmt *st = db_prepare(db, "SELECT '?' AS q, 'it''s ?' AS r, "
                                        "CAST(? AS BIGINT) AS \"n?\" -- a ? here\n");
    assert_non_null(st);
    assert_int_equal(db_bind_int(st, 1, 42), 0);
    assert_int_equal(db_bind_int(st, 2, 1), SHOP_EINVAL); /* there is only one */
    assert_int_equal(db_step(st), DB_ROW);
    assert_int_equal(db_col_count(st), 3);
    assert_string_equal(db_col_text(st, 0), "?");
    assert_string_equal(db_col_text(st, 1), "it's ?");
    assert_int_equal(db_col_int(st, 2), 42);
    db_stmt_release(st);
}

static void test_query_counter(void **state)
{
    struct db *db = use(state);
    uint64_t before = db_query_count(db);
    assert_int_equal(testdb_scalar(db, "SELECT 1"), 1);
    assert_int_equal(testdb_scalar(db, "SELECT 2"), 2);
    struct db_stmt *st = db_prepare(db, "SELECT 3");
    db_stmt_release(st); /* prepared, never run: not counted */
    testdb_exec(db, "SELECT 4");
    assert_int_equal(db_ping(db), 0);
    assert_int_equal(db_query_count(db) - before, 4);
}

static void test_exec_multi_and_errors(void **state)
{
    struct db *db = use(state);
    testdb_exec(db, "CREATE TABLE t_multi (a INTEGER); INSERT INTO t_multi VALUES (5); "
                    "INSERT INTO t_multi VALUES (6)");
    assert_int_equal(testdb_scalar(db, "SELECT SUM(a) FROM t_multi"), 11);
    assert_int_equal(db_exec(db, "INSERT INTO no_such_table VALUES (1)"), SHOP_EDB);
    assert_int_equal(db_errkind(db), DB_ERR_OTHER);
    assert_true(db_errmsg(db)[0] != '\0');
    assert_null(strchr(db_errmsg(db), '\n'));
    testdb_exec(db, "SELECT 1");
    assert_int_equal(db_errkind(db), DB_ERR_NONE);
}

/* Two connections migrating one fresh database at once: both succeed, once each. */
struct mig_thread {
    const char *url;
    int rc;
    char err[256];
};

static void *migrate_thread(void *p)
{
    struct mig_thread *m = p;
    struct db *db = NULL;
    m->rc = db_open(m->url, &db, m->err, sizeof m->err);
    if (m->rc == 0)
        m->rc = db_migrate(db, m->err, sizeof m->err);
    db_close(db);
    return NULL;
}

static void test_concurrent_migrate(void **state)
{
    struct tctx *t = *state;
    struct db *db = use(state);
    char url[600], name[80];
    snprintf(name, sizeof name, "%s_mig", fx_pg.dbname);
    if (is_pg(db))
        testdb_pg_create_db(fx_pg.admin_url, name, url, sizeof url);
    else
        snprintf(url, sizeof url, "sqlite:///%s/concurrent.db", t->fx->dir);
    struct mig_thread m[4];
    pthread_t th[4];
    for (int i = 0; i < 4; i++) {
        m[i] = (struct mig_thread){.url = url};
        assert_int_equal(pthread_create(&th[i], NULL, migrate_thread, &m[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        if (m[i].rc != 0)
            fail_msg("migrator %d: %s", i, m[i].err);
    }
    struct db *fresh = testdb_open(url);
    assert_int_equal(testdb_scalar(fresh, "SELECT COUNT(*) FROM schema_migrations"),
                     dialect_migrations(db));
    db_close(fresh);
    if (is_pg(db))
        testdb_pg_drop_db(fx_pg.admin_url, name);
}

/* ---- PostgreSQL only ---- */

static struct db *use_pg(void **state)
{
    struct db *db = use(state);
    if (!is_pg(db))
        skip();
    return db;
}

static void test_pg_bool_text_forms(void **state)
{
    struct db *db = use_pg(state);
    struct db_stmt *st =
        db_prepare(db, "SELECT 'true', '1', 't', 'f', 'false', CAST(? AS BOOLEAN)");
    db_bind_bool(st, 1, true);
    assert_int_equal(db_step(st), DB_ROW);
    assert_true(db_col_bool(st, 0));
    assert_true(db_col_bool(st, 1));
    assert_true(db_col_bool(st, 2));
    assert_false(db_col_bool(st, 3));
    assert_false(db_col_bool(st, 4));
    assert_true(db_col_bool(st, 5));
    db_stmt_release(st);
}

static void kill_backend(struct tctx *t, int64_t pid)
{
    struct db *other = testdb_open(t->fx->url);
    struct db_stmt *st = db_prepare(other, "SELECT pg_terminate_backend(CAST(? AS INTEGER))");
    db_bind_int(st, 1, pid);
    assert_int_equal(db_step(st), DB_ROW);
    assert_true(db_col_bool(st, 0));
    db_stmt_release(st);
    db_close(other);
}

/* A lost connection fails once, then is reset; cached statements are prepared again. */
static void test_pg_reconnect(void **state)
{
    struct tctx *t = *state;
    struct db *db = use_pg(state);
    static const char sql[] = "SELECT CAST(? AS BIGINT) + 1";
    struct db_stmt *st = db_prepare(db, sql);
    db_bind_int(st, 1, 1);
    assert_int_equal(db_step(st), DB_ROW);
    db_stmt_release(st);
    kill_backend(t, testdb_scalar(db, "SELECT pg_backend_pid()"));
    usleep(100000);
    assert_int_not_equal(db_ping(db), 0);
    assert_int_equal(db_errkind(db), DB_ERR_CONNECTION);
    st = db_prepare(db, sql); /* resets the connection */
    assert_non_null(st);
    db_bind_int(st, 1, 41);
    assert_int_equal(db_step(st), DB_ROW);
    assert_int_equal(db_col_int(st, 0), 42);
    db_stmt_release(st);
}

/* Losing the connection inside a transaction must never look like a commit. */
static void test_pg_lost_in_transaction(void **state)
{
    struct tctx *t = *state;
    struct db *db = use_pg(state);
    testdb_exec(db, "CREATE TABLE t_lost (v INTEGER)");
    assert_int_equal(db_begin_write(db), 0);
    testdb_exec(db, "INSERT INTO t_lost VALUES (1)");
    kill_backend(t, testdb_scalar(db, "SELECT pg_backend_pid()"));
    usleep(100000);
    assert_int_not_equal(db_exec(db, "INSERT INTO t_lost VALUES (2)"), 0);
    assert_int_not_equal(db_exec(db, "INSERT INTO t_lost VALUES (3)"), 0);
    assert_int_not_equal(db_commit(db), 0);
    assert_false(db_in_tx(db));
    assert_int_equal(testdb_scalar(db, "SELECT COUNT(*) FROM t_lost"), 0);
}

/* PostgreSQL answers COMMIT of a failed transaction with ROLLBACK; that is an error. */
static void test_pg_commit_after_error(void **state)
{
    struct db *db = use_pg(state);
    testdb_exec(db, "CREATE TABLE t_abort (v INTEGER PRIMARY KEY)");
    assert_int_equal(db_begin_write(db), 0);
    testdb_exec(db, "INSERT INTO t_abort VALUES (1)");
    assert_int_equal(db_exec(db, "INSERT INTO t_abort VALUES (1)"), SHOP_ECONFLICT);
    assert_int_equal(db_commit(db), SHOP_EDB);
    assert_int_equal(testdb_scalar(db, "SELECT COUNT(*) FROM t_abort"), 0);
}

/* ---- the '?' rewrite, no server needed ---- */

static void rewrite_is(const char *in, const char *want, int want_n)
{
    int n = -1;
    char *out = db_pg_rewrite(in, &n);
    assert_non_null(out);
    assert_string_equal(out, want);
    assert_int_equal(n, want_n);
    free(out);
}

static void test_pg_rewrite(void **state)
{
    (void)state;
    rewrite_is("SELECT 1", "SELECT 1", 0);
    rewrite_is("a = ? AND b = ?", "a = $1 AND b = $2", 2);
    rewrite_is("'?' || ?", "'?' || $1", 1);
    rewrite_is("'it''s ?' ?", "'it''s ?' $1", 1);
    rewrite_is("\"we?ird\" = ?", "\"we?ird\" = $1", 1);
    rewrite_is("E'\\'?' = ?", "E'\\'?' = $1", 1);
    rewrite_is("'\\' = ?", "'\\' = $1", 1); /* standard strings: no backslash escape */
    rewrite_is("-- ? comment\n?", "-- ? comment\n$1", 1);
    rewrite_is("/* ? /* ? */ ? */ ?", "/* ? /* ? */ ? */ $1", 1);
    rewrite_is("$$ ? $$ ?", "$$ ? $$ $1", 1);
    rewrite_is("$t$ ? $$ ? $t$ ?", "$t$ ? $$ ? $t$ $1", 1);
    rewrite_is("a$b ?", "a$b $1", 1);
    rewrite_is("'open ?", "'open ?", 0);
    int n = 0;
    assert_null(db_pg_rewrite("a = ?1", &n)); /* SQLite's ?NNN would become $11 */
    assert_int_equal(n, -1);
    rewrite_is("'?1' = ?", "'?1' = $1", 1);
    char many[4000] = "";
    char want[12000] = "";
    for (int i = 1; i <= 1000; i++) {
        strcat(many, "?,");
        snprintf(want + strlen(want), sizeof want - strlen(want), "$%d,", i);
    }
    rewrite_is(many, want, 1000);
}

#define BOTH(fn)                                                                          \
    {"sqlite/" #fn, fn, open_sqlite, close_db, NULL}, {"postgres/" #fn, fn, open_pg,      \
                                                       close_db, NULL}

#define SQ(fn) {"sqlite/" #fn, fn, open_sqlite, close_db, NULL}
#define PG(fn) {"postgres/" #fn, fn, open_pg, close_db, NULL}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pg_rewrite),
        cmocka_unit_test(test_open_bad_urls),
        BOTH(test_schema_fresh_then_migrate_twice), /* first: sees an empty database */
        SQ(test_sqlite_url_paths),
        BOTH(test_schema_newer_than_binary),
        BOTH(test_types_and_nulls),
        BOTH(test_bind_text_len_and_nul),
        BOTH(test_bind_errors),
        BOTH(test_unique_violation),
        BOTH(test_foreign_key_violation),
        BOTH(test_statement_cache_nested),
        BOTH(test_statement_cache_many),
        BOTH(test_tx_commit_rollback),
        BOTH(test_tx_retries_on_busy),
        BOTH(test_tx_explicit_and_nested),
        BOTH(test_read_snapshot),
        BOTH(test_changes),
        BOTH(test_placeholder_in_literals),
        BOTH(test_query_counter),
        BOTH(test_exec_multi_and_errors),
        BOTH(test_concurrent_migrate),
        PG(test_pg_bool_text_forms),
        PG(test_pg_reconnect),
        PG(test_pg_lost_in_transaction),
        PG(test_pg_commit_after_error),
    };
    return cmocka_run_group_tests_name("db", tests, group_setup, group_teardown);
}
