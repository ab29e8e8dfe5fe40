/* Tests for src/store/count_cache.c: lookups by exact key bytes, a newer version wins
 * over an older one whatever the order of the stores, oversized keys are not kept, the
 * cache stays bounded (least recently used entry of a full set goes first), and
 * concurrent readers and writers never see a count paired with another version. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "store/count_cache.h"

static int setup(void **state)
{
    *state = count_cache_new();
    return *state ? 0 : -1;
}

static int teardown(void **state)
{
    count_cache_free(*state);
    return 0;
}

static void put_s(struct count_cache *c, const char *key, int64_t version, int64_t count)
{
    count_cache_put(c, key, strlen(key), version, count);
}

static bool get_s(struct count_cache *c, const char *key, int64_t *version, int64_t *count)
{
    return count_cache_get(c, key, strlen(key), version, count);
}

static void test_get_returns_what_was_put(void **state)
{
    struct count_cache *c = *state;
    int64_t v = 0, n = 0;
    assert_false(get_s(c, "a", &v, &n));
    put_s(c, "a", 7, 42);
    put_s(c, "ab", 8, 43);
    assert_true(get_s(c, "a", &v, &n));
    assert_int_equal(v, 7);
    assert_int_equal(n, 42);
    assert_true(get_s(c, "ab", &v, &n));
    assert_int_equal(v, 8);
    assert_int_equal(n, 43);
    /* keys are bytes with a length: a prefix or an embedded NUL is another key */
    assert_false(count_cache_get(c, "a\0b", 3, &v, &n));
    count_cache_put(c, "a\0b", 3, 9, 44);
    assert_true(count_cache_get(c, "a\0b", 3, &v, &n));
    assert_int_equal(n, 44);
    assert_true(count_cache_get(c, "ab", 1, &v, &n)); /* the first byte: "a" */
    assert_int_equal(n, 42);
}

static void test_newer_version_wins(void **state)
{
    struct count_cache *c = *state;
    int64_t v, n;
    put_s(c, "k", 10, 1);
    put_s(c, "k", 12, 2);
    put_s(c, "k", 11, 3); /* a slower request with an older version */
    assert_true(get_s(c, "k", &v, &n));
    assert_int_equal(v, 12);
    assert_int_equal(n, 2);
    put_s(c, "k", 12, 5); /* same version: counted again, same snapshot, keep the last */
    assert_true(get_s(c, "k", &v, &n));
    assert_int_equal(n, 5);
}

static void test_oversized_keys_are_not_kept(void **state)
{
    struct count_cache *c = *state;
    char key[COUNT_CACHE_KEY_MAX + 2];
    int64_t v, n;
    memset(key, 'x', sizeof key);
    count_cache_put(c, key, COUNT_CACHE_KEY_MAX + 1, 1, 1);
    assert_false(count_cache_get(c, key, COUNT_CACHE_KEY_MAX + 1, &v, &n));
    count_cache_put(c, key, COUNT_CACHE_KEY_MAX, 1, 2);
    assert_true(count_cache_get(c, key, COUNT_CACHE_KEY_MAX, &v, &n));
    assert_int_equal(n, 2);
    /* no cache: nothing is kept, nothing crashes */
    count_cache_put(NULL, "a", 1, 1, 1);
    assert_false(count_cache_get(NULL, "a", 1, &v, &n));
}

static void test_bounded_and_least_recently_used_goes_first(void **state)
{
    struct count_cache *c = *state;
    enum { N = COUNT_CACHE_SETS * COUNT_CACHE_WAYS * 4 };
    char key[32];
    int64_t v, n;
    size_t kept = 0;
    put_s(c, "hot", 1, 99);
    for (int i = 0; i < N; i++) {
        snprintf(key, sizeof key, "key-%d", i);
        put_s(c, key, 1, i);
        assert_true(get_s(c, "hot", &v, &n)); /* used all along: never the victim */
    }
    for (int i = 0; i < N; i++) {
        snprintf(key, sizeof key, "key-%d", i);
        if (get_s(c, key, &v, &n)) {
            assert_int_equal(n, i);
            kept++;
        }
    }
    assert_true(kept < COUNT_CACHE_SETS * COUNT_CACHE_WAYS);
    assert_true(kept > 0);
    /* the most recent key of all is still there */
    snprintf(key, sizeof key, "key-%d", N - 1);
    assert_true(get_s(c, key, &v, &n));
}

/* Writers store (version, version * 3) pairs; readers must never see another pairing. */
struct race {
    struct count_cache *c;
    int id;
    int bad;
};

static void *racer(void *arg)
{
    struct race *r = arg;
    char key[16];
    for (int64_t i = 1; i <= 20000; i++) {
        snprintf(key, sizeof key, "r%d", (int)(i % 8));
        if (r->id % 2)
            count_cache_put(r->c, key, strlen(key), i, i * 3);
        int64_t v, n;
        if (count_cache_get(r->c, key, strlen(key), &v, &n) && n != v * 3)
            r->bad++;
    }
    return NULL;
}

static void test_concurrent_use_keeps_pairs(void **state)
{
    struct race r[4];
    pthread_t t[4];
    for (int i = 0; i < 4; i++) {
        r[i] = (struct race){ *state, i, 0 };
        assert_int_equal(pthread_create(&t[i], NULL, racer, &r[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(r[i].bad, 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_get_returns_what_was_put, setup, teardown),
        cmocka_unit_test_setup_teardown(test_newer_version_wins, setup, teardown),
        cmocka_unit_test_setup_teardown(test_oversized_keys_are_not_kept, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bounded_and_least_recently_used_goes_first, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_use_keeps_pairs, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
