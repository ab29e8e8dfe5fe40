/* server: libmicrohttpd glue. Accepts connections on an epoll thread pool, collects each
 * request into a struct request (arena, raw URI parsed by us, headers, body within the
 * limit), checks the Host header against ALLOWED_HOSTS, calls the dispatch function, and
 * sends req->resp with the headers every answer carries (X-Request-Id, security headers,
 * CORS). Answers 413 / 400 (framing) itself, before dispatch. Writes one JSON access-log
 * line per request. */
#ifndef SHOPD_HTTP_SERVER_H
#define SHOPD_HTTP_SERVER_H

#include <stddef.h>

#include "core/config.h"
#include "http/request.h"

struct http_server;

/* Fills req->resp (through http/response.h); runs on a worker thread. */
typedef void (*http_dispatch_fn)(struct request *req, void *ctx);
/* Called after the answer has been queued (status known), for metrics. May be NULL. */
typedef void (*http_observe_fn)(struct request *req, void *ctx);

struct http_server_opts {
    const struct config *cfg;   /* host, port, threads, limits, CORS, ALLOWED_HOSTS */
    http_dispatch_fn dispatch;
    http_observe_fn observe;
    void *ctx;                  /* passed to dispatch/observe and stored in req->app */
};

/* Starts listening. Returns 0, or a negative shop_err with a message in err. */
int http_server_start(const struct http_server_opts *o, struct http_server **out,
                      char *err, size_t errlen);
/* Port actually bound (useful with port 0). */
int http_server_port(const struct http_server *s);
/* Graceful stop: stop accepting, let in-flight requests finish (bounded wait), free. */
void http_server_stop(struct http_server *s);

#endif
