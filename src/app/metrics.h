/* metrics: lock-free request counters by route and status, a latency histogram and a
 * few gauges, rendered in Prometheus text format for GET /metrics. */
#ifndef SHOPD_APP_METRICS_H
#define SHOPD_APP_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "http/router.h"

struct metrics;

/* nroutes: size of the route table; index nroutes counts requests that matched none. */
struct metrics *metrics_new(size_t nroutes);
void metrics_free(struct metrics *m);
void metrics_observe(struct metrics *m, size_t route_index, int status, int64_t duration_us);
/* Gauge of open database connections (one per worker thread that used the database). */
void metrics_db_conns_add(struct metrics *m, int delta);
void metrics_render(const struct metrics *m, const struct route *routes, size_t nroutes,
                    struct buf *out);

#endif
