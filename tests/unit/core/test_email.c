/* Tests for core/email: cases follow Django's EmailValidator tests. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/email.h"

static void test_valid(void **state)
{
    (void)state;
    const char *good[] = {
        "email@here.com", "weirder-email@here.and.there.com", "email@[127.0.0.1]",
        "email@[2001:dB8::1]", "email@[2001:dB8:0:0:0:0:0:1]", "email@[::fffF:127.0.0.1]",
        "example@valid-----hyphens.com", "example@valid-with-hyphens.com",
        "test@domain.with.idn.tld.\xe0\xa4\x89\xe0\xa4\xa6\xe0\xa4\xbe\xe0\xa4\xb9\xe0\xa4\xb0\xe0\xa4\xa3.\xe0\xa4\xaa\xe0\xa4\xb0\xe0\xa5\x80\xe0\xa4\x95\xe0\xa5\x8d\xe0\xa4\xb7\xe0\xa4\xbe",
        "email@localhost", "\"test@test\"@example.com", "example@atm.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "example@aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.atm",
        "a!#$%&'*+/=?^_`{}|~-z@b.co", "first.last@x.io", "\"\\\"quoted\\\"\"@ex.com",
        "user@xn--80ak6aa92e.com", "UPPER@EXAMPLE.COM", "\"\\\011\"@here.com",
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        if (!email_valid(slice_from_cstr(good[i])))
            fail_msg("should be valid: %s", good[i]);
    }
}

static void test_invalid(void **state)
{
    (void)state;
    const char *bad[] = {
        "", "abc", "abc@", "abc@bar", "@example.com", "a @x.cz", "abc@.com", "something@@somewhere.com",
        "email@127.0.0.1", "email@[127.0.0.256]", "email@[2001:db8::12345]", "email@[2001:db8:0:0:0:0:1]",
        "email@[::ffff:127.0.0.256]", "email@[2001:dg8::1]", "email@[2001:dG8:0:0:0:0:0:1]",
        "email@[::fTzF:127.0.0.1]", "example@invalid-.com", "example@-invalid.com",
        "example@invalid.com-", "example@inv-.alid-.com", "example@inv-.-alid.com",
        "test@example.com\n\n<script src=\"x.js\">", "\"\\\012\"@here.com",
        "trailingdot@shouldfail.com.", "example@atm.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "example@aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.atm",
        "email@example.c", "a..b@example.com", ".a@example.com", "a.@example.com",
        "jos\xc3\xa9@example.com", "email@[127.0.0.1", "email@[]", "email@[01.2.3.4]",
        "email@LOCALHOST", "a@b_c.com",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (email_valid(slice_from_cstr(bad[i])))
            fail_msg("should be invalid: %s", bad[i]);
    }
    assert_false(email_valid((struct slice){ NULL, 0 }));
}

/* Django refuses anything over 320 characters before looking at the parts. */
static void test_length(void **state)
{
    (void)state;
    char buf[400];
    size_t n = 0;
    for (int label = 0; label < 4; label++) {
        memset(buf + n, 'b' + label, 63);
        n += 63;
        buf[n++] = '.';
    }
    memcpy(buf + n, "com", 3);
    n += 3;                                  /* domain: 259 characters */
    char email[400];
    memset(email, 'a', 60);
    email[60] = '@';
    memcpy(email + 61, buf, n);
    assert_int_equal(61 + n, 320);
    assert_true(email_valid((struct slice){ email, 320 }));
    memmove(email + 1, email, 320);          /* 61 'a's: 321 characters */
    assert_false(email_valid((struct slice){ email, 321 }));
}

static void test_normalize(void **state)
{
    (void)state;
    char e[] = "John.Doe@Example.COM";
    email_normalize(e, strlen(e));
    assert_string_equal(e, "John.Doe@example.com");
    char q[] = "\"A@B\"@X.Org";
    email_normalize(q, strlen(q));
    assert_string_equal(q, "\"A@B\"@x.org");
    char none[] = "NoAt";
    email_normalize(none, strlen(none));
    assert_string_equal(none, "NoAt");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid),
        cmocka_unit_test(test_invalid),
        cmocka_unit_test(test_length),
        cmocka_unit_test(test_normalize),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
