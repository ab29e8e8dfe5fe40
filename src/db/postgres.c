/* postgres: the PostgreSQL backend of db.h (libpq), reached only through db_pg_backend;
 * db.c holds the statement cache, state machine and transactions.
 *
 * Design: '?' placeholders become $1..$n once per statement (db_pg_rewrite). Cached
 * statements are prepared server-side under generated names ("s1", "s2", ...);
 * uncached ones (nested duplicates, overflow of the cache) run with PQexecParams, so
 * nothing on the server needs freeing. Parameters travel as text and the server infers
 * their types: a parameter whose type cannot be inferred ("? IS NULL") needs a
 * CAST(? AS type), which SQLite accepts too. The first db_step executes and keeps the
 * whole PGresult; later steps walk its rows.
 * A broken connection is reset on the next use outside a transaction; inside one it
 * keeps failing until the rollback, so a lost transaction can never "commit". After a
 * reset every named statement is prepared again (generation counter).
 * libpq is not linked: it is dlopen'ed when the first postgres:// database opens
 * (pq_load), so that a server on SQLite never maps it nor what it pulls in (libssl,
 * libcrypto, Kerberos, LDAP, SASL: 4,700 kB resident at idle, docs/ARCHITECTURE.md). Its
 * header still gives every prototype, so the calls stay type-checked (struct pq_api).
 * Caveats: jsonb's ?, ?| and ?& operators cannot be written (use jsonb_exists*); a
 * COMMIT of an aborted transaction, which PostgreSQL answers with ROLLBACK, is an
 * error here. A libpq that failed to load is not retried: the process cannot use
 * PostgreSQL until it restarts. */
#include <dlfcn.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "db/db_backend.h"

#define PG_MAX_PARAMS 65535
#define PG_SMALL 32

struct pg_db {
    struct db base; /* first: struct db * and struct pg_db * convert */
    PGconn *conn;
    unsigned next_name;
    unsigned gen; /* bumped by every PQreset: server-side statements are gone */
};

struct pg_param {
    char *heap;           /* long text, else NULL */
    char small[PG_SMALL]; /* numbers, booleans, short text */
};

struct pg_stmt {
    struct db_stmt base;
    char name[16];        /* "" when unnamed (uncached) */
    char *sql;            /* rewritten with $n */
    int nparams;
    unsigned gen;
    struct pg_param *params;
    const char **values;  /* NULL entry = SQL NULL */
    PGresult *res;        /* NULL until executed */
    int row, nrows;
};

/* ---- libpq, loaded on demand ---- */

#define PQ_SONAME "libpq.so.5"

/* Every libpq function this file calls, each typed by its prototype in libpq-fe.h.
 * A function missing here fails to compile (pq has no such member), and a direct
 * PQx() call fails to link (libpq is not linked). */
#define PQ_FUNCS(X)         \
    X(PQclear)              \
    X(PQcmdStatus)          \
    X(PQcmdTuples)          \
    X(PQconnectdb)          \
    X(PQerrorMessage)       \
    X(PQexec)               \
    X(PQexecParams)         \
    X(PQexecPrepared)       \
    X(PQfinish)             \
    X(PQgetisnull)          \
    X(PQgetlength)          \
    X(PQgetvalue)           \
    X(PQnfields)            \
    X(PQntuples)            \
    X(PQprepare)            \
    X(PQreset)              \
    X(PQresultErrorField)   \
    X(PQresultErrorMessage) \
    X(PQresultStatus)       \
    X(PQsetNoticeProcessor) \
    X(PQstatus)

struct pq_api {
#define PQ_MEMBER(name) __typeof__(&name) name;
    PQ_FUNCS(PQ_MEMBER)
#undef PQ_MEMBER
};

/* Written once under pq_once, read-only afterwards (pthread_once orders the writes
 * before every later reader). */
static struct pq_api pq;
static pthread_once_t pq_once = PTHREAD_ONCE_INIT;
static bool pq_ok;
static char pq_err[256];

/* Fills pq from handle; on a missing symbol names it in pq_err and returns false. */
static bool pq_resolve(void *handle)
{
#define PQ_RESOLVE(name)                                                                \
    pq.name = (__typeof__(pq.name))dlsym(handle, #name);                                \
    if (!pq.name) {                                                                     \
        snprintf(pq_err, sizeof pq_err, "%s has no %s (too old)", PQ_SONAME, #name);    \
        return false;                                                                   \
    }
    PQ_FUNCS(PQ_RESOLVE)
#undef PQ_RESOLVE
    return true;
}

/* RTLD_LOCAL: libpq's symbols (and those of its own dependencies) stay out of the
 * global namespace, so they cannot interpose on anything the server linked. */
static void pq_load(void)
{
    void *handle = dlopen(PQ_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
        const char *why = dlerror();
        snprintf(pq_err, sizeof pq_err, "cannot load %s (%s); install Debian's libpq5 package",
                 PQ_SONAME, why ? why : "unknown error");
        return;
    }
    if (!pq_resolve(handle)) {
        dlclose(handle);
        return;
    }
    pq_ok = true;
}

static struct pg_db *pgd(struct db *db) { return (struct pg_db *)db; }
static struct pg_stmt *pgs(struct db_stmt *st) { return (struct pg_stmt *)st; }

/* ---- '?' -> $n ---- */

static bool ident_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || (unsigned char)c >= 0x80;
}

/* From the opening quote at s[i]; a doubled quote is an escaped one; E'..' strings
 * also escape with backslashes. Returns the index after the closing quote. */
static size_t skip_quoted(const char *s, size_t i, bool backslash)
{
    char q = s[i++];
    for (; s[i]; i++) {
        if (backslash && s[i] == '\\' && s[i + 1]) {
            i++;
        } else if (s[i] == q) {
            if (s[i + 1] != q)
                return i + 1;
            i++;
        }
    }
    return i;
}

static size_t skip_block_comment(const char *s, size_t i)
{
    int depth = 0; /* PostgreSQL's block comments nest */
    while (s[i]) {
        if (s[i] == '/' && s[i + 1] == '*') {
            depth++;
            i += 2;
        } else if (s[i] == '*' && s[i + 1] == '/') {
            i += 2;
            if (--depth == 0)
                return i;
        } else {
            i++;
        }
    }
    return i;
}

/* $tag$ ... $tag$ (tag may be empty). Returns i unchanged when s[i] starts no tag. */
static size_t skip_dollar(const char *s, size_t i)
{
    if (i > 0 && ident_char(s[i - 1]))
        return i;
    size_t t = i + 1;
    if (s[t] >= '0' && s[t] <= '9')
        return i; /* $1: a positional parameter */
    while (ident_char(s[t]))
        t++;
    if (s[t] != '$')
        return i;
    size_t taglen = t + 1 - i;
    for (size_t j = t + 1; s[j]; j++)
        if (s[j] == '$' && strncmp(s + j, s + i, taglen) == 0)
            return j + taglen;
    return strlen(s);
}

/* Length of the quoted/commented region starting at s[i], 0 if none starts there. */
static size_t special_len(const char *s, size_t i)
{
    char c = s[i];
    if (c == '\'') {
        bool e = i > 0 && (s[i - 1] == 'E' || s[i - 1] == 'e') && (i < 2 || !ident_char(s[i - 2]));
        return skip_quoted(s, i, e) - i;
    }
    if (c == '"')
        return skip_quoted(s, i, false) - i;
    if (c == '-' && s[i + 1] == '-')
        return strcspn(s + i, "\n");
    if (c == '/' && s[i + 1] == '*')
        return skip_block_comment(s, i) - i;
    if (c == '$')
        return skip_dollar(s, i) - i;
    return 0;
}

/* One pass: with out == NULL it only measures. Returns the output length; *count is -1
 * when a '?' is followed by a digit (SQLite's ?NNN, which "$n" + digits would misread). */
static size_t rewrite_pass(const char *s, char *out, int *count)
{
    size_t o = 0;
    int n = 0;
    for (size_t i = 0; s[i];) {
        size_t k = special_len(s, i);
        if (k == 0 && s[i] == '?' && s[i + 1] >= '0' && s[i + 1] <= '9') {
            *count = -1;
            return 0;
        }
        if (k == 0 && s[i] == '?') {
            char num[16];
            int w = snprintf(num, sizeof num, "$%d", ++n);
            if (out)
                memcpy(out + o, num, (size_t)w);
            o += (size_t)w;
            i++;
            continue;
        }
        if (k == 0)
            k = 1;
        if (out)
            memcpy(out + o, s + i, k);
        o += k;
        i += k;
    }
    *count = n;
    return o;
}

char *db_pg_rewrite(const char *sql, int *nparams)
{
    size_t len = rewrite_pass(sql, NULL, nparams);
    if (*nparams < 0 || *nparams > PG_MAX_PARAMS)
        return NULL;
    char *out = malloc(len + 1);
    if (!out)
        return NULL;
    rewrite_pass(sql, out, nparams);
    out[len] = '\0';
    return out;
}

/* ---- errors ---- */

/* Class 08 (connection exception) and 57P (operator intervention: shutdown, crash). */
static bool connection_state(const char *sqlstate)
{
    return strncmp(sqlstate, "08", 2) == 0 || strncmp(sqlstate, "57P", 3) == 0;
}

/* Maps a SQLSTATE (NULL for client-side failures) to a shop_err and an errkind. */
static int classify(struct db *db, const char *state, const char *msg)
{
    bool bad = pq.PQstatus(pgd(db)->conn) == CONNECTION_BAD;
    if (bad || (state && connection_state(state)))
        return db_fail(db, SHOP_EDB, DB_ERR_CONNECTION, msg);
    if (!state)
        return db_fail(db, SHOP_EDB, DB_ERR_OTHER, msg);
    if (strcmp(state, "23505") == 0)
        return db_fail(db, SHOP_ECONFLICT, DB_ERR_UNIQUE, msg);
    if (strcmp(state, "23503") == 0)
        return db_fail(db, SHOP_EDB, DB_ERR_FOREIGN_KEY, msg);
    if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 ||
        strcmp(state, "55P03") == 0)
        return db_fail(db, SHOP_EBUSY, DB_ERR_BUSY, msg);
    return db_fail(db, SHOP_EDB, DB_ERR_OTHER, msg);
}

/* libpq's messages end in a newline and may span lines (DETAIL:); one line for logs. */
static void flatten(char *s)
{
    for (; *s; s++)
        if (*s == '\n')
            *s = (s[1] ? ' ' : '\0');
}

/* Records the failure of res (which may be NULL: out of memory or connection) and
 * clears it. */
static int pg_error(struct db *db, PGresult *res)
{
    const char *msg = res ? pq.PQresultErrorMessage(res) : NULL;
    if (!msg || !*msg)
        msg = pq.PQerrorMessage(pgd(db)->conn);
    const char *state = res ? pq.PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    int rc = classify(db, state, msg);
    flatten(db->errmsg);
    const char *cons = res ? pq.PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME) : NULL;
    if (cons)
        db_set_constraint(db, cons, strlen(cons));
    pq.PQclear(res);
    return rc;
}

static bool res_ok(const PGresult *res)
{
    ExecStatusType s = pq.PQresultStatus(res);
    return res && (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK || s == PGRES_EMPTY_QUERY);
}

/* ---- connection ---- */

static void quiet_notices(void *arg, const char *message)
{
    (void)arg; /* "relation already exists, skipping" and the like: not for stderr */
    (void)message;
}

static const char SESSION_SQL[] = "SET synchronous_commit=on; SET TIME ZONE 'UTC'; "
                                  "SET client_encoding='UTF8'";

static int session_setup(struct db *db)
{
    PGresult *res = pq.PQexec(pgd(db)->conn, SESSION_SQL);
    if (!res_ok(res))
        return pg_error(db, res);
    pq.PQclear(res);
    return 0;
}

static int pg_open(const char *url, struct db **out, char *err, size_t errlen)
{
    pthread_once(&pq_once, pq_load);
    if (!pq_ok) {
        snprintf(err, errlen, "postgres: %s", pq_err);
        return SHOP_EDB;
    }
    struct pg_db *d = calloc(1, sizeof *d);
    if (!d) {
        snprintf(err, errlen, "out of memory");
        return SHOP_ENOMEM;
    }
    d->conn = pq.PQconnectdb(url);
    int rc = SHOP_EDB;
    if (d->conn && pq.PQstatus(d->conn) == CONNECTION_OK) {
        pq.PQsetNoticeProcessor(d->conn, quiet_notices, NULL);
        rc = session_setup(&d->base);
    }
    if (rc != 0) {
        snprintf(err, errlen, "postgres: %s",
                 d->conn ? pq.PQerrorMessage(d->conn) : "out of memory");
        flatten(err);
        pq.PQfinish(d->conn);
        free(d);
        return rc;
    }
    *out = &d->base;
    return 0;
}

static void pg_close(struct db *db)
{
    pq.PQfinish(pgd(db)->conn);
    free(db);
}

/* Resets a broken connection, except inside a transaction (see the top comment). */
static int ensure_conn(struct db *db)
{
    struct pg_db *d = pgd(db);
    if (pq.PQstatus(d->conn) == CONNECTION_OK)
        return 0;
    if (db->in_tx)
        return db_fail(db, SHOP_EDB, DB_ERR_CONNECTION, "connection lost in a transaction");
    pq.PQreset(d->conn);
    if (pq.PQstatus(d->conn) != CONNECTION_OK)
        return pg_error(db, NULL);
    d->gen++;
    return session_setup(db);
}

static int pg_exec(struct db *db, const char *sql)
{
    int rc = ensure_conn(db);
    if (rc != 0)
        return rc;
    PGresult *res = pq.PQexec(pgd(db)->conn, sql);
    if (!res_ok(res))
        return pg_error(db, res);
    pq.PQclear(res);
    return 0;
}

static int pg_commit(struct db *db)
{
    int rc = ensure_conn(db);
    if (rc != 0)
        return rc;
    PGresult *res = pq.PQexec(pgd(db)->conn, "COMMIT");
    if (!res_ok(res))
        return pg_error(db, res);
    bool rolled_back = strcmp(pq.PQcmdStatus(res), "ROLLBACK") == 0;
    pq.PQclear(res);
    if (rolled_back)
        return db_fail(db, SHOP_EDB, DB_ERR_OTHER, "transaction had failed: rolled back");
    return 0;
}

/* ---- statements ---- */

static int server_prepare(struct db *db, struct pg_stmt *st)
{
    struct pg_db *d = pgd(db);
    snprintf(st->name, sizeof st->name, "s%u", ++d->next_name);
    PGresult *res = pq.PQprepare(d->conn, st->name, st->sql, 0, NULL);
    if (!res_ok(res))
        return pg_error(db, res);
    pq.PQclear(res);
    st->gen = d->gen;
    return 0;
}

static void pg_finalize(struct db_stmt *base);

static int alloc_params(struct pg_stmt *st)
{
    size_t n = st->nparams > 0 ? (size_t)st->nparams : 1;
    st->params = calloc(n, sizeof *st->params);
    st->values = calloc(n, sizeof *st->values);
    return st->params && st->values ? 0 : SHOP_ENOMEM;
}

static struct db_stmt *pg_prepare(struct db *db, const char *sql, bool cached)
{
    if (ensure_conn(db) != 0)
        return NULL;
    struct pg_stmt *st = calloc(1, sizeof *st);
    if (!st) {
        db_fail(db, SHOP_ENOMEM, DB_ERR_OTHER, "out of memory");
        return NULL;
    }
    st->sql = db_pg_rewrite(sql, &st->nparams);
    if (!st->sql || alloc_params(st) != 0) {
        if (!st->sql && (st->nparams < 0 || st->nparams > PG_MAX_PARAMS))
            db_fail(db, SHOP_EINVAL, DB_ERR_OTHER, "bad placeholders (?NNN, or too many)");
        else
            db_fail(db, SHOP_ENOMEM, DB_ERR_OTHER, "out of memory");
        st->nparams = 0;
        pg_finalize(&st->base);
        return NULL;
    }
    if (cached && server_prepare(db, st) != 0) {
        pg_finalize(&st->base);
        return NULL;
    }
    return &st->base;
}

static void pg_reset(struct db_stmt *base)
{
    struct pg_stmt *st = pgs(base);
    pq.PQclear(st->res);
    st->res = NULL;
    st->row = st->nrows = 0;
    for (int i = 0; i < st->nparams; i++) {
        free(st->params[i].heap);
        st->params[i].heap = NULL;
        st->values[i] = NULL;
    }
}

/* Named statements are not deallocated one by one: they live as long as the cache,
 * which lives as long as the connection. */
static void pg_finalize(struct db_stmt *base)
{
    struct pg_stmt *st = pgs(base);
    if (st->params)
        pg_reset(base);
    free(st->params);
    free(st->values);
    free(st->sql);
    free(st);
}

static struct pg_param *param(struct db_stmt *base, int idx)
{
    struct pg_stmt *st = pgs(base);
    if (idx > st->nparams) {
        db_fail(base->db, SHOP_EINVAL, DB_ERR_OTHER, "bind index out of range");
        return NULL;
    }
    struct pg_param *p = &st->params[idx - 1];
    free(p->heap);
    p->heap = NULL;
    st->values[idx - 1] = NULL;
    return p;
}

static int pg_bind_text(struct db_stmt *base, int idx, const char *s, size_t len)
{
    struct pg_param *p = param(base, idx);
    if (!p)
        return SHOP_EINVAL;
    char *dst = p->small;
    if (len >= sizeof p->small) {
        p->heap = malloc(len + 1);
        if (!p->heap)
            return db_fail(base->db, SHOP_ENOMEM, DB_ERR_OTHER, "out of memory");
        dst = p->heap;
    }
    memcpy(dst, s, len);
    dst[len] = '\0';
    pgs(base)->values[idx - 1] = dst;
    return 0;
}

static int bind_small(struct db_stmt *base, int idx, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int bind_small(struct db_stmt *base, int idx, const char *fmt, ...)
{
    char tmp[PG_SMALL];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    return pg_bind_text(base, idx, tmp, (size_t)n);
}

static int pg_bind_int(struct db_stmt *st, int idx, int64_t v)
{
    return bind_small(st, idx, "%lld", (long long)v);
}

static int pg_bind_bool(struct db_stmt *st, int idx, bool v)
{
    return bind_small(st, idx, "%s", v ? "t" : "f");
}

static int pg_bind_double(struct db_stmt *st, int idx, double v)
{
    return bind_small(st, idx, "%.17g", v);
}

static int pg_bind_null(struct db_stmt *st, int idx)
{
    return param(st, idx) ? 0 : SHOP_EINVAL;
}

static PGresult *execute(struct db_stmt *base)
{
    struct pg_stmt *st = pgs(base);
    PGconn *conn = pgd(base->db)->conn;
    if (st->name[0])
        return pq.PQexecPrepared(conn, st->name, st->nparams, st->values, NULL, NULL, 0);
    return pq.PQexecParams(conn, st->sql, st->nparams, NULL, st->values, NULL, NULL, 0);
}

static int first_step(struct db_stmt *base)
{
    struct pg_stmt *st = pgs(base);
    int rc = ensure_conn(base->db);
    if (rc == 0 && st->name[0] && st->gen != pgd(base->db)->gen)
        rc = server_prepare(base->db, st); /* the connection was reset since */
    if (rc != 0)
        return rc;
    PGresult *res = execute(base);
    if (!res_ok(res))
        return pg_error(base->db, res);
    st->res = res;
    st->nrows = pq.PQntuples(res);
    st->row = 0;
    return st->nrows > 0 ? DB_ROW : DB_DONE;
}

static int pg_step(struct db_stmt *base)
{
    struct pg_stmt *st = pgs(base);
    if (!st->res)
        return first_step(base);
    if (st->row < st->nrows)
        st->row++;
    return st->row < st->nrows ? DB_ROW : DB_DONE;
}

static int64_t pg_changes(struct db_stmt *base)
{
    PGresult *res = pgs(base)->res;
    if (!res)
        return 0;
    const char *cmd = pq.PQcmdStatus(res);
    if (strncmp(cmd, "INSERT", 6) && strncmp(cmd, "UPDATE", 6) && strncmp(cmd, "DELETE", 6) &&
        strncmp(cmd, "MERGE", 5))
        return 0;
    return strtoll(pq.PQcmdTuples(res), NULL, 10);
}

static const char *value(struct db_stmt *base, int col)
{
    struct pg_stmt *st = pgs(base);
    return pq.PQgetvalue(st->res, st->row, col);
}

static bool pg_col_null(struct db_stmt *base, int col)
{
    return pq.PQgetisnull(pgs(base)->res, pgs(base)->row, col) != 0;
}

static int64_t pg_col_int(struct db_stmt *base, int col)
{
    return strtoll(value(base, col), NULL, 10);
}

static double pg_col_double(struct db_stmt *base, int col)
{
    return strtod(value(base, col), NULL);
}

static bool pg_col_bool(struct db_stmt *base, int col)
{
    const char *v = value(base, col);
    return strcmp(v, "t") == 0 || strcmp(v, "true") == 0 || strcmp(v, "1") == 0;
}

static const char *pg_col_text(struct db_stmt *base, int col)
{
    return pg_col_null(base, col) ? NULL : value(base, col);
}

static size_t pg_col_len(struct db_stmt *base, int col)
{
    return (size_t)pq.PQgetlength(pgs(base)->res, pgs(base)->row, col);
}

static int pg_col_count(struct db_stmt *base)
{
    return pgs(base)->res ? pq.PQnfields(pgs(base)->res) : 0;
}

const struct db_backend db_pg_backend = {
    .dialect = DB_POSTGRES,
    .begin_write_sql = "BEGIN",
    .begin_read_sql = "BEGIN", /* reads may turn into writes later in the transaction */
    .open = pg_open,
    .close = pg_close,
    .prepare = pg_prepare,
    .reset = pg_reset,
    .finalize = pg_finalize,
    .bind_int = pg_bind_int,
    .bind_text = pg_bind_text,
    .bind_bool = pg_bind_bool,
    .bind_null = pg_bind_null,
    .bind_double = pg_bind_double,
    .step = pg_step,
    .changes = pg_changes,
    .col_null = pg_col_null,
    .col_int = pg_col_int,
    .col_double = pg_col_double,
    .col_bool = pg_col_bool,
    .col_text = pg_col_text,
    .col_len = pg_col_len,
    .col_count = pg_col_count,
    .exec = pg_exec,
    .commit = pg_commit,
};
