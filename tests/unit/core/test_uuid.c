/* Unit tests for core/uuid.c: v4 layout, canonical-form checking and the random
 * helpers (lengths, terminators, no overrun, not constant). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "core/uuid.h"

static void test_v4_layout(void **state)
{
    char a[UUID_STR_LEN + 1], b[UUID_STR_LEN + 1];
    int i, k;

    (void)state;
    for (k = 0; k < 200; k++) {
        assert_int_equal(uuid_v4(a), 0);
        assert_int_equal(strlen(a), 36);
        assert_true(uuid_is_canonical(a, 36));
        assert_int_equal(a[14], '4');                         /* version */
        assert_non_null(strchr("89ab", a[19]));               /* RFC 4122 variant */
        for (i = 0; i < 36; i++)
            assert_true(a[i] == '-' || strchr("0123456789abcdef", a[i]));
    }
    assert_int_equal(uuid_v4(b), 0);
    assert_string_not_equal(a, b);
}

static void test_canonical(void **state)
{
    static const char *const good[] = {
        "123e4567-e89b-12d3-a456-426614174000",
        "00000000-0000-0000-0000-000000000000",
        "ABCDEF01-2345-6789-ABCD-EF0123456789",
        "abcdef01-2345-6789-ABCD-ef0123456789",
    };
    static const char *const bad[] = {
        "123e4567-e89b-12d3-a456-42661417400",     /* 35 */
        "123e4567-e89b-12d3-a456-4266141740000",   /* 37 */
        "123e4567e89b-12d3-a456-426614174000-",    /* hyphen moved */
        "123e4567-e89b-12d3-a4564-26614174000",
        "123e4567-e89b-12d3-a456-42661417400g",    /* not hex */
        "123e4567-e89b-12d3-a456 426614174000",
        "123e4567-e89b012d3-a456-426614174000",    /* hex where a hyphen goes */
        "{23e4567-e89b-12d3-a456-426614174000",
        "123e4567ee89bb12d3aa456a426614174000",
        "",
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
        assert_true(uuid_is_canonical(good[i], strlen(good[i])));
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_false(uuid_is_canonical(bad[i], strlen(bad[i])));
    assert_false(uuid_is_canonical(NULL, 36));
    assert_true(uuid_is_canonical("123e4567-e89b-12d3-a456-426614174000xyz", 36));
    assert_false(uuid_is_canonical("123e4567-e89b-12d3-a456-426614174000\0", 37));
}

static void test_random_bytes(void **state)
{
    unsigned char a[64], b[64], zero[64] = { 0 };

    (void)state;
    assert_int_equal(random_bytes(a, 0), 0);
    assert_int_equal(random_bytes(a, sizeof(a)), 0);
    assert_int_equal(random_bytes(b, sizeof(b)), 0);
    assert_memory_not_equal(a, zero, sizeof(a));
    assert_memory_not_equal(a, b, sizeof(a));
}

static void test_random_hex(void **state)
{
    char out[300];
    size_t i;

    (void)state;
    memset(out, '#', sizeof(out));
    assert_int_equal(random_hex(out, 0), 0);
    assert_string_equal(out, "");
    memset(out, '#', sizeof(out));
    assert_int_equal(random_hex(out, 16), 0);   /* a SimpleJWT jti */
    assert_int_equal(strlen(out), 32);
    assert_int_equal(out[33], '#');
    memset(out, '#', sizeof(out));
    assert_int_equal(random_hex(out, 100), 0);  /* crosses the internal 64-byte block */
    assert_int_equal(strlen(out), 200);
    assert_int_equal(out[201], '#');
    for (i = 0; i < 200; i++)
        assert_non_null(strchr("0123456789abcdef", out[i]));
}

static int cmp_str(const void *a, const void *b) { return strcmp(a, b); }

static void test_nonsecret_layout_and_uniqueness(void **state)
{
    (void)state;
    enum { N = 20000 };
    static char ids[N][UUID_STR_LEN + 1];
    for (int i = 0; i < N; i++) {
        assert_int_equal(uuid_v4_nonsecret(ids[i]), 0);
        assert_true(uuid_is_canonical(ids[i], strlen(ids[i])));
        assert_int_equal(ids[i][14], '4');
        assert_non_null(strchr("89ab", ids[i][19]));
    }
    qsort(ids, N, sizeof ids[0], cmp_str);
    for (int i = 1; i < N; i++)
        assert_string_not_equal(ids[i - 1], ids[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_v4_layout),
        cmocka_unit_test(test_canonical),
        cmocka_unit_test(test_random_bytes),
        cmocka_unit_test(test_random_hex),
        cmocka_unit_test(test_nonsecret_layout_and_uniqueness),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
