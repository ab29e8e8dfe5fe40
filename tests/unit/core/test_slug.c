/* Tests for core/slug.c. Expected values were computed with Django's slugify formula
 * (NFKD, ascii-ignore, [^\\w\\s-] removed, [-\\s]+ -> '-', strip '-_', cut to 50) in
 * Python, not typed by hand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/arena.h"
#include "core/slug.h"

static const struct { const char *in; const char *want; } vectors[] = {
    { "John Doe", "john-doe" },
    { "  Jane   O'Neil ", "jane-oneil" },
    { "Stra\xc3\x9f" "e Caf\xc3\xa9", "strae-cafe" },
    { "\xc3\x89lodie \xc3\x9cnal", "elodie-unal" },
    { "\xef\xac\x81nance \xc2\xbd \xc2\xb2", "finance-12-2" },
    { "--a--b__", "a-b" },
    { "_x_", "x" },
    { "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", "n-a" },
    { "", "n-a" },
    { "a -_ b", "a-_-b" },
    { "Hello, World! 2024", "hello-world-2024" },
    { "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" },
    { "\xef\xbc\xa1\xef\xbd\x82\xef\xbd\x83 full-width", "abc-full-width" },
    { "tab\x09sep\x0anew", "tab-sep-new" },
    { "S\xc3\xa3o Paulo-Rio", "sao-paulo-rio" },
    { "\xc7\x85" "emal", "dzemal" },
};

static void test_django_vectors(void **state)
{
    (void)state;
    struct arena *a = arena_new(0);
    for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
        char *got = slugify(a, vectors[i].in, strlen(vectors[i].in));
        assert_non_null(got);
        assert_string_equal(got, vectors[i].want);
    }
    arena_free(a);
}

static void test_invalid_utf8_is_dropped(void **state)
{
    (void)state;
    struct arena *a = arena_new(0);
    assert_string_equal(slugify(a, "a\xff\xfe" "b c", 6), "ab-c");
    arena_free(a);
}

static void test_slug_is_valid(void **state)
{
    (void)state;
    assert_true(slug_is_valid("a-b_C9", 6));
    assert_false(slug_is_valid("", 0));
    assert_false(slug_is_valid("a b", 3));
    assert_false(slug_is_valid("caf\xc3\xa9", 5));
    assert_false(slug_is_valid("a/b", 3));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_django_vectors),
        cmocka_unit_test(test_invalid_utf8_is_dropped),
        cmocka_unit_test(test_slug_is_valid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
