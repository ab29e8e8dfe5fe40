/* dispatch: the life of a request after http/ has collected it, in API.md's order of
 * checks: unknown path 404 (or the APPEND_SLASH 301) → authentication 401 → route
 * permission 401/403 → method 405 → body 415/400 → handler (object-level checks).
 * CORS preflights answer 204 before authentication; other OPTIONS obey the route's
 * permission and describe the view as DRF's metadata does. */
#include <stdio.h>
#include <string.h>

#include "app/app.h"
#include "app/authn.h"
#include "app/perm.h"
#include "core/err.h"
#include "db/db.h"
#include "http/body.h"
#include "http/query.h"
#include "http/response.h"
#include "http/router.h"

/* Django's APPEND_SLASH: the escaped path plus '/', with the query string kept. */
static const char *slashed_location(struct request *req)
{
    struct buf b;
    buf_init(&b, req->path_len * 3 + strlen(req->raw_query) + 8);
    url_path_encode_into(&b, req->path, req->path_len);
    buf_putc(&b, '/');
    if (req->raw_query[0]) {
        buf_putc(&b, '?');
        buf_puts(&b, req->raw_query);
    }
    const char *loc = buf_failed(&b) ? NULL : arena_strndup(req->arena, b.data, b.len);
    buf_cleanup(&b);
    return loc;
}

static bool try_slash_redirect(struct request *req, const struct app *app)
{
    if (!(req->method & (M_GET | M_HEAD)) || req->path_len == 0 ||
        req->path[req->path_len - 1] == '/')
        return false;
    char *slashed = arena_printf(req->arena, "%s/", req->path);
    struct route_match m;
    if (!slashed || !router_match(app->routes, app->nroutes, slashed, req->path_len + 1,
                                  M_GET, &m))
        return false;
    const char *loc = slashed_location(req);
    if (!loc)
        return false;
    resp_empty(req, 301);
    resp_header(req, "Location", loc);
    return true;
}

static bool is_preflight(struct request *req)
{
    return req->method == M_OPTIONS && req_header(req, "Origin") &&
           req_header(req, "Access-Control-Request-Method");
}

static void set_allow(struct request *req, unsigned methods)
{
    char allow[128];
    router_allow_header(methods, allow, sizeof allow);
    resp_header(req, "Allow", allow);
}

static int answer_options(struct request *req, const struct route *r, unsigned allowed)
{
    struct json_w w;
    unsigned parses = r->parses ? r->parses : BODY_JSON | BODY_FORM;
    resp_json_begin(req, 200, &w);
    json_obj_begin(&w);
    json_key_str(&w, "name", r->name ? r->name : "");
    json_key_str(&w, "description", "");
    json_key(&w, "renders");
    json_arr_begin(&w);
    json_str(&w, "application/json");
    json_arr_end(&w);
    json_key(&w, "parses");
    json_arr_begin(&w);
    if (parses & BODY_JSON)
        json_str(&w, "application/json");
    if (parses & BODY_FORM)
        json_str(&w, "application/x-www-form-urlencoded");
    if (parses & BODY_MULTIPART)
        json_str(&w, "multipart/form-data");
    json_arr_end(&w);
    json_obj_end(&w);
    set_allow(req, allowed);
    return 200;
}

static int answer_method_not_allowed(struct request *req, unsigned allowed)
{
    char *msg = arena_printf(req->arena, "Method \"%s\" not allowed.", req->method_name);
    set_allow(req, allowed);
    return resp_detail(req, 405, msg ? msg : "Method not allowed.");
}

static int perm_rank(enum perm p)
{
    switch (p) {
    case PERM_IGNORE_AUTH:
    case PERM_PUBLIC:
        return 0;
    case PERM_PUBLIC_READ:
        return 1;
    case PERM_AUTH:
        return 2;
    case PERM_STAFF_OR_VENDOR:
        return 3;
    case PERM_STAFF:
        return 4;
    }
    return 4;
}

/* For a method no route declares, DRF checks the view's permission with that method:
 * use the strictest permission among the path's routes, so that anonymous callers get
 * 401 and customers 403 before 405, as the original views answered. OPTIONS is a safe
 * method there: it gets the loosest. */
static enum perm path_perm(const struct app *app, const struct route *first, bool loosest)
{
    enum perm p = first->perm;
    for (size_t i = 0; i < app->nroutes; i++) {
        if (strcmp(app->routes[i].pattern, first->pattern) != 0)
            continue;
        int diff = perm_rank(app->routes[i].perm) - perm_rank(p);
        if (loosest ? diff < 0 : diff > 0)
            p = app->routes[i].perm;
    }
    return p;
}

static int run_route(struct request *req, const struct app *app, const struct route_match *m)
{
    const struct route *r = m->route ? m->route : m->first;
    enum perm p = m->route ? r->perm : path_perm(app, r, req->method == M_OPTIONS);
    req->route = r;
    req->nparams = m->nparams;
    memcpy(req->params, m->params, sizeof req->params);
    if (p != PERM_IGNORE_AUTH) {
        int st = authn_request(req);
        if (st)
            return st;
    }
    int st = perm_check_route(req, p);
    if (st)
        return st;
    if (req->method == M_OPTIONS)
        return answer_options(req, r, m->allowed);
    if (!m->route)
        return answer_method_not_allowed(req, m->allowed);
    st = body_parse(req, r->parses);
    if (st)
        return st;
    return r->handler(req);
}

/* SHOPD_DEBUG_QUERIES: how many SQL statements this request ran (N+1 checks, bench). */
static void add_query_count(struct request *req)
{
    uint64_t n = req->db ? db_query_count(req->db) - req->db_queries_start : 0;
    char v[24];
    snprintf(v, sizeof v, "%llu", (unsigned long long)n);
    resp_header(req, "X-Query-Count", v);
}

void app_dispatch(struct request *req, void *ctx)
{
    const struct app *app = ctx;
    struct route_match m;
    unsigned method = req->method == M_HEAD ? M_GET : req->method;
    if (!router_match(app->routes, app->nroutes, req->path, req->path_len, method, &m)) {
        if (!try_slash_redirect(req, app))
            resp_not_found(req);
        return;
    }
    if (is_preflight(req)) {
        req->route = m.first;
        resp_empty(req, 204);
        return;
    }
    int st = run_route(req, app, &m);
    if (st <= 0 || req->resp.status == 0)
        resp_server_error(req);
    if (req->cfg->debug_queries)
        add_query_count(req);
}
