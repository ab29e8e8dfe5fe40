/* service: the service endpoints of API.md §10 — the API root's links, liveness,
 * readiness (the database answers) and Prometheus metrics. */
#include "app/app.h"
#include "app/handlers.h"
#include "app/metrics.h"
#include "db/db.h"
#include "http/response.h"
#include "store/jobs_store.h"

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

/* The job queue gauge; -1 when the database does not answer (the rest still renders). */
static int64_t pending_jobs(struct request *req)
{
    struct db *db = app_db(req);
    int64_t n = -1;
    if (!db || jobs_count_pending(db, &n) != 0)
        return -1;
    return n;
}

int service_metrics(struct request *req)
{
    const struct app *app = req->app;
    int64_t jobs = pending_jobs(req); /* first: it may open this thread's connection */
    struct buf *out = resp_text_begin(req, 200, "text/plain; version=0.0.4; charset=utf-8");
    metrics_render(app->metrics, app->routes, app->nroutes, out);
    buf_printf(out,
               "# HELP shopd_jobs_pending Background jobs waiting to run (-1: unknown).\n"
               "# TYPE shopd_jobs_pending gauge\nshopd_jobs_pending %lld\n",
               (long long)jobs);
    return 200;
}
