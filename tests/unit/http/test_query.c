/* Unit tests for http/query.c: form-urlencoded parsing ('+', %XX, invalid escapes,
 * empty pairs, blank values, the count limit), url_decode, url_encode_into and
 * url_path_encode_into, DRF's pagination parameters and links (expected texts were
 * produced with Python's urllib exactly as DRF's replace_query_param does), the page
 * envelope, the base URL rules of API.md §0.1, and search term splitting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/err.h"
#include "http/query.h"
#include "http/response.h"

struct fixture {
    struct arena *a;
    struct config cfg;
    struct request req;
};

static int setup(void **state)
{
    static struct fixture f;

    memset(&f, 0, sizeof(f));
    f.a = arena_new(0);
    if (f.a == NULL || req_init(&f.req, f.a, &f.cfg) != 0)
        return -1;
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;

    arena_free(f->a);
    return 0;
}

/* Sets the fixture's path and query string as the server would. */
static void set_target(struct fixture *f, const char *path, const char *query)
{
    f->req.path = path;
    f->req.path_len = strlen(path);
    f->req.raw_query = query;
    assert_int_equal(query_parse(f->a, query, strlen(query), 1000, &f->req.query, &f->req.nquery),
                     0);
}

static void assert_param(const struct qparam *q, const char *k, size_t klen, const char *v,
                         size_t vlen)
{
    assert_int_equal(q->key_len, klen);
    assert_memory_equal(q->key, k, klen);
    assert_int_equal(q->key[klen], '\0');
    assert_int_equal(q->value_len, vlen);
    assert_memory_equal(q->value, v, vlen);
    assert_int_equal(q->value[vlen], '\0');
}
#define P(q, k, v) assert_param((q), (k), sizeof(k) - 1, (v), sizeof(v) - 1)

static void test_parse_basic(void **state)
{
    struct fixture *f = *state;
    struct qparam *q;
    size_t n;
    const char *s = "a=1&b=x%20y+z&c=%2B%26%3d&d=caf%C3%A9";

    assert_int_equal(query_parse(f->a, s, strlen(s), 10, &q, &n), 0);
    assert_int_equal(n, 4);
    P(&q[0], "a", "1");
    P(&q[1], "b", "x y z");
    P(&q[2], "c", "+&=");
    P(&q[3], "d", "caf\xc3\xa9");
}

static void test_parse_edges(void **state)
{
    struct fixture *f = *state;
    struct qparam *q;
    size_t n;
    /* Python: [('a','1'),('b','A%4'),('c','%g1 x'),('d',''),('','e'),('',''),('%','%')] */
    const char *s = "&&a=1&&b=%41%4&c=%g1+x&d&=e&=&%=%&";

    assert_int_equal(query_parse(f->a, s, strlen(s), 10, &q, &n), 0);
    assert_int_equal(n, 7);
    P(&q[0], "a", "1");
    P(&q[1], "b", "A%4");
    P(&q[2], "c", "%g1 x");
    P(&q[3], "d", "");
    P(&q[4], "", "e");
    P(&q[5], "", "");
    P(&q[6], "%", "%");

    /* Only the first '=' splits; '+' and %XX decode in keys too; %00 is kept. */
    s = "k+1%5F=v=w&x=%00y";
    assert_int_equal(query_parse(f->a, s, strlen(s), 10, &q, &n), 0);
    assert_int_equal(n, 2);
    P(&q[0], "k 1_", "v=w");
    P(&q[1], "x", "\0y");

    /* Length, not NUL, bounds the input. */
    assert_int_equal(query_parse(f->a, "a=1&b=2", 3, 10, &q, &n), 0);
    assert_int_equal(n, 1);
    P(&q[0], "a", "1");

    assert_int_equal(query_parse(f->a, "", 0, 10, &q, &n), 0);
    assert_int_equal(n, 0);
    assert_null(q);
    assert_int_equal(query_parse(f->a, "&&&", 3, 0, &q, &n), 0);
    assert_int_equal(n, 0);
}

static void test_parse_max(void **state)
{
    struct fixture *f = *state;
    struct qparam *q = (struct qparam *)1;
    size_t n = 99;

    assert_int_equal(query_parse(f->a, "a&b&c", 5, 3, &q, &n), 0);
    assert_int_equal(n, 3);
    assert_int_equal(query_parse(f->a, "a&b&c&d", 7, 3, &q, &n), SHOP_ETOOBIG);
    assert_null(q);
    assert_int_equal(n, 0);
    /* Empty pairs do not count. */
    assert_int_equal(query_parse(f->a, "a&&&b&&c&", 9, 3, &q, &n), 0);
    assert_int_equal(n, 3);
}

static void test_url_decode(void **state)
{
    struct fixture *f = *state;
    size_t n = 0;
    char *d = url_decode(f->a, "/a%20b+c%2f%zz%", 15, &n);

    assert_string_equal(d, "/a b+c/%zz%");
    assert_int_equal(n, 11);
    d = url_decode(f->a, "%41%4a%4A%", 10, NULL);
    assert_string_equal(d, "AJJ%");
    d = url_decode(f->a, "x%00y", 5, &n);
    assert_int_equal(n, 3);
    assert_memory_equal(d, "x\0y", 4);
}

static char *encoded(const char *s, size_t n, bool path)
{
    static char out[512];
    struct buf b;

    buf_init(&b, 1024);
    if (path)
        url_path_encode_into(&b, s, n);
    else
        url_encode_into(&b, s, n);
    assert_false(buf_failed(&b));
    snprintf(out, sizeof(out), "%s", b.len ? b.data : "");
    buf_cleanup(&b);
    return out;
}

static void test_url_encode(void **state)
{
    static const char in[] = "A-Za-z0-9_.~ !*()'/:@&+$,;=?#[]%\0\x7f\xc3\xa9";

    (void)state;
    /* Python: quote_plus(...) on the same code points. */
    assert_string_equal(
        encoded(in, sizeof(in) - 1, false),
        "A-Za-z0-9_.~+%21%2A%28%29%27%2F%3A%40%26%2B%24%2C%3B%3D%3F%23%5B%5D%25%00%7F%C3%A9");
    /* Django's escape_uri_path keeps /:@&+$,!~*'() and encodes space as %20. */
    assert_string_equal(encoded(in, sizeof(in) - 1, true),
                        "A-Za-z0-9_.~%20!*()'/:@&+$,%3B%3D%3F%23%5B%5D%25%00%7F%C3%A9");
    assert_string_equal(encoded("", 0, false), "");
}

static void test_page_from_request(void **state)
{
    static const struct {
        const char *query;
        int64_t limit, offset;
    } cases[] = {
        {"", 10, 0},
        {"limit=5&offset=20", 5, 20},
        {"limit=100", 100, 0},
        {"limit=1000000", 100, 0},
        {"limit=0", 10, 0},
        {"limit=-1&offset=-5", 10, 0},
        {"limit=abc&offset=xyz", 10, 0},
        {"limit=&offset=", 10, 0},
        {"limit=1e2&offset=1e20", 10, 0},
        {"limit=5.0&offset=3.5", 10, 0},
        {"limit=+7&offset=+3", 7, 3},
        {"limit=%207%20&offset=%0A4%09", 7, 4},
        {"limit=1_0&offset=1_000", 10, 1000},
        {"limit=1__0&offset=_1", 10, 0},
        {"limit=3&limit=4", 4, 0}, /* the last value, as QueryDict */
        {"offset=99999999999999999999999", 10, INT64_MAX},
        {"limit=99999999999999999999999", 100, 0},
        {"limit=-0&offset=-0", 10, 0},
    };
    struct fixture *f = *state;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct page pg;
        set_target(f, "/p/", cases[i].query);
        pg = page_from_request(&f->req);
        if (pg.limit != cases[i].limit || pg.offset != cases[i].offset)
            fail_msg("query %s: got limit %lld offset %lld", cases[i].query, (long long)pg.limit,
                     (long long)pg.offset);
    }
}

static void test_page_url(void **state)
{
    struct fixture *f = *state;

    snprintf(f->cfg.public_base_url, sizeof(f->cfg.public_base_url), "https://shop.example/");
    set_target(f, "/api/v1/products/", "search=blue+shoes&limit=5&offset=10&category=3");
    assert_string_equal(
        page_url(&f->req, 5, 15),
        "https://shop.example/api/v1/products/?category=3&limit=5&offset=15&search=blue+shoes");
    /* offset <= 0 is dropped; limit is always written. */
    assert_string_equal(
        page_url(&f->req, 5, 0),
        "https://shop.example/api/v1/products/?category=3&limit=5&search=blue+shoes");
    set_target(f, "/api/v1/products/", "");
    assert_string_equal(page_url(&f->req, 10, 10),
                        "https://shop.example/api/v1/products/?limit=10&offset=10");
    /* Repeated keys stay together in their order; blank values and keys survive. */
    set_target(f, "/p/", "b=2&a=1&b=1&limit=3&flag&=v&e=&offset=7&limit=9");
    assert_string_equal(page_url(&f->req, 3, 3),
                        "https://shop.example/p/?=v&a=1&b=2&b=1&e=&flag=&limit=3&offset=3");
    /* Re-encoded with quote_plus, byte order of keys (uppercase before '_' before a). */
    set_target(f, "/p/", "q=a+b%26c%2Fd~%C3%A9&Z=1&_=2&a%20b=%zz");
    assert_string_equal(page_url(&f->req, 10, 0),
                        "https://shop.example/p/?Z=1&_=2&a+b=%25zz&limit=10&q=a+b%26c%2Fd~%C3%A9");
    /* The decoded path is escaped again as Django's escape_uri_path does. */
    set_target(f, "/api/v1/cat \xc3\xa9gorie/", "");
    assert_string_equal(page_url(&f->req, 10, 20),
                        "https://shop.example/api/v1/cat%20%C3%A9gorie/?limit=10&offset=20");
}

static const char *render_page(struct fixture *f, struct page pg, int64_t count)
{
    struct json_w w;

    resp_json_begin(&f->req, 200, &w);
    page_begin(&f->req, &w, pg, count);
    json_int(&w, 1);
    page_end(&w);
    assert_false(buf_failed(&f->req.resp.body));
    return f->req.resp.body.data;
}

static void test_page_envelope(void **state)
{
    struct fixture *f = *state;

    snprintf(f->cfg.public_base_url, sizeof(f->cfg.public_base_url), "http://h");
    set_target(f, "/l/", "limit=5&offset=10");
    assert_string_equal(render_page(f, (struct page){5, 10}, 100),
                        "{\"count\":100,\"next\":\"http://h/l/?limit=5&offset=15\","
                        "\"previous\":\"http://h/l/?limit=5&offset=5\",\"results\":[1]}");
    /* previous drops offset when offset - limit <= 0 */
    assert_string_equal(render_page(f, (struct page){5, 5}, 100),
                        "{\"count\":100,\"next\":\"http://h/l/?limit=5&offset=10\","
                        "\"previous\":\"http://h/l/?limit=5\",\"results\":[1]}");
    assert_string_equal(render_page(f, (struct page){5, 3}, 100),
                        "{\"count\":100,\"next\":\"http://h/l/?limit=5&offset=8\","
                        "\"previous\":\"http://h/l/?limit=5\",\"results\":[1]}");
    /* next is null when offset + limit >= count; previous null at offset 0 */
    assert_string_equal(render_page(f, (struct page){5, 0}, 5),
                        "{\"count\":5,\"next\":null,\"previous\":null,\"results\":[1]}");
    assert_string_equal(render_page(f, (struct page){5, 0}, 6),
                        "{\"count\":6,\"next\":\"http://h/l/?limit=5&offset=5\","
                        "\"previous\":null,\"results\":[1]}");
    assert_string_equal(render_page(f, (struct page){10, 0}, 0),
                        "{\"count\":0,\"next\":null,\"previous\":null,\"results\":[1]}");
    /* Past the end, and a clamped offset: no overflow, previous still offered. */
    assert_string_equal(
        render_page(f, (struct page){5, 50}, 20),
        "{\"count\":20,\"next\":null,\"previous\":\"http://h/l/?limit=5&offset=45\","
        "\"results\":[1]}");
    assert_string_equal(render_page(f, (struct page){100, INT64_MAX}, 20),
                        "{\"count\":20,\"next\":null,\"previous\":"
                        "\"http://h/l/?limit=100&offset=9223372036854775707\",\"results\":[1]}");
}

/* The base URL is computed once per request; each variation here is a new request. */
static const char *fresh_base_url(struct request *req)
{
    req->base_url = NULL;
    return req_base_url(req);
}

static void test_base_url(void **state)
{
    struct fixture *f = *state;
    struct header_kv h[] = {{"Host", "localhost:8000"},
                            {"X-Forwarded-Proto", "https, http"},
                            {"X-Forwarded-Host", " shop.example , proxy"}};

    f->req.fake_headers = h;
    f->req.nfake_headers = 3;
    assert_string_equal(fresh_base_url(&f->req), "http://localhost:8000");
    f->cfg.trust_proxy = true;
    assert_string_equal(fresh_base_url(&f->req), "https://shop.example");
    assert_ptr_equal(req_base_url(&f->req), req_base_url(&f->req)); /* once per request */
    f->req.nfake_headers = 1;
    assert_string_equal(fresh_base_url(&f->req), "http://localhost:8000");
    snprintf(f->cfg.public_base_url, sizeof(f->cfg.public_base_url), "https://pub.example//");
    assert_string_equal(fresh_base_url(&f->req), "https://pub.example");
    f->req.nfake_headers = 0;
    f->cfg.public_base_url[0] = '\0';
    assert_string_equal(fresh_base_url(&f->req), "http://localhost");
}

static void assert_terms(struct fixture *f, const char *s, const char *const *want, size_t n)
{
    char **t;
    size_t got;

    assert_int_equal(search_terms(f->a, s, &t, &got), 0);
    assert_int_equal(got, n);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(t[i], want[i]);
}

static void test_search_terms(void **state)
{
    struct fixture *f = *state;
    static const char *const three[] = {"blue", "suede", "shoes"};
    static const char *const uni[] = {"a", "b", "c", "d", "caf\xc3\xa9"};

    assert_terms(f, "blue suede shoes", three, 3);
    assert_terms(f, "  blue,,suede ,\tshoes\n", three, 3);
    assert_terms(f, "blue\x1fsuede\x0bshoes", three, 3);
    /* NBSP, ideographic space, em space, line separator separate; é does not. */
    assert_terms(f,
                 "a\xc2\xa0"
                 "b\xe3\x80\x80"
                 "c\xe2\x80\x83"
                 "d\xe2\x80\xa8"
                 "caf\xc3\xa9",
                 uni, 5);
    assert_terms(f, "", NULL, 0);
    assert_terms(f, " , ,, ", NULL, 0);
    assert_terms(f, NULL, NULL, 0);
}

static void test_req_query_last_wins(void **state)
{
    struct fixture *f = *state;

    set_target(f, "/p/", "a=1&b=2&a=3&c");
    assert_string_equal(req_query(&f->req, "a"), "3");
    assert_string_equal(req_query(&f->req, "b"), "2");
    assert_string_equal(req_query(&f->req, "c"), "");
    assert_null(req_query(&f->req, "d"));
    assert_null(req_query(&f->req, "A"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_parse_basic, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parse_edges, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parse_max, setup, teardown),
        cmocka_unit_test_setup_teardown(test_url_decode, setup, teardown),
        cmocka_unit_test_setup_teardown(test_url_encode, setup, teardown),
        cmocka_unit_test_setup_teardown(test_page_from_request, setup, teardown),
        cmocka_unit_test_setup_teardown(test_page_url, setup, teardown),
        cmocka_unit_test_setup_teardown(test_page_envelope, setup, teardown),
        cmocka_unit_test_setup_teardown(test_base_url, setup, teardown),
        cmocka_unit_test_setup_teardown(test_search_terms, setup, teardown),
        cmocka_unit_test_setup_teardown(test_req_query_last_wins, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
