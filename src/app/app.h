/* app: the shop's HTTP application — the route table, dispatch (authentication,
 * permissions, OPTIONS/HEAD, slash redirect), per-thread database connections and
 * metrics. One struct app per process, built in main.c and passed down; read-only after
 * start except for atomic counters. */
#ifndef SHOPD_APP_APP_H
#define SHOPD_APP_APP_H

#include <stdbool.h>
#include <stdint.h>

#include "core/config.h"
#include "http/request.h"
#include "http/router.h"

struct customer;

/* The authenticated caller. */
struct principal {
    int64_t id;
    bool is_staff;
    bool is_superuser;
    bool is_vendor;
    const char *email;
    const struct customer *customer; /* the row read to authenticate (arena copy) */
};

struct metrics;
struct jwt_key;
struct count_cache;

struct app {
    struct config cfg;
    const struct route *routes;
    size_t nroutes;
    struct metrics *metrics;
    struct jwt_key *jwt_key;    /* SECRET_KEY, prepared once */
    struct count_cache *product_counts; /* product list counts by catalogue version */
};

extern const struct route app_routes[];
extern const size_t app_routes_count;

/* Dispatch entry point given to http/server. */
void app_dispatch(struct request *req, void *ctx);
void app_observe(struct request *req, void *ctx);

/* This thread's database connection, opened on first use; NULL when the database is
 * unreachable (the caller answers 503/500). */
struct db *app_db(struct request *req);
/* app_db for handlers: 0 and *db, or the 500 already answered. */
int app_db_or_answer(struct request *req, struct db **db);
/* Closes this thread's connection (worker-thread exit). */
void app_db_thread_close(void);

#endif
