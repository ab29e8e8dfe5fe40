/* libFuzzer target for http/router.c against a table of realistic patterns. The input
 * is a path (not NUL-terminated: copied into its own allocation). Checks: a match
 * reports a route of a matching method, parameters lie inside the path and have their
 * type's shape, allowed is empty exactly when nothing matched. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/router.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int h(struct request *req)
{
    (void)req;
    return 200;
}

static const struct route table[] = {
    {M_GET, "/", h, PERM_PUBLIC, "Root", 0},
    {M_POST, "/auth/token/", h, PERM_IGNORE_AUTH, "Token", 0},
    {M_GET, "/api/v1/products/", h, PERM_PUBLIC, "Products", 0},
    {M_POST, "/api/v1/products/", h, PERM_STAFF, "Products", 0},
    {M_GET, "/api/v1/products/{id}/", h, PERM_PUBLIC, "Product", 0},
    {M_PATCH, "/api/v1/products/{id}/", h, PERM_STAFF, "Product", 0},
    {M_DELETE, "/api/v1/products/{id}/variants/{id}/", h, PERM_STAFF, "Variant", 0},
    {M_GET, "/api/v1/products/categories/{slug}/", h, PERM_PUBLIC, "Category", 0},
    {M_GET, "/api/v1/i/orders/{uuid}/", h, PERM_AUTH, "Order", 0},
    {M_GET, "/api/v1/i/orders/{uuid}/items/{id}/", h, PERM_AUTH, "Item", 0},
    {M_GET, "/api/v1/wishlists/shared/{token}/", h, PERM_PUBLIC, "Shared", 0},
    {M_POST, "/api/v1/stores/{slug}/follow_store/", h, PERM_AUTH, "Store", 0},
    {M_GET, "/healthz", h, PERM_PUBLIC, "Health", 0},
    {M_GET, "/media/{file}", h, PERM_PUBLIC, "Media File", 0},
};
#define NT (sizeof(table) / sizeof(table[0]))

static void check_param(struct slice p, const char *path, size_t len)
{
    if (p.ptr < path || p.ptr + p.len > path + len || p.len == 0 ||
        memchr(p.ptr, '/', p.len) != NULL)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const unsigned methods[] = {M_GET, M_HEAD, M_POST, M_PATCH, M_DELETE, M_OTHER};
    char *path = malloc(size ? size : 1);
    char allow[ROUTER_ALLOW_MAX];

    if (path == NULL)
        return 0;
    memcpy(path, data, size);
    for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
        struct route_match m;
        bool found = router_match(table, NT, path, size, methods[i], &m);
        if (found != (m.first != NULL) || found != (m.allowed != 0))
            abort();
        if (m.route != NULL && !(m.route->method & methods[i]) &&
            !(methods[i] == M_HEAD && (m.route->method & M_GET)))
            abort();
        if (m.nparams > ROUTE_MAX_PARAMS)
            abort();
        for (size_t k = 0; k < m.nparams; k++)
            check_param(m.params[k], path, size);
        /* {file}: exactly one dot, neither first nor last */
        if (m.route != NULL && strcmp(m.route->pattern, "/media/{file}") == 0) {
            const char *dot = memchr(m.params[0].ptr, '.', m.params[0].len);
            size_t at = dot ? (size_t)(dot - m.params[0].ptr) : 0;
            if (!dot || at == 0 || at + 1 == m.params[0].len ||
                memchr(dot + 1, '.', m.params[0].len - at - 1) != NULL)
                abort();
        }
        if (router_allow_header(m.allowed, allow, sizeof(allow)) >= sizeof(allow))
            abort();
    }
    free(path);
    return 0;
}
