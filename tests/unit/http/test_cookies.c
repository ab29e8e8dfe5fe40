/* Unit tests for http/cookies.c (Django's parse_cookie rules) and req_cookie over
 * several Cookie headers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/err.h"
#include "http/cookies.h"
#include "http/request.h"

/* Returns the value found as a static string, or NULL. */
static const char *find(const char *hdr, const char *name)
{
    static char out[256];
    struct slice v = {NULL, 0};

    if (cookie_find(hdr, strlen(hdr), name, &v) != 0)
        return NULL;
    assert_true(v.ptr >= hdr && v.ptr + v.len <= hdr + strlen(hdr));
    assert_true(v.len < sizeof(out));
    memcpy(out, v.ptr, v.len);
    out[v.len] = '\0';
    return out;
}

static void test_basic(void **state)
{
    const char *h = "sessionid=abc123; csrftoken=xyz; theme=dark";

    (void)state;
    assert_string_equal(find(h, "sessionid"), "abc123");
    assert_string_equal(find(h, "csrftoken"), "xyz");
    assert_string_equal(find(h, "theme"), "dark");
    assert_null(find(h, "session"));
    assert_null(find(h, "sessionid=abc123"));
    assert_null(find(h, "SessionId")); /* names are case-sensitive */
    assert_null(find(h, ""));
    assert_null(find("", "a"));
}

static void test_whitespace_and_empties(void **state)
{
    (void)state;
    assert_string_equal(find("  a = 1 ;b=2;;  ; c=\t3\t", "a"), "1");
    assert_string_equal(find("  a = 1 ;b=2;;  ; c=\t3\t", "c"), "3");
    assert_string_equal(find("a=", "a"), "");
    assert_string_equal(find("a=;b=1", "a"), "");
    assert_string_equal(find("a=1;", "a"), "1");
}

static void test_values(void **state)
{
    (void)state;
    /* Only the first '=' splits. */
    assert_string_equal(find("tok=a=b==; x=1", "tok"), "a=b==");
    /* Surrounding double quotes are removed, inner ones kept. */
    assert_string_equal(find("q=\"quoted value\"", "q"), "quoted value");
    assert_string_equal(find("q=\"\"", "q"), "");
    assert_string_equal(find("q=\"", "q"), "\"");
    assert_string_equal(find("q=a\"b\"", "q"), "a\"b\"");
    /* A pair without '=' is a value with an empty name: it never matches a name. */
    assert_null(find("sessionid; other=1", "sessionid"));
    assert_string_equal(find("sessionid; other=1", "other"), "1");
    /* Bytes beyond ASCII pass through. */
    assert_string_equal(find("n=caf\xc3\xa9", "n"), "caf\xc3\xa9");
}

static void test_last_wins(void **state)
{
    (void)state;
    assert_string_equal(find("sessionid=first; a=1; sessionid=second", "sessionid"), "second");
    assert_string_equal(find("sessionid=first; sessionid=", "sessionid"), "");
}

static void test_length_bounds(void **state)
{
    struct slice v;
    const char *h = "a=1; b=2";

    (void)state;
    /* Only hdr[0..len) is read. */
    assert_int_equal(cookie_find(h, 3, "a", &v), 0);
    assert_int_equal(v.len, 1);
    assert_int_equal(cookie_find(h, 2, "a", &v), 0);
    assert_int_equal(v.len, 0);
    assert_int_equal(cookie_find(h, 5, "b", &v), SHOP_ENOTFOUND);
    assert_int_equal(cookie_find(NULL, 0, "b", &v), SHOP_ENOTFOUND);
    assert_int_equal(cookie_find(h, strlen(h), NULL, &v), SHOP_ENOTFOUND);
}

static void test_req_cookie(void **state)
{
    static struct config cfg;
    struct arena *a = arena_new(0);
    struct request req;
    struct header_kv h[] = {{"Accept", "*/*"},
                            {"cookie", "sessionid=one; theme=x"},
                            {"Cookie", "other=2; sessionid=two"}};

    (void)state;
    assert_non_null(a);
    assert_int_equal(req_init(&req, a, &cfg), 0);
    req.fake_headers = h;
    req.nfake_headers = 3;
    assert_string_equal(req_cookie(&req, "sessionid"), "two"); /* across headers */
    assert_string_equal(req_cookie(&req, "theme"), "x");
    assert_null(req_cookie(&req, "missing"));
    req.nfake_headers = 1;
    assert_null(req_cookie(&req, "sessionid"));
    arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_basic),         cmocka_unit_test(test_whitespace_and_empties),
        cmocka_unit_test(test_values),        cmocka_unit_test(test_last_wins),
        cmocka_unit_test(test_length_bounds), cmocka_unit_test(test_req_cookie),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
