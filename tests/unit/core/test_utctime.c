/* Tests for core/utctime. Expected epoch values come from Python's datetime. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/utctime.h"

#define DAY_US (86400LL * 1000000)

static void fmt(int64_t us, const char *want)
{
    char out[UTC_FMT_MAX];
    assert_int_equal(utc_format(out, us), (int)strlen(want));
    assert_string_equal(out, want);
}

static void test_format(void **state)
{
    (void)state;
    fmt(0, "1970-01-01T00:00:00Z");
    fmt(1705314600123456LL, "2024-01-15T10:30:00.123456Z");
    fmt(1705314600000000LL, "2024-01-15T10:30:00Z");
    fmt(1705314600000001LL, "2024-01-15T10:30:00.000001Z");
    fmt(-1, "1969-12-31T23:59:59.999999Z");
    fmt(19782 * DAY_US, "2024-02-29T00:00:00Z");
    fmt(-719162 * DAY_US, "0001-01-01T00:00:00Z");
    fmt(2932896 * DAY_US + DAY_US - 1, "9999-12-31T23:59:59.999999Z");

    char out[UTC_FMT_MAX];
    assert_int_equal(utc_format_plain(out, 1705314600123456LL), 19);
    assert_string_equal(out, "2024-01-15 10:30:00");
    utc_format_plain(out, -1);
    assert_string_equal(out, "1969-12-31 23:59:59");
}

static void test_now(void **state)
{
    (void)state;
    int64_t a = utc_now_us(), b = utc_now_us();
    assert_true(a > 1700000000LL * 1000000);   /* after Nov 2023 */
    assert_true(b >= a);
}

static int64_t parse_ok(const char *s)
{
    int64_t us = 0;
    assert_int_equal(utc_parse(slice_from_cstr(s), &us), 0);
    return us;
}

static void parse_bad(const char *s)
{
    int64_t us = 42;
    assert_int_equal(utc_parse(slice_from_cstr(s), &us), SHOP_EINVAL);
    assert_int_equal(us, 42);
}

static void test_parse_forms(void **state)
{
    (void)state;
    assert_int_equal(parse_ok("2024-01-15T10:30:00.123456Z"), 1705314600123456LL);
    assert_int_equal(parse_ok("2024-01-15T10:30:00Z"), 1705314600000000LL);
    assert_int_equal(parse_ok("2024-01-15T10:30:00"), 1705314600000000LL);   /* naive = UTC */
    assert_int_equal(parse_ok("2024-01-15T10:30"), 1705314600000000LL);
    assert_int_equal(parse_ok("2024-01-15 10:30:00"), 1705314600000000LL);
    assert_int_equal(parse_ok("2024-01-15T10:30:00.1Z"), 1705314600100000LL);
    assert_int_equal(parse_ok("2024-01-15T10:30:00.12345"), 1705314600123450LL);
    assert_int_equal(parse_ok("2024-03-01T00:00+05:30"), 1709231400000000LL);
    assert_int_equal(parse_ok("2024-03-01T00:00:00+0530"), 1709231400000000LL);
    assert_int_equal(parse_ok("2024-03-01T05:30:00+05"), 1709253000000000LL);
    assert_int_equal(parse_ok("2024-01-15T10:30:00-01:00"), 1705314600000000LL + 3600000000LL);
    assert_int_equal(parse_ok("1969-12-31T23:59:59.999999Z"), -1);
    assert_int_equal(parse_ok("2024-02-29T00:00:00Z"), 19782 * DAY_US);
    assert_int_equal(parse_ok("2000-02-29T12:00Z"), 11016 * DAY_US + 12 * 3600000000LL);
}

static void test_parse_invalid(void **state)
{
    (void)state;
    const char *bad[] = {
        "", "2024-01-15", "2024-01-15T", "2024-01-15T10", "2024-01-15T10:3",
        "2024-01-15x10:30", "2024-01-15t10:30", "2024-1-15T10:30", "24-01-15T10:30",
        "2024-13-01T00:00", "2024-00-01T00:00", "2024-01-32T00:00", "2023-02-29T00:00",
        "1900-02-29T00:00", "2024-04-31T00:00", "2024-01-15T24:00", "2024-01-15T10:60",
        "2024-01-15T10:30:60", "2024-01-15T10:30:00.", "2024-01-15T10:30:00.1234567",
        "2024-01-15T10:30:00Zjunk", "2024-01-15T10:30:00+24:00", "2024-01-15T10:30:00+05:60",
        "2024-01-15T10:30:00+5", "2024-01-15T10:30:00+05:", "2024-01-15T10:30:00 Z",
        "0000-01-01T00:00", "2024-01-15T10:30:00z", "2024-01-15T1a:30", "abcd-ef-ghTij:kl",
        "2024-01-15T10:30:00+05:30:00", "2024-01-15T10:30.5",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        parse_bad(bad[i]);
    int64_t us;
    assert_int_equal(utc_parse((struct slice){ NULL, 0 }, &us), SHOP_EINVAL);
    /* a slice stops where its length says, not at a NUL */
    assert_int_equal(utc_parse((struct slice){ "2024-01-15T10:30Z+99", 17 }, &us), 0);
    assert_int_equal(us, 1705314600000000LL);
}

static void test_roundtrip(void **state)
{
    (void)state;
    char out[UTC_FMT_MAX];
    int64_t back;
    srand(7);
    for (int i = 0; i < 20000; i++) {
        int64_t us = ((int64_t)rand() << 31 ^ rand()) % (400LL * 365 * DAY_US) - 200LL * 365 * DAY_US;
        if (i % 3 == 0)
            us -= us % 1000000;
        int n = utc_format(out, us);
        assert_int_equal(utc_parse((struct slice){ out, (size_t)n }, &back), 0);
        assert_int_equal(back, us);
    }
}

static void test_dates(void **state)
{
    (void)state;
    int32_t d = -5;
    char out[UTC_FMT_MAX];
    assert_int_equal(date_parse(slice_from_cstr("1970-01-01"), &d), 0);
    assert_int_equal(d, 0);
    assert_int_equal(date_parse(slice_from_cstr("2024-02-29"), &d), 0);
    assert_int_equal(d, 19782);
    assert_int_equal(date_parse(slice_from_cstr("0001-01-01"), &d), 0);
    assert_int_equal(d, -719162);
    assert_int_equal(date_parse(slice_from_cstr("9999-12-31"), &d), 0);
    assert_int_equal(d, 2932896);
    const char *bad[] = { "2023-02-29", "2023-02-30", "2024-02-30", "2024-13-01", "2024-00-10",
                          "2024-01-00", "2024-1-5", "2024-01-5", "24-01-05", "2024-01-05 ",
                          " 2024-01-05", "2024/01/05", "2024-01-05T00:00", "20240105",
                          "0000-01-01", "2o24-01-05", "", "2024-01-0x" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        d = 99;
        assert_int_equal(date_parse(slice_from_cstr(bad[i]), &d), SHOP_EINVAL);
        assert_int_equal(d, 99);
    }
    assert_int_equal(date_format(out, 19782), 10);
    assert_string_equal(out, "2024-02-29");
    date_format(out, -1);
    assert_string_equal(out, "1969-12-31");
    date_format(out, -719162);
    assert_string_equal(out, "0001-01-01");
    for (int32_t k = -719162; k <= 2932896; k += 97) {
        int32_t back;
        int n = date_format(out, k);
        assert_int_equal(date_parse((struct slice){ out, (size_t)n }, &back), 0);
        assert_int_equal(back, k);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format),        cmocka_unit_test(test_now),
        cmocka_unit_test(test_parse_forms),   cmocka_unit_test(test_parse_invalid),
        cmocka_unit_test(test_roundtrip),     cmocka_unit_test(test_dates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
