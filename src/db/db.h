/* db: the backend-neutral database API. SQL text uses '?' placeholders; the PostgreSQL
 * backend rewrites them to $n once at prepare time. Statements are prepared once per
 * connection and cached by SQL text; db_prepare hands out a cached statement, reset and
 * with bindings cleared, and db_stmt_release gives it back (arena_defer-compatible).
 * A connection belongs to one thread at a time.
 *
 * Booleans: BOOLEAN on PostgreSQL, INTEGER 0/1 on SQLite; bind with db_bind_bool and
 * read with db_col_bool on both. Money and times are BIGINT (cents, microseconds).
 * Use "RETURNING id" to get generated ids (both backends support it). */
#ifndef SHOPD_DB_DB_H
#define SHOPD_DB_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum db_dialect { DB_SQLITE = 1, DB_POSTGRES = 2 };

/* Results of db_step (besides negative shop_err values). */
enum db_step_result { DB_DONE = 0, DB_ROW = 1 };

/* Finer failure kinds, from db_errkind() after a failed call. */
enum db_errkind {
    DB_ERR_NONE = 0,
    DB_ERR_UNIQUE,      /* unique violation: db_err_constraint() names the constraint/index */
    DB_ERR_FOREIGN_KEY,
    DB_ERR_BUSY,        /* SQLite busy / PG serialization failure or deadlock: retry */
    DB_ERR_CONNECTION,  /* the server went away */
    DB_ERR_OTHER,
};

struct db;
struct db_stmt;

/* Opens a connection from a URL: "sqlite:///relative/or/abs.db", "sqlite:////abs.db",
 * "postgres://..." or "postgresql://...". SQLite connections get WAL, foreign_keys,
 * synchronous=FULL and a busy timeout; PostgreSQL gets synchronous_commit=on and UTC.
 * Returns 0 and *out, or a negative shop_err with a message in err. */
int db_open(const char *url, struct db **out, char *err, size_t errlen);
void db_close(struct db *db);
enum db_dialect db_dialect(const struct db *db);
/* Last error message of this connection (never shown to clients). */
const char *db_errmsg(const struct db *db);
enum db_errkind db_errkind(const struct db *db);
/* After DB_ERR_UNIQUE: PostgreSQL's constraint name ("users_email_key") or SQLite's
 * column list ("users.email"); "" when unknown. Match on the column name to serve both. */
const char *db_err_constraint(const struct db *db);
/* Cheap liveness check ("SELECT 1"). 0 when the database answers. */
int db_ping(struct db *db);

/* Returns a ready statement or NULL (error in db_errmsg). sql must stay valid for the
 * connection's lifetime (a string literal): it is the cache key. */
struct db_stmt *db_prepare(struct db *db, const char *sql);
/* Gives the statement back to the cache (resets it). NULL is fine. */
void db_stmt_release(void *st);

/* Bind parameter idx (1-based). Text is copied; len may be (size_t)-1 for strlen. */
int db_bind_int(struct db_stmt *st, int idx, int64_t v);
int db_bind_text(struct db_stmt *st, int idx, const char *s, size_t len);
int db_bind_bool(struct db_stmt *st, int idx, bool v);
int db_bind_null(struct db_stmt *st, int idx);
int db_bind_double(struct db_stmt *st, int idx, double v);

/* Executes/advances: DB_ROW, DB_DONE, or a negative shop_err (SHOP_ECONFLICT for a
 * unique violation, SHOP_EBUSY for lock/serialization failures, SHOP_EDB otherwise).
 * Bind only before the first step; once DB_DONE or an error came back, further steps
 * return it again until the statement is released. */
int db_step(struct db_stmt *st);
/* Rows changed by the last completed INSERT/UPDATE/DELETE of this statement (read it
 * after DB_DONE; 0 for other statements). */
int64_t db_changes(struct db_stmt *st);

/* Column getters for the current row (0-based). Text pointers are valid until the next
 * db_step or release. NULL columns read as 0 / "" / false; check with db_col_null. */
bool db_col_null(struct db_stmt *st, int col);
int64_t db_col_int(struct db_stmt *st, int col);
double db_col_double(struct db_stmt *st, int col);
bool db_col_bool(struct db_stmt *st, int col);
const char *db_col_text(struct db_stmt *st, int col);
size_t db_col_len(struct db_stmt *st, int col);
int db_col_count(struct db_stmt *st);

/* Transactions. db_begin_write starts a write transaction (BEGIN IMMEDIATE on SQLite,
 * BEGIN on PostgreSQL); db_begin_read a read one (BEGIN / BEGIN ... READ ONLY). */
int db_begin_write(struct db *db);
int db_begin_read(struct db *db);
/* A failed commit has rolled back: no transaction is open afterwards. */
int db_commit(struct db *db);
/* No-op (0) without an open transaction; keeps the error that caused it. */
int db_rollback(struct db *db);
bool db_in_tx(const struct db *db);

/* Runs one or more statements without parameters (migrations, pragmas). */
int db_exec(struct db *db, const char *sql);

/* Number of statements executed on this connection (debug counter for N+1 checks and
 * /metrics): each first db_step, each db_exec (BEGIN, ROLLBACK, db_ping included) and
 * each commit. */
uint64_t db_query_count(const struct db *db);

/* Migrations (db/migrate.c): numbered SQL per dialect, recorded in schema_migrations. */
int db_migrate(struct db *db, char *err, size_t errlen);
/* 0 if the schema is current; SHOP_EINVAL if migrations are pending (count in *pending);
 * SHOP_EDB when the database is newer than this binary or cannot be read (db_errmsg). */
int db_schema_check(struct db *db, int *pending);

/* The one transaction helper: runs fn(db, ctx) inside a write transaction, commits when
 * it returns 0, rolls back otherwise; retries the whole function (up to 5 times) when the
 * database reports a lock or serialization conflict (SHOP_EBUSY). Returns fn's result or
 * the commit error. fn must not answer the client itself: it only reports. fn may run
 * several times, so it must not keep state across runs in ctx; called inside an open
 * transaction it simply joins it (no retry there). */
int db_tx(struct db *db, int (*fn)(struct db *db, void *ctx), void *ctx);

/* Runs fn(db, ctx) so that its statements read one snapshot where that is cheaper than
 * reading one per statement, and returns fn's result. On SQLite that is one deferred
 * read transaction around fn instead of one per statement (each costs an fstat of the
 * database file, the WAL read-mark locks and the VFS's global mutex); on PostgreSQL fn's
 * statements simply run, since a BEGIN/COMMIT pair would add two round trips. Inside an
 * open transaction fn joins it. The bracket is not counted by db_query_count (the
 * ROLLBACK after fn failed is). fn must only read. */
int db_read(struct db *db, int (*fn)(struct db *db, void *ctx), void *ctx);

struct arena;

/* Conveniences for the store layer: each steps a bound statement (NULL: SHOP_EDB) and
 * releases it. */
/* Runs to completion: 0 or the step's error. */
int db_run(struct db_stmt *st);
/* Like db_run, but a write that changed no row is SHOP_ENOTFOUND. */
int db_run_one(struct db_stmt *st);
/* The first column of the first row as an integer: 0, SHOP_ENOTFOUND or the error. */
int db_fetch_int(struct db_stmt *st, int64_t *v);
/* 1 when a row came back, 0 when none, else the (negative) error: callers that decide
 * access test `!= 0` so that an error fails closed. */
int db_has_row(struct db_stmt *st);
/* Steps st to its last row and releases it, reading each row with read(st, a, elem)
 * into a new element (elem_size bytes, zeroed) of an arena array: 0 with *out (NULL
 * when no row) and *n, or an error. */
int db_collect(struct db_stmt *st, struct arena *a, size_t elem_size,
               void (*read)(struct db_stmt *st, struct arena *a, void *elem), void **out,
               size_t *n);
/* An arena copy of a text column ("" for NULL); NULL when out of memory. */
const char *db_col_dup(struct db_stmt *st, int col, struct arena *a);

#endif
