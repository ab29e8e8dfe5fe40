/* db_backend: what db.c shares with the backends (sqlite.c, postgres.c); not for use
 * outside src/db and its tests.
 *
 * Design: struct db and struct db_stmt are the common heads of the backends' own
 * structs (first member), so db.c can keep everything backend-neutral in one place:
 * the statement cache, the in-use flags, the statement state machine, the query
 * counter, error bookkeeping and transactions. A backend only translates single calls
 * through the vtable below. */
#ifndef SHOPD_DB_DB_BACKEND_H
#define SHOPD_DB_DB_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db/db.h"

#define DB_ERRMSG_MAX 512
#define DB_CONSTRAINT_MAX 128

/* One slot of the per-connection statement cache (open addressing, see db.c). */
struct db_cache_slot {
    uint32_t hash;          /* of the SQL text */
    const char *key;        /* the caller's pointer: fast path of the comparison */
    struct db_stmt *st;     /* NULL = empty slot */
};

struct db {
    const struct db_backend *be;
    enum db_dialect dialect;
    bool in_tx;
    uint64_t queries;
    uint64_t rng;           /* xorshift state for db_tx backoff */
    enum db_errkind errkind;
    char errmsg[DB_ERRMSG_MAX];
    char constraint[DB_CONSTRAINT_MAX];
    struct db_cache_slot *cache;
    size_t cache_cap;       /* power of two, 0 before the first insert */
    size_t cache_used;
};

enum db_stmt_state { DB_ST_READY, DB_ST_RUNNING, DB_ST_FINISHED };

struct db_stmt {
    struct db *db;
    char *sql;              /* own copy of the caller's text (cache key material) */
    enum db_stmt_state state;
    int last_rc;            /* what db_step returns again once FINISHED */
    bool has_row;
    int ncols;              /* of the current execution's rows; -1 before the first */
    bool cached;            /* owned by the cache; otherwise finalized on release */
    bool in_use;            /* handed out by db_prepare, not yet released */
};

struct db_backend {
    enum db_dialect dialect;
    const char *begin_write_sql;
    const char *begin_read_sql;
    /* db_read's snapshot bracket; NULL when statements should just run on their own. */
    const char *snapshot_begin_sql;
    /* Allocates the backend's struct (head: struct db) and connects. */
    int (*open)(const char *target, struct db **out, char *err, size_t errlen);
    void (*close)(struct db *db);
    /* Compiles sql into a new statement (head: struct db_stmt, zeroed apart from what
     * the backend sets; db.c fills the head). cached tells whether it will live in the
     * cache: PostgreSQL prepares a named server-side statement only then. NULL on
     * failure, with the error recorded on db. */
    struct db_stmt *(*prepare)(struct db *db, const char *sql, bool cached);
    void (*reset)(struct db_stmt *st);     /* back to unexecuted, bindings cleared */
    void (*finalize)(struct db_stmt *st);  /* frees the backend's part and st */
    int (*bind_int)(struct db_stmt *st, int idx, int64_t v);
    int (*bind_text)(struct db_stmt *st, int idx, const char *s, size_t len);
    int (*bind_bool)(struct db_stmt *st, int idx, bool v);
    int (*bind_null)(struct db_stmt *st, int idx);
    int (*bind_double)(struct db_stmt *st, int idx, double v);
    int (*step)(struct db_stmt *st);
    int64_t (*changes)(struct db_stmt *st);
    bool (*col_null)(struct db_stmt *st, int col);
    int64_t (*col_int)(struct db_stmt *st, int col);
    double (*col_double)(struct db_stmt *st, int col);
    bool (*col_bool)(struct db_stmt *st, int col);
    const char *(*col_text)(struct db_stmt *st, int col);
    size_t (*col_len)(struct db_stmt *st, int col);
    int (*col_count)(struct db_stmt *st);
    int (*exec)(struct db *db, const char *sql);
    int (*commit)(struct db *db);
};

extern const struct db_backend db_sqlite_backend;
extern const struct db_backend db_pg_backend;

/* Records a failure on the connection; returns rc so callers can `return db_fail(...)`. */
int db_fail(struct db *db, int rc, enum db_errkind kind, const char *msg);
void db_set_constraint(struct db *db, const char *name, size_t len);
void db_clear_error(struct db *db);

/* PostgreSQL placeholder rewrite ('?' -> $1..$n outside quotes and comments).
 * Returns a malloc'd string (caller frees) and the count in *nparams, or NULL: out of
 * memory, over 65535 placeholders (*nparams says how many) or a '?' followed by a digit
 * (*nparams = -1). Exposed for unit tests and the fuzz target. */
char *db_pg_rewrite(const char *sql, int *nparams);

#endif
