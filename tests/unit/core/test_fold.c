/* Tests for core/fold.c: simple case folding and LIKE patterns. Expected strings follow
 * Python's str.casefold() where it maps one character to one. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/arena.h"
#include "core/fold.h"

static void test_ascii_and_latin(void **state)
{
    (void)state;
    struct arena *a = arena_new(0);
    const char *in = "Hello \xc3\x84pfel \xc3\x89T\xc3\x89";          /* Hello Äpfel ÉTÉ */
    assert_string_equal(fold_str(a, in, strlen(in)), "hello \xc3\xa4pfel \xc3\xa9t\xc3\xa9");
    arena_free(a);
}

static void test_greek_cyrillic_and_kelvin(void **state)
{
    (void)state;
    struct arena *a = arena_new(0);
    const char *in = "\xce\xa3\xce\x9f\xce\xa6\xce\x99\xce\x91 \xd0\x9c\xd0\x98\xd0\xa0 \xe2\x84\xaa";
    /* ΣΟΦΙΑ МИР K(kelvin) → σοφια мир k */
    assert_string_equal(fold_str(a, in, strlen(in)),
                        "\xcf\x83\xce\xbf\xcf\x86\xce\xb9\xce\xb1 \xd0\xbc\xd0\xb8\xd1\x80 k");
    /* ß has no one-character folding: kept (simple folding) */
    assert_string_equal(fold_str(a, "Stra\xc3\x9f" "e", 7), "stra\xc3\x9f" "e");
    arena_free(a);
}

static void test_invalid_bytes_kept(void **state)
{
    (void)state;
    struct arena *a = arena_new(0);
    assert_string_equal(fold_str(a, "A\xff" "B", 3), "a\xff" "b");
    arena_free(a);
}

static void test_like_pattern_escapes(void **state)
{
    (void)state;
    struct arena *a = arena_new(0);
    assert_string_equal(fold_like_pattern(a, "50%_Off\\", 8), "%50\\%\\_off\\\\%");
    assert_string_equal(fold_like_pattern(a, "", 0), "%%");
    arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ascii_and_latin),
        cmocka_unit_test(test_greek_cyrillic_and_kelvin),
        cmocka_unit_test(test_invalid_bytes_kept),
        cmocka_unit_test(test_like_pattern_escapes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
