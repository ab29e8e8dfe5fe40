/* Unit tests for http/router.c: typed parameters and the shapes they refuse, 404 vs 405
 * with the allowed set, trailing-slash distinctions, HEAD falling back to GET, the
 * Allow header text, method names and the start-up table check. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/err.h"
#include "http/router.h"

static int h_list(struct request *req)
{
    (void)req;
    return 200;
}
static int h_create(struct request *req)
{
    (void)req;
    return 201;
}
static int h_detail(struct request *req)
{
    (void)req;
    return 200;
}
static int h_update(struct request *req)
{
    (void)req;
    return 200;
}
static int h_delete(struct request *req)
{
    (void)req;
    return 204;
}
static int h_head(struct request *req)
{
    (void)req;
    return 200;
}

static const struct route table[] = {
    {M_GET, "/api/v1/products/", h_list, PERM_PUBLIC, "Product List", 0},
    {M_POST, "/api/v1/products/", h_create, PERM_STAFF, "Product List", 0},
    {M_GET, "/api/v1/products/{id}/", h_detail, PERM_PUBLIC, "Product Detail", 0},
    {M_PUT, "/api/v1/products/{id}/", h_update, PERM_STAFF, "Product Detail", 0},
    {M_PATCH, "/api/v1/products/{id}/", h_update, PERM_STAFF, "Product Detail", 0},
    {M_DELETE, "/api/v1/products/{id}/", h_delete, PERM_STAFF, "Product Detail", 0},
    {M_GET, "/api/v1/products/{id}/variants/{id}/", h_detail, PERM_PUBLIC, "Variant", 0},
    {M_GET, "/api/v1/categories/{slug}/", h_detail, PERM_PUBLIC, "Category", 0},
    {M_GET, "/api/v1/i/orders/{uuid}/", h_detail, PERM_AUTH, "Order", 0},
    {M_GET, "/api/v1/wishlists/shared/{token}/", h_detail, PERM_PUBLIC, "Shared", 0},
    {M_GET, "/healthz", h_detail, PERM_PUBLIC, "Health", 0},
    {M_GET, "/media/x", h_detail, PERM_PUBLIC, "Media", 0},
    {M_HEAD, "/media/x", h_head, PERM_PUBLIC, "Media", 0},
};
#define NT (sizeof(table) / sizeof(table[0]))

static bool match(const char *path, unsigned method, struct route_match *m)
{
    return router_match(table, NT, path, strlen(path), method, m);
}

static void assert_param(const struct route_match *m, size_t i, const char *want)
{
    assert_true(i < m->nparams);
    assert_int_equal(m->params[i].len, strlen(want));
    assert_memory_equal(m->params[i].ptr, want, strlen(want));
}

static void test_literal_and_methods(void **state)
{
    struct route_match m;

    (void)state;
    assert_true(match("/api/v1/products/", M_GET, &m));
    assert_ptr_equal(m.route, &table[0]);
    assert_ptr_equal(m.first, &table[0]);
    assert_int_equal(m.allowed, M_GET | M_POST);
    assert_int_equal(m.nparams, 0);

    assert_true(match("/api/v1/products/", M_POST, &m));
    assert_ptr_equal(m.route, &table[1]);
    assert_ptr_equal(m.route->handler, h_create);
}

static void test_id_params(void **state)
{
    struct route_match m;

    (void)state;
    assert_true(match("/api/v1/products/42/", M_DELETE, &m));
    assert_ptr_equal(m.route, &table[5]);
    assert_int_equal(m.allowed, M_GET | M_PUT | M_PATCH | M_DELETE);
    assert_int_equal(m.nparams, 1);
    assert_param(&m, 0, "42");
    assert_int_equal(router_param_id(m.params[0]), 42);

    assert_true(match("/api/v1/products/7/variants/0012/", M_GET, &m));
    assert_int_equal(m.nparams, 2);
    assert_param(&m, 0, "7");
    assert_param(&m, 1, "0012");
    assert_int_equal(router_param_id(m.params[1]), 12);

    /* INT64_MAX fits (leading zeros too); one more does not. */
    assert_true(match("/api/v1/products/9223372036854775807/", M_GET, &m));
    assert_int_equal(router_param_id(m.params[0]), INT64_MAX);
    assert_true(match("/api/v1/products/009223372036854775807/", M_GET, &m));
    assert_false(match("/api/v1/products/9223372036854775808/", M_GET, &m));
    assert_false(match("/api/v1/products/99999999999999999999/", M_GET, &m));
}

static void test_id_refuses_shapes(void **state)
{
    static const char *bad[] = {
        "/api/v1/products/-1/",   "/api/v1/products/+1/",  "/api/v1/products/1a/",
        "/api/v1/products/ 1/",   "/api/v1/products/1.0/", "/api/v1/products//",
        "/api/v1/products/0x10/", "/api/v1/products/1e3/", "/api/v1/products/١/",
    };
    struct route_match m;

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_false(match(bad[i], M_GET, &m));
        assert_null(m.route);
        assert_null(m.first);
        assert_int_equal(m.allowed, 0);
    }
}

static void test_uuid_slug_token(void **state)
{
    struct route_match m;

    (void)state;
    assert_true(match("/api/v1/i/orders/123e4567-e89b-42d3-a456-426614174000/", M_GET, &m));
    assert_param(&m, 0, "123e4567-e89b-42d3-a456-426614174000");
    /* Uppercase, missing dash, braces, short: 404 (Django's <uuid:> converter). */
    assert_false(match("/api/v1/i/orders/123E4567-E89B-42D3-A456-426614174000/", M_GET, &m));
    assert_false(match("/api/v1/i/orders/123e4567e89b-42d3-a456-426614174000/", M_GET, &m));
    assert_false(match("/api/v1/i/orders/123e4567-e89b-42d3-a456-42661417400/", M_GET, &m));
    assert_false(match("/api/v1/i/orders/123e4567-e89b-42d3-a456-4266141740000/", M_GET, &m));
    assert_false(match("/api/v1/i/orders/{123e4567-e89b-42d3-a456-426614174000}/", M_GET, &m));
    assert_false(match("/api/v1/i/orders/123e4567-e89b-42d3-a456_426614174000/", M_GET, &m));

    assert_true(match("/api/v1/categories/Home-and_Garden-2/", M_GET, &m));
    assert_param(&m, 0, "Home-and_Garden-2");
    assert_false(match("/api/v1/categories//", M_GET, &m));
    assert_false(match("/api/v1/categories/a.b/", M_GET, &m));
    assert_false(match("/api/v1/categories/caf\xc3\xa9/", M_GET, &m));
    assert_false(match("/api/v1/categories/a b/", M_GET, &m));
    assert_false(match("/api/v1/categories/a/b/", M_GET, &m));

    assert_true(match("/api/v1/wishlists/shared/AbC_-9x/", M_GET, &m));
    assert_param(&m, 0, "AbC_-9x");
    assert_false(match("/api/v1/wishlists/shared/a%2Fb/", M_GET, &m));
}

static void expect_bad_table(const struct route *t, size_t n, const char *why)
{
    char err[200] = "";

    assert_int_equal(router_check_table(t, n, err, sizeof(err)), SHOP_EINVAL);
    assert_non_null(strstr(err, why));
}

/* {file}: a stored file's name, "<slug>.<alnum>", in a table of its own. */
static void test_file_param(void **state)
{
    static const struct route ft[] = {
        { M_GET, "/media/{file}", h_detail, PERM_PUBLIC, "Media File", 0 },
    };
    static const char *bad[] = {
        "/media/",          "/media/abc",       "/media/.png",     "/media/a.",
        "/media/..",        "/media/.",         "/media/a.b.png",  "/media/a..png",
        "/media/a/b.png",   "/media/../x.png",  "/media/a.p-g",    "/media/a b.png",
        "/media/a.png/",    "/media/caf\xc3\xa9.png", "/media/a.png%00", "/media/a.pn g",
    };
    struct route_match m;
    char err[200] = "";

    (void)state;
    assert_int_equal(router_check_table(ft, 1, err, sizeof(err)), 0);
    assert_true(router_match(ft, 1, "/media/123e4567-e89b-42d3-a456-426614174000.png", 47,
                             M_GET, &m));
    assert_param(&m, 0, "123e4567-e89b-42d3-a456-426614174000.png");
    assert_true(router_match(ft, 1, "/media/A_b-1.WebM", 17, M_GET, &m));
    assert_param(&m, 0, "A_b-1.WebM");
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_false(router_match(ft, 1, bad[i], strlen(bad[i]), M_GET, &m));
    {
        const struct route t[] = {{M_GET, "/media/{file}.png", h_list, 0, NULL, 0}};
        expect_bad_table(t, 1, "whole segment");
    }
}

static void test_404_vs_405(void **state)
{
    struct route_match m;

    (void)state;
    /* Known path, method no route declares: 405 with the path's methods. */
    assert_true(match("/api/v1/products/", M_DELETE, &m));
    assert_null(m.route);
    assert_ptr_equal(m.first, &table[0]);
    assert_int_equal(m.allowed, M_GET | M_POST);
    assert_true(match("/api/v1/products/5/", M_OTHER, &m));
    assert_null(m.route);
    assert_int_equal(m.allowed, M_GET | M_PUT | M_PATCH | M_DELETE);
    assert_param(&m, 0, "5"); /* first's params, for the 405's permission check */

    /* Unknown path: 404. */
    assert_false(match("/api/v1/nothing/", M_GET, &m));
    assert_null(m.first);
    assert_int_equal(m.allowed, 0);
    assert_false(match("", M_GET, &m));
    assert_false(match("/", M_GET, &m));
}

static void test_whole_path_and_slashes(void **state)
{
    struct route_match m;

    (void)state;
    assert_false(match("/api/v1/products", M_GET, &m)); /* no slash: not the route */
    assert_false(match("/api/v1/products//", M_GET, &m));
    assert_false(match("/api/v1/products/x", M_GET, &m));
    assert_false(match("/api/v1/products/42", M_GET, &m));
    assert_false(match("/api/v1/products/42/extra/", M_GET, &m));
    assert_false(match("/api/v1/product/", M_GET, &m));
    assert_false(match("/API/v1/products/", M_GET, &m));
    assert_true(match("/healthz", M_GET, &m));
    assert_false(match("/healthz/", M_GET, &m));
    assert_false(match("/healthzz", M_GET, &m));
    /* Length, not NUL, ends the path. */
    assert_false(router_match(table, NT, "/healthz", 7, M_GET, &m));
    assert_true(router_match(table, NT, "/healthz/junk", 8, M_GET, &m));
}

static void test_head(void **state)
{
    struct route_match m;

    (void)state;
    /* HEAD falls back to the GET route ... */
    assert_true(match("/api/v1/products/3/", M_HEAD, &m));
    assert_ptr_equal(m.route, &table[2]);
    assert_param(&m, 0, "3");
    /* ... unless a route declares HEAD itself, whatever the table order. */
    assert_true(match("/media/x", M_HEAD, &m));
    assert_ptr_equal(m.route, &table[12]);
    assert_int_equal(m.allowed, M_GET | M_HEAD);
    /* GET never falls to a HEAD route. */
    assert_true(match("/media/x", M_GET, &m));
    assert_ptr_equal(m.route, &table[11]);
}

static void test_allow_header(void **state)
{
    char out[ROUTER_ALLOW_MAX];
    char tiny[10];

    (void)state;
    assert_int_equal(router_allow_header(M_GET | M_POST, out, sizeof(out)),
                     strlen("GET, POST, HEAD, OPTIONS"));
    assert_string_equal(out, "GET, POST, HEAD, OPTIONS");
    router_allow_header(M_DELETE | M_PATCH | M_PUT | M_GET, out, sizeof(out));
    assert_string_equal(out, "GET, PUT, PATCH, DELETE, HEAD, OPTIONS");
    router_allow_header(M_POST, out, sizeof(out));
    assert_string_equal(out, "POST, OPTIONS");
    router_allow_header(0, out, sizeof(out));
    assert_string_equal(out, "OPTIONS");
    router_allow_header(0xff, out, sizeof(out));
    assert_string_equal(out, "GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS");
    /* Truncation happens at a method boundary and stays NUL-terminated. */
    assert_int_equal(router_allow_header(M_GET | M_POST, tiny, sizeof(tiny)), 9);
    assert_string_equal(tiny, "GET, POST");
    assert_int_equal(router_allow_header(M_GET, out, 0), 0);
}

static void test_method_names(void **state)
{
    (void)state;
    assert_int_equal(http_method_from_name("GET"), M_GET);
    assert_int_equal(http_method_from_name("HEAD"), M_HEAD);
    assert_int_equal(http_method_from_name("POST"), M_POST);
    assert_int_equal(http_method_from_name("PUT"), M_PUT);
    assert_int_equal(http_method_from_name("PATCH"), M_PATCH);
    assert_int_equal(http_method_from_name("DELETE"), M_DELETE);
    assert_int_equal(http_method_from_name("OPTIONS"), M_OPTIONS);
    assert_int_equal(http_method_from_name("TRACE"), M_OTHER);
    assert_int_equal(http_method_from_name("CONNECT"), M_OTHER);
    assert_int_equal(http_method_from_name("get"), M_OTHER);
    assert_int_equal(http_method_from_name("GETX"), M_OTHER);
    assert_int_equal(http_method_from_name(""), M_OTHER);
    assert_int_equal(http_method_from_name(NULL), M_OTHER);
}

static void test_check_table(void **state)
{
    char err[200] = "";

    (void)state;
    assert_int_equal(router_check_table(table, NT, err, sizeof(err)), 0);
    {
        const struct route t[] = {{M_GET, "api/", h_list, 0, NULL, 0}};
        expect_bad_table(t, 1, "start with '/'");
    }
    {
        const struct route t[] = {{M_GET, "/a/{pk}/", h_list, 0, NULL, 0}};
        expect_bad_table(t, 1, "unknown parameter type");
    }
    {
        const struct route t[] = {{M_GET, "/a/{id}.json", h_list, 0, NULL, 0}};
        expect_bad_table(t, 1, "whole segment");
    }
    {
        const struct route t[] = {{M_GET, "/a/{id/", h_list, 0, NULL, 0}};
        expect_bad_table(t, 1, "unclosed");
    }
    {
        const struct route t[] = {{M_GET, "/{id}/{id}/{id}/{id}/{id}/", h_list, 0, NULL, 0}};
        expect_bad_table(t, 1, "too many");
    }
    {
        const struct route t[] = {{M_GET | M_POST, "/a/", h_list, 0, NULL, 0}};
        expect_bad_table(t, 1, "exactly one");
    }
    {
        const struct route t[] = {{M_OTHER, "/a/", h_list, 0, NULL, 0}};
        expect_bad_table(t, 1, "exactly one");
    }
    {
        const struct route t[] = {{M_GET, "/a/", NULL, 0, NULL, 0}};
        expect_bad_table(t, 1, "no handler");
    }
    {
        const struct route t[] = {{M_GET, "/a/", h_list, 0, NULL, 0},
                                  {M_GET, "/a/", h_detail, 0, NULL, 0}};
        expect_bad_table(t, 2, "route 1 (/a/): duplicate");
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_literal_and_methods),
        cmocka_unit_test(test_id_params),
        cmocka_unit_test(test_id_refuses_shapes),
        cmocka_unit_test(test_uuid_slug_token),
        cmocka_unit_test(test_file_param),
        cmocka_unit_test(test_404_vs_405),
        cmocka_unit_test(test_whole_path_and_slashes),
        cmocka_unit_test(test_head),
        cmocka_unit_test(test_allow_header),
        cmocka_unit_test(test_method_names),
        cmocka_unit_test(test_check_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
