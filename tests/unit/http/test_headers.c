/* Unit tests for http/headers.c: Host validation against ALLOWED_HOSTS with Django's
 * rules, X-Request-Id acceptance, and exact list membership (CORS origins). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "http/headers.h"

static const char defaults[] = "localhost,127.0.0.1,[::1]";

static void test_host_defaults(void **state)
{
    static const char *ok[] = {
        "localhost",   "LOCALHOST", "localhost:8000", "localhost.",  "127.0.0.1",
        "127.0.0.1:1", "[::1]",     "[::1]:8000",     "[::1]:65535",
    };
    static const char *bad[] = {
        "example.com",
        "localhost.example.com",
        "127.0.0.2",
        "[::2]",
        "::1",
        "localhost:",
        "localhost:80a",
        "localhost:-1",
        "local_host",
        "localhost/x",
        "localhost 8000",
        "[::1",
        "[::1]]",
        "[]",
        "[:]",
        "[::g]",
        "[1.2.3.4]",
        "",
        "localhost\r\nX: y",
        "localhost..",
    };

    (void)state;
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
        if (!hdr_host_allowed(defaults, ok[i]))
            fail_msg("refused %s", ok[i]);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (hdr_host_allowed(defaults, bad[i]))
            fail_msg("accepted %s", bad[i]);
    assert_false(hdr_host_allowed(defaults, NULL));
}

static void test_host_patterns(void **state)
{
    char longhost[400];

    (void)state;
    assert_true(hdr_host_allowed("*", "anything.example:9"));
    assert_false(hdr_host_allowed("*", "bad host")); /* syntax still checked */
    assert_false(hdr_host_allowed("*", NULL));
    assert_true(hdr_host_allowed(" shop.example , .example.org ", "shop.example"));
    assert_true(hdr_host_allowed(".example.org", "example.org"));
    assert_true(hdr_host_allowed(".example.org", "a.b.example.org:443"));
    assert_false(hdr_host_allowed(".example.org", "badexample.org"));
    assert_true(hdr_host_allowed("Shop.Example", "shop.example")); /* patterns fold too */
    assert_false(hdr_host_allowed("", "localhost"));
    assert_false(hdr_host_allowed(",,", "localhost"));
    assert_true(hdr_host_allowed("[2001:db8::1]", "[2001:DB8::1]:80"));
    assert_true(hdr_host_allowed("[::ffff:1.2.3.4]", "[::ffff:1.2.3.4]"));
    memset(longhost, 'a', sizeof(longhost) - 1);
    longhost[sizeof(longhost) - 1] = '\0';
    assert_false(hdr_host_allowed("*", longhost));
}

static void test_request_id(void **state)
{
    char id[202];

    (void)state;
    assert_true(hdr_request_id_ok("abc-123"));
    assert_true(hdr_request_id_ok("!~"));
    assert_false(hdr_request_id_ok(""));
    assert_false(hdr_request_id_ok(NULL));
    assert_false(hdr_request_id_ok("a b"));
    assert_false(hdr_request_id_ok("a\tb"));
    assert_false(hdr_request_id_ok("caf\xc3\xa9"));
    assert_false(hdr_request_id_ok("a\x7f"));
    memset(id, 'x', 200);
    id[200] = '\0';
    assert_true(hdr_request_id_ok(id));
    id[200] = 'x';
    id[201] = '\0';
    assert_false(hdr_request_id_ok(id));
}

static void test_list_has(void **state)
{
    const char *origins = "https://app.example, http://localhost:3000 ,,";

    (void)state;
    assert_true(hdr_list_has(origins, "https://app.example"));
    assert_true(hdr_list_has(origins, "http://localhost:3000"));
    assert_false(hdr_list_has(origins, "https://app.example/"));
    assert_false(hdr_list_has(origins, "HTTPS://APP.EXAMPLE"));
    assert_false(hdr_list_has(origins, "https://app.exampl"));
    assert_false(hdr_list_has(origins, ""));
    assert_false(hdr_list_has(origins, NULL));
    assert_false(hdr_list_has("", "https://app.example"));
    assert_false(hdr_list_has("*", "https://app.example")); /* no wildcard for CORS */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_host_defaults),
        cmocka_unit_test(test_host_patterns),
        cmocka_unit_test(test_request_id),
        cmocka_unit_test(test_list_has),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
