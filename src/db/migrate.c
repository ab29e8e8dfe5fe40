/* migrate: applies the embedded migrations (db/migrations.h) of the connection's dialect
 * in number order and records each in schema_migrations.
 *
 * Each migration runs in its own write transaction together with its bookkeeping row,
 * so a failure leaves the schema at the previous version. Concurrent migrators (two
 * instances starting at once) are serialised: PostgreSQL takes a transaction-scoped
 * advisory lock first, SQLite's BEGIN IMMEDIATE already excludes other writers; under
 * the lock the version is looked up again, so the loser skips what the winner applied.
 * Even schema_migrations is created under the lock: concurrent CREATE TABLE IF NOT
 * EXISTS can fail on PostgreSQL.
 * Caveat: migration SQL must not contain BEGIN/COMMIT, nor statements that refuse to run
 * in a transaction (CREATE INDEX CONCURRENTLY). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/err.h"
#include "db/db.h"
#include "db/db_backend.h"
#include "db/migrations.h"

#define MIG_MAX 512

/* Any constant works as long as nothing else in the database uses it: "shopdmig" as a
 * big-endian 64-bit integer. */
static const char SQL_LOCK[] = "SELECT pg_advisory_xact_lock(8316019240451533159)";
static const char SQL_CREATE[] = "CREATE TABLE IF NOT EXISTS schema_migrations ("
                                 "version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
                                 "applied_at BIGINT NOT NULL)";
static const char SQL_MAX[] = "SELECT COALESCE(MAX(version), 0) FROM schema_migrations";
static const char SQL_HAS[] = "SELECT 1 FROM schema_migrations WHERE version = ?";
static const char SQL_ADD[] =
    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)";
static const char SQL_EXISTS_SQLITE[] =
    "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'";
/* to_regclass resolves the name through search_path, exactly as the queries do. */
static const char SQL_EXISTS_PG[] =
    "SELECT CASE WHEN to_regclass('schema_migrations') IS NULL THEN 0 ELSE 1 END";

struct mig_list {
    const struct migration *m[MIG_MAX];
    int n;
};

static const char *dialect_name(const struct db *db)
{
    return db_dialect(db) == DB_POSTGRES ? "postgres" : "sqlite";
}

static int by_number(const void *a, const void *b)
{
    const struct migration *x = *(const struct migration *const *)a;
    const struct migration *y = *(const struct migration *const *)b;
    return (x->number > y->number) - (x->number < y->number);
}

/* This dialect's migrations in number order; SHOP_EINVAL on duplicate numbers. */
static int collect(const struct db *db, struct mig_list *l)
{
    const char *dialect = dialect_name(db);
    l->n = 0;
    for (unsigned i = 0; i < migrations_count; i++) {
        if (strcmp(migrations[i].dialect, dialect) != 0)
            continue;
        if (l->n == MIG_MAX)
            return SHOP_ETOOBIG;
        l->m[l->n++] = &migrations[i];
    }
    qsort(l->m, (size_t)l->n, sizeof l->m[0], by_number);
    for (int i = 1; i < l->n; i++)
        if (l->m[i]->number == l->m[i - 1]->number)
            return SHOP_EINVAL;
    return 0;
}

static int latest(const struct mig_list *l) { return l->n ? l->m[l->n - 1]->number : 0; }

/* Runs a statement to completion; *first gets column 0 of the first row (0 if none). */
static int run(struct db *db, const char *sql, int64_t arg, int64_t *first)
{
    struct db_stmt *st = db_prepare(db, sql);
    if (!st)
        return SHOP_EDB;
    int rc = arg >= 0 ? db_bind_int(st, 1, arg) : 0;
    bool got = false;
    if (first)
        *first = 0;
    while (rc == 0) {
        rc = db_step(st);
        if (rc != DB_ROW)
            break;
        if (first && !got)
            *first = db_col_int(st, 0);
        got = true;
        rc = 0;
    }
    db_stmt_release(st);
    return rc;
}

static int lock(struct db *db)
{
    return db_dialect(db) == DB_POSTGRES ? run(db, SQL_LOCK, -1, NULL) : 0;
}

static int create_table(struct db *db, void *ctx)
{
    (void)ctx;
    int rc = lock(db);
    return rc ? rc : db_exec(db, SQL_CREATE);
}

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int record(struct db *db, const struct migration *m)
{
    struct db_stmt *st = db_prepare(db, SQL_ADD);
    if (!st)
        return SHOP_EDB;
    int rc = db_bind_int(st, 1, m->number);
    if (rc == 0)
        rc = db_bind_text(st, 2, m->name, (size_t)-1);
    if (rc == 0)
        rc = db_bind_int(st, 3, now_us());
    if (rc == 0)
        rc = db_step(st);
    db_stmt_release(st);
    return rc < 0 ? rc : 0;
}

static int apply_one(struct db *db, void *ctx)
{
    const struct migration *m = ctx;
    int64_t found = 0;
    int rc = lock(db);
    if (rc == 0)
        rc = run(db, SQL_HAS, m->number, &found);
    if (rc != 0 || found)
        return rc; /* applied meanwhile by another instance */
    rc = db_exec(db, m->sql);
    return rc ? rc : record(db, m);
}

static int check_not_newer(struct db *db, const struct mig_list *l, char *err, size_t errlen)
{
    int64_t v = 0;
    int rc = run(db, SQL_MAX, -1, &v);
    if (rc != 0) {
        snprintf(err, errlen, "reading schema_migrations: %s", db_errmsg(db));
        return rc;
    }
    if (v > latest(l)) {
        snprintf(err, errlen, "database schema is newer than this binary (database %lld, "
                 "binary %d)", (long long)v, latest(l));
        return SHOP_EDB;
    }
    return 0;
}

int db_migrate(struct db *db, char *err, size_t errlen)
{
    struct mig_list l;
    int rc = collect(db, &l);
    if (rc != 0) {
        snprintf(err, errlen, "embedded migrations are inconsistent (duplicate number?)");
        return rc;
    }
    if (db_in_tx(db)) {
        snprintf(err, errlen, "db_migrate inside a transaction");
        return SHOP_EINVAL;
    }
    rc = db_tx(db, create_table, NULL);
    if (rc != 0) {
        snprintf(err, errlen, "creating schema_migrations: %s", db_errmsg(db));
        return rc;
    }
    rc = check_not_newer(db, &l, err, errlen);
    for (int i = 0; rc == 0 && i < l.n; i++) {
        rc = db_tx(db, apply_one, (void *)l.m[i]); /* apply_one only reads it */
        if (rc != 0)
            snprintf(err, errlen, "migration %s: %s", l.m[i]->name, db_errmsg(db));
    }
    return rc;
}

static int count_missing(struct db *db, const struct mig_list *l, int *pending)
{
    for (int i = 0; i < l->n; i++) {
        int64_t found = 0;
        int rc = run(db, SQL_HAS, l->m[i]->number, &found);
        if (rc != 0)
            return rc;
        if (!found)
            (*pending)++;
    }
    return 0;
}

int db_schema_check(struct db *db, int *pending)
{
    struct mig_list l;
    int64_t exists = 0, v = 0;
    *pending = 0;
    if (collect(db, &l) != 0)
        return db_fail(db, SHOP_EINVAL, DB_ERR_OTHER, "embedded migrations are inconsistent");
    bool pg = db_dialect(db) == DB_POSTGRES;
    int rc = run(db, pg ? SQL_EXISTS_PG : SQL_EXISTS_SQLITE, -1, &exists);
    if (rc == 0 && !exists)
        *pending = l.n;
    if (rc == 0 && exists)
        rc = run(db, SQL_MAX, -1, &v);
    if (rc == 0 && v > latest(&l))
        return db_fail(db, SHOP_EDB, DB_ERR_OTHER, "database schema is newer than this binary");
    if (rc == 0 && exists)
        rc = count_missing(db, &l, pending);
    if (rc != 0)
        return rc;
    return *pending ? SHOP_EINVAL : 0;
}
