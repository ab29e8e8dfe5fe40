/* Unit tests for http/response.c: DRF-shaped bodies, the 401 challenge header, jansson
 * values rendered in insertion order (DRF's field order), shop_err mapping, header
 * copying and overflow, and a new answer replacing an earlier one. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/err.h"
#include "core/log.h"
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
    log_set_level(LOG_ERROR); /* resp_from_err logs at warn on purpose */
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

static const char *body(struct fixture *f)
{
    assert_false(buf_failed(&f->req.resp.body));
    return f->req.resp.body.len ? f->req.resp.body.data : "";
}

static int count_header(struct fixture *f, const char *name, const char *value)
{
    int n = 0;

    for (int i = 0; i < f->req.resp.nheaders; i++)
        if (strcmp(f->req.resp.headers[i].name, name) == 0 &&
            strcmp(f->req.resp.headers[i].value, value) == 0)
            n++;
    return n;
}

static void test_detail(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(resp_detail(&f->req, 404, "Not \"found\"."), 404);
    assert_int_equal(f->req.resp.status, 404);
    assert_string_equal(body(f), "{\"detail\":\"Not \\\"found\\\".\"}");
    assert_int_equal(f->req.resp.nheaders, 0);
    assert_int_equal(resp_detail_code(&f->req, 401, "Token is invalid", "token_not_valid"), 401);
    assert_string_equal(body(f), "{\"detail\":\"Token is invalid\",\"code\":\"token_not_valid\"}");
    assert_int_equal(count_header(f, "WWW-Authenticate", "Bearer realm=\"api\""), 1);
    /* A second 401 on the same request does not repeat the challenge. */
    resp_unauthenticated(&f->req);
    assert_string_equal(body(f), "{\"detail\":\"Authentication credentials were not provided.\"}");
    assert_int_equal(count_header(f, "WWW-Authenticate", "Bearer realm=\"api\""), 1);
}

static void test_standard_bodies(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(resp_forbidden(&f->req), 403);
    assert_string_equal(body(f),
                        "{\"detail\":\"You do not have permission to perform this action.\"}");
    assert_int_equal(resp_not_found(&f->req), 404);
    assert_string_equal(body(f), "{\"detail\":\"Not found.\"}");
    assert_int_equal(resp_server_error(&f->req), 500);
    assert_string_equal(body(f), "{\"detail\":\"A server error occurred.\"}");
    assert_int_equal(resp_kv(&f->req, 400, "error", "Invalid action"), 400);
    assert_string_equal(body(f), "{\"error\":\"Invalid action\"}");
    assert_int_equal(f->req.resp.nheaders, 0);
}

static void test_json_value_order(void **state)
{
    struct fixture *f = *state;
    json_t *errors = json_object();
    json_t *nested = json_object();

    /* Inserted in reverse alphabetical order: the output must keep this order. */
    json_object_set_new(errors, "zeta", json_pack("[s]", "This field is required."));
    json_object_set_new(errors, "alpha", json_pack("[ss]", "a", "b"));
    json_object_set_new(nested, "city", json_pack("[s]", "This field may not be blank."));
    json_object_set_new(nested, "apt", json_integer(-7));
    json_object_set_new(errors, "address", nested);
    json_object_set_new(errors, "flags", json_pack("[bbn]", 1, 0));
    json_object_set_new(errors, "ratio", json_real(0.5));
    json_object_set_new(errors, "big", json_real(1e16));
    json_object_set_new(errors, "ctl",
                        json_string("a\n\"\\\x01"
                                    "caf\xc3\xa9"));
    assert_int_equal(resp_errors(&f->req, 400, errors), 400);
    assert_string_equal(body(f),
                        "{\"zeta\":[\"This field is required.\"],\"alpha\":[\"a\",\"b\"],"
                        "\"address\":{\"city\":[\"This field may not be blank.\"],\"apt\":-7},"
                        "\"flags\":[true,false,null],\"ratio\":0.5,\"big\":1e+16,"
                        "\"ctl\":\"a\\n\\\"\\\\\\u0001caf\xc3\xa9\"}");
    json_decref(errors);

    assert_int_equal(resp_json_value(&f->req, 200, NULL), 200);
    assert_string_equal(body(f), "null");
}

static void test_json_value_depth(void **state)
{
    struct fixture *f = *state;
    json_t *root = json_array(), *cur = root;

    for (int i = 0; i < 100; i++) {
        json_t *next = json_array();
        json_array_append_new(cur, next);
        cur = next;
    }
    resp_json_value(&f->req, 200, root);
    assert_true(buf_failed(&f->req.resp.body)); /* the server turns this into a 500 */
    json_decref(root);
}

static void test_begin_replaces(void **state)
{
    struct fixture *f = *state;
    struct json_w w;

    resp_json_begin(&f->req, 200, &w);
    json_arr_begin(&w);
    json_int(&w, 1);
    /* The handler bails out mid-body: the error answer replaces what was written. */
    resp_detail(&f->req, 400, "bad");
    assert_int_equal(f->req.resp.status, 400);
    assert_string_equal(body(f), "{\"detail\":\"bad\"}");
    f->req.resp.content_type = "text/csv";
    assert_int_equal(resp_empty(&f->req, 204), 204);
    assert_int_equal(f->req.resp.body.len, 0);
    assert_null(f->req.resp.content_type);
}

static void test_from_err(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(resp_from_err(&f->req, SHOP_ENOTFOUND), 404);
    assert_string_equal(body(f), "{\"detail\":\"Not found.\"}");
    assert_int_equal(resp_from_err(&f->req, SHOP_EINVAL), 400);
    assert_int_equal(resp_from_err(&f->req, SHOP_ENOMEM), 503);
    assert_int_equal(resp_from_err(&f->req, SHOP_EBUSY), 503);
    assert_int_equal(resp_from_err(&f->req, SHOP_EDB), 500);
    assert_string_equal(body(f), "{\"detail\":\"A server error occurred.\"}");
    assert_int_equal(resp_from_err(&f->req, SHOP_EIO), 500);
    assert_int_equal(resp_from_err(&f->req, -999), 500);
}

static void test_headers(void **state)
{
    struct fixture *f = *state;
    char name[32], value[32];

    snprintf(name, sizeof(name), "Location");
    snprintf(value, sizeof(value), "/a/");
    resp_header(&f->req, name, value);
    name[0] = value[0] = 'X'; /* copies, not borrowed pointers */
    assert_int_equal(count_header(f, "Location", "/a/"), 1);
    resp_header(&f->req, "X-Empty", NULL);
    assert_int_equal(count_header(f, "X-Empty", ""), 1);
    assert_false(f->req.resp.failed);
    while (f->req.resp.nheaders < RESP_MAX_HEADERS)
        resp_header(&f->req, "Set-Cookie", "a=b");
    assert_false(f->req.resp.failed);
    resp_header(&f->req, "One-Too-Many", "x");
    assert_true(f->req.resp.failed);
    assert_int_equal(f->req.resp.nheaders, RESP_MAX_HEADERS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_detail, setup, teardown),
        cmocka_unit_test_setup_teardown(test_standard_bodies, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_value_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_value_depth, setup, teardown),
        cmocka_unit_test_setup_teardown(test_begin_replaces, setup, teardown),
        cmocka_unit_test_setup_teardown(test_from_err, setup, teardown),
        cmocka_unit_test_setup_teardown(test_headers, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
