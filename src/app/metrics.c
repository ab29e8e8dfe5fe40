/* metrics: see metrics.h. One relaxed atomic per (route, status code) cell: the table
 * is calloc'd, so cells never touched cost no resident memory. */
#include "app/metrics.h"

#include <stdatomic.h>
#include <stdlib.h>

#define STATUS_MIN 100
#define STATUS_SPAN 500 /* 100..599 */

static const double bucket_le[] = { 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
                                    0.025,  0.05,    0.1,    0.25,  0.5,    1,     2.5,
                                    5,      10 };
#define NBUCKETS (sizeof(bucket_le) / sizeof(bucket_le[0]))

struct metrics {
    size_t nroutes;
    atomic_uint_fast64_t buckets[NBUCKETS + 1]; /* last is +Inf */
    atomic_uint_fast64_t duration_sum_us;
    atomic_uint_fast64_t count;
    atomic_int db_conns;
    atomic_uint_fast64_t cells[]; /* (nroutes + 1) * STATUS_SPAN */
};

struct metrics *metrics_new(size_t nroutes)
{
    size_t ncells = (nroutes + 1) * STATUS_SPAN;
    struct metrics *m = calloc(1, sizeof *m + ncells * sizeof(atomic_uint_fast64_t));
    if (m)
        m->nroutes = nroutes;
    return m;
}

void metrics_free(struct metrics *m) { free(m); }

void metrics_observe(struct metrics *m, size_t route_index, int status, int64_t duration_us)
{
    if (!m)
        return;
    if (route_index > m->nroutes)
        route_index = m->nroutes;
    if (status >= STATUS_MIN && status < STATUS_MIN + STATUS_SPAN)
        atomic_fetch_add_explicit(&m->cells[route_index * STATUS_SPAN + (size_t)(status - STATUS_MIN)],
                                  1, memory_order_relaxed);
    if (duration_us < 0)
        duration_us = 0;
    double secs = (double)duration_us / 1e6;
    size_t b = 0;
    while (b < NBUCKETS && secs > bucket_le[b])
        b++;
    atomic_fetch_add_explicit(&m->buckets[b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&m->duration_sum_us, (uint64_t)duration_us, memory_order_relaxed);
    atomic_fetch_add_explicit(&m->count, 1, memory_order_relaxed);
}

void metrics_db_conns_add(struct metrics *m, int delta)
{
    if (m)
        atomic_fetch_add_explicit(&m->db_conns, delta, memory_order_relaxed);
}

static uint64_t load(const atomic_uint_fast64_t *v)
{
    return atomic_load_explicit(v, memory_order_relaxed);
}

static const char *method_label(unsigned method)
{
    switch (method) {
    case M_GET: return "GET";
    case M_POST: return "POST";
    case M_PUT: return "PUT";
    case M_PATCH: return "PATCH";
    case M_DELETE: return "DELETE";
    default: return "OTHER";
    }
}

static void render_requests(const struct metrics *m, const struct route *routes, struct buf *out)
{
    buf_puts(out, "# HELP shopd_http_requests_total HTTP requests by route and status.\n"
                  "# TYPE shopd_http_requests_total counter\n");
    for (size_t r = 0; r <= m->nroutes; r++) {
        const char *label = r < m->nroutes ? routes[r].pattern : "unmatched";
        const char *method = r < m->nroutes ? method_label(routes[r].method) : "";
        for (size_t s = 0; s < STATUS_SPAN; s++) {
            uint64_t v = load(&m->cells[r * STATUS_SPAN + s]);
            if (v)
                buf_printf(out, "shopd_http_requests_total{method=\"%s\",route=\"%s\","
                           "status=\"%zu\"} %llu\n", method, label, s + STATUS_MIN, (unsigned long long)v);
        }
    }
}

static void render_latency(const struct metrics *m, struct buf *out)
{
    buf_puts(out, "# HELP shopd_http_request_duration_seconds Request handling time.\n"
                  "# TYPE shopd_http_request_duration_seconds histogram\n");
    uint64_t cumulative = 0;
    for (size_t b = 0; b <= NBUCKETS; b++) {
        cumulative += load(&m->buckets[b]);
        if (b < NBUCKETS)
            buf_printf(out, "shopd_http_request_duration_seconds_bucket{le=\"%g\"} %llu\n",
                       bucket_le[b], (unsigned long long)cumulative);
        else
            buf_printf(out, "shopd_http_request_duration_seconds_bucket{le=\"+Inf\"} %llu\n",
                       (unsigned long long)cumulative);
    }
    buf_printf(out, "shopd_http_request_duration_seconds_sum %.6f\n",
               (double)load(&m->duration_sum_us) / 1e6);
    buf_printf(out, "shopd_http_request_duration_seconds_count %llu\n",
               (unsigned long long)load(&m->count));
}

void metrics_render(const struct metrics *m, const struct route *routes, size_t nroutes,
                    struct buf *out)
{
    (void)nroutes;
    render_requests(m, routes, out);
    render_latency(m, out);
    buf_printf(out, "# HELP shopd_db_connections Open database connections.\n"
                    "# TYPE shopd_db_connections gauge\nshopd_db_connections %d\n",
               atomic_load_explicit(&m->db_conns, memory_order_relaxed));
}
