/* Unit tests for core/b64url.c: RFC 4648 §10 vectors in the URL alphabet without
 * padding, round trips, and every rejection rule of the strict decoder. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/b64url.h"

static const char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static long dec(const char *in, unsigned char *out, size_t cap)
{
    return b64url_decode(out, cap, in, strlen(in));
}

static void test_rfc4648_vectors(void **state)
{
    static const struct {
        const char *plain, *enc;
    } v[] = {
        { "", "" },         { "f", "Zg" },        { "fo", "Zm8" },         { "foo", "Zm9v" },
        { "foob", "Zm9vYg" }, { "fooba", "Zm9vYmE" }, { "foobar", "Zm9vYmFy" },
    };
    char enc[16];
    unsigned char out[16];
    size_t i, n;

    (void)state;
    for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        n = strlen(v[i].plain);
        assert_int_equal(b64url_encode(enc, v[i].plain, n), strlen(v[i].enc));
        assert_int_equal(B64URL_ENC_LEN(n), strlen(v[i].enc));
        assert_string_equal(enc, v[i].enc);
        assert_int_equal(dec(v[i].enc, out, sizeof(out)), (long)n);
        assert_memory_equal(out, v[i].plain, n);
    }
}

/* Bytes whose standard encoding uses '+' and '/' come out as '-' and '_'. */
static void test_url_alphabet(void **state)
{
    static const unsigned char a[] = { 0xfb, 0xff }, b[] = { 0xfb, 0xef, 0xbe },
                               c[] = { 0xff, 0xff, 0xff };
    char enc[8];
    unsigned char out[4];

    (void)state;
    b64url_encode(enc, a, 2);
    assert_string_equal(enc, "-_8");
    b64url_encode(enc, b, 3);
    assert_string_equal(enc, "----");
    b64url_encode(enc, c, 3);
    assert_string_equal(enc, "____");
    assert_int_equal(dec("-_8", out, sizeof(out)), 2);
    assert_memory_equal(out, a, 2);
}

static void test_round_trip_all_lengths(void **state)
{
    unsigned char in[300], out[300];
    char enc[B64URL_ENC_LEN(300) + 1];
    size_t n, i, len;

    (void)state;
    for (i = 0; i < sizeof(in); i++)
        in[i] = (unsigned char)(i * 7 + 3);
    for (n = 0; n <= sizeof(in); n++) {
        len = b64url_encode(enc, in, n);
        assert_int_equal(len, B64URL_ENC_LEN(n));
        assert_int_equal(enc[len], '\0');
        assert_true(B64URL_DEC_MAX(len) >= n);
        assert_int_equal(b64url_decode(out, n, enc, len), (long)n);   /* exact fit */
        assert_memory_equal(out, in, n);
    }
}

static void test_rejects_padding_and_std_alphabet(void **state)
{
    unsigned char out[16];

    (void)state;
    assert_int_equal(dec("Zg==", out, sizeof(out)), -1);
    assert_int_equal(dec("Zm8=", out, sizeof(out)), -1);
    assert_int_equal(dec("Zm+v", out, sizeof(out)), -1);
    assert_int_equal(dec("Zm/v", out, sizeof(out)), -1);
    assert_int_equal(dec("+_8", out, sizeof(out)), -1);
}

static void test_rejects_whitespace_and_nul(void **state)
{
    unsigned char out[16];

    (void)state;
    assert_int_equal(dec("Zm9 ", out, sizeof(out)), -1);
    assert_int_equal(dec(" Zm9", out, sizeof(out)), -1);
    assert_int_equal(dec("Zm\n9", out, sizeof(out)), -1);
    assert_int_equal(dec("Zm9v\r\nYg", out, sizeof(out)), -1);
    assert_int_equal(dec("Zm\t9", out, sizeof(out)), -1);
    assert_int_equal(b64url_decode(out, sizeof(out), "Zm\0v", 4), -1);
    assert_int_equal(b64url_decode(out, sizeof(out), "Zm9v\0\0\0\0", 8), -1);
}

/* Every byte outside the alphabet, in every position of a group. */
static void test_rejects_every_foreign_byte(void **state)
{
    unsigned char out[8];
    char in[4];
    int c, pos;

    (void)state;
    for (c = 0; c < 256; c++) {
        if (c && memchr(alphabet, c, 64))
            continue;
        for (pos = 0; pos < 4; pos++) {
            memcpy(in, "AAAA", 4);
            in[pos] = (char)c;
            assert_int_equal(b64url_decode(out, sizeof(out), in, 4), -1);
        }
    }
}

static void test_rejects_length_4k_plus_1(void **state)
{
    unsigned char out[16];

    (void)state;
    assert_int_equal(dec("A", out, sizeof(out)), -1);
    assert_int_equal(dec("Zm9vY", out, sizeof(out)), -1);
    assert_int_equal(dec("Zm9vYmFyZ", out, sizeof(out)), -1);
}

/* The unused low bits of the last character must be zero: for 2 trailing characters
 * the low 4 bits, for 3 the low 2, so exactly one spelling decodes. */
static void test_rejects_non_canonical_trailing_bits(void **state)
{
    unsigned char out[8];
    char in[3];
    int i;

    (void)state;
    for (i = 0; i < 64; i++) {
        in[0] = 'Z';
        in[1] = alphabet[i];
        assert_int_equal(b64url_decode(out, sizeof(out), in, 2), i % 16 ? -1 : 1);
        in[1] = 'm';
        in[2] = alphabet[i];
        assert_int_equal(b64url_decode(out, sizeof(out), in, 3), i % 4 ? -1 : 2);
    }
    assert_int_equal(dec("Zh", out, sizeof(out)), -1);
    assert_int_equal(dec("Zm9", out, sizeof(out)), -1);
    assert_int_equal(dec("Zm9vYh", out, sizeof(out)), -1);
}

static void test_rejects_when_output_does_not_fit(void **state)
{
    unsigned char out[8];

    (void)state;
    assert_int_equal(dec("Zm9vYmFy", out, 5), -1);
    assert_int_equal(dec("Zm9vYmFy", out, 6), 6);
    assert_int_equal(dec("Zm9vYmE", out, 4), -1);
    assert_int_equal(dec("Zm9vYmE", out, 5), 5);
    assert_int_equal(b64url_decode(NULL, 0, "", 0), 0);
    assert_int_equal(dec("Zg", NULL, 0), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc4648_vectors),
        cmocka_unit_test(test_url_alphabet),
        cmocka_unit_test(test_round_trip_all_lengths),
        cmocka_unit_test(test_rejects_padding_and_std_alphabet),
        cmocka_unit_test(test_rejects_whitespace_and_nul),
        cmocka_unit_test(test_rejects_every_foreign_byte),
        cmocka_unit_test(test_rejects_length_4k_plus_1),
        cmocka_unit_test(test_rejects_non_canonical_trailing_bits),
        cmocka_unit_test(test_rejects_when_output_does_not_fit),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
