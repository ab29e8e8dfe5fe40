/* Unit tests for http/multipart.c: the boundary parameter of Content-Type, well-formed
 * bodies as HTTP clients write them (curl, Python requests, browsers), binary part data
 * with CR/LF and look-alike boundaries, and the malformed or oversized shapes the parser
 * refuses (preamble, bare LF, folded headers, missing or repeated Content-Disposition,
 * truncation, too many parts or headers, over-long header lines). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "http/multipart.h"

#define B "XyZ123"

static struct slice lit(const char *s)
{
    return slice_from_cstr(s);
}

static void assert_slice(struct slice s, const char *want)
{
    assert_int_equal(s.len, strlen(want));
    assert_memory_equal(s.ptr, want, s.len);
}

static int parse(const char *body, size_t len, struct multipart_part *parts, size_t max, size_t *n)
{
    return multipart_parse((struct slice){body, len}, lit(B), parts, max, n);
}

static int parse_str(const char *body, struct multipart_part *parts, size_t *n)
{
    return parse(body, strlen(body), parts, MULTIPART_MAX_PARTS, n);
}

static void test_boundary(void **state)
{
    struct slice b;

    (void)state;
    assert_int_equal(multipart_boundary("multipart/form-data; boundary=abc", &b), 0);
    assert_slice(b, "abc");
    assert_int_equal(multipart_boundary("Multipart/Form-Data;BOUNDARY=\"a b:c\"", &b), 0);
    assert_slice(b, "a b:c");
    assert_int_equal(
        multipart_boundary("multipart/form-data; charset=utf-8; boundary=x-y_z.1'+", &b), 0);
    assert_slice(b, "x-y_z.1'+");
    assert_int_equal(multipart_boundary("multipart/form-data; boundary=abc;", &b), 0);
    assert_slice(b, "abc");

    static const char *bad[] = {
        NULL,
        "",
        "multipart/form-data",
        "multipart/mixed; boundary=abc",
        "application/json; boundary=abc",
        "multipart/form-data; boundary=",
        "multipart/form-data; boundary=\"\"",
        "multipart/form-data; boundary=\"abc \"",      /* ends with a space */
        "multipart/form-data; boundary=\"a\\\"b\"",    /* not a bchar */
        "multipart/form-data; boundary=\"abc",         /* unterminated */
        "multipart/form-data; boundary=a; boundary=b", /* repeated */
        "multipart/form-data; boundary = abc",
        "multipart/form-data boundary=abc",
        "multipart/form-data; boundary=a{b",
        "multipart/form-data; boundary="
        "12345678901234567890123456789012345678901234567890123456789012345678901", /* 71 */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(multipart_boundary(bad[i], &b), SHOP_EINVAL);
    assert_int_equal(multipart_boundary("multipart/form-data; boundary="
                                        "1234567890123456789012345678901234567890"
                                        "123456789012345678901234567890",
                                        &b),
                     0);
    assert_int_equal(b.len, 70);
}

static void test_two_parts(void **state)
{
    static const char body[] = "--" B "\r\n"
                               "Content-Disposition: form-data; name=\"is_primary\"\r\n"
                               "\r\n"
                               "true\r\n"
                               "--" B "\r\n"
                               "content-disposition: form-data; name=\"file\"; "
                               "filename=\"cat.png\"\r\n"
                               "Content-Type: image/png\r\n"
                               "\r\n"
                               "\x89PNG\r\n\x1a\n\0\0\r\n\r\n--" B "--\r\n";
    struct multipart_part parts[4];
    size_t n;

    (void)state;
    assert_int_equal(parse(body, sizeof body - 1, parts, 4, &n), 0);
    assert_int_equal(n, 2);
    assert_slice(parts[0].name, "is_primary");
    assert_false(parts[0].has_filename);
    assert_int_equal(parts[0].content_type.len, 0);
    assert_slice(parts[0].data, "true");
    assert_slice(parts[1].name, "file");
    assert_true(parts[1].has_filename);
    assert_slice(parts[1].filename, "cat.png");
    assert_slice(parts[1].content_type, "image/png");
    assert_int_equal(parts[1].data.len, 12);
    assert_memory_equal(parts[1].data.ptr, "\x89PNG\r\n\x1a\n\0\0\r\n", 12);
    assert_ptr_equal(multipart_find(parts, n, "file"), &parts[1]);
    assert_null(multipart_find(parts, n, "File"));
}

static void test_empty_and_epilogue(void **state)
{
    struct multipart_part parts[2];
    size_t n = 99;

    (void)state;
    assert_int_equal(parse_str("--" B "--", parts, &n), 0);
    assert_int_equal(n, 0);
    /* empty data, transport padding after a delimiter, epilogue ignored */
    assert_int_equal(parse_str("--" B " \t\r\nContent-Disposition: form-data; name=a\r\n\r\n"
                               "\r\n--" B "--\r\nepilogue --" B "\r\n",
                               parts, &n),
                     0);
    assert_int_equal(n, 1);
    assert_slice(parts[0].name, "a");
    assert_int_equal(parts[0].data.len, 0);
}

static void test_lookalike_boundary_in_data(void **state)
{
    /* "--XyZ123" without the preceding CRLF, and "\r\n--XyZ12" (shorter), are data. */
    static const char body[] = "--" B "\r\nContent-Disposition: form-data; name=f\r\n\r\n"
                               "a--" B "b\r\n--XyZ12c\r\n--" B "--";
    struct multipart_part parts[2];
    size_t n;

    (void)state;
    assert_int_equal(parse_str(body, parts, &n), 0);
    assert_int_equal(n, 1);
    assert_slice(parts[0].data, "a--" B "b\r\n--XyZ12c");
}

static void test_last_wins_and_params(void **state)
{
    static const char body[] =
        "--" B "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\"\r\n\r\n"
        "\r\n--" B "\r\nContent-Disposition: FORM-DATA;name=file;filename=x.PNG;"
        "filename*=UTF-8''y.jpg; size=3\r\nX-Other: whatever\r\n\r\nabc\r\n--" B "--";
    struct multipart_part parts[4];
    size_t n;

    (void)state;
    assert_int_equal(parse_str(body, parts, &n), 0);
    assert_int_equal(n, 2);
    assert_true(parts[0].has_filename);
    assert_int_equal(parts[0].filename.len, 0);
    const struct multipart_part *f = multipart_find(parts, n, "file");
    assert_ptr_equal(f, &parts[1]);
    assert_slice(f->filename, "x.PNG");
    assert_slice(f->data, "abc");
}

static void test_quoted_escapes_kept_raw(void **state)
{
    static const char body[] = "--" B "\r\nContent-Disposition: form-data; name=\"a\\\"b\"; "
                               "filename=\"C:\\\\x\\\\p;q.webp\"\r\n\r\nz\r\n--" B "--";
    struct multipart_part parts[1];
    size_t n;

    (void)state;
    assert_int_equal(parse_str(body, parts, &n), 0);
    assert_slice(parts[0].name, "a\\\"b");
    assert_slice(parts[0].filename, "C:\\\\x\\\\p;q.webp");
}

static void test_malformed(void **state)
{
    static const char *bad[] = {
        "",
        "preamble\r\n--" B "\r\nContent-Disposition: form-data; name=a\r\n\r\nx\r\n--" B "--",
        "--" B,         /* nothing after the boundary */
        "--" B "x\r\n", /* other boundary */
        "--" B "\nContent-Disposition: form-data; name=a\n\nx\n--" B "--",    /* bare LF */
        "--" B "\r\nContent-Disposition: form-data; name=a\r\n\r\nx",         /* truncated */
        "--" B "\r\nContent-Disposition: form-data; name=a\r\n\r\nx\r\n--" B, /* no close */
        "--" B "\r\nContent-Disposition: form-data; name=a\r\n\r\nx\r\n--" B "x",
        "--" B "\r\nContent-Type: text/plain\r\n\r\nx\r\n--" B "--",       /* no disposition */
        "--" B "\r\nContent-Disposition: form-data\r\n\r\nx\r\n--" B "--", /* no name */
        "--" B "\r\nContent-Disposition: attachment; name=a\r\n\r\nx\r\n--" B "--",
        "--" B "\r\nContent-Disposition: form-data; name=a\r\n"
        "Content-Disposition: form-data; name=b\r\n\r\nx\r\n--" B "--",
        "--" B "\r\nContent-Disposition: form-data; name=a; name=b\r\n\r\nx\r\n--" B "--",
        "--" B "\r\nContent-Disposition: form-data; name=a; filename=x; filename=y\r\n\r\n"
        "x\r\n--" B "--",
        "--" B "\r\nContent-Disposition: form-data;\r\n name=a\r\n\r\nx\r\n--" B "--", /* fold */
        "--" B "\r\nContent-Disposition: form-data; name=\"a\r\n\r\nx\r\n--" B "--",
        "--" B "\r\nContent-Disposition: form-data; name=a b\r\n\r\nx\r\n--" B "--",
        "--" B "\r\nContent-Disposition: form-data; name=\r\n\r\nx\r\n--" B "--",
        "--" B "\r\nContent-Disposition form-data; name=a\r\n\r\nx\r\n--" B "--",
        "--" B "\r\nContent-Disposition: form-data; name=a\r\nX\rY: z\r\n\r\nx\r\n--" B "--",
        "--" B "\r\nContent-Disposition: form-data; name=a\r\n"
        "Content-Type: a\r\nContent-Type: b\r\n\r\nx\r\n--" B "--",
    };
    struct multipart_part parts[4];
    size_t n;

    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = parse_str(bad[i], parts, &n);
        if (rc != SHOP_EINVAL)
            fail_msg("case %zu: rc %d", i, rc);
    }
    /* a NUL inside a header line */
    static const char nul[] = "--" B "\r\nContent-Disposition: form-data; name=a\0\r\n\r\n"
                              "x\r\n--" B "--";
    assert_int_equal(parse(nul, sizeof nul - 1, parts, 4, &n), SHOP_EINVAL);
    /* a bad boundary argument */
    assert_int_equal(multipart_parse(lit("--a b \r\n"), lit("a b "), parts, 4, &n), SHOP_EINVAL);
}

static void test_limits(void **state)
{
    char body[8192];
    struct multipart_part parts[MULTIPART_MAX_PARTS + 1];
    size_t n, len = 0;

    (void)state;
    for (int i = 0; i < MULTIPART_MAX_PARTS + 1; i++)
        len += (size_t)snprintf(body + len, sizeof body - len,
                                "--" B "\r\nContent-Disposition: form-data; name=p%d\r\n\r\n"
                                "v\r\n",
                                i);
    len += (size_t)snprintf(body + len, sizeof body - len, "--" B "--");
    assert_int_equal(parse(body, len, parts, MULTIPART_MAX_PARTS + 1, &n), SHOP_ETOOBIG);
    assert_int_equal(parse(body, len, parts, 3, &n), SHOP_ETOOBIG);

    /* exactly MULTIPART_MAX_PARTS is fine */
    len = 0;
    for (int i = 0; i < MULTIPART_MAX_PARTS; i++)
        len += (size_t)snprintf(body + len, sizeof body - len,
                                "--" B "\r\nContent-Disposition: form-data; name=p%d\r\n\r\n"
                                "v\r\n",
                                i);
    len += (size_t)snprintf(body + len, sizeof body - len, "--" B "--");
    assert_int_equal(parse(body, len, parts, MULTIPART_MAX_PARTS, &n), 0);
    assert_int_equal(n, MULTIPART_MAX_PARTS);

    /* too many header lines */
    len = (size_t)snprintf(body, sizeof body,
                           "--" B "\r\nContent-Disposition: form-data; name=a\r\n");
    for (int i = 0; i < MULTIPART_MAX_HEADERS; i++)
        len += (size_t)snprintf(body + len, sizeof body - len, "X-%d: y\r\n", i);
    len += (size_t)snprintf(body + len, sizeof body - len, "\r\nv\r\n--" B "--");
    assert_int_equal(parse(body, len, parts, 4, &n), SHOP_ETOOBIG);

    /* a header line at the limit passes, one byte more does not */
    for (size_t extra = 0; extra < 2; extra++) {
        static const char head[] = "--" B "\r\nContent-Disposition: form-data; name=a\r\nX: ";
        size_t line = MULTIPART_MAX_HEADER_LINE + extra;
        len = sizeof head - 1;
        memcpy(body, head, len);
        memset(body + len, 'y', line - 3);
        len += line - 3;
        len += (size_t)snprintf(body + len, sizeof body - len, "\r\n\r\nv\r\n--" B "--");
        assert_int_equal(parse(body, len, parts, 4, &n), extra ? SHOP_ETOOBIG : 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_boundary),
        cmocka_unit_test(test_two_parts),
        cmocka_unit_test(test_empty_and_epilogue),
        cmocka_unit_test(test_lookalike_boundary_in_data),
        cmocka_unit_test(test_last_wins_and_params),
        cmocka_unit_test(test_quoted_escapes_kept_raw),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
