/* response: building answers into req->resp. Bodies go through the JSON writer into
 * req->resp.body (a bounded buffer whose error is sticky: the server turns a failed
 * body into a 500, so a truncated answer is never sent). Starting a new answer
 * replaces the body of any earlier one, so a handler may begin writing and still bail
 * out with an error answer. Headers are copied into the arena. */
#include "http/response.h"

#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/err.h"
#include "core/log.h"

#define DETAIL_SERVER_ERROR "A server error occurred."

static void resp_reset(struct request *req, int status)
{
    req->resp.status = status;
    req->resp.content_type = NULL;
    buf_reset(&req->resp.body);
    if (req->resp.file_fd >= 0) {
        close(req->resp.file_fd);
        req->resp.file_fd = -1;
        req->resp.file_size = 0;
    }
}

/* Room for a page of a list up front: growing from 64 bytes, a 10-product page
 * (~4.5 KB) was reallocated and copied seven times. */
#define RESP_JSON_RESERVE 4096

void resp_json_begin(struct request *req, int status, struct json_w *w)
{
    resp_reset(req, status);
    buf_reserve(&req->resp.body, RESP_JSON_RESERVE);
    json_init(w, &req->resp.body);
}

struct buf *resp_text_begin(struct request *req, int status, const char *content_type)
{
    resp_reset(req, status);
    req->resp.content_type = content_type;
    return &req->resp.body;
}

static bool has_header(const struct request *req, const char *name)
{
    for (int i = 0; i < req->resp.nheaders; i++)
        if (strcasecmp(req->resp.headers[i].name, name) == 0)
            return true;
    return false;
}

/* Every 401 names the scheme (API.md: WWW-Authenticate: Bearer realm="api"). */
static void add_auth_challenge(struct request *req, int status)
{
    if (status == 401 && !has_header(req, "WWW-Authenticate"))
        resp_header(req, "WWW-Authenticate", "Bearer realm=\"api\"");
}

int resp_detail(struct request *req, int status, const char *detail)
{
    struct json_w w;

    resp_json_begin(req, status, &w);
    json_obj_begin(&w);
    json_key_str(&w, "detail", detail);
    json_obj_end(&w);
    add_auth_challenge(req, status);
    return status;
}

int resp_detail_code(struct request *req, int status, const char *detail, const char *code)
{
    struct json_w w;

    resp_json_begin(req, status, &w);
    json_obj_begin(&w);
    json_key_str(&w, "detail", detail);
    json_key_str(&w, "code", code);
    json_obj_end(&w);
    add_auth_challenge(req, status);
    return status;
}

int resp_kv(struct request *req, int status, const char *key, const char *msg)
{
    struct json_w w;

    resp_json_begin(req, status, &w);
    json_obj_begin(&w);
    json_key_str(&w, key, msg);
    json_obj_end(&w);
    add_auth_challenge(req, status);
    return status;
}

/* Walks a jansson value; objects keep jansson's iteration order, which is insertion
 * order (jansson >= 2.8), so validators that add fields in table order produce DRF's
 * field-declaration order. depth bounds recursion on hostile or cyclic input. */
static void write_value(struct json_w *w, json_t *v, int depth)
{
    const char *key;
    json_t *item;
    size_t i;

    if (depth > JSON_MAX_DEPTH) {
        w->b->err = w->b->err ? w->b->err : SHOP_EINVAL;
        return;
    }
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        json_obj_begin(w);
        json_object_foreach(v, key, item)
        {
            json_key(w, key);
            write_value(w, item, depth + 1);
        }
        json_obj_end(w);
        break;
    case JSON_ARRAY:
        json_arr_begin(w);
        json_array_foreach(v, i, item) write_value(w, item, depth + 1);
        json_arr_end(w);
        break;
    case JSON_STRING:
        json_strn(w, json_string_value(v), json_string_length(v));
        break;
    case JSON_INTEGER:
        json_int(w, (int64_t)json_integer_value(v));
        break;
    case JSON_REAL:
        json_double(w, json_real_value(v), 17);
        break;
    case JSON_TRUE:
    case JSON_FALSE:
        json_bool(w, json_is_true(v));
        break;
    case JSON_NULL:
        json_null_value(w);
        break;
    }
}

int resp_json_value(struct request *req, int status, json_t *v)
{
    struct json_w w;

    resp_json_begin(req, status, &w);
    if (v == NULL)
        json_null_value(&w);
    else
        write_value(&w, v, 0);
    add_auth_challenge(req, status);
    return status;
}

int resp_errors(struct request *req, int status, json_t *errors)
{
    return resp_json_value(req, status, errors);
}

int resp_empty(struct request *req, int status)
{
    resp_reset(req, status);
    add_auth_challenge(req, status);
    return status;
}

int resp_from_err(struct request *req, int err)
{
    log_warn("request %s %s: %s", req->request_id ? req->request_id : "-",
             req->path ? req->path : "-", shop_strerror(err));
    switch (err) {
    case SHOP_ENOTFOUND:
        return resp_not_found(req);
    case SHOP_EINVAL:
        return resp_detail(req, 400, "Invalid input.");
    case SHOP_ENOMEM:
    case SHOP_EBUSY:
        return resp_detail(req, 503, "Service temporarily unavailable, try again later.");
    default:
        return resp_server_error(req);
    }
}

void resp_header(struct request *req, const char *name, const char *value)
{
    struct response *r = &req->resp;
    char *n, *v;

    if (r->nheaders >= RESP_MAX_HEADERS) {
        log_error("response header %s dropped: more than %d headers", name, RESP_MAX_HEADERS);
        r->failed = true;
        return;
    }
    n = arena_strdup(req->arena, name);
    v = arena_strdup(req->arena, value ? value : "");
    if (n == NULL || v == NULL) {
        r->failed = true;
        return;
    }
    r->headers[r->nheaders].name = n;
    r->headers[r->nheaders].value = v;
    r->nheaders++;
}

int resp_not_found(struct request *req)
{
    return resp_detail(req, 404, "Not found.");
}

int resp_forbidden(struct request *req)
{
    return resp_detail(req, 403, "You do not have permission to perform this action.");
}

int resp_unauthenticated(struct request *req)
{
    return resp_detail(req, 401, "Authentication credentials were not provided.");
}

int resp_server_error(struct request *req)
{
    return resp_detail(req, 500, DETAIL_SERVER_ERROR);
}

/* PUBLIC_BASE_URL wins; it is used without its trailing slashes, since paths start
 * with one. A list writes it into every object's URLs: computed once per request. */
static const char *compute_base_url(struct request *req)
{
    const char *pub = req->cfg ? req->cfg->public_base_url : "";
    size_t n = strlen(pub);

    if (n > 0) {
        while (n > 0 && pub[n - 1] == '/')
            n--;
        return arena_strndup(req->arena, pub, n);
    }
    const char *host = req_host(req);
    return arena_printf(req->arena, "%s://%s", req_scheme(req), host ? host : "localhost");
}

const char *req_base_url(struct request *req)
{
    if (!req->base_url)
        req->base_url = compute_base_url(req);
    return req->base_url;
}
