/* Tests for core/pyfloat: expected strings are Python 3.11's repr() of the same value. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "core/pyfloat.h"

static void check(double v, const char *want)
{
    char out[PYFLOAT_REPR_MAX];
    int n = pyfloat_repr(out, v);
    assert_string_equal(out, want);
    assert_int_equal(n, (int)strlen(want));
}

static void test_fixed(void **state)
{
    (void)state;
    check(5.0, "5.0");
    check(5.5, "5.5");
    check(1e3, "1000.0");
    check(149.99, "149.99");
    check(123.456, "123.456");
    check(0.1 + 0.2, "0.30000000000000004");
    check(1e15, "1000000000000000.0");
    check(1234567890123456.0, "1234567890123456.0");
    check(0.0001, "0.0001");
    check(-0.5, "-0.5");
    check(0.0, "0.0");
    check(-0.0, "-0.0");
}

static void test_scientific(void **state)
{
    (void)state;
    check(1e16, "1e+16");
    check(1e22, "1e+22");
    check(0.00001, "1e-05");
    check(1.5e-7, "1.5e-07");
    check(2.5e-5, "2.5e-05");
    check(1e100, "1e+100");
    check(-1e100, "-1e+100");
    check(1.7976931348623157e308, "1.7976931348623157e+308");
    check(5e-324, "5e-324");
}

static void test_special(void **state)
{
    (void)state;
    check(INFINITY, "inf");
    check(-INFINITY, "-inf");
    check(NAN, "nan");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixed),
        cmocka_unit_test(test_scientific),
        cmocka_unit_test(test_special),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
