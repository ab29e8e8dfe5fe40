/* Unit tests for core/err.c: every shop_err has its own message. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/err.h"

static void test_every_code_named(void **state)
{
    const char *seen[9];
    int e, i;

    (void)state;
    for (e = SHOP_OK; e >= SHOP_EIO; e--) {
        seen[-e] = shop_strerror(e);
        assert_string_not_equal(seen[-e], "unknown error");
        for (i = 0; i < -e; i++)
            assert_string_not_equal(seen[i], seen[-e]);
    }
    assert_string_equal(shop_strerror(SHOP_ENOMEM), "out of memory");
    assert_string_equal(shop_strerror(-100), "unknown error");
    assert_string_equal(shop_strerror(1), "unknown error");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_code_named),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
