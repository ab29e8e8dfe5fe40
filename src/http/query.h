/* query: application/x-www-form-urlencoded parsing (query strings and form bodies) and
 * encoding, and the pagination helpers of API.md §0.3. */
#ifndef SHOPD_HTTP_QUERY_H
#define SHOPD_HTTP_QUERY_H

#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/json.h"
#include "http/request.h"

/* Parses "a=1&b=x%20y+z" into arena-allocated params (order kept, '+' is space,
 * invalid percent escapes kept literally, empty pairs skipped). At most max params.
 * Returns 0 or SHOP_ENOMEM / SHOP_ETOOBIG. */
int query_parse(struct arena *a, const char *s, size_t len, size_t max,
                struct qparam **out, size_t *nout);
/* Percent-decodes (no '+' handling) into an arena string. */
char *url_decode(struct arena *a, const char *s, size_t len, size_t *outlen);
/* Form-encodes s into b as Python's urlencode does (space -> '+', unreserved kept). */
void url_encode_into(struct buf *b, const char *s, size_t len);

struct page {
    int64_t limit;
    int64_t offset;
};

/* limit default 10, max 100; missing/invalid/non-positive -> 10; offset invalid -> 0. */
struct page page_from_request(struct request *req);
/* Writes {"count":N,"next":..,"previous":..,"results": and leaves the results array open;
 * the caller writes items and calls page_end. */
void page_begin(struct request *req, struct json_w *w, struct page pg, int64_t count);
void page_end(struct json_w *w);
/* Absolute URL of this request's path with params replaced as DRF does (sorted,
 * limit always written, offset dropped when <= 0). Exposed for tests. */
char *page_url(struct request *req, int64_t limit, int64_t offset);

/* search=<terms>: splits on whitespace and commas into arena strings. */
int search_terms(struct arena *a, const char *s, char ***terms, size_t *n);

#endif
