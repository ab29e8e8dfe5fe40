/* server: libmicrohttpd (0.9.75) glue, see server.h.
 *
 * Life of a request:
 *   uri_log_cb          request line read: new arena + request context
 *   on_access, call 1   headers read (in-flight +1): parse our raw URI (path, query),
 *                       size, header-name and framing checks; a refusal (400, 413,
 *                       414, 431) is queued at once, before any body byte is read,
 *                       with Connection: close
 *   on_access, call 2+  body chunks appended to a buffer bounded by the body limit
 *   on_access, last     (*upload_data_size == 0) Host check, dispatch, queue the answer
 *   on_completed        arena dropped (in-flight -1)
 * Normal answers are queued on the second call or later, never on the first: 0.9.75
 * treats a response queued on the first call as "early" and answers it with
 * Connection: close (measured: keep-alive lost, 4k instead of 40k requests/s). The
 * refusals rely on exactly that.
 *
 * What libmicrohttpd 0.9.75 does by itself (measured with raw requests): a request
 * line or headers too big for MHD_OPTION_CONNECTION_MEMORY_LIMIT get 414 / 431 with an
 * HTML body, or, in a narrow band just below the limit, a closed connection without an
 * answer (no room left for the response headers); a missing Host on HTTP/1.1, an
 * invalid Content-Length ("abc", "-1", "+5", "5, 5") and broken chunked framing get an
 * HTML 400 and the connection closed (for Content-Length the status line and headers
 * are sent twice, a 0.9.75 bug). Our own checks, placed before those limits so that
 * answers stay JSON: URI over 8 KiB -> 414, headers over 8 KiB -> 431, a header name
 * that is not a token (e.g. "Content-Length : 5", which 0.9.75 keeps as an unknown
 * header while a proxy may honour it), Transfer-Encoding with Content-Length, a
 * repeated Content-Length or Transfer-Encoding, or a coding other than chunked -> 400
 * (RFC 9112 §6.3: nothing in front of us may disagree on where a request ends). */
#include "http/server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "core/err.h"
#include "core/json.h"
#include "core/log.h"
#include "core/uuid.h"
#include "http/headers.h"
#include "http/query.h"
#include "http/response.h"
#include "http/router.h"

#define QUERY_MAX_PARAMS 1000 /* Django's DATA_UPLOAD_MAX_NUMBER_FIELDS */
/* Our own limits, below libmicrohttpd's (which answers 431/414 in HTML, or drops the
 * connection when the headers leave no room for an answer in its memory pool). */
#define HTTP_MAX_URI          8192
#define HTTP_MAX_HEADER_BYTES 8192
#define STOP_WAIT_US          (10 * 1000000LL)
#define LOG_PATH_MAX          1024
#define ARENA_BLOCK           8192

struct http_server {
    struct MHD_Daemon *d;
    struct http_server_opts o;
    atomic_int inflight;
    atomic_bool stopping;
    int port;
    struct MHD_Response *oom; /* answer when not even a request context fits */
};

enum stage { ST_NEW, ST_BODY, ST_DONE };

struct req_ctx {
    struct request req;
    struct http_server *srv;
    const char *raw_uri;
    enum stage stage;
    int64_t start_mono_us;
    struct buf body;
    bool counted;     /* included in srv->inflight */
    bool too_big;     /* an unannounced (chunked) body went past the limit */
    size_t discarded; /* bytes dropped since then */
};

static int64_t clock_us(clockid_t id)
{
    struct timespec ts;

    clock_gettime(id, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* ---- request line and headers -------------------------------------------------- */

static void *uri_log_cb(void *cls, const char *uri, struct MHD_Connection *conn)
{
    struct http_server *s = cls;
    struct arena *a = arena_new(ARENA_BLOCK);
    struct req_ctx *c = a ? arena_calloc(a, 1, sizeof(*c)) : NULL;

    if (c == NULL || req_init(&c->req, a, s->o.cfg) != 0 ||
        (c->raw_uri = arena_strdup(a, uri ? uri : "")) == NULL) {
        arena_free(a);
        return NULL; /* on_access answers 503 */
    }
    c->srv = s;
    c->req.conn = conn;
    c->req.app = s->o.ctx;
    c->req.start_us = clock_us(CLOCK_REALTIME);
    c->start_mono_us = clock_us(CLOCK_MONOTONIC);
    return c;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct http_server *s = cls;
    struct req_ctx *c = *con_cls;

    (void)conn;
    (void)toe;
    if (c == NULL)
        return;
    *con_cls = NULL;
    if (c->counted)
        atomic_fetch_sub(&s->inflight, 1);
    arena_free(c->req.arena);
}

/* IPv4-mapped IPv6 peers are shown as plain IPv4, as a dual-stack socket reports them. */
static const char *peer_text(struct request *req)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(req->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    char txt[INET6_ADDRSTRLEN] = "-";
    const struct sockaddr *sa = ci ? ci->client_addr : NULL;

    if (sa != NULL && sa->sa_family == AF_INET) {
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, txt,
                  sizeof(txt));
    } else if (sa != NULL && sa->sa_family == AF_INET6) {
        const struct in6_addr *a6 = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
        if (IN6_IS_ADDR_V4MAPPED(a6))
            inet_ntop(AF_INET, &a6->s6_addr[12], txt, sizeof(txt));
        else
            inet_ntop(AF_INET6, a6, txt, sizeof(txt));
    }
    return arena_strdup(req->arena, txt);
}

static void set_request_id(struct request *req)
{
    const char *id = req_header(req, "X-Request-Id");
    char gen[UUID_STR_LEN + 1];

    if (hdr_request_id_ok(id)) {
        req->request_id = id;
        return;
    }
    if (uuid_v4_nonsecret(gen) != 0) /* request ids need not be secret, only unique */
        snprintf(gen, sizeof(gen), "%016llx", (unsigned long long)clock_us(CLOCK_MONOTONIC));
    req->request_id = arena_strdup(req->arena, gen);
}

/* The request target: origin-form "/path?query", or absolute-form
 * "http://host/path?query" (RFC 9112 §3.2.2: servers must accept it); the authority
 * of the absolute form is ignored, Host decides. Returns 0 or an HTTP status. */
static int split_target(const char *uri, struct slice *path, struct slice *query)
{
    const char *q;

    if (strncasecmp(uri, "http://", 7) == 0 || strncasecmp(uri, "https://", 8) == 0) {
        const char *p = strstr(uri, "://") + 3;
        uri = p + strcspn(p, "/?");
        if (*uri != '/')
            return 400;
    }
    if (uri[0] != '/')
        return 400;
    q = strchr(uri, '?');
    *path = (struct slice){uri, q ? (size_t)(q - uri) : strlen(uri)};
    *query = q ? slice_from_cstr(q + 1) : (struct slice){"", 0};
    return 0;
}

/* Fills method, path, query, headers we keep. Returns 0 or the status of a refusal
 * (already written into req->resp). */
static int parse_request(struct req_ctx *c, const char *method)
{
    struct request *req = &c->req;
    struct slice path, query;
    char *decoded;
    size_t dlen = 0;
    int rc;

    req->method_name = arena_strdup(req->arena, method ? method : "");
    req->method = (enum http_method)http_method_from_name(req->method_name);
    req->content_type = req_header(req, "Content-Type");
    req->peer_addr = peer_text(req);
    set_request_id(req);
    if (req->method_name == NULL || req->request_id == NULL || req->peer_addr == NULL)
        return resp_detail(req, 503, "Service temporarily unavailable, try again later.");
    if (split_target(c->raw_uri, &path, &query) != 0)
        return resp_detail(req, 400, "Bad request.");
    decoded = url_decode(req->arena, path.ptr, path.len, &dlen);
    req->raw_query = arena_slice_dup(req->arena, query);
    if (decoded == NULL || req->raw_query == NULL)
        return resp_detail(req, 503, "Service temporarily unavailable, try again later.");
    /* A NUL would cut the path short for every C string consumer (file names too). */
    if (memchr(decoded, '\0', dlen) != NULL)
        return resp_not_found(req);
    req->path = decoded;
    req->path_len = dlen;
    rc = query_parse(req->arena, query.ptr, query.len, QUERY_MAX_PARAMS, &req->query, &req->nquery);
    if (rc == SHOP_ETOOBIG)
        return resp_detail(req, 400, "Too many query parameters.");
    return rc == 0 ? 0 : resp_detail(req, 503, "Service temporarily unavailable, try again later.");
}

struct framing {
    int n_cl;
    int n_te;
    int n_host;
    const char *cl;
    const char *te;
    bool bad_name;
    size_t bytes;
};

/* RFC 9110 token. libmicrohttpd 0.9.75 keeps "Content-Length : 5" as a header named
 * "Content-Length " and reads no body, where a proxy in front may read 5 bytes: the
 * classic smuggling split. Such names are refused. */
static bool is_token(const char *s)
{
    if (*s == '\0')
        return false;
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch <= 0x20 || ch >= 0x7f || strchr("\"(),/:;<=>?@[\\]{}", ch) != NULL)
            return false;
    }
    return true;
}

static enum MHD_Result framing_iter(void *cls, enum MHD_ValueKind kind, const char *key,
                                    const char *value)
{
    struct framing *f = cls;

    (void)kind;
    f->bytes += (key ? strlen(key) : 0) + (value ? strlen(value) : 0) + 4;
    if (key == NULL || !is_token(key)) {
        f->bad_name = true;
    } else if (strcasecmp(key, "Content-Length") == 0) {
        f->n_cl++;
        f->cl = value;
    } else if (strcasecmp(key, "Transfer-Encoding") == 0) {
        f->n_te++;
        f->te = value;
    } else if (strcasecmp(key, "Host") == 0) {
        f->n_host++;
    }
    return MHD_YES;
}

static bool parse_length(const char *s, uint64_t *out)
{
    uint64_t v = 0;

    if (s == NULL || *s == '\0')
        return false;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || v > (UINT64_MAX - 9) / 10)
            return false;
        v = v * 10 + (uint64_t)(*s - '0');
    }
    *out = v;
    return true;
}

static size_t body_cap(const struct request *req)
{
    const char *ct = req->content_type;

    if (ct != NULL && strncasecmp(ct, "multipart/form-data", 19) == 0)
        return req->cfg->max_upload_body;
    return req->cfg->max_body;
}

/* Sizes, header names and RFC 9112 §6 framing (one message length only). Returns 0
 * or the status of a refusal. */
static int check_headers(struct req_ctx *c)
{
    struct request *req = &c->req;
    struct framing f = {0, 0, 0, NULL, NULL, false, 0};
    uint64_t len = 0;

    if (strlen(c->raw_uri) > HTTP_MAX_URI)
        return resp_detail(req, 414, "Request URI too long.");
    MHD_get_connection_values(req->conn, MHD_HEADER_KIND, framing_iter, &f);
    if (f.bytes > HTTP_MAX_HEADER_BYTES)
        return resp_detail(req, 431, "Request header fields too large.");
    if (f.bad_name || f.n_host > 1) /* RFC 9112 §3.2: one Host only */
        return resp_detail(req, 400, "Bad request.");
    if (f.n_te > 0 &&
        (f.n_cl > 0 || f.n_te > 1 || f.te == NULL || strcasecmp(f.te, "chunked") != 0))
        return resp_detail(req, 400, "Bad request.");
    if (f.n_cl > 1 || (f.n_cl == 1 && !parse_length(f.cl, &len)))
        return resp_detail(req, 400, "Bad request.");
    if (len > body_cap(req))
        return resp_detail(req, 413, "Request body too large.");
    return 0;
}

/* ---- answers ------------------------------------------------------------------- */

static bool add_hdr(struct MHD_Response *r, const char *name, const char *value)
{
    return MHD_add_response_header(r, name, value) == MHD_YES;
}

static bool add_cors(struct request *req, struct MHD_Response *r)
{
    const char *origin = req_header(req, "Origin");
    bool ok;

    if (!hdr_list_has(req->cfg->cors_allowed_origins, origin))
        return true;
    ok = add_hdr(r, "Access-Control-Allow-Origin", origin) && add_hdr(r, "Vary", "Origin") &&
         add_hdr(r, "Access-Control-Allow-Credentials", "true") &&
         add_hdr(r, "Access-Control-Expose-Headers",
                 "x-request-id, retry-after, location, idempotent-replayed");
    if (ok && req->method == M_OPTIONS && req_header(req, "Access-Control-Request-Method"))
        ok = add_hdr(r, "Access-Control-Allow-Methods", "DELETE, GET, OPTIONS, PATCH, POST, PUT") &&
             add_hdr(r, "Access-Control-Allow-Headers",
                     "authorization, content-type, idempotency-key, x-request-id");
    return ok;
}

static bool resp_has_header(const struct response *resp, const char *name)
{
    for (int i = 0; i < resp->nheaders; i++)
        if (strcasecmp(resp->headers[i].name, name) == 0)
            return true;
    return false;
}

/* Headers every answer carries, then the handler's. false when one was refused
 * (libmicrohttpd refuses CR/LF in names and values). */
static bool add_headers(struct request *req, struct MHD_Response *r, bool has_body, bool close)
{
    const struct response *resp = &req->resp;
    const char *ct = resp->content_type;
    bool ok;

    if (ct == NULL && has_body)
        ct = "application/json";
    ok = (ct == NULL || add_hdr(r, MHD_HTTP_HEADER_CONTENT_TYPE, ct)) &&
         add_hdr(r, "X-Request-Id", req->request_id ? req->request_id : "-") &&
         add_hdr(r, "X-Content-Type-Options", "nosniff") && add_hdr(r, "X-Frame-Options", "DENY") &&
         add_hdr(r, "Referrer-Policy", "same-origin");
    /* SECURITY.md: answers to an authenticated caller are never cached. */
    if (ok && req->user != NULL && !resp_has_header(resp, "Cache-Control"))
        ok = add_hdr(r, "Cache-Control", "no-store");
    for (int i = 0; ok && i < resp->nheaders; i++)
        ok = add_hdr(r, resp->headers[i].name, resp->headers[i].value);
    if (ok && close)
        ok = add_hdr(r, MHD_HTTP_HEADER_CONNECTION, "close");
    return ok && add_cors(req, r);
}

static struct MHD_Response *make_body(struct request *req)
{
    struct response *resp = &req->resp;
    struct MHD_Response *r;
    size_t len = 0;
    char *data;

    if (resp->file_fd >= 0) {
        r = MHD_create_response_from_fd64(resp->file_size, resp->file_fd);
        if (r == NULL)
            close(resp->file_fd);
        resp->file_fd = -1; /* owned by the response (or closed) from here on */
        return r;
    }
    if (resp->body.len == 0)
        return MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    data = buf_steal(&resp->body, &len);
    r = data ? MHD_create_response_from_buffer_with_free_callback(len, data, free) : NULL;
    if (r == NULL)
        free(data);
    return r;
}

/* A failed body or header (sticky buffer error, too many headers, a header with CR/LF)
 * becomes a plain 500: a truncated or half-built answer is never sent. */
static void fall_back_to_500(struct request *req)
{
    req->resp.nheaders = 0;
    req->resp.failed = false;
    resp_server_error(req);
}

/* Body and headers; NULL when out of memory or a header was refused. *bytes is the
 * body's size (for the access log). */
static struct MHD_Response *try_build(struct request *req, bool close, uint64_t *bytes)
{
    bool file = req->resp.file_fd >= 0;
    bool has_body = file || req->resp.body.len > 0;
    struct MHD_Response *r;

    *bytes = file ? req->resp.file_size : req->resp.body.len;
    r = make_body(req);

    if (r != NULL && !add_headers(req, r, has_body, close)) {
        MHD_destroy_response(r);
        r = NULL;
    }
    return r;
}

static struct MHD_Response *build_response(struct request *req, bool close, uint64_t *bytes)
{
    struct MHD_Response *r;
    bool failed = req->resp.failed || buf_failed(&req->resp.body);

    if (failed)
        fall_back_to_500(req);
    r = try_build(req, close, bytes);
    if (r == NULL && !failed) {
        log_error("request %s: response refused (out of memory or a bad header)", req->request_id);
        fall_back_to_500(req);
        r = try_build(req, close, bytes);
    }
    return r;
}

/* One JSON line per request: never the query string or headers (tokens live there). */
static void access_log(struct req_ctx *c, uint64_t bytes)
{
    struct request *req = &c->req;
    struct buf b;
    struct json_w w;
    size_t plen = req->path_len < LOG_PATH_MAX ? req->path_len : LOG_PATH_MAX;

    if (log_get_level() > LOG_INFO)
        return;
    buf_init(&b, 8192);
    json_init(&w, &b);
    json_obj_begin(&w);
    json_key_time(&w, "ts", clock_us(CLOCK_REALTIME));
    json_key_str(&w, "level", "info");
    json_key_str(&w, "msg", "request");
    json_key_str(&w, "method", req->method_name ? req->method_name : "-");
    json_key_strn(&w, "path", req->path, plen);
    json_key_int(&w, "status", req->resp.status);
    json_key_int(&w, "bytes", (int64_t)bytes);
    json_key(&w, "duration_ms");
    json_double(&w, (double)(clock_us(CLOCK_MONOTONIC) - c->start_mono_us) / 1000.0, 3);
    json_key_str(&w, "request_id", req->request_id ? req->request_id : "-");
    json_key_str(&w, "peer", req->peer_addr ? req->peer_addr : "-");
    json_obj_end(&w);
    if (!buf_failed(&b))
        log_line(b.data, b.len);
    buf_cleanup(&b);
}

/* Sends req->resp. close: the connection must not be reused (refusals before the body
 * was read, and every answer once the server is stopping). */
static enum MHD_Result send_answer(struct req_ctx *c, bool close)
{
    struct request *req = &c->req;
    struct MHD_Response *r;
    enum MHD_Result ret;
    uint64_t bytes = 0;

    close = close || atomic_load(&c->srv->stopping);
    if (req->resp.status < 100 || req->resp.status > 999)
        fall_back_to_500(req);
    r = build_response(req, close, &bytes);
    if (r == NULL)
        return MHD_NO; /* out of memory: dropping the connection is all that is left */
    ret = MHD_queue_response(req->conn, (unsigned)req->resp.status, r);
    MHD_destroy_response(r);
    c->stage = ST_DONE;
    access_log(c, req->method == M_HEAD ? 0 : bytes);
    if (c->srv->o.observe != NULL)
        c->srv->o.observe(req, c->srv->o.ctx);
    return ret;
}

/* ---- dispatch ------------------------------------------------------------------ */

static enum MHD_Result finish_request(struct req_ctx *c)
{
    struct request *req = &c->req;

    req->body = (struct slice){c->body.data ? c->body.data : "", c->body.len};
    if (!hdr_host_allowed(req->cfg->allowed_hosts, req_host(req))) {
        resp_detail(req, 400, "Invalid Host header.");
        return send_answer(c, false);
    }
    resp_not_found(req); /* what a dispatch that answers nothing gets */
    c->srv->o.dispatch(req, c->srv->o.ctx);
    return send_answer(c, false);
}

/* libmicrohttpd 0.9.75 accepts a response only before the body is read or after all
 * of it: a chunked body past the limit is read on and dropped, and answered 413 at its
 * end; one that goes on for more than the limit again is cut by closing the
 * connection, so an endless body costs at most twice the limit of reading. */
static enum MHD_Result discard(struct req_ctx *c, size_t n)
{
    c->discarded += n;
    if (c->discarded <= c->body.max)
        return MHD_YES;
    c->req.resp.status = 413;
    access_log(c, 0);
    return MHD_NO;
}

static enum MHD_Result refuse_body(struct req_ctx *c)
{
    if (c->body.err == SHOP_ETOOBIG)
        resp_detail(&c->req, 413, "Request body too large.");
    else
        resp_detail(&c->req, 503, "Service temporarily unavailable, try again later.");
    return send_answer(c, true);
}

static enum MHD_Result first_call(struct req_ctx *c, const char *method)
{
    struct request *req = &c->req;

    /* Counted from here, not from the request line: a client that never finishes
     * its headers must not hold up a graceful stop. */
    atomic_fetch_add(&c->srv->inflight, 1);
    c->counted = true;
    c->stage = ST_BODY;
    if (parse_request(c, method) != 0 || check_headers(c) != 0)
        return send_answer(c, true);
    buf_init(&c->body, body_cap(req));
    if (arena_defer(req->arena, buf_cleanup_cb, &c->body) != 0) {
        resp_detail(req, 503, "Service temporarily unavailable, try again later.");
        return send_answer(c, true);
    }
    return MHD_YES;
}

static enum MHD_Result on_access(void *cls, struct MHD_Connection *conn, const char *url,
                                 const char *method, const char *version, const char *upload_data,
                                 size_t *upload_data_size, void **con_cls)
{
    struct http_server *s = cls;
    struct req_ctx *c = *con_cls;
    size_t n = *upload_data_size;

    (void)url;
    (void)version;
    if (c == NULL)
        return MHD_queue_response(conn, 503, s->oom);
    if (c->stage == ST_NEW)
        return first_call(c, method);
    *upload_data_size = 0;
    if (c->stage == ST_DONE)
        return MHD_YES; /* a refused request's remaining body is discarded */
    if (n == 0)
        return c->too_big ? refuse_body(c) : finish_request(c);
    if (!c->too_big) {
        buf_append(&c->body, upload_data, n);
        c->too_big = buf_failed(&c->body);
        return MHD_YES;
    }
    return discard(c, n);
}

/* ---- daemon -------------------------------------------------------------------- */

static void mhd_logger(void *cls, const char *fmt, va_list ap)
{
    char msg[512];
    size_t n;

    (void)cls;
    vsnprintf(msg, sizeof(msg), fmt, ap);
    n = strlen(msg);
    while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
        msg[--n] = '\0';
    log_warn("libmicrohttpd: %s", msg);
}

union any_addr {
    struct sockaddr sa;
    struct sockaddr_in v4;
    struct sockaddr_in6 v6;
};

static int make_addr(const char *host, int port, union any_addr *a, bool *v6)
{
    memset(a, 0, sizeof(*a));
    if (strcmp(host, "localhost") == 0)
        host = "127.0.0.1";
    *v6 = false;
    if (inet_pton(AF_INET, host, &a->v4.sin_addr) == 1) {
        a->v4.sin_family = AF_INET;
        a->v4.sin_port = htons((uint16_t)port);
        return 0;
    }
    if (inet_pton(AF_INET6, host, &a->v6.sin6_addr) == 1) {
        a->v6.sin6_family = AF_INET6;
        a->v6.sin6_port = htons((uint16_t)port);
        *v6 = true;
        return 0;
    }
    return SHOP_EINVAL;
}

static unsigned pool_size(int threads)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);

    if (threads > 0)
        return (unsigned)threads;
    return (unsigned)(4 * (cores > 0 ? cores : 1));
}

static struct MHD_Daemon *start_daemon(struct http_server *s, union any_addr *addr, bool v6)
{
    const struct config *cfg = s->o.cfg;
    unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG | MHD_USE_ITC;

    if (v6)
        flags |= MHD_USE_IPv6;
    /* One option per line. */
    /* clang-format off */
    return MHD_start_daemon(
        flags, (uint16_t)cfg->port, NULL, NULL, on_access, s,
        MHD_OPTION_EXTERNAL_LOGGER, mhd_logger, s, /* first, or early messages escape */
        MHD_OPTION_SOCK_ADDR, &addr->sa,
        MHD_OPTION_THREAD_POOL_SIZE, pool_size(cfg->threads),
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)cfg->connection_timeout,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, cfg->connection_memory_limit,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)cfg->connection_limit,
        MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned)1,
        /* 0, not 1: with 1 a missing Host gets an HTML 400 from libmicrohttpd instead
         * of our JSON "Invalid Host header."; the header checks above are ours. */
        MHD_OPTION_STRICT_FOR_CLIENT, (int)0,
        MHD_OPTION_URI_LOG_CALLBACK, uri_log_cb, s,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
        MHD_OPTION_END);
    /* clang-format on */
}

static const char oom_body[] = "{\"detail\":\"Service temporarily unavailable, try again later.\"}";

int http_server_start(const struct http_server_opts *o, struct http_server **out, char *err,
                      size_t errlen)
{
    struct http_server *s = calloc(1, sizeof(*s));
    union any_addr addr;
    bool v6;
    const union MHD_DaemonInfo *di;

    *out = NULL;
    if (s == NULL) {
        snprintf(err, errlen, "out of memory");
        return SHOP_ENOMEM;
    }
    s->o = *o;
    if (make_addr(o->cfg->host, o->cfg->port, &addr, &v6) != 0) {
        snprintf(err, errlen, "HOST %s is not an IPv4 or IPv6 address", o->cfg->host);
        free(s);
        return SHOP_EINVAL;
    }
    s->oom = MHD_create_response_from_buffer(sizeof(oom_body) - 1, (void *)oom_body,
                                             MHD_RESPMEM_PERSISTENT);
    if (s->oom == NULL || !add_hdr(s->oom, "Content-Type", "application/json") ||
        !add_hdr(s->oom, "Connection", "close") || (s->d = start_daemon(s, &addr, v6)) == NULL) {
        snprintf(err, errlen, "cannot listen on %s port %d (in use, or not allowed?)", o->cfg->host,
                 o->cfg->port);
        if (s->oom != NULL)
            MHD_destroy_response(s->oom);
        free(s);
        return SHOP_EIO;
    }
    di = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
    s->port = di ? di->port : o->cfg->port;
    *out = s;
    return 0;
}

int http_server_port(const struct http_server *s)
{
    return s->port;
}

void http_server_stop(struct http_server *s)
{
    MHD_socket lsock;
    int64_t deadline = clock_us(CLOCK_MONOTONIC) + STOP_WAIT_US;

    if (s == NULL)
        return;
    atomic_store(&s->stopping, true); /* answers from now on close their connection */
    lsock = MHD_quiesce_daemon(s->d);
    while (atomic_load(&s->inflight) > 0 && clock_us(CLOCK_MONOTONIC) < deadline) {
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    if (atomic_load(&s->inflight) > 0)
        log_warn("stopping with %d requests still in flight", atomic_load(&s->inflight));
    MHD_stop_daemon(s->d);
    if (lsock != MHD_INVALID_SOCKET)
        close(lsock);
    MHD_destroy_response(s->oom);
    free(s);
}
