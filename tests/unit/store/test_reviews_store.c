/* Unit tests for store/reviews_store.c's rating arithmetic: the mean of 1..5 ratings
 * x100, rounded half up (API.md §3.3), exact where floating point would drift. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "store/reviews_store.h"

static void test_mean_x100(void **state)
{
    (void)state;
    assert_int_equal(reviews_mean_x100(5, 1), 500);
    assert_int_equal(reviews_mean_x100(9, 2), 450);
    assert_int_equal(reviews_mean_x100(13, 3), 433); /* 4.333... */
    assert_int_equal(reviews_mean_x100(14, 3), 467); /* 4.666... */
    assert_int_equal(reviews_mean_x100(37, 8), 463); /* 4.625: half up, not to even */
    assert_int_equal(reviews_mean_x100(35, 8), 438); /* 4.375 */
    assert_int_equal(reviews_mean_x100(1, 3), 33);   /* 0.333... */
    assert_int_equal(reviews_mean_x100(2, 3), 67);
    assert_int_equal(reviews_mean_x100(1, 1), 100);
}

static void test_mean_x100_large(void **state)
{
    (void)state;
    /* a million five-star reviews and one one-star: 4.999996 -> 5.00 */
    assert_int_equal(reviews_mean_x100(5000001, 1000001), 500);
    /* 200 001 reviews summing 600 002: 2.99999500... -> 3.00 */
    assert_int_equal(reviews_mean_x100(600002, 200001), 300);
    /* 3 reviews of 1 and 197 of 2 over 200: 1.985 -> 1.99 (half up) */
    assert_int_equal(reviews_mean_x100(3 + 394, 200), 199);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mean_x100),
        cmocka_unit_test(test_mean_x100_large),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
