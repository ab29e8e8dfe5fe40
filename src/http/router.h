/* router: matches (method, path) against a const route table, segment by segment,
 * without allocation. Patterns are literal segments and typed parameters:
 *   {id}    digits only, fits in int64
 *   {uuid}  canonical 8-4-4-4-12 hex
 *   {slug}  [-a-zA-Z0-9_]+
 *   {token} [-a-zA-Z0-9_]+ (URL-safe random tokens)
 *   {file}  [-a-zA-Z0-9_]+ "." [a-zA-Z0-9]+ (a stored file's name, e.g. <uuid>.png)
 * Anything else in a parameter position does not match (so: 404). A path matched by
 * some route but not with this method is a 405; router_match reports the union of the
 * methods of every route whose pattern matches the path, for the Allow header.
 * Parameters are whole segments ("/x/{id}/", never "/x/{id}.json"); a pattern matches
 * only the whole path, so "/a/" and "/a" are different paths. {uuid} takes lowercase hex
 * only, like Django's <uuid:> converter (the ids we hand out are lowercase). */
#ifndef SHOPD_HTTP_ROUTER_H
#define SHOPD_HTTP_ROUTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/slice.h"
#include "http/request.h"

typedef int (*handler_fn)(struct request *req);

/* Permissions, checked before the handler (API.md notation). Default deny: the zero
 * value is PERM_AUTH. Object-level checks happen in handlers via one shared helper. */
enum perm {
    PERM_AUTH = 0,      /* valid access token of an active customer */
    PERM_PUBLIC,        /* anyone; a Bearer header is still checked when present */
    PERM_PUBLIC_READ,   /* GET/HEAD public, other methods AUTH */
    PERM_STAFF,         /* auth and is_staff */
    PERM_STAFF_OR_VENDOR, /* auth and (is_staff or owns a store); the object's store is
                             checked by the handler */
    PERM_IGNORE_AUTH,   /* public and Authorization ignored (token endpoints, /metrics) */
};

/* Body types a route parses (for 415 and OPTIONS "parses"). */
enum body_kind {
    BODY_JSON = 1u << 0,
    BODY_FORM = 1u << 1,
    BODY_MULTIPART = 1u << 2,
};

struct route {
    unsigned method;            /* one enum http_method bit */
    const char *pattern;        /* e.g. "/api/v1/products/{id}/" */
    handler_fn handler;
    enum perm perm;
    const char *name;           /* DRF view name for OPTIONS, e.g. "Product List" */
    unsigned parses;            /* enum body_kind bits; 0 = JSON|FORM */
};

struct route_match {
    const struct route *route;  /* NULL: 404 when allowed == 0, else 405 */
    const struct route *first;  /* first route whose pattern matched (any method) */
    unsigned allowed;           /* methods of all routes matching the path */
    struct slice params[ROUTE_MAX_PARAMS];
    size_t nparams;
};

/* Matches path (decoded, without query) for method. Returns true when some route's
 * pattern matched the path (whatever the method). A HEAD request matches a GET route
 * when no route declares HEAD itself. m->params point into path (the chosen route's
 * parameters: route's, else first's). */
bool router_match(const struct route *table, size_t n, const char *path, size_t len,
                  unsigned method, struct route_match *m);
/* Writes the Allow text for a method set into out, in DRF's order (the order of Django
 * views' http_method_names): "GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS".
 * HEAD is added where GET is, OPTIONS always; M_OTHER is never listed. out is always
 * NUL-terminated (outlen > 0); ROUTER_ALLOW_MAX bytes always suffice. Returns length. */
#define ROUTER_ALLOW_MAX 64
size_t router_allow_header(unsigned methods, char *out, size_t outlen);
/* Method name to enum http_method bit (M_OTHER for unknown). Case-sensitive, as HTTP
 * method names are ("get" is M_OTHER). */
unsigned http_method_from_name(const char *name);

/* Checks a route table once at start: patterns start with '/', parameters are known
 * types and whole segments, at most ROUTE_MAX_PARAMS, one known method bit, a handler,
 * no duplicate (method, pattern). Returns 0, or SHOP_EINVAL with a message in err. */
int router_check_table(const struct route *table, size_t n, char *err, size_t errlen);
/* Value of an {id} parameter (the router has checked it: digits, fits in int64). */
int64_t router_param_id(struct slice s);

#endif
