/* request: what a handler sees of one HTTP exchange, and the answer it builds.
 * Everything here lives in req->arena and is dropped when the answer has been sent.
 * Handlers never touch libmicrohttpd; http/server.c fills this struct and sends
 * req->resp. Handlers return the HTTP status they answered with. */
#ifndef SHOPD_HTTP_REQUEST_H
#define SHOPD_HTTP_REQUEST_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/config.h"
#include "core/json.h"
#include "core/slice.h"

enum http_method {
    M_GET = 1u << 0,
    M_HEAD = 1u << 1,
    M_POST = 1u << 2,
    M_PUT = 1u << 3,
    M_PATCH = 1u << 4,
    M_DELETE = 1u << 5,
    M_OPTIONS = 1u << 6,
    M_OTHER = 1u << 7, /* TRACE, CONNECT, unknown: always 405 on a known path */
};

struct qparam {
    const char *key;    /* percent-decoded, NUL-terminated */
    const char *value;
    size_t key_len, value_len;
};

struct header_kv {
    const char *name;
    const char *value;
};

#define RESP_MAX_HEADERS 24
#define ROUTE_MAX_PARAMS 4

struct response {
    int status;
    struct buf body;
    const char *content_type;  /* NULL = application/json when body non-empty */
    struct header_kv headers[RESP_MAX_HEADERS];
    int nheaders;
    int file_fd;               /* >= 0: send this file (owned; closed by the server) */
    uint64_t file_size;
    bool failed;               /* sticky: a header could not be added -> server sends 500 */
};

struct principal;   /* the authenticated customer, defined by app/ */
struct route;
struct db;

struct request {
    struct arena *arena;
    const struct config *cfg;
    void *conn;                 /* libmicrohttpd connection; http/ only */
    enum http_method method;
    const char *method_name;    /* as received, e.g. "PATCH" */
    const char *path;           /* percent-decoded path, NUL-terminated */
    size_t path_len;
    const char *raw_query;      /* text after '?', undecoded; "" when none */
    struct qparam *query;       /* in received order */
    size_t nquery;
    struct slice body;          /* raw body bytes (complete, within the limit) */
    const char *content_type;   /* Content-Type header or NULL */
    json_t *data;               /* body as a JSON object (JSON or form), set by
                                   body_parse; NULL when the body is empty */
    const char *request_id;     /* echoed X-Request-Id or a generated one */
    const char *peer_addr;      /* textual peer IP */
    bool tls;                   /* always false today; scheme for absolute URLs */
    struct slice params[ROUTE_MAX_PARAMS];
    size_t nparams;
    const struct route *route;  /* matched route or NULL */
    const char *base_url;       /* req_base_url's answer, computed once */
    struct principal *user;     /* NULL = anonymous */
    struct db *db;              /* this thread's connection, opened lazily by app/ */
    uint64_t db_queries_start;  /* the connection's statement count when first used */
    void *app;                  /* struct app *, for app/ code */
    int64_t start_us;
    struct response resp;
    /* Request headers when conn is NULL (unit tests build requests by hand). */
    const struct header_kv *fake_headers;
    size_t nfake_headers;
};

/* Zeroes req and sets it up on arena a: resp.body is an empty JSON buffer (max
 * BUF_DEFAULT_MAX) freed when the arena is dropped, resp.file_fd = -1, method GET,
 * path "/", raw_query "". req must live as long as a (the buffer's cleanup is
 * registered on a). Used by the server and by tests. Returns 0 or SHOP_ENOMEM. */
int req_init(struct request *req, struct arena *a, const struct config *cfg);
/* Header lookup, case-insensitive; the first of repeated headers; NULL when absent. */
const char *req_header(struct request *req, const char *name);
/* How many times a header was sent (a proxy would join repeated ones with ", "). */
size_t req_header_count(struct request *req, const char *name);
/* Cookie value by name from the Cookie header(s) (arena string; the last occurrence
 * wins, as in Django); NULL when absent. */
const char *req_cookie(struct request *req, const char *name);
/* The host the client addressed: with cfg->trust_proxy the first X-Forwarded-Host
 * value (trimmed), else the Host header; NULL when absent. Not validated here: the
 * server checks it against ALLOWED_HOSTS before dispatch. */
const char *req_host(struct request *req);
/* "https" when req->tls or (with cfg->trust_proxy) X-Forwarded-Proto's first value is
 * https; else "http". Static string. */
const char *req_scheme(struct request *req);
/* Value of a query parameter; the LAST one when repeated, as Django's
 * request.GET[key] (and so DRF's pagination and filters) read it; NULL when absent. */
const char *req_query(struct request *req, const char *key);

#endif
