/* service: the service endpoints of API.md §10 — the API root's links, liveness,
 * readiness (the database answers) and Prometheus metrics. */
#include "app/app.h"
#include "app/handlers.h"
#include "app/metrics.h"
#include "db/db.h"
#include "http/response.h"

static void key_link(struct request *req, struct json_w *w, const char *key, const char *path)
{
    const char *base = req_base_url(req);
    char *url = arena_printf(req->arena, "%s%s", base ? base : "", path);
    json_key_str(w, key, url);
}

int service_root(struct request *req)
{
    struct json_w w;
    resp_json_begin(req, 200, &w);
    json_obj_begin(&w);
    key_link(req, &w, "catalogue", "/api/v1/products/");
    key_link(req, &w, "stores", "/api/v1/stores/");
    key_link(req, &w, "cart", "/api/v1/cart/");
    key_link(req, &w, "wishlists", "/api/v1/wishlists/");
    key_link(req, &w, "orders", "/api/v1/i/orders/");
    key_link(req, &w, "offers", "/api/v1/offers/");
    json_obj_end(&w);
    return 200;
}

int service_healthz(struct request *req)
{
    return resp_kv(req, 200, "status", "ok");
}

int service_readyz(struct request *req)
{
    struct db *db = app_db(req);
    if (!db || db_ping(db) != 0)
        return resp_kv(req, 503, "status", "unavailable");
    return resp_kv(req, 200, "status", "ok");
}

int service_metrics(struct request *req)
{
    const struct app *app = req->app;
    req->resp.status = 200;
    req->resp.content_type = "text/plain; version=0.0.4; charset=utf-8";
    metrics_render(app->metrics, app->routes, app->nroutes, &req->resp.body);
    return 200;
}
