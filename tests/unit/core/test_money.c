/* Tests for core/money: DRF DecimalField(decimal_places=2) parsing into cents, the two
 * renderings, and percentage rounding. Digit counts were checked against Python's
 * Decimal(...).as_tuple(). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/money.h"

static int parse(const char *s, int64_t *cents)
{
    *cents = -777;
    return money_parse(slice_from_cstr(s), cents);
}

static void ok(const char *s, int64_t want)
{
    int64_t c;
    assert_int_equal(parse(s, &c), MONEY_OK);
    assert_int_equal(c, want);
}

static void err(const char *s, int want)
{
    int64_t c;
    assert_int_equal(parse(s, &c), want);
    assert_int_equal(c, -777);   /* untouched on failure */
}

static void test_parse_plain(void **state)
{
    (void)state;
    ok("149.99", 14999);
    ok("5", 500);
    ok("5.5", 550);
    ok("5.50", 550);
    ok("0", 0);
    ok("0.00", 0);
    ok("-0.50", -50);
    ok("+1.01", 101);
    ok("-0", 0);
    ok("1.", 100);
    ok(".5", 50);
    ok("007.10", 710);
    ok("1_000.5", 100050);   /* Decimal() ignores underscores */
    ok("_1", 100);
}

static void test_parse_exponent(void **state)
{
    (void)state;
    ok("1e2", 10000);
    ok("1E2", 10000);
    ok("1.5E+1", 1500);
    ok("1.5e1", 1500);
    ok("15e-1", 150);
    ok("1.5e-1", 15);
    ok("100e-2", 100);
    ok("1e-2", 1);
    ok("0e5", 0);
    err("0e-9", MONEY_EPLACES);   /* Decimal("0e-9") has exponent -9: 9 places */
}

static void test_parse_invalid(void **state)
{
    (void)state;
    const char *bad[] = { "", "abc", "1.2.3", "--1", "+-1", ".", "e5", "1e", "1e+", "1.5x",
                          " 1", "1 ", "NaN", "Infinity", "inf", "0x10", "1,5", "_", "5$",
                          "1e5.5", "\xC3\xA9" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        err(bad[i], MONEY_EINVALID);
    int64_t c;
    assert_int_equal(money_parse((struct slice){ NULL, 0 }, &c), MONEY_EINVALID);
    assert_int_equal(money_parse((struct slice){ "12", 1 }, &c), MONEY_OK);   /* length wins */
    assert_int_equal(c, 100);
}

static void test_parse_places(void **state)
{
    (void)state;
    err("1.500", MONEY_EPLACES);   /* trailing zeros count, as Decimal's exponent does */
    err("0.001", MONEY_EPLACES);
    err("1.234", MONEY_EPLACES);
    err("1000e-3", MONEY_EPLACES);
    err("1e-3", MONEY_EPLACES);
    err("0.000", MONEY_EPLACES);
    err("1e-999999999999999", MONEY_EPLACES);
}

static void test_parse_range(void **state)
{
    (void)state;
    ok("92233720368547758.07", INT64_MAX);
    ok("-92233720368547758.07", -INT64_MAX);
    err("92233720368547758.08", MONEY_ERANGE);
    err("100000000000000000", MONEY_ERANGE);
    err("1e17", MONEY_ERANGE);
    err("1e999999999999999999", MONEY_ERANGE);
    err("123456789012345678901234567890", MONEY_ERANGE);
}

static void parts(const char *s, int rc, int64_t total, int64_t whole, int64_t places)
{
    int64_t c;
    struct money_parts p;
    assert_int_equal(money_parse_parts(slice_from_cstr(s), &c, &p), rc);
    assert_int_equal(p.total_digits, total);
    assert_int_equal(p.whole_digits, whole);
    assert_int_equal(p.places, places);
}

static void test_parts(void **state)
{
    (void)state;
    parts("123.45", MONEY_OK, 5, 3, 2);
    parts("0.5", MONEY_OK, 1, 0, 1);
    parts("0.00", MONEY_OK, 2, 0, 2);
    parts("0", MONEY_OK, 1, 1, 0);
    parts("1e2", MONEY_OK, 3, 3, 0);
    parts("0e5", MONEY_OK, 6, 6, 0);
    parts("1234500.0", MONEY_OK, 8, 7, 1);
    parts("0.001234", MONEY_EPLACES, 6, 0, 6);
    parts("00012.50", MONEY_OK, 4, 2, 2);
    parts("-0.50", MONEY_OK, 2, 0, 2);
    parts("12345678901234567890", MONEY_ERANGE, 20, 20, 0);
    struct money_parts p;
    int64_t c;
    assert_int_equal(money_parse_parts(slice_from_cstr("-1"), &c, &p), MONEY_OK);
    assert_true(p.negative);
}

static void fmt(int64_t cents, const char *want)
{
    char out[MONEY_FMT_MAX];
    assert_int_equal(money_format(out, cents), (int)strlen(want));
    assert_string_equal(out, want);
}

static void fmt_num(int64_t cents, const char *want)
{
    char out[MONEY_FMT_MAX];
    assert_int_equal(money_format_num(out, cents), (int)strlen(want));
    assert_string_equal(out, want);
}

static void test_format(void **state)
{
    (void)state;
    fmt(14999, "149.99");
    fmt(-50, "-0.50");
    fmt(0, "0.00");
    fmt(5, "0.05");
    fmt(-5, "-0.05");
    fmt(100, "1.00");
    fmt(INT64_MAX, "92233720368547758.07");
    fmt(INT64_MIN, "-92233720368547758.08");
}

static void test_format_num(void **state)
{
    (void)state;
    fmt_num(15000, "150.0");
    fmt_num(15050, "150.5");
    fmt_num(14999, "149.99");
    fmt_num(19297, "192.97");
    fmt_num(0, "0.0");
    fmt_num(-50, "-0.5");
    fmt_num(1, "0.01");
    fmt_num(10, "0.1");
    fmt_num(123456789012345, "1234567890123.45");
}

static void test_percent(void **state)
{
    (void)state;
    assert_int_equal(money_percent(10000, 1000), 1000);    /* 10% of 100.00 */
    assert_int_equal(money_percent(14999, 1250), 1875);    /* 1874.875 -> 1875 */
    assert_int_equal(money_percent(100, 50), 1);           /* 0.5 cent -> 1 (half up) */
    assert_int_equal(money_percent(100, 49), 0);           /* 0.49 -> 0 */
    assert_int_equal(money_percent(-100, 50), -1);         /* magnitude half up */
    assert_int_equal(money_percent(-100, 49), 0);
    assert_int_equal(money_percent(999, 3333), 333);       /* 332.9667 */
    assert_int_equal(money_percent(12345, 10000), 12345);  /* 100% */
    assert_int_equal(money_percent(0, 1234), 0);
    assert_int_equal(money_percent(INT64_MAX, 10000), INT64_MAX);
    assert_int_equal(money_percent(INT64_MAX, 5000), INT64_MAX / 2 + 1);
    assert_int_equal(money_percent(INT64_MAX, 20000), INT64_MAX);   /* saturates */
    assert_int_equal(money_percent(INT64_MIN, 20000), INT64_MIN);
    assert_int_equal(money_percent(INT64_MAX, -20000), INT64_MIN);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_plain),  cmocka_unit_test(test_parse_exponent),
        cmocka_unit_test(test_parse_invalid), cmocka_unit_test(test_parse_places),
        cmocka_unit_test(test_parse_range),  cmocka_unit_test(test_parts),
        cmocka_unit_test(test_format),       cmocka_unit_test(test_format_num),
        cmocka_unit_test(test_percent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
