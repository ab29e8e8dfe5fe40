/* Unit tests for core/buf.c: contents, NUL termination, geometric growth, the hard
 * maximum, the sticky error, printf, integer rendering and steal/reset. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/err.h"

/* Let the huge-allocation test see NULL under AddressSanitizer instead of an abort. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "allocator_may_return_null=1";
}

static void test_init_defaults(void **state)
{
    struct buf b;

    (void)state;
    buf_init(&b, 0);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.max, BUF_DEFAULT_MAX);
    assert_false(buf_failed(&b));
    buf_init(&b, 100);
    assert_int_equal(b.max, 100);
}

static void test_append_and_terminate(void **state)
{
    struct buf b;

    (void)state;
    buf_init(&b, 0);
    buf_append(&b, "abc", 3);
    buf_putc(&b, '-');
    buf_puts(&b, "def");
    buf_puts(&b, NULL);
    buf_append(&b, NULL, 0);
    assert_int_equal(b.len, 7);
    assert_string_equal(b.data, "abc-def");
    buf_append(&b, "x\0y", 3);   /* binary data keeps its length */
    assert_int_equal(b.len, 10);
    assert_memory_equal(b.data + 7, "x\0y", 3);
    assert_int_equal(b.data[10], '\0');
    buf_cleanup(&b);
    assert_null(b.data);
}

static void test_geometric_growth(void **state)
{
    struct buf b;
    size_t i, last_cap = 0, growths = 0;

    (void)state;
    buf_init(&b, 0);
    for (i = 0; i < 100000; i++) {
        buf_putc(&b, (char)('a' + i % 26));
        assert_true(b.cap > b.len);
        if (b.cap != last_cap) {
            if (last_cap)
                assert_int_equal(b.cap, last_cap * 2);
            last_cap = b.cap;
            growths++;
        }
    }
    assert_int_equal(b.len, 100000);
    assert_true(growths <= 12);   /* 64 << 11 > 100001 */
    assert_int_equal(b.data[b.len], '\0');
    for (i = 0; i < 100000; i++)
        assert_int_equal(b.data[i], 'a' + i % 26);
    buf_cleanup(&b);
}

static void test_max_is_hard_and_error_sticky(void **state)
{
    struct buf b;

    (void)state;
    buf_init(&b, 10);
    buf_append(&b, "0123456789", 10);
    assert_false(buf_failed(&b));
    assert_true(b.cap <= 11);
    buf_putc(&b, 'x');
    assert_true(buf_failed(&b));
    assert_int_equal(b.err, SHOP_ETOOBIG);
    assert_int_equal(b.len, 10);
    assert_string_equal(b.data, "0123456789");

    buf_reset(&b);
    buf_append(&b, "01234", 5);
    buf_append(&b, "0123456", 7);   /* over: refused whole, not truncated */
    assert_int_equal(b.err, SHOP_ETOOBIG);
    buf_putc(&b, 'z');              /* would fit, but the error is sticky */
    buf_printf(&b, "%d", 1);
    buf_put_i64(&b, 1);
    assert_int_equal(b.len, 5);
    assert_string_equal(b.data, "01234");
    buf_cleanup(&b);
}

static void test_alloc_failure_sets_enomem(void **state)
{
    struct buf b;
    char c = 'x';
    /* volatile: a constant length would make GCC warn about the copy that the failed
     * capacity check never reaches (buf_append's fast path is inline). */
    volatile size_t huge = SIZE_MAX / 2;

    (void)state;
    buf_init(&b, SIZE_MAX);
    buf_append(&b, "ok", 2);
    buf_append(&b, &c, huge);   /* realloc fails before anything is read */
    assert_int_equal(b.err, SHOP_ENOMEM);
    assert_string_equal(b.data, "ok");
    assert_null(buf_steal(&b, NULL));
    buf_cleanup(&b);
}

static void test_printf(void **state)
{
    struct buf b;
    char big[300];

    (void)state;
    buf_init(&b, 0);
    buf_printf(&b, "%s=%d;", "a", 42);
    buf_printf(&b, "%05.1f", 3.14159);
    assert_string_equal(b.data, "a=42;003.1");
    memset(big, 'q', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    buf_printf(&b, "[%s]", big);   /* needs growth: formatted twice */
    assert_int_equal(b.len, 10 + 2 + 299);
    assert_int_equal(b.data[10], '[');
    assert_int_equal(b.data[b.len - 1], ']');
    assert_int_equal(b.data[b.len], '\0');
    buf_cleanup(&b);
}

static void test_printf_over_max_keeps_terminator(void **state)
{
    struct buf b;

    (void)state;
    buf_init(&b, 20);
    buf_puts(&b, "head");
    buf_printf(&b, "%s", "this text is longer than the rest");
    assert_int_equal(b.err, SHOP_ETOOBIG);
    assert_int_equal(b.len, 4);
    assert_string_equal(b.data, "head");
    buf_cleanup(&b);
}

static void test_integers(void **state)
{
    struct buf b;

    (void)state;
    buf_init(&b, 0);
    buf_put_i64(&b, 0);
    buf_putc(&b, ' ');
    buf_put_i64(&b, -1);
    buf_putc(&b, ' ');
    buf_put_i64(&b, INT64_MIN);
    buf_putc(&b, ' ');
    buf_put_i64(&b, INT64_MAX);
    buf_putc(&b, ' ');
    buf_put_u64(&b, UINT64_MAX);
    buf_putc(&b, ' ');
    buf_put_u64(&b, 1000);
    assert_string_equal(b.data, "0 -1 -9223372036854775808 9223372036854775807 "
                                "18446744073709551615 1000");
    buf_cleanup(&b);
}

static void test_reset_keeps_memory(void **state)
{
    struct buf b;
    char *data;

    (void)state;
    buf_init(&b, 4);
    buf_puts(&b, "abcdef");
    assert_true(buf_failed(&b));
    buf_reset(&b);
    assert_false(buf_failed(&b));
    buf_puts(&b, "ab");
    data = b.data;
    buf_reset(&b);
    assert_ptr_equal(b.data, data);
    assert_int_equal(b.len, 0);
    assert_string_equal(b.data, "");
    buf_cleanup_cb(&b);
    assert_null(b.data);
}

static void test_steal(void **state)
{
    struct buf b;
    size_t len = 99;
    char *p;

    (void)state;
    buf_init(&b, 0);
    p = buf_steal(&b, &len);   /* empty is not failure */
    assert_non_null(p);
    assert_string_equal(p, "");
    assert_int_equal(len, 0);
    free(p);

    buf_puts(&b, "hello");
    p = buf_steal(&b, &len);
    assert_string_equal(p, "hello");
    assert_int_equal(len, 5);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.cap, 0);
    free(p);

    buf_puts(&b, "again");     /* usable after steal */
    assert_string_equal(b.data, "again");
    buf_cleanup(&b);
}

static void test_self_append(void **state)
{
    struct buf b;
    int i;

    (void)state;
    buf_init(&b, 0);
    buf_puts(&b, "ab");
    for (i = 0; i < 10; i++)
        buf_append(&b, b.data, b.len);   /* source moves when the buffer grows */
    assert_int_equal(b.len, 2048);
    for (i = 0; i < 2048; i++)
        assert_int_equal(b.data[i], i % 2 ? 'b' : 'a');
    buf_cleanup(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init_defaults),
        cmocka_unit_test(test_append_and_terminate),
        cmocka_unit_test(test_geometric_growth),
        cmocka_unit_test(test_max_is_hard_and_error_sticky),
        cmocka_unit_test(test_alloc_failure_sets_enomem),
        cmocka_unit_test(test_printf),
        cmocka_unit_test(test_printf_over_max_keeps_terminator),
        cmocka_unit_test(test_integers),
        cmocka_unit_test(test_reset_keeps_memory),
        cmocka_unit_test(test_steal),
        cmocka_unit_test(test_self_append),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
