/* Tests for core/utf8: strict decoding (RFC 3629 table), code-point counting and
 * Python-compatible whitespace trimming. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/utf8.h"

static int dec(const char *s, size_t n, uint32_t *cp)
{
    return utf8_decode(s, n, cp);
}

static void test_decode_valid(void **state)
{
    uint32_t cp = 0;
    (void)state;
    assert_int_equal(dec("A", 1, &cp), 1);
    assert_int_equal(cp, 'A');
    assert_int_equal(dec("\xC3\xA9", 2, &cp), 2);
    assert_int_equal(cp, 0xE9);
    assert_int_equal(dec("\xE2\x82\xAC", 3, &cp), 3);
    assert_int_equal(cp, 0x20AC);
    assert_int_equal(dec("\xF0\x9F\x98\x80", 4, &cp), 4);
    assert_int_equal(cp, 0x1F600);
    assert_int_equal(dec("\xF4\x8F\xBF\xBF", 4, &cp), 4);
    assert_int_equal(cp, 0x10FFFF);
    assert_int_equal(dec("\xEF\xBF\xBD", 3, &cp), 3);
    assert_int_equal(cp, 0xFFFD);
    assert_int_equal(dec("\0", 1, &cp), 1);
    assert_int_equal(cp, 0);
}

static void test_decode_invalid(void **state)
{
    uint32_t cp;
    (void)state;
    assert_int_equal(dec("", 0, &cp), -1);
    assert_int_equal(dec("\x80", 1, &cp), -1);          /* lone continuation */
    assert_int_equal(dec("\xC0\x80", 2, &cp), -1);      /* overlong NUL */
    assert_int_equal(dec("\xC1\xBF", 2, &cp), -1);      /* overlong */
    assert_int_equal(dec("\xE0\x80\x80", 3, &cp), -1);  /* overlong 3-byte */
    assert_int_equal(dec("\xE0\x9F\xBF", 3, &cp), -1);
    assert_int_equal(dec("\xED\xA0\x80", 3, &cp), -1);  /* surrogate D800 */
    assert_int_equal(dec("\xED\xBF\xBF", 3, &cp), -1);  /* surrogate DFFF */
    assert_int_equal(dec("\xF0\x8F\xBF\xBF", 4, &cp), -1); /* overlong 4-byte */
    assert_int_equal(dec("\xF4\x90\x80\x80", 4, &cp), -1); /* > U+10FFFF */
    assert_int_equal(dec("\xF5\x80\x80\x80", 4, &cp), -1);
    assert_int_equal(dec("\xFF", 1, &cp), -1);
    assert_int_equal(dec("\xC3", 1, &cp), -1);          /* truncated */
    assert_int_equal(dec("\xE2\x82", 2, &cp), -1);
    assert_int_equal(dec("\xE2\x82\x41", 3, &cp), -1);  /* bad continuation */
    assert_int_equal(dec("\xF0\x9F\x98", 3, &cp), -1);
}

static void test_valid_and_count(void **state)
{
    (void)state;
    assert_true(utf8_valid("", 0));
    assert_true(utf8_valid("h\xC3\xA9llo \xE2\x82\xAC", 10));
    assert_false(utf8_valid("abc\xC3", 4));
    assert_false(utf8_valid("a\xED\xA0\x80z", 5));
    assert_int_equal(utf8_count_chars("", 0), 0);
    assert_int_equal(utf8_count_chars("abc", 3), 3);
    assert_int_equal(utf8_count_chars("h\xC3\xA9llo \xE2\x82\xAC", 10), 7);
    assert_int_equal(utf8_count_chars("\xF0\x9F\x98\x80\xF0\x9F\x98\x80", 8), 2);
    /* each byte of an invalid sequence counts once */
    assert_int_equal(utf8_count_chars("a\xFF\xFEz", 4), 4);
    assert_int_equal(utf8_count_chars("\xE2\x82", 2), 2);
}

static void test_is_space(void **state)
{
    (void)state;
    const uint32_t yes[] = { ' ', '\t', '\n', '\v', '\f', '\r', 0x1C, 0x1F, 0x85, 0xA0,
                             0x1680, 0x2000, 0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000 };
    const uint32_t no[] = { 'a', 0, 0x08, 0x0E, 0x1B, 0x21, 0x84, 0x86, 0x200B, 0xFEFF, 0x180E };
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
        assert_true(utf8_is_space(yes[i]));
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
        assert_false(utf8_is_space(no[i]));
}

static void assert_trim(const char *in, const char *want)
{
    struct slice t = utf8_trim(slice_from_cstr(in));
    assert_int_equal(t.len, strlen(want));
    assert_memory_equal(t.ptr, want, t.len);
}

static bool only_space(uint32_t cp)
{
    return cp == ' ';
}

static void test_trim(void **state)
{
    (void)state;
    assert_trim("  abc  ", "abc");
    assert_trim("\t\n abc\r\n", "abc");
    assert_trim("a b", "a b");
    assert_trim("   ", "");
    assert_trim("", "");
    assert_trim("\xC2\xA0x\xE3\x80\x80", "x");                 /* NBSP, ideographic space */
    assert_trim("\xE2\x80\xA8\xC3\xA9\xE2\x80\xA9", "\xC3\xA9"); /* U+2028 é U+2029 */
    assert_trim(" \xFF ", "\xFF");                              /* invalid bytes stay */
    assert_trim("\xC3\xA9 ", "\xC3\xA9");
    assert_trim("\x1C" "5\x1F", "5");
    struct slice t = utf8_trim_if(slice_from_cstr("\t x \t"), only_space);
    assert_int_equal(t.len, 5);
    assert_memory_equal(t.ptr, "\t x \t", 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decode_valid),  cmocka_unit_test(test_decode_invalid),
        cmocka_unit_test(test_valid_and_count), cmocka_unit_test(test_is_space),
        cmocka_unit_test(test_trim),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
