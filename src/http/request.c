/* request: accessors over one collected request (headers, cookies, query parameters).
 * Design: headers stay inside libmicrohttpd's connection (already parsed, case-
 * insensitive lookup) and are not copied; requests built by hand for unit tests carry
 * them in req->fake_headers instead. Cookies are parsed on demand by http/cookies.c. */
#include "http/request.h"

#include <microhttpd.h>
#include <string.h>
#include <strings.h>

#include "core/err.h"
#include "http/cookies.h"

int req_init(struct request *req, struct arena *a, const struct config *cfg)
{
    memset(req, 0, sizeof(*req));
    req->arena = a;
    req->cfg = cfg;
    req->method = M_GET;
    req->method_name = "GET";
    req->path = "/";
    req->path_len = 1;
    req->raw_query = "";
    req->resp.file_fd = -1;
    buf_init(&req->resp.body, BUF_DEFAULT_MAX);
    return arena_defer(a, buf_cleanup_cb, &req->resp.body);
}

const char *req_header(struct request *req, const char *name)
{
    if (req->conn != NULL)
        return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
    for (size_t i = 0; i < req->nfake_headers; i++)
        if (strcasecmp(req->fake_headers[i].name, name) == 0)
            return req->fake_headers[i].value;
    return NULL;
}

struct header_count {
    const char *name;
    size_t n;
};

static enum MHD_Result count_iter(void *cls, enum MHD_ValueKind kind, const char *key,
                                  const char *value)
{
    struct header_count *hc = cls;
    (void)kind;
    (void)value;
    if (key != NULL && strcasecmp(key, hc->name) == 0)
        hc->n++;
    return MHD_YES;
}

size_t req_header_count(struct request *req, const char *name)
{
    struct header_count hc = { name, 0 };
    if (req->conn != NULL) {
        MHD_get_connection_values(req->conn, MHD_HEADER_KIND, count_iter, &hc);
        return hc.n;
    }
    for (size_t i = 0; i < req->nfake_headers; i++)
        if (strcasecmp(req->fake_headers[i].name, name) == 0)
            hc.n++;
    return hc.n;
}

struct cookie_scan {
    const char *name;
    struct slice found;
    bool ok;
};

static void scan_cookie_header(struct cookie_scan *cs, const char *value)
{
    struct slice v;

    if (value != NULL && cookie_find(value, strlen(value), cs->name, &v) == 0) {
        cs->found = v;
        cs->ok = true;
    }
}

static enum MHD_Result cookie_iter(void *cls, enum MHD_ValueKind kind, const char *key,
                                   const char *value)
{
    (void)kind;
    if (key != NULL && strcasecmp(key, "Cookie") == 0)
        scan_cookie_header(cls, value);
    return MHD_YES;
}

/* Several Cookie headers (HTTP/2 proxies split them) are read in order; the last
 * occurrence of the name wins across all of them. */
const char *req_cookie(struct request *req, const char *name)
{
    struct cookie_scan cs = {name, {NULL, 0}, false};

    if (req->conn != NULL) {
        MHD_get_connection_values(req->conn, MHD_HEADER_KIND, cookie_iter, &cs);
    } else {
        for (size_t i = 0; i < req->nfake_headers; i++)
            if (strcasecmp(req->fake_headers[i].name, "Cookie") == 0)
                scan_cookie_header(&cs, req->fake_headers[i].value);
    }
    return cs.ok ? arena_slice_dup(req->arena, cs.found) : NULL;
}

const char *req_query(struct request *req, const char *key)
{
    size_t klen = strlen(key);

    for (size_t i = req->nquery; i > 0; i--) {
        const struct qparam *q = &req->query[i - 1];
        if (q->key_len == klen && memcmp(q->key, key, klen) == 0)
            return q->value;
    }
    return NULL;
}

/* First element of a comma-separated header value, trimmed, as an arena string. */
static const char *first_list_value(struct request *req, const char *v)
{
    size_t n;

    while (*v == ' ' || *v == '\t')
        v++;
    n = strcspn(v, ",");
    while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
        n--;
    return n ? arena_strndup(req->arena, v, n) : NULL;
}

const char *req_host(struct request *req)
{
    const char *xfh =
        req->cfg && req->cfg->trust_proxy ? req_header(req, "X-Forwarded-Host") : NULL;

    if (xfh != NULL)
        return first_list_value(req, xfh);
    return req_header(req, "Host");
}

const char *req_scheme(struct request *req)
{
    const char *xfp =
        req->cfg && req->cfg->trust_proxy ? req_header(req, "X-Forwarded-Proto") : NULL;
    size_t n;

    if (req->tls)
        return "https";
    if (xfp == NULL)
        return "http";
    while (*xfp == ' ' || *xfp == '\t')
        xfp++;
    n = strcspn(xfp, ", \t");
    return (n == 5 && strncasecmp(xfp, "https", 5) == 0) ? "https" : "http";
}
