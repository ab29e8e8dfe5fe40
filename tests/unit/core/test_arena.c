/* Unit tests for core/arena.c: alignment, chunking, large allocations, overflow
 * guards, string helpers, printf, deferred cleanups and reset. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/arena.h"
#include "core/err.h"

const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "allocator_may_return_null=1";
}

static void test_new_free(void **state)
{
    struct arena *a = arena_new(0);

    (void)state;
    assert_non_null(a);
    assert_int_equal(arena_used(a), 0);
    arena_free(a);
    arena_free(NULL);
    arena_reset(NULL);
    assert_null(arena_new(SIZE_MAX));
    assert_null(arena_new(SIZE_MAX - 64));
}

/* Every allocation is 16-aligned, usable in full and disjoint from the others. */
static void test_alignment_and_disjoint(void **state)
{
    struct arena *a = arena_new(512);
    unsigned char *p[200];
    size_t i, j, sz;

    (void)state;
    for (i = 0; i < 200; i++) {
        sz = i % 37 + 1;
        p[i] = arena_alloc(a, sz);
        assert_non_null(p[i]);
        assert_int_equal((uintptr_t)p[i] % 16, 0);
        memset(p[i], (int)i, sz);
    }
    for (i = 0; i < 200; i++)
        for (j = 0; j < i % 37 + 1; j++)
            assert_int_equal(p[i][j], (unsigned char)i);
    arena_free(a);
}

static void test_used_counts_rounded_sizes(void **state)
{
    struct arena *a = arena_new(1024);

    (void)state;
    arena_alloc(a, 1);
    assert_int_equal(arena_used(a), 16);
    arena_alloc(a, 16);
    assert_int_equal(arena_used(a), 32);
    arena_alloc(a, 17);
    assert_int_equal(arena_used(a), 64);
    assert_non_null(arena_alloc(a, 0));   /* a valid, distinct pointer */
    assert_int_equal(arena_used(a), 80);
    arena_alloc(a, 5000);                  /* large */
    assert_int_equal(arena_used(a), 80 + 5008);
    arena_reset(a);
    assert_int_equal(arena_used(a), 0);
    arena_free(a);
}

/* A large request gets its own chunk and does not disturb the current one. */
static void test_large_allocation_own_chunk(void **state)
{
    struct arena *a = arena_new(1024);
    char *s1, *big, *s2;

    (void)state;
    s1 = arena_alloc(a, 16);
    big = arena_alloc(a, 100000);
    assert_non_null(big);
    assert_int_equal((uintptr_t)big % 16, 0);
    memset(big, 'x', 100000);
    s2 = arena_alloc(a, 16);
    assert_ptr_equal(s2, s1 + 16);
    arena_free(a);
}

static void test_many_chunks(void **state)
{
    struct arena *a = arena_new(256);
    int *p[100];
    int i;

    (void)state;
    for (i = 0; i < 100; i++) {
        p[i] = arena_alloc(a, 60);   /* four per chunk */
        assert_non_null(p[i]);
        *p[i] = i;
    }
    for (i = 0; i < 100; i++)
        assert_int_equal(*p[i], i);
    arena_free(a);
}

static void test_overflow_guards(void **state)
{
    struct arena *a = arena_new(0);

    (void)state;
    assert_null(arena_alloc(a, SIZE_MAX));
    assert_null(arena_alloc(a, SIZE_MAX - 15));
    assert_null(arena_alloc(a, SIZE_MAX / 2));   /* malloc refuses */
    assert_null(arena_calloc(a, SIZE_MAX / 2, 3));
    assert_null(arena_calloc(a, 3, SIZE_MAX / 2));
    assert_string_equal(arena_strndup(a, "x", SIZE_MAX), "x");   /* stops at the NUL */
    assert_non_null(arena_alloc(a, 8));          /* still usable */
    assert_null(arena_alloc(NULL, 8));
    arena_free(a);
}

static void test_calloc_zeroes(void **state)
{
    struct arena *a = arena_new(256);
    unsigned char *p;
    int i;

    (void)state;
    p = arena_alloc(a, 64);
    memset(p, 0xAA, 64);
    arena_reset(a);   /* the same memory comes back dirty... */
    p = arena_calloc(a, 8, 8);
    for (i = 0; i < 64; i++)
        assert_int_equal(p[i], 0);   /* ...but calloc clears it */
    assert_non_null(arena_calloc(a, 0, 5));
    arena_free(a);
}

static void test_strings(void **state)
{
    struct arena *a = arena_new(0);
    const char raw[] = { 'a', '\0', 'b' };
    char *s;

    (void)state;
    assert_string_equal(arena_strdup(a, "hello"), "hello");
    assert_null(arena_strdup(a, NULL));
    assert_string_equal(arena_strndup(a, "hello", 3), "hel");
    assert_string_equal(arena_strndup(a, "hi", 10), "hi");
    assert_null(arena_strndup(a, NULL, 3));
    s = arena_slice_dup(a, (struct slice){ raw, 3 });
    assert_memory_equal(s, raw, 3);
    assert_int_equal(s[3], '\0');
    assert_string_equal(arena_slice_dup(a, (struct slice){ NULL, 0 }), "");
    assert_string_equal(arena_slice_dup(a, SLICE_LIT("xyz")), "xyz");
    arena_free(a);
}

static void test_printf(void **state)
{
    struct arena *a = arena_new(256);
    char big[2000];
    char *s, *t;

    (void)state;
    s = arena_printf(a, "%s-%d", "id", 42);
    assert_string_equal(s, "id-42");
    assert_int_equal((uintptr_t)s % 16, 0);
    t = arena_printf(a, "%d", 7);
    assert_ptr_equal(t, s + 16);            /* formatted in place, rounded */
    assert_string_equal(s, "id-42");
    memset(big, 'z', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    s = arena_printf(a, "<%s>", big);       /* bigger than a block */
    assert_int_equal(strlen(s), 2001);
    assert_int_equal(s[0], '<');
    assert_int_equal(s[2000], '>');
    arena_alloc(a, 64);
    arena_alloc(a, 64);
    arena_alloc(a, 64);                     /* 32 bytes left in the chunk */
    s = arena_printf(a, "%.40s", big);      /* measured, then put in a new chunk */
    assert_int_equal(strlen(s), 40);
    assert_int_equal((uintptr_t)s % 16, 0);
    assert_string_equal(t, "7");
    arena_free(a);
}

static int order[16];
static int norder;

static void record(void *p)
{
    order[norder++] = *(int *)p;
}

static void test_defer_reverse_order(void **state)
{
    static int vals[] = { 1, 2, 3 };
    struct arena *a = arena_new(0);

    (void)state;
    norder = 0;
    assert_int_equal(arena_defer(a, record, &vals[0]), 0);
    assert_int_equal(arena_defer(a, record, &vals[1]), 0);
    assert_int_equal(arena_defer(a, record, &vals[2]), 0);
    assert_int_equal(norder, 0);
    arena_reset(a);
    assert_int_equal(norder, 3);
    assert_int_equal(order[0], 3);
    assert_int_equal(order[1], 2);
    assert_int_equal(order[2], 1);
    arena_reset(a);                 /* cleanups run once */
    assert_int_equal(norder, 3);
    assert_int_equal(arena_defer(a, record, &vals[0]), 0);
    arena_free(a);                  /* and on free */
    assert_int_equal(norder, 4);
    assert_int_equal(order[3], 1);
}

static struct arena *nested_arena;

static void defer_more(void *p)
{
    record(p);
    arena_defer(nested_arena, record, p);
}

static void test_defer_from_cleanup(void **state)
{
    static int v = 9;

    (void)state;
    norder = 0;
    nested_arena = arena_new(0);
    arena_defer(nested_arena, defer_more, &v);
    arena_reset(nested_arena);
    assert_int_equal(norder, 2);
    arena_free(nested_arena);
    assert_int_equal(norder, 2);
}

static void test_defer_failure_runs_now(void **state)
{
    static int v = 5;
    struct arena *a = arena_new(0);

    (void)state;
    norder = 0;
    assert_int_equal(arena_defer(NULL, record, &v), SHOP_ENOMEM);
    assert_int_equal(norder, 1);   /* never leaked */
    assert_int_equal(arena_defer(a, NULL, &v), SHOP_EINVAL);
    arena_free(a);
}

/* Reset keeps the first chunk: the next allocation reuses its memory. */
static void test_reset_reuses_first_chunk(void **state)
{
    struct arena *a = arena_new(256);
    void *first, *again;
    int i;

    (void)state;
    first = arena_alloc(a, 32);
    for (i = 0; i < 50; i++)
        arena_alloc(a, 100);         /* forces more chunks */
    arena_alloc(a, 10000);           /* and a large one */
    arena_reset(a);
    again = arena_alloc(a, 32);
    assert_ptr_equal(again, first);
    arena_free(a);
}

static void test_grow_keeps_contents_and_doubles(void **state)
{
    (void)state;
    struct arena *a = arena_new(0);
    int64_t *v = NULL;
    size_t n = 0, cap = 0;
    for (int64_t i = 0; i < 1000; i++) {
        size_t before = cap;
        int64_t *nv = arena_grow(a, v, n, &cap, sizeof *nv);
        assert_non_null(nv);
        assert_true(n < cap);
        if (n < before) /* there was room: same array, same capacity */
            assert_true(nv == v && cap == before);
        else
            assert_int_equal(cap, before ? before * 2 : 16);
        v = nv;
        v[n++] = i * 3;
    }
    assert_true(cap >= 1000 && cap <= 2048);
    for (int64_t i = 0; i < 1000; i++)
        assert_int_equal(v[i], i * 3);
    size_t huge = SIZE_MAX / 4;
    assert_null(arena_grow(a, v, huge, &huge, 8)); /* size overflow refused */
    arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_grow_keeps_contents_and_doubles),
        cmocka_unit_test(test_new_free),
        cmocka_unit_test(test_alignment_and_disjoint),
        cmocka_unit_test(test_used_counts_rounded_sizes),
        cmocka_unit_test(test_large_allocation_own_chunk),
        cmocka_unit_test(test_many_chunks),
        cmocka_unit_test(test_overflow_guards),
        cmocka_unit_test(test_calloc_zeroes),
        cmocka_unit_test(test_strings),
        cmocka_unit_test(test_printf),
        cmocka_unit_test(test_defer_reverse_order),
        cmocka_unit_test(test_defer_from_cleanup),
        cmocka_unit_test(test_defer_failure_runs_now),
        cmocka_unit_test(test_reset_reuses_first_chunk),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
