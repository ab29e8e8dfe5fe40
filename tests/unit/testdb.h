/* Throwaway databases for the cmocka unit tests that need a real one (tests/unit/db,
 * tests/unit/store): a SQLite file in a fresh temporary folder, or a PostgreSQL database
 * created on the cluster named by SHOPD_TEST_PG_URL and dropped afterwards; plus the
 * assertions every such test uses (open, exec, first column, migrate), which fail the
 * running case with the database's message.
 *
 * Header-only: the Makefile links each tests/unit/.../test_*.c alone into its own binary
 * (with -Itests), so the functions are `static inline`; a file that does not use some of
 * them compiles warning-free.
 *
 * Names: the temporary folder is /tmp/shopd_test_<prefix>_XXXXXX and the PostgreSQL
 * database shopd_test_<prefix>_<pid>. The pid keeps concurrent runs of one suite apart and
 * the prefix (one per test file) keeps different suites apart on a shared cluster. The
 * prefix goes into SQL unquoted: lowercase letters, digits and '_' only. */
#ifndef SHOPD_TEST_TESTDB_H
#define SHOPD_TEST_TESTDB_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <ftw.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/err.h"
#include "db/db.h"

struct testdb {
    char dir[256];       /* SQLite: the temporary folder; "" otherwise */
    char url[512];       /* the database to test; "" = none created */
    char admin_url[512]; /* PostgreSQL: SHOPD_TEST_PG_URL, where dbname is created/dropped */
    char dbname[64];     /* PostgreSQL: shopd_test_<prefix>_<pid> */
};

/* ---- assertions: each fails the running case with the database's message ---- */

static inline struct db *testdb_open(const char *url)
{
    char err[256] = "";
    struct db *db = NULL;
    if (db_open(url, &db, err, sizeof err) != 0)
        fail_msg("db_open(%s): %s", url, err);
    return db;
}

static inline void testdb_exec(struct db *db, const char *sql)
{
    if (db_exec(db, sql) != 0)
        fail_msg("%s: %s", sql, db_errmsg(db));
}

/* First column of the first row of a parameterless query (one counted query). */
static inline int64_t testdb_scalar(struct db *db, const char *sql)
{
    int64_t v = 0;
    int rc = db_fetch_int(db_prepare(db, sql), &v);
    if (rc != 0)
        fail_msg("%s: %s", sql, rc == SHOP_ENOTFOUND ? "no row" : db_errmsg(db));
    return v;
}

static inline void testdb_migrate(struct db *db)
{
    char err[256] = "";
    if (db_migrate(db, err, sizeof err) != 0)
        fail_msg("db_migrate: %s", err);
}

/* ---- PostgreSQL databases on the SHOPD_TEST_PG_URL cluster ---- */

/* postgres://u@h:p/old?x -> postgres://u@h:p/<name>?x */
static inline void testdb_url_with_db(char *out, size_t n, const char *url, const char *name)
{
    const char *host = strstr(url, "://");
    const char *path = host ? strchr(host + 3, '/') : NULL;
    const char *query = strchr(url, '?');
    size_t keep = path ? (size_t)(path - url) : (query ? (size_t)(query - url) : strlen(url));
    snprintf(out, n, "%.*s/%s%s", (int)keep, url, name, query ? query : "");
}

/* WITH (FORCE): a case that failed half-way may have left a connection open. */
static inline void testdb_pg_drop_db(const char *admin_url, const char *name)
{
    char sql[200];
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", name);
    struct db *db = testdb_open(admin_url);
    testdb_exec(db, sql);
    db_close(db);
}

/* Creates database `name` afresh (one left over by an aborted run is dropped first) and
 * writes its URL to url_out. */
static inline void testdb_pg_create_db(const char *admin_url, const char *name, char *url_out,
                                       size_t url_len)
{
    char sql[200];
    testdb_pg_drop_db(admin_url, name);
    snprintf(sql, sizeof sql, "CREATE DATABASE %s", name);
    struct db *db = testdb_open(admin_url);
    testdb_exec(db, sql);
    db_close(db);
    testdb_url_with_db(url_out, url_len, admin_url, name);
}

/* ---- whole fixtures ---- */

/* A fresh folder with t->url = sqlite:///<folder>/test.db (the file is not created). */
static inline void testdb_sqlite_create(struct testdb *t, const char *prefix)
{
    char tmpl[sizeof t->dir];
    memset(t, 0, sizeof *t);
    snprintf(tmpl, sizeof tmpl, "/tmp/shopd_test_%s_XXXXXX", prefix);
    if (!mkdtemp(tmpl))
        fail_msg("mkdtemp(%s) failed", tmpl);
    snprintf(t->dir, sizeof t->dir, "%s", tmpl);
    snprintf(t->url, sizeof t->url, "sqlite:///%s/test.db", t->dir);
}

/* An empty database shopd_test_<prefix>_<pid> on the SHOPD_TEST_PG_URL cluster. False,
 * with *t empty, when the variable is unset: the caller skips its PostgreSQL cases. */
static inline bool testdb_pg_create(struct testdb *t, const char *prefix)
{
    const char *admin = getenv("SHOPD_TEST_PG_URL");
    memset(t, 0, sizeof *t);
    if (!admin || !*admin)
        return false;
    snprintf(t->admin_url, sizeof t->admin_url, "%s", admin);
    snprintf(t->dbname, sizeof t->dbname, "shopd_test_%s_%ld", prefix, (long)getpid());
    testdb_pg_create_db(t->admin_url, t->dbname, t->url, sizeof t->url);
    return true;
}

static inline int testdb_rm_entry(const char *path, const struct stat *sb, int type,
                                  struct FTW *ftw)
{
    (void)sb;
    (void)type;
    (void)ftw;
    return remove(path);
}

/* Removes what testdb_sqlite_create or testdb_pg_create made (the caller has closed its
 * connections; PostgreSQL's are forced off anyway) and empties *t; a second call does
 * nothing. 0, or -1 when the folder could not be removed. */
static inline int testdb_destroy(struct testdb *t)
{
    int rc = 0;
    if (t->dir[0] && nftw(t->dir, testdb_rm_entry, 16, FTW_DEPTH | FTW_PHYS) != 0)
        rc = -1;
    if (t->url[0] && t->admin_url[0])
        testdb_pg_drop_db(t->admin_url, t->dbname);
    memset(t, 0, sizeof *t);
    return rc;
}

/* ---- cmocka fixtures that own a throwaway database ----
 * For a test file's fixture struct whose first member is a struct testdb: setup
 * allocates it zeroed, creates the database (SQLite, or PostgreSQL when pg; without
 * SHOPD_TEST_PG_URL *state stays NULL and testdb_fixture skips the case), then calls
 * init(f) (open, migrate, build rows...). Teardown calls fini(f) (close what init
 * opened), then removes the database and frees the struct. */
static inline int testdb_fixture_setup(void **state, size_t size, bool pg, const char *prefix,
                                       int (*init)(void *f))
{
    struct testdb *t = calloc(1, size);
    *state = NULL;
    if (!t)
        return -1;
    if (pg && !testdb_pg_create(t, prefix)) {
        free(t);
        return 0;
    }
    if (!pg)
        testdb_sqlite_create(t, prefix);
    *state = t;
    return init(t);
}

static inline int testdb_fixture_teardown(void **state, void (*fini)(void *f))
{
    struct testdb *t = *state;
    if (!t)
        return 0;
    fini(t);
    int rc = testdb_destroy(t);
    free(t);
    return rc;
}

/* The case's fixture; skips the case when its backend is not available. */
static inline void *testdb_fixture(void **state)
{
    if (!*state)
        skip();
    return *state;
}

#endif
