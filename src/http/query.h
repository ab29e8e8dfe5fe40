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
 * invalid percent escapes kept literally, empty pairs skipped, a key without '=' has
 * the value "" — Python's parse_qsl(keep_blank_values=True), as Django reads queries).
 * Keys and values are NUL-terminated but may contain NUL bytes (%00): use the lengths.
 * At most max params. Returns 0 or SHOP_ENOMEM / SHOP_ETOOBIG. */
int query_parse(struct arena *a, const char *s, size_t len, size_t max,
                struct qparam **out, size_t *nout);
/* Percent-decodes (no '+' handling) into an arena string. */
char *url_decode(struct arena *a, const char *s, size_t len, size_t *outlen);
/* Form-encodes s into b as Python's urlencode does (space -> '+', unreserved kept). */
void url_encode_into(struct buf *b, const char *s, size_t len);
/* Percent-encodes a decoded path into b as Django's escape_uri_path does (keeps
 * unreserved characters and /:@&+$,!~*'()), for absolute URLs and Location headers. */
void url_path_encode_into(struct buf *b, const char *s, size_t len);

struct page {
    int64_t limit;
    int64_t offset;
};

#define PAGE_DEFAULT_LIMIT 10
#define PAGE_MAX_LIMIT 100

/* limit default 10, max 100; missing/invalid/non-positive -> 10; offset invalid -> 0.
 * Numbers are read as Python's int() reads them (surrounding whitespace, a sign, '_'
 * between digits); an offset beyond int64 is clamped to INT64_MAX. */
struct page page_from_request(struct request *req);
/* Writes {"count":N,"next":..,"previous":..,"results": and leaves the results array open;
 * the caller writes items and calls page_end. */
void page_begin(struct request *req, struct json_w *w, struct page pg, int64_t count);
void page_end(struct json_w *w);
/* Absolute URL of this request's path with params replaced as DRF does (sorted,
 * limit always written, offset dropped when <= 0). Arena string; NULL when out of
 * memory. Exposed for tests. */
char *page_url(struct request *req, int64_t limit, int64_t offset);

/* search=<terms>: splits on whitespace (Python's str.split() set, Unicode spaces
 * included) and commas into arena strings, empties dropped, as DRF's SearchFilter.
 * s may be NULL (no terms). Returns 0 or SHOP_ENOMEM. */
int search_terms(struct arena *a, const char *s, char ***terms, size_t *n);

#endif
