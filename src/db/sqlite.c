/* sqlite: the SQLite backend of db.h, reached only through db_sqlite_backend (db.c holds
 * the statement cache, state machine and transactions).
 *
 * One connection per thread, so the connection is opened with SQLITE_OPEN_NOMUTEX (no
 * per-call mutex). Setup: busy_timeout=5000 first, then journal_mode=WAL,
 * synchronous=FULL (a commit that returned is on disk), foreign_keys=ON.
 * Extended result codes tell unique from foreign-key violations.
 * Caveat: db_changes is recorded when the statement finishes (DB_DONE), which is when
 * SQLite counts it, also for INSERT ... RETURNING. */
#include <limits.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "db/db_backend.h"

struct sq_db {
    struct db base; /* first: struct db * and struct sq_db * convert */
    sqlite3 *h;
};

struct sq_stmt {
    struct db_stmt base;
    sqlite3_stmt *h;
    int64_t changes;
};

static sqlite3 *handle(struct db *db) { return ((struct sq_db *)db)->h; }
static struct sq_stmt *sq(struct db_stmt *st) { return (struct sq_stmt *)st; }

/* "UNIQUE constraint failed: t.a, t.b" -> "t.a, t.b" */
static void note_constraint(struct db *db, const char *msg)
{
    const char *p = strstr(msg, "constraint failed: ");
    if (p) {
        p += strlen("constraint failed: ");
        db_set_constraint(db, p, strlen(p));
    }
}

static int map_error(struct db *db, int xrc, const char *msg)
{
    switch (xrc) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY:
        db_fail(db, SHOP_ECONFLICT, DB_ERR_UNIQUE, msg);
        note_constraint(db, msg);
        return SHOP_ECONFLICT;
    case SQLITE_CONSTRAINT_FOREIGNKEY:
        return db_fail(db, SHOP_EDB, DB_ERR_FOREIGN_KEY, msg);
    case SQLITE_NOMEM:
        return db_fail(db, SHOP_ENOMEM, DB_ERR_OTHER, msg);
    }
    switch (xrc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return db_fail(db, SHOP_EBUSY, DB_ERR_BUSY, msg);
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR:
        return db_fail(db, SHOP_EDB, DB_ERR_CONNECTION, msg);
    }
    return db_fail(db, SHOP_EDB, DB_ERR_OTHER, msg);
}

static int last_error(struct db *db)
{
    sqlite3 *h = handle(db);
    return map_error(db, sqlite3_extended_errcode(h), sqlite3_errmsg(h));
}

/* ---- connection ---- */

/* Switching a new file to WAL needs an exclusive lock that SQLite takes without calling
 * the busy handler, so connections opened at the same moment (several workers, or
 * instances migrating at once) can get SQLITE_BUSY here: retry for about as long as
 * busy_timeout. WAL is persistent, so later opens find it set and never wait. */
static int set_wal(sqlite3 *h)
{
    int rc = SQLITE_BUSY;
    for (int i = 0; i < 250 && (rc & 0xff) == SQLITE_BUSY; i++) {
        if (i > 0)
            sqlite3_sleep(20);
        rc = sqlite3_exec(h, "PRAGMA journal_mode=WAL", NULL, NULL, NULL);
    }
    return rc;
}

static int setup(sqlite3 *h)
{
    sqlite3_extended_result_codes(h, 1);
    int rc = sqlite3_busy_timeout(h, 5000);
    if (rc == SQLITE_OK)
        rc = set_wal(h);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(h, "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON", NULL, NULL,
                          NULL);
    return rc;
}

/* Process-wide settings, before SQLite initialises itself. Memory statistics off:
 * Debian builds SQLite with them on, which puts every allocation of every connection
 * behind one global mutex (measured: ~30 % of CPU in a 32-connection search load). */
static pthread_once_t sq_global_once = PTHREAD_ONCE_INIT;

static void sq_global_init(void)
{
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

static int sq_open(const char *path, struct db **out, char *err, size_t errlen)
{
    pthread_once(&sq_global_once, sq_global_init);
    struct sq_db *d = calloc(1, sizeof *d);
    if (!d) {
        snprintf(err, errlen, "out of memory");
        return SHOP_ENOMEM;
    }
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    int rc = sqlite3_open_v2(path, &d->h, flags, NULL);
    if (rc == SQLITE_OK)
        rc = setup(d->h);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "sqlite %s: %s", path, d->h ? sqlite3_errmsg(d->h) : "no memory");
        sqlite3_close(d->h);
        free(d);
        return rc == SQLITE_NOMEM ? SHOP_ENOMEM : SHOP_EDB;
    }
    *out = &d->base;
    return 0;
}

static void sq_close(struct db *db)
{
    sqlite3_close(handle(db)); /* statements were finalized by db.c */
    free(db);
}

static int sq_exec(struct db *db, const char *sql)
{
    int rc = sqlite3_exec(handle(db), sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? 0 : last_error(db);
}

static int sq_commit(struct db *db) { return sq_exec(db, "COMMIT"); }

/* ---- statements ---- */

static bool only_space(const char *s)
{
    for (; *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r' && *s != ';')
            return false;
    return true;
}

static struct db_stmt *sq_prepare(struct db *db, const char *sql, bool cached)
{
    struct sq_stmt *st = calloc(1, sizeof *st);
    if (!st) {
        db_fail(db, SHOP_ENOMEM, DB_ERR_OTHER, "out of memory");
        return NULL;
    }
    const char *tail = NULL;
    unsigned flags = cached ? SQLITE_PREPARE_PERSISTENT : 0;
    int rc = sqlite3_prepare_v3(handle(db), sql, -1, flags, &st->h, &tail);
    if (rc != SQLITE_OK)
        last_error(db);
    else if (!st->h || (tail && !only_space(tail)))
        db_fail(db, SHOP_EINVAL, DB_ERR_OTHER, "db_prepare takes exactly one statement");
    else
        return &st->base;
    sqlite3_finalize(st->h);
    free(st);
    return NULL;
}

static void sq_reset(struct db_stmt *st)
{
    sqlite3_reset(sq(st)->h);
    sqlite3_clear_bindings(sq(st)->h);
    sq(st)->changes = 0;
}

static void sq_finalize(struct db_stmt *st)
{
    sqlite3_finalize(sq(st)->h);
    free(st);
}

static int bind_result(struct db_stmt *st, int rc)
{
    if (rc == SQLITE_OK)
        return 0;
    if (rc == SQLITE_RANGE)
        return db_fail(st->db, SHOP_EINVAL, DB_ERR_OTHER, "bind index out of range");
    return last_error(st->db);
}

static int sq_bind_int(struct db_stmt *st, int idx, int64_t v)
{
    return bind_result(st, sqlite3_bind_int64(sq(st)->h, idx, v));
}

static int sq_bind_text(struct db_stmt *st, int idx, const char *s, size_t len)
{
    if (len > INT_MAX)
        return db_fail(st->db, SHOP_ETOOBIG, DB_ERR_OTHER, "text too long");
    return bind_result(st, sqlite3_bind_text64(sq(st)->h, idx, s, len, SQLITE_TRANSIENT,
                                               SQLITE_UTF8));
}

static int sq_bind_bool(struct db_stmt *st, int idx, bool v)
{
    return bind_result(st, sqlite3_bind_int(sq(st)->h, idx, v ? 1 : 0));
}

static int sq_bind_null(struct db_stmt *st, int idx)
{
    return bind_result(st, sqlite3_bind_null(sq(st)->h, idx));
}

static int sq_bind_double(struct db_stmt *st, int idx, double v)
{
    return bind_result(st, sqlite3_bind_double(sq(st)->h, idx, v));
}

static int sq_step(struct db_stmt *st)
{
    sqlite3_stmt *h = sq(st)->h;
    int rc = sqlite3_step(h);
    if (rc == SQLITE_ROW)
        return DB_ROW;
    if (rc == SQLITE_DONE) {
        sq(st)->changes = sqlite3_stmt_readonly(h) ? 0 : sqlite3_changes64(handle(st->db));
        return DB_DONE;
    }
    return map_error(st->db, sqlite3_extended_errcode(handle(st->db)),
                     sqlite3_errmsg(handle(st->db)));
}

static int64_t sq_changes(struct db_stmt *st) { return sq(st)->changes; }

static bool sq_col_null(struct db_stmt *st, int col)
{
    return sqlite3_column_type(sq(st)->h, col) == SQLITE_NULL;
}

static int64_t sq_col_int(struct db_stmt *st, int col)
{
    return sqlite3_column_int64(sq(st)->h, col);
}

static double sq_col_double(struct db_stmt *st, int col)
{
    return sqlite3_column_double(sq(st)->h, col);
}

static bool sq_col_bool(struct db_stmt *st, int col)
{
    return sqlite3_column_int64(sq(st)->h, col) != 0;
}

static const char *sq_col_text(struct db_stmt *st, int col)
{
    return (const char *)sqlite3_column_text(sq(st)->h, col);
}

/* Asking for the bytes after (or without) the text is SQLite's documented safe order:
 * both convert to UTF-8 text. */
static size_t sq_col_len(struct db_stmt *st, int col)
{
    return (size_t)sqlite3_column_bytes(sq(st)->h, col);
}

static int sq_col_count(struct db_stmt *st) { return sqlite3_column_count(sq(st)->h); }

const struct db_backend db_sqlite_backend = {
    .dialect = DB_SQLITE,
    .begin_write_sql = "BEGIN IMMEDIATE",
    .begin_read_sql = "BEGIN",
    .snapshot_begin_sql = "BEGIN",
    .open = sq_open,
    .close = sq_close,
    .prepare = sq_prepare,
    .reset = sq_reset,
    .finalize = sq_finalize,
    .bind_int = sq_bind_int,
    .bind_text = sq_bind_text,
    .bind_bool = sq_bind_bool,
    .bind_null = sq_bind_null,
    .bind_double = sq_bind_double,
    .step = sq_step,
    .changes = sq_changes,
    .col_null = sq_col_null,
    .col_int = sq_col_int,
    .col_double = sq_col_double,
    .col_bool = sq_col_bool,
    .col_text = sq_col_text,
    .col_len = sq_col_len,
    .col_count = sq_col_count,
    .exec = sq_exec,
    .commit = sq_commit,
};
