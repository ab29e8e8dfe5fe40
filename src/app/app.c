/* app: process-wide pieces of the application — per-thread database connections and
 * the metrics observer. Each worker thread opens its own connection on first use and a
 * thread-exit destructor closes it, so connections never cross threads. */
#include "app/app.h"

#include <pthread.h>

#include "app/metrics.h"
#include "core/log.h"
#include "core/utctime.h"
#include "core/err.h"
#include "db/db.h"
#include "http/response.h"

static pthread_key_t db_key;
static pthread_once_t db_key_once = PTHREAD_ONCE_INIT;
static struct metrics *db_metrics; /* for the connection gauge; set once at start */

static void close_thread_db(void *p)
{
    db_close(p);
    metrics_db_conns_add(db_metrics, -1);
}

static void make_db_key(void) { pthread_key_create(&db_key, close_thread_db); }

struct db *app_db(struct request *req)
{
    if (req->db)
        return req->db;
    pthread_once(&db_key_once, make_db_key);
    struct db *db = pthread_getspecific(db_key);
    if (!db) {
        const struct app *app = req->app;
        char err[256];
        if (db_open(app->cfg.database_url, &db, err, sizeof err) != 0) {
            log_error("database: %s", err);
            return NULL;
        }
        db_metrics = app->metrics;
        metrics_db_conns_add(app->metrics, 1);
        pthread_setspecific(db_key, db);
    }
    req->db = db;
    req->db_queries_start = db_query_count(db);
    return db;
}

int app_db_or_answer(struct request *req, struct db **db)
{
    *db = app_db(req);
    return *db ? 0 : resp_from_err(req, SHOP_EDB);
}

void app_db_thread_close(void)
{
    pthread_once(&db_key_once, make_db_key);
    struct db *db = pthread_getspecific(db_key);
    if (db) {
        pthread_setspecific(db_key, NULL);
        close_thread_db(db);
    }
}

void app_observe(struct request *req, void *ctx)
{
    const struct app *app = ctx;
    size_t idx = req->route ? (size_t)(req->route - app->routes) : app->nroutes;
    int64_t elapsed = utc_now_us() - req->start_us;
    metrics_observe(app->metrics, idx, req->resp.status, elapsed);
}
