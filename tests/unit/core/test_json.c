/* Unit tests for core/json.c. Expected strings were produced with Python:
 * json.dumps(s, ensure_ascii=False, separators=(',', ':')) plus DRF's U+2028/9
 * replacement; invalid UTF-8 as bytes.decode('utf-8', 'replace'); numbers as
 * repr(float(Decimal(cents) / 100)) and repr(round(v, d)). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "core/json.h"

#define FFFD "\xEF\xBF\xBD"

static void check_escape_n(const char *in, size_t n, const char *want)
{
    struct buf b;

    buf_init(&b, 0);
    json_escape(&b, in, n);
    assert_false(buf_failed(&b));
    assert_string_equal(b.data, want);
    assert_int_equal(b.len, strlen(want));
    buf_cleanup(&b);
}

#define CHECK_ESC(lit, want) check_escape_n((lit), sizeof(lit) - 1, (want))

static void test_escape_plain(void **state)
{
    (void)state;
    CHECK_ESC("", "\"\"");
    CHECK_ESC("hello", "\"hello\"");
    CHECK_ESC("a/b <c> & 'd'", "\"a/b <c> & 'd'\"");
    CHECK_ESC("\x7f", "\"\x7f\"");
    CHECK_ESC(" ~!#$%()*+,-.:;=?@[]^_`{|}", "\" ~!#$%()*+,-.:;=?@[]^_`{|}\"");
}

static void test_escape_quote_backslash(void **state)
{
    (void)state;
    CHECK_ESC("\"", "\"\\\"\"");
    CHECK_ESC("\\", "\"\\\\\"");
    CHECK_ESC("a\"b\\c", "\"a\\\"b\\\\c\"");
    CHECK_ESC("\\\"\\\"", "\"\\\\\\\"\\\\\\\"\"");
}

static void test_escape_every_control_char(void **state)
{
    static const char *const want[32] = {
        "\"\\u0000\"", "\"\\u0001\"", "\"\\u0002\"", "\"\\u0003\"", "\"\\u0004\"",
        "\"\\u0005\"", "\"\\u0006\"", "\"\\u0007\"", "\"\\b\"",     "\"\\t\"",
        "\"\\n\"",     "\"\\u000b\"", "\"\\f\"",     "\"\\r\"",     "\"\\u000e\"",
        "\"\\u000f\"", "\"\\u0010\"", "\"\\u0011\"", "\"\\u0012\"", "\"\\u0013\"",
        "\"\\u0014\"", "\"\\u0015\"", "\"\\u0016\"", "\"\\u0017\"", "\"\\u0018\"",
        "\"\\u0019\"", "\"\\u001a\"", "\"\\u001b\"", "\"\\u001c\"", "\"\\u001d\"",
        "\"\\u001e\"", "\"\\u001f\"",
    };
    char c;
    int i;

    (void)state;
    for (i = 0; i < 32; i++) {
        c = (char)i;
        check_escape_n(&c, 1, want[i]);
    }
    CHECK_ESC("line1\nline2\ttab\x01", "\"line1\\nline2\\ttab\\u0001\"");
}

static void test_escape_utf8_kept(void **state)
{
    (void)state;
    CHECK_ESC("caf\xC3\xA9", "\"caf\xC3\xA9\"");                     /* é */
    CHECK_ESC("\xE2\x82\xAC" "5", "\"\xE2\x82\xAC" "5\"");           /* € */
    CHECK_ESC("\xF0\x9D\x84\x9E", "\"\xF0\x9D\x84\x9E\"");           /* U+1D11E */
    CHECK_ESC("\xF4\x8F\xBF\xBF", "\"\xF4\x8F\xBF\xBF\"");           /* U+10FFFF */
    CHECK_ESC("\xEF\xBF\xBF", "\"\xEF\xBF\xBF\"");                   /* U+FFFF */
    CHECK_ESC("\xED\x9F\xBF", "\"\xED\x9F\xBF\"");                   /* U+D7FF */
    CHECK_ESC("\xEE\x80\x80", "\"\xEE\x80\x80\"");                   /* U+E000 */
    CHECK_ESC("\xC2\x80", "\"\xC2\x80\"");                           /* U+0080 */
    CHECK_ESC("\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E \"x\"",
              "\"\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E \\\"x\\\"\"");
    CHECK_ESC("\xE2\x80\xA7\xE2\x80\xAA", "\"\xE2\x80\xA7\xE2\x80\xAA\""); /* 2027, 202A */
}

static void test_escape_line_separators_like_drf(void **state)
{
    (void)state;
    CHECK_ESC("a\xE2\x80\xA8" "b", "\"a\\u2028b\"");
    CHECK_ESC("\xE2\x80\xA9", "\"\\u2029\"");
}

static void test_escape_invalid_utf8(void **state)
{
    (void)state;
    CHECK_ESC("\x80", "\"" FFFD "\"");                    /* lone continuation */
    CHECK_ESC("\xBF" "a", "\"" FFFD "a\"");
    CHECK_ESC("\xC0", "\"" FFFD "\"");                    /* never-valid leads */
    CHECK_ESC("\xC1", "\"" FFFD "\"");
    CHECK_ESC("\xF5", "\"" FFFD "\"");
    CHECK_ESC("\xFF", "\"" FFFD "\"");
    CHECK_ESC("\xF8\x88\x80\x80\x80", "\"" FFFD FFFD FFFD FFFD FFFD "\"");
    CHECK_ESC("\xC3", "\"" FFFD "\"");                    /* truncated at end */
    CHECK_ESC("\xE2\x82", "\"" FFFD "\"");
    CHECK_ESC("\xE0\xA0", "\"" FFFD "\"");
    CHECK_ESC("\xF0\x9F\x98", "\"" FFFD "\"");
    CHECK_ESC("\xE2\x82" "A", "\"" FFFD "A\"");           /* truncated mid-string */
    CHECK_ESC("\xF0\x9F\x98" "A", "\"" FFFD "A\"");
    CHECK_ESC("\xC3\"", "\"" FFFD "\\\"\"");
    CHECK_ESC("a\xC3\xA9\xE2\x82", "\"a\xC3\xA9" FFFD "\"");
    CHECK_ESC("\xC0\xAF", "\"" FFFD FFFD "\"");           /* overlongs */
    CHECK_ESC("\xE0\x80\xAF", "\"" FFFD FFFD FFFD "\"");
    CHECK_ESC("\xF0\x80\x80\x80", "\"" FFFD FFFD FFFD FFFD "\"");
    CHECK_ESC("\xED\xA0\x80", "\"" FFFD FFFD FFFD "\"");  /* surrogates */
    CHECK_ESC("\xED\xBF\xBF", "\"" FFFD FFFD FFFD "\"");
    CHECK_ESC("\xF4\x90\x80\x80", "\"" FFFD FFFD FFFD FFFD "\""); /* > U+10FFFF */
    CHECK_ESC("\xF5\x80\x80\x80", "\"" FFFD FFFD FFFD FFFD "\"");
    check_escape_n("a\0b", 3, "\"a\\u0000b\"");          /* embedded NUL */
}

/* The escaper scans 8 bytes at a time: put each special byte at every offset of a
 * longer string so every lane and the tail loop are exercised. */
static void test_escape_every_offset(void **state)
{
    static const struct {
        char c;
        const char *esc;
    } cases[] = {
        { '"', "\\\"" }, { '\\', "\\\\" }, { '\x01', "\\u0001" }, { '\x1f', "\\u001f" },
        { '\n', "\\n" }, { (char)0x80, FFFD }, { (char)0xFF, FFFD }, { ' ', " " },
        { '!', "!" },    { '#', "#" },        { '[', "[" },        { ']', "]" },
        { '\x7f', "\x7f" },
    };
    char in[40], want[80];
    size_t k, off;

    (void)state;
    for (k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
        for (off = 0; off < sizeof(in); off++) {
            memset(in, 'x', sizeof(in));
            in[off] = cases[k].c;
            snprintf(want, sizeof(want), "\"%.*s%s%.*s\"", (int)off, in, cases[k].esc,
                     (int)(sizeof(in) - off - 1), in + off + 1);
            check_escape_n(in, sizeof(in), want);
        }
    }
}

/* ---- writer ---- */

struct fx {
    struct buf b;
    struct json_w w;
};

static int fx_setup(void **state)
{
    static struct fx f;

    buf_init(&f.b, 0);
    json_init(&f.w, &f.b);
    *state = &f;
    return 0;
}

static int fx_teardown(void **state)
{
    struct fx *f = *state;

    buf_cleanup(&f->b);
    return 0;
}

static void expect(struct fx *f, const char *want)
{
    assert_false(buf_failed(&f->b));
    assert_string_equal(f->b.data, want);
    assert_int_equal(f->w.depth, 0);
}

static void test_writer_nesting_and_commas(void **state)
{
    struct fx *f = *state;
    struct json_w *w = &f->w;

    json_obj_begin(w);
    json_key_int(w, "id", 7);
    json_key_str(w, "name", "T\"-shirt");
    json_key(w, "tags");
    json_arr_begin(w);
    json_str(w, "a");
    json_int(w, -3);
    json_obj_begin(w);
    json_key_null(w, "x");
    json_key_bool(w, "y", true);
    json_obj_end(w);
    json_arr_begin(w);
    json_arr_end(w);
    json_obj_begin(w);
    json_obj_end(w);
    json_bool(w, false);
    json_arr_end(w);
    json_key_str(w, "none", NULL);
    json_key(w, "raw");
    json_raw(w, "[1,2]", 5);
    json_key_strn(w, "n", "abcdef", 3);
    json_key(w, "s");
    json_slice(w, SLICE_LIT("sl"));
    json_obj_end(w);
    expect(f, "{\"id\":7,\"name\":\"T\\\"-shirt\",\"tags\":[\"a\",-3,{\"x\":null,\"y\":true},"
              "[],{},false],\"none\":null,\"raw\":[1,2],\"n\":\"abc\",\"s\":\"sl\"}");
}

static void test_writer_top_level_array(void **state)
{
    struct fx *f = *state;

    json_arr_begin(&f->w);
    json_int(&f->w, INT64_MIN);
    json_int(&f->w, INT64_MAX);
    json_int(&f->w, 0);
    json_arr_end(&f->w);
    expect(f, "[-9223372036854775808,9223372036854775807,0]");
}

static void test_writer_max_depth_ok(void **state)
{
    struct fx *f = *state;
    char want[2 * JSON_MAX_DEPTH + 1];
    int i;

    for (i = 0; i < JSON_MAX_DEPTH; i++)
        json_arr_begin(&f->w);
    for (i = 0; i < JSON_MAX_DEPTH; i++)
        json_arr_end(&f->w);
    memset(want, '[', JSON_MAX_DEPTH);
    memset(want + JSON_MAX_DEPTH, ']', JSON_MAX_DEPTH);
    want[2 * JSON_MAX_DEPTH] = '\0';
    expect(f, want);
}

static void test_writer_depth_overflow_fails(void **state)
{
    struct fx *f = *state;
    size_t len;
    int i;

    for (i = 0; i < JSON_MAX_DEPTH; i++) {
        json_obj_begin(&f->w);
        json_key(&f->w, "k");
    }
    assert_false(buf_failed(&f->b));
    json_arr_begin(&f->w);
    assert_int_equal(f->b.err, SHOP_EINVAL);
    len = f->b.len;
    json_str(&f->w, "ignored");   /* sticky: nothing more is written */
    assert_int_equal(f->b.len, len);
}

static void test_writer_end_without_begin_fails(void **state)
{
    struct fx *f = *state;

    json_obj_end(&f->w);
    assert_int_equal(f->b.err, SHOP_EINVAL);
}

static void test_writer_misuse_fails(void **state)
{
    struct fx *f = *state;

    json_key(&f->w, "top");   /* key outside an object */
    assert_int_equal(f->b.err, SHOP_EINVAL);

    buf_reset(&f->b);
    json_init(&f->w, &f->b);
    json_obj_begin(&f->w);
    json_key(&f->w, "a");
    json_key(&f->w, "b");     /* two keys in a row */
    assert_int_equal(f->b.err, SHOP_EINVAL);

    buf_reset(&f->b);
    json_init(&f->w, &f->b);
    json_obj_begin(&f->w);
    json_key(&f->w, "a");
    json_obj_end(&f->w);      /* key without value */
    assert_int_equal(f->b.err, SHOP_EINVAL);

    buf_reset(&f->b);
    json_init(&f->w, &f->b);
    json_obj_begin(&f->w);
    json_key(&f->w, NULL);
    assert_int_equal(f->b.err, SHOP_EINVAL);
}

static void test_writer_buffer_limit(void **state)
{
    struct buf b;
    struct json_w w;

    (void)state;
    buf_init(&b, 16);
    json_init(&w, &b);
    json_arr_begin(&w);
    json_str(&w, "0123456789abcdef");
    json_arr_end(&w);
    assert_true(buf_failed(&b));
    assert_int_equal(b.err, SHOP_ETOOBIG);
    buf_cleanup(&b);
}

/* ---- money, numbers, time ---- */

static void check_value(void (*fn)(struct json_w *, int64_t), int64_t v, const char *want)
{
    struct buf b;
    struct json_w w;

    buf_init(&b, 0);
    json_init(&w, &b);
    fn(&w, v);
    assert_false(buf_failed(&b));
    assert_string_equal(b.data, want);
    buf_cleanup(&b);
}

static void test_money_str(void **state)
{
    (void)state;
    check_value(json_money_str, 14999, "\"149.99\"");
    check_value(json_money_str, 15000, "\"150.00\"");
    check_value(json_money_str, -50, "\"-0.50\"");
    check_value(json_money_str, 0, "\"0.00\"");
    check_value(json_money_str, 5, "\"0.05\"");
    check_value(json_money_str, -100, "\"-1.00\"");
    check_value(json_money_str, INT64_MAX, "\"92233720368547758.07\"");
    check_value(json_money_str, INT64_MIN, "\"-92233720368547758.08\"");
}

static void test_money_num(void **state)
{
    (void)state;
    check_value(json_money_num, 15000, "150.0");
    check_value(json_money_num, 15050, "150.5");
    check_value(json_money_num, 14999, "149.99");
    check_value(json_money_num, 19297, "192.97");
    check_value(json_money_num, 0, "0.0");
    check_value(json_money_num, -50, "-0.5");
    check_value(json_money_num, 5, "0.05");
    check_value(json_money_num, 10, "0.1");
    check_value(json_money_num, 999999999999999, "9999999999999.99");
    /* past 15 significant digits Python's float repr rounds */
    check_value(json_money_num, 1000000000000000, "10000000000000.0");
    check_value(json_money_num, 99999999999999999, "1000000000000000.0");
    check_value(json_money_num, 123456789012345678, "1234567890123456.8");
    check_value(json_money_num, INT64_MAX, "9.223372036854776e+16");
    check_value(json_money_num, INT64_MIN, "-9.223372036854776e+16");
}

static void check_double(double v, int dec, const char *want)
{
    struct buf b;
    struct json_w w;

    buf_init(&b, 0);
    json_init(&w, &b);
    json_double(&w, v, dec);
    assert_false(buf_failed(&b));
    assert_string_equal(b.data, want);
    buf_cleanup(&b);
}

static void test_double(void **state)
{
    (void)state;
    check_double(4.5, 1, "4.5");
    check_double(4.0, 1, "4.0");
    check_double(4.0, 0, "4.0");
    check_double(123.456, 0, "123.0");
    check_double(1.005, 2, "1.0");
    check_double(2.675, 2, "2.67");
    check_double(3.14159, 3, "3.142");
    check_double(99.999, 2, "100.0");
    check_double(-1.25, 1, "-1.2");
    check_double(-0.001, 2, "-0.0");
    check_double(-0.0, 2, "-0.0");
    check_double(123456789012.345, 2, "123456789012.35");
    check_double(1e20, 2, "1e+20");
    check_double(1e16, 0, "1e+16");
    check_double(1e-7, 10, "1e-07");
    check_double(0.000123456, 6, "0.000123");
    check_double(0.1 + 0.2, 17, "0.30000000000000004");
    check_double(NAN, 2, "null");
    check_double(INFINITY, 2, "null");
    check_double(-INFINITY, 2, "null");
}

static void test_time(void **state)
{
    (void)state;
    check_value(json_time, 0, "\"1970-01-01T00:00:00Z\"");
    check_value(json_time, 1705314600123456, "\"2024-01-15T10:30:00.123456Z\"");
    check_value(json_time, 1705314600000000, "\"2024-01-15T10:30:00Z\"");
    check_value(json_time, 1705314600000001, "\"2024-01-15T10:30:00.000001Z\"");
    check_value(json_time, 1705314600100000, "\"2024-01-15T10:30:00.100000Z\"");
    check_value(json_time, 951782400000000, "\"2000-02-29T00:00:00Z\"");
    check_value(json_time, 4107542399999999, "\"2100-02-28T23:59:59.999999Z\"");
    check_value(json_time, 253402300799999999, "\"9999-12-31T23:59:59.999999Z\"");
    check_value(json_time, 253402300800000000, "\"10000-01-01T00:00:00Z\"");
    check_value(json_time, INT64_MAX, "\"294247-01-10T04:00:54.775807Z\"");
}

static void test_time_before_1970(void **state)
{
    (void)state;
    check_value(json_time, -1, "\"1969-12-31T23:59:59.999999Z\"");
    check_value(json_time, -1000000, "\"1969-12-31T23:59:59Z\"");
    check_value(json_time, -86400000000, "\"1969-12-31T00:00:00Z\"");
    check_value(json_time, -2203891200000000, "\"1900-03-01T00:00:00Z\"");
    check_value(json_time, -2208988800500000, "\"1899-12-31T23:59:59.500000Z\"");
    check_value(json_time, -62135596800000000, "\"0001-01-01T00:00:00Z\"");
    check_value(json_time, -62135596800000001, "\"0000-12-31T23:59:59.999999Z\"");
    check_value(json_time, -62198755200000000, "\"-0001-01-01T00:00:00Z\"");
    check_value(json_time, INT64_MIN, "\"-290308-12-21T19:59:05.224192Z\"");
}

static void test_key_shorthands(void **state)
{
    struct fx *f = *state;

    json_obj_begin(&f->w);
    json_key_money_str(&f->w, "p", 14999);
    json_key_money_num(&f->w, "t", 19297);
    json_key_time(&f->w, "at", 0);
    json_obj_end(&f->w);
    expect(f, "{\"p\":\"149.99\",\"t\":192.97,\"at\":\"1970-01-01T00:00:00Z\"}");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escape_plain),
        cmocka_unit_test(test_escape_quote_backslash),
        cmocka_unit_test(test_escape_every_control_char),
        cmocka_unit_test(test_escape_utf8_kept),
        cmocka_unit_test(test_escape_line_separators_like_drf),
        cmocka_unit_test(test_escape_invalid_utf8),
        cmocka_unit_test(test_escape_every_offset),
        cmocka_unit_test_setup_teardown(test_writer_nesting_and_commas, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_writer_top_level_array, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_writer_max_depth_ok, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_writer_depth_overflow_fails, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_writer_end_without_begin_fails, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(test_writer_misuse_fails, fx_setup, fx_teardown),
        cmocka_unit_test(test_writer_buffer_limit),
        cmocka_unit_test(test_money_str),
        cmocka_unit_test(test_money_num),
        cmocka_unit_test(test_double),
        cmocka_unit_test(test_time),
        cmocka_unit_test(test_time_before_1970),
        cmocka_unit_test_setup_teardown(test_key_shorthands, fx_setup, fx_teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
