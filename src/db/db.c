/* db: the backend-neutral half of the database API (see db.h). Parses the URL, picks a
 * backend vtable (sqlite.c, postgres.c) and keeps here everything both backends share:
 *  - the per-connection statement cache: open addressing with linear probing, keyed by
 *    the SQL text's hash; entries compare the caller's pointer first (string literals
 *    make that the usual hit) and fall back to strcmp, so equal text from two
 *    translation units shares one entry and a non-literal can never alias another
 *    statement. At most DB_CACHE_MAX entries; past that statements are uncached.
 *  - the in-use flag: the same SQL requested again while its cached statement is still
 *    out gets a second, uncached statement that is finalized on release;
 *  - one state machine per statement (bind only before the first step, DONE/error is
 *    sticky until release), the query counter, error bookkeeping;
 *  - transactions and db_tx, the retrying transaction helper.
 * Caveat: a connection is used by one thread at a time; nothing here locks. */
#include "db/db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/arena.h"
#include "core/err.h"
#include "db/db_backend.h"

#define DB_CACHE_MIN 32
#define DB_CACHE_MAX 1024
#define DB_TX_ATTEMPTS 6       /* the first try and up to 5 retries */
#define DB_TX_BACKOFF_US 1000  /* doubles per retry, plus up to as much jitter */

/* ---- errors ---- */

int db_fail(struct db *db, int rc, enum db_errkind kind, const char *msg)
{
    db->errkind = kind;
    snprintf(db->errmsg, sizeof db->errmsg, "%s", msg ? msg : "database error");
    return rc;
}

void db_set_constraint(struct db *db, const char *name, size_t len)
{
    if (len >= sizeof db->constraint)
        len = sizeof db->constraint - 1;
    memcpy(db->constraint, name, len);
    db->constraint[len] = '\0';
}

void db_clear_error(struct db *db)
{
    db->errkind = DB_ERR_NONE;
    db->errmsg[0] = '\0';
    db->constraint[0] = '\0';
}

const char *db_errmsg(const struct db *db) { return db->errmsg; }
enum db_errkind db_errkind(const struct db *db) { return db->errkind; }
const char *db_err_constraint(const struct db *db) { return db->constraint; }
enum db_dialect db_dialect(const struct db *db) { return db->dialect; }
uint64_t db_query_count(const struct db *db) { return db->queries; }
bool db_in_tx(const struct db *db) { return db->in_tx; }

/* ---- open / close ---- */

static bool has_prefix(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* "sqlite:///x.db" -> "x.db", "sqlite:////abs/x.db" -> "/abs/x.db"; PostgreSQL URLs go
 * to libpq unchanged. */
static int parse_url(const char *url, const struct db_backend **be, const char **target)
{
    if (has_prefix(url, "sqlite:///") && url[10] != '\0') {
        *be = &db_sqlite_backend;
        *target = url + 10;
        return 0;
    }
    if (has_prefix(url, "postgres://") || has_prefix(url, "postgresql://")) {
        *be = &db_pg_backend;
        *target = url;
        return 0;
    }
    return SHOP_EINVAL;
}

static uint64_t rng_seed(const void *p)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    uint64_t s = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 32) ^ (uint64_t)(uintptr_t)p;
    return s ? s : 0x9e3779b97f4a7c15u;
}

int db_open(const char *url, struct db **out, char *err, size_t errlen)
{
    const struct db_backend *be;
    const char *target;
    *out = NULL;
    if (!url || parse_url(url, &be, &target) != 0) {
        snprintf(err, errlen, "unsupported database URL (want sqlite:///path or postgres://...)");
        return SHOP_EINVAL;
    }
    struct db *db = NULL;
    int rc = be->open(target, &db, err, errlen);
    if (rc != 0)
        return rc;
    db->be = be;
    db->dialect = be->dialect;
    db->rng = rng_seed(db);
    *out = db;
    return 0;
}

static void cache_free(struct db *db)
{
    for (size_t i = 0; i < db->cache_cap; i++) {
        struct db_stmt *st = db->cache[i].st;
        if (!st)
            continue;
        free(st->sql);
        db->be->finalize(st);
    }
    free(db->cache);
    db->cache = NULL;
    db->cache_cap = db->cache_used = 0;
}

void db_close(struct db *db)
{
    if (!db)
        return;
    if (db->in_tx)
        db_rollback(db);
    cache_free(db);
    db->be->close(db);
}

int db_ping(struct db *db) { return db_exec(db, "SELECT 1"); }

/* ---- statement cache ---- */

/* Eight bytes at a time: statements are long (a page of products with its columns and
 * joins, the media of 10 products: ~1 KB) and are looked up on every request;
 * byte-wise FNV-1a cost 4k instructions per lookup. */
static uint32_t sql_hash(const char *s)
{
    size_t n = strlen(s);
    uint64_t h = 0x9e3779b97f4a7c15ULL ^ n, w;
    for (; n >= 8; n -= 8, s += 8) {
        memcpy(&w, s, 8);
        h = (h ^ w) * 0xff51afd7ed558ccdULL;
        h ^= h >> 32;
    }
    w = 0;
    memcpy(&w, s, n);
    h = (h ^ w) * 0xc4ceb9fe1a85ec53ULL;
    return (uint32_t)(h ^ (h >> 29));
}

static struct db_cache_slot *cache_find(struct db *db, const char *sql, uint32_t h)
{
    if (db->cache_cap == 0)
        return NULL;
    size_t mask = db->cache_cap - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        struct db_cache_slot *s = &db->cache[i];
        if (!s->st)
            return NULL;
        if (s->hash == h && (s->key == sql || strcmp(s->st->sql, sql) == 0))
            return s;
    }
}

static void cache_place(struct db_cache_slot *slots, size_t cap, struct db_cache_slot e)
{
    size_t mask = cap - 1;
    size_t i = e.hash & mask;
    while (slots[i].st)
        i = (i + 1) & mask;
    slots[i] = e;
}

static int cache_grow(struct db *db)
{
    size_t cap = db->cache_cap ? db->cache_cap * 2 : DB_CACHE_MIN;
    struct db_cache_slot *slots = calloc(cap, sizeof *slots);
    if (!slots)
        return SHOP_ENOMEM;
    for (size_t i = 0; i < db->cache_cap; i++)
        if (db->cache[i].st)
            cache_place(slots, cap, db->cache[i]);
    free(db->cache);
    db->cache = slots;
    db->cache_cap = cap;
    return 0;
}

/* Load stays at or below one half, so probes are short and an empty slot exists. */
static bool cache_has_room(struct db *db)
{
    if (db->cache_used >= DB_CACHE_MAX)
        return false;
    if ((db->cache_used + 1) * 2 > db->cache_cap && cache_grow(db) != 0)
        return false;
    return true;
}

static void cache_insert(struct db *db, const char *key, uint32_t h, struct db_stmt *st)
{
    cache_place(db->cache, db->cache_cap, (struct db_cache_slot){h, key, st});
    db->cache_used++;
}

/* ---- prepare / release ---- */

static struct db_stmt *stmt_new(struct db *db, const char *sql, bool cached)
{
    struct db_stmt *st = db->be->prepare(db, sql, cached);
    if (!st)
        return NULL;
    st->sql = strdup(sql);
    if (!st->sql) {
        db->be->finalize(st);
        db_fail(db, SHOP_ENOMEM, DB_ERR_OTHER, "out of memory");
        return NULL;
    }
    st->db = db;
    st->cached = cached;
    return st;
}

static struct db_stmt *stmt_lookup(struct db *db, const char *sql)
{
    uint32_t h = sql_hash(sql);
    struct db_cache_slot *slot = cache_find(db, sql, h);
    if (slot && !slot->st->in_use)
        return slot->st;
    if (slot || !cache_has_room(db))
        return stmt_new(db, sql, false); /* nested use, or cache full */
    struct db_stmt *st = stmt_new(db, sql, true);
    if (st)
        cache_insert(db, sql, h, st);
    return st;
}

struct db_stmt *db_prepare(struct db *db, const char *sql)
{
    db_clear_error(db);
    if (!sql) {
        db_fail(db, SHOP_EINVAL, DB_ERR_OTHER, "db_prepare: no SQL");
        return NULL;
    }
    struct db_stmt *st = stmt_lookup(db, sql);
    if (!st)
        return NULL;
    st->in_use = true;
    st->state = DB_ST_READY;
    st->has_row = false;
    st->ncols = -1;
    st->last_rc = DB_DONE;
    return st;
}

void db_stmt_release(void *p)
{
    struct db_stmt *st = p;
    if (!st)
        return;
    st->db->be->reset(st);
    st->state = DB_ST_READY;
    st->has_row = false;
    st->ncols = -1;
    st->in_use = false;
    if (!st->cached) {
        free(st->sql);
        st->db->be->finalize(st);
    }
}

/* ---- bindings ---- */

static int bind_check(struct db_stmt *st, int idx)
{
    if (st->state != DB_ST_READY)
        return db_fail(st->db, SHOP_EINVAL, DB_ERR_OTHER, "bind after db_step");
    if (idx < 1)
        return db_fail(st->db, SHOP_EINVAL, DB_ERR_OTHER, "bind index starts at 1");
    return 0;
}

int db_bind_int(struct db_stmt *st, int idx, int64_t v)
{
    int rc = bind_check(st, idx);
    return rc ? rc : st->db->be->bind_int(st, idx, v);
}

/* Text with a NUL byte is refused on both backends: PostgreSQL cannot store it, and
 * SQLite would store what C code then reads truncated. */
int db_bind_text(struct db_stmt *st, int idx, const char *s, size_t len)
{
    int rc = bind_check(st, idx);
    if (rc)
        return rc;
    if (!s)
        return st->db->be->bind_null(st, idx);
    if (len == (size_t)-1)
        len = strlen(s);
    else if (memchr(s, '\0', len))
        return db_fail(st->db, SHOP_EINVAL, DB_ERR_OTHER, "text contains a NUL byte");
    return st->db->be->bind_text(st, idx, s, len);
}

int db_bind_bool(struct db_stmt *st, int idx, bool v)
{
    int rc = bind_check(st, idx);
    return rc ? rc : st->db->be->bind_bool(st, idx, v);
}

int db_bind_null(struct db_stmt *st, int idx)
{
    int rc = bind_check(st, idx);
    return rc ? rc : st->db->be->bind_null(st, idx);
}

int db_bind_double(struct db_stmt *st, int idx, double v)
{
    int rc = bind_check(st, idx);
    return rc ? rc : st->db->be->bind_double(st, idx, v);
}

/* ---- execution and columns ---- */

int db_step(struct db_stmt *st)
{
    if (st->state == DB_ST_FINISHED)
        return st->last_rc;
    if (st->state == DB_ST_READY) {
        db_clear_error(st->db);
        st->db->queries++;
        st->state = DB_ST_RUNNING;
    }
    int rc = st->db->be->step(st);
    st->has_row = rc == DB_ROW;
    if (rc == DB_ROW && st->ncols < 0)
        st->ncols = st->db->be->col_count(st);
    if (rc != DB_ROW) {
        st->state = DB_ST_FINISHED;
        st->last_rc = rc;
    }
    return rc;
}

int64_t db_changes(struct db_stmt *st) { return st->db->be->changes(st); }

int db_col_count(struct db_stmt *st) { return st->db->be->col_count(st); }

/* The column count is read once per execution: the accessors run for every column of
 * every row. */
static bool col_ok(const struct db_stmt *st, int col)
{
    return st->has_row && col >= 0 && col < st->ncols;
}

bool db_col_null(struct db_stmt *st, int col)
{
    return !col_ok(st, col) || st->db->be->col_null(st, col);
}

int64_t db_col_int(struct db_stmt *st, int col)
{
    return col_ok(st, col) ? st->db->be->col_int(st, col) : 0;
}

double db_col_double(struct db_stmt *st, int col)
{
    return col_ok(st, col) ? st->db->be->col_double(st, col) : 0.0;
}

bool db_col_bool(struct db_stmt *st, int col)
{
    return col_ok(st, col) && st->db->be->col_bool(st, col);
}

const char *db_col_text(struct db_stmt *st, int col)
{
    const char *s = col_ok(st, col) ? st->db->be->col_text(st, col) : NULL;
    return s ? s : "";
}

size_t db_col_len(struct db_stmt *st, int col)
{
    return col_ok(st, col) ? st->db->be->col_len(st, col) : 0;
}

int db_exec(struct db *db, const char *sql)
{
    db_clear_error(db);
    db->queries++;
    return db->be->exec(db, sql);
}

/* ---- transactions ---- */

static int begin(struct db *db, const char *sql)
{
    if (db->in_tx)
        return db_fail(db, SHOP_EINVAL, DB_ERR_OTHER, "a transaction is already open");
    int rc = db_exec(db, sql);
    if (rc == 0)
        db->in_tx = true;
    return rc;
}

int db_begin_write(struct db *db) { return begin(db, db->be->begin_write_sql); }
int db_begin_read(struct db *db) { return begin(db, db->be->begin_read_sql); }

/* A failed commit leaves no transaction behind on either backend (SQLite would keep it
 * open on SQLITE_BUSY; PostgreSQL has already ended it), and its error is kept. */
int db_commit(struct db *db)
{
    if (!db->in_tx)
        return db_fail(db, SHOP_EINVAL, DB_ERR_OTHER, "commit without a transaction");
    db_clear_error(db);
    db->queries++;
    int rc = db->be->commit(db);
    if (rc != 0)
        db_rollback(db);
    db->in_tx = false;
    return rc;
}

/* Keeps the error that led to the rollback unless the rollback itself fails, so the
 * caller (and the log) see the cause, not "ROLLBACK succeeded". */
int db_rollback(struct db *db)
{
    if (!db->in_tx)
        return 0;
    enum db_errkind kind = db->errkind;
    char msg[DB_ERRMSG_MAX], cons[DB_CONSTRAINT_MAX];
    memcpy(msg, db->errmsg, sizeof msg);
    memcpy(cons, db->constraint, sizeof cons);
    int rc = db_exec(db, "ROLLBACK");
    db->in_tx = false;
    if (rc == 0) {
        db->errkind = kind;
        memcpy(db->errmsg, msg, sizeof msg);
        memcpy(db->constraint, cons, sizeof cons);
    }
    return rc;
}

/* One statement of db_read's bracket, from the statement cache (sqlite3_exec would
 * compile it on every request) and left out of the query count. */
static int run_bracket(struct db *db, const char *sql)
{
    struct db_stmt *st = db_prepare(db, sql);
    if (!st)
        return SHOP_EDB;
    int rc = db->be->step(st);
    db_stmt_release(st);
    return rc == DB_DONE ? 0 : rc == DB_ROW ? SHOP_EDB : rc;
}

int db_read(struct db *db, int (*fn)(struct db *db, void *ctx), void *ctx)
{
    const char *begin_sql = db->be->snapshot_begin_sql;
    if (db->in_tx || !begin_sql)
        return fn(db, ctx);
    db_clear_error(db);
    int rc = run_bracket(db, begin_sql);
    if (rc != 0)
        return rc;
    db->in_tx = true;
    rc = fn(db, ctx);
    if (rc != 0) {
        db_rollback(db); /* keeps fn's error for the caller's log */
        return rc;
    }
    rc = run_bracket(db, "COMMIT");
    if (rc != 0)
        db_rollback(db);
    db->in_tx = false;
    return rc;
}

static uint64_t rng_next(struct db *db)
{
    uint64_t x = db->rng; /* xorshift64 */
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    db->rng = x;
    return x;
}

/* 1, 2, 4, 8, 16 ms plus random jitter of up to as much again, so two writers that
 * collided do not collide again in lockstep. */
static void tx_backoff(struct db *db, int attempt)
{
    uint64_t base = (uint64_t)DB_TX_BACKOFF_US << attempt;
    uint64_t us = base + rng_next(db) % base;
    struct timespec ts = {(time_t)(us / 1000000), (long)(us % 1000000) * 1000};
    nanosleep(&ts, NULL);
}

static int tx_once(struct db *db, int (*fn)(struct db *, void *), void *ctx)
{
    int rc = db_begin_write(db);
    if (rc != 0)
        return rc;
    rc = fn(db, ctx);
    if (rc != 0) {
        db_rollback(db);
        return rc;
    }
    return db_commit(db);
}

/* Inside an open transaction fn simply joins it: the outermost db_tx owns commit and
 * retries. */
int db_tx(struct db *db, int (*fn)(struct db *db, void *ctx), void *ctx)
{
    if (db->in_tx)
        return fn(db, ctx);
    for (int attempt = 0;; attempt++) {
        int rc = tx_once(db, fn, ctx);
        if (rc != SHOP_EBUSY || attempt + 1 >= DB_TX_ATTEMPTS)
            return rc;
        tx_backoff(db, attempt);
    }
}

int db_run(struct db_stmt *st)
{
    if (!st)
        return SHOP_EDB;
    int rc = db_step(st);
    db_stmt_release(st);
    return rc == DB_DONE || rc == DB_ROW ? 0 : rc < 0 ? rc : SHOP_EDB;
}

int db_run_one(struct db_stmt *st)
{
    if (!st)
        return SHOP_EDB;
    int rc = db_step(st);
    int64_t changed = db_changes(st);
    db_stmt_release(st);
    if (rc != DB_DONE)
        return rc < 0 ? rc : SHOP_EDB;
    return changed > 0 ? 0 : SHOP_ENOTFOUND;
}

int db_fetch_int(struct db_stmt *st, int64_t *v)
{
    if (!st)
        return SHOP_EDB;
    int rc = db_step(st);
    if (rc == DB_ROW)
        *v = db_col_int(st, 0);
    db_stmt_release(st);
    return rc == DB_ROW ? 0 : rc == DB_DONE ? SHOP_ENOTFOUND : rc < 0 ? rc : SHOP_EDB;
}

int db_has_row(struct db_stmt *st)
{
    if (!st)
        return SHOP_EDB;
    int rc = db_step(st);
    db_stmt_release(st);
    return rc == DB_ROW ? 1 : rc == DB_DONE ? 0 : rc < 0 ? rc : SHOP_EDB;
}

const char *db_col_dup(struct db_stmt *st, int col, struct arena *a)
{
    return arena_strndup(a, db_col_text(st, col), db_col_len(st, col));
}

int db_collect(struct db_stmt *st, struct arena *a, size_t elem_size,
               void (*read)(struct db_stmt *st, struct arena *a, void *elem), void **out,
               size_t *n)
{
    *out = NULL;
    *n = 0;
    if (!st)
        return SHOP_EDB;
    char *v = NULL;
    size_t cap = 0;
    int rc = db_step(st);
    while (rc == DB_ROW) {
        char *grown = arena_grow(a, v, *n, &cap, elem_size);
        if (!grown) {
            rc = SHOP_ENOMEM;
            break;
        }
        v = grown;
        memset(v + *n * elem_size, 0, elem_size);
        read(st, a, v + *n * elem_size);
        (*n)++;
        rc = db_step(st);
    }
    db_stmt_release(st);
    *out = v;
    return rc == DB_DONE ? 0 : rc < 0 ? rc : SHOP_EDB;
}
