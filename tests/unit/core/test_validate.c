/* Tests for core/validate: every DRF message and coercion the validator produces.
 * Expected behaviour was checked against DRF 3.14 fields.py and Python 3.11
 * (str(float), int(), Decimal()). Each check runs one field "v" against a body
 * {"v": <value>} and compares the compact JSON of the errors object. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/validate.h"

static struct arena *A;
static char last_errors[4096];
static int last_rc;

static int setup(void **state)
{
    (void)state;
    A = arena_new(0);
    return A ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    arena_free(A);
    return 0;
}

static void decref_body(void *p)
{
    json_decref(p);
}

/* Validates body (JSON text, or NULL for no body) and returns the errors as JSON. */
static const char *run_body(const char *body_text, const struct field *f, size_t n,
                            struct fval *out, bool partial)
{
    json_error_t jerr;
    json_t *body = body_text ? json_loads(body_text, JSON_DECODE_ANY, &jerr) : NULL;
    json_t *errors = json_object();
    if (body_text && !body)
        fail_msg("bad test JSON %s: %s", body_text, jerr.text);
    last_rc = partial ? validate_partial(A, body, f, n, out, errors)
                      : validate(A, body, f, n, out, errors);
    char *s = json_dumps(errors, JSON_COMPACT);
    snprintf(last_errors, sizeof last_errors, "%s", s);
    free(s);
    /* out->json points into body: keep bodies alive for the test's duration */
    if (body)
        arena_defer(A, decref_body, body);
    json_decref(errors);
    assert_int_equal(last_rc, strcmp(last_errors, "{}") == 0 ? 0 : SHOP_EINVAL);
    return last_errors;
}

static const char *one(struct field f, const char *value, struct fval *out)
{
    char body[2048];
    f.name = "v";
    snprintf(body, sizeof body, "{\"v\":%s}", value);
    return run_body(body, &f, 1, out, false);
}

#define ERR1(msg) "{\"v\":[\"" msg "\"]}"

static void expect_err(struct field f, const char *value, const char *want)
{
    struct fval v;
    const char *got = one(f, value, &v);
    if (strcmp(got, want) != 0)
        fail_msg("value %s: got %s, want %s", value, got, want);
    assert_false(v.present);
}

static struct fval expect_ok(struct field f, const char *value)
{
    struct fval v;
    const char *got = one(f, value, &v);
    if (strcmp(got, "{}") != 0)
        fail_msg("value %s: unexpected errors %s", value, got);
    assert_true(v.present);
    return v;
}

static void expect_str(struct field f, const char *value, const char *want)
{
    struct fval v = expect_ok(f, value);
    assert_string_equal(v.s, want);
    assert_int_equal(v.len, strlen(want));
}

static void expect_int(struct field f, const char *value, int64_t want)
{
    struct fval v = expect_ok(f, value);
    if (v.i != want)
        fail_msg("value %s: got %lld, want %lld", value, (long long)v.i, (long long)want);
}

static void expect_bool(struct field f, const char *value, bool want)
{
    struct fval v = expect_ok(f, value);
    assert_false(v.is_null);
    if (v.b != want)
        fail_msg("value %s: got %d", value, v.b);
}

/* ---- presence and null ---- */

static void test_required_null(void **state)
{
    (void)state;
    struct field fields[] = {
        { "a", F_STRING, .required = true },
        { "b", F_INT, .required = false },
        { "c", F_BOOL, .allow_null = true },
        { "d", F_MONEY, .required = true },
    };
    struct fval out[4];
    assert_string_equal(run_body("{}", fields, 4, out, false),
                        "{\"a\":[\"This field is required.\"],\"d\":[\"This field is required.\"]}");
    assert_string_equal(run_body(NULL, fields, 4, out, false),
                        "{\"a\":[\"This field is required.\"],\"d\":[\"This field is required.\"]}");
    assert_string_equal(run_body("[1,2]", fields, 4, out, false),
                        "{\"a\":[\"This field is required.\"],\"d\":[\"This field is required.\"]}");
    assert_string_equal(run_body("{\"a\":null,\"b\":null,\"c\":null,\"d\":\"1\"}", fields, 4, out, false),
                        "{\"a\":[\"This field may not be null.\"],\"b\":[\"This field may not be null.\"]}");
    assert_true(out[2].present);
    assert_true(out[2].is_null);
    assert_true(out[3].present);
    assert_int_equal(out[3].i, 100);
    assert_string_equal(run_body("{\"a\":\"x\",\"d\":0,\"unknown\":1,\"id\":5}", fields, 4, out, false), "{}");
    assert_true(out[0].present);
    assert_false(out[1].present);
    assert_false(out[1].is_null);
    assert_false(out[2].present);
}

static void test_partial(void **state)
{
    (void)state;
    static const struct field inner[] = { { "city", F_STRING, .required = true } };
    struct field fields[] = {
        { "a", F_STRING, .required = true },
        { "addr", F_OBJECT, .required = true, .nested = inner, .nnested = 1 },
    };
    struct fval out[2];
    assert_string_equal(run_body("{}", fields, 2, out, true), "{}");
    assert_false(out[0].present);
    assert_string_equal(run_body("{\"addr\":{}}", fields, 2, out, true), "{}");
    assert_true(out[1].present);
    assert_false(out[1].sub[0].present);
    assert_string_equal(run_body("{\"a\":\"\"}", fields, 2, out, true),
                        "{\"a\":[\"This field may not be blank.\"]}");
}

static void test_existing_errors_kept(void **state)
{
    (void)state;
    struct field f = { "a", F_INT, .required = false };
    struct fval v;
    json_t *body = json_pack("{s:i}", "a", 3);
    json_t *errors = json_pack("{s:[s]}", "other", "x");
    assert_int_equal(validate(A, body, &f, 1, &v, errors), 0);   /* no new message */
    assert_int_equal(json_object_size(errors), 1);
    assert_int_equal(v.i, 3);
    json_decref(body);
    json_decref(errors);
}

/* ---- strings ---- */

static void test_string(void **state)
{
    (void)state;
    struct field f = { .type = F_STRING };
    expect_str(f, "\"abc\"", "abc");
    expect_str(f, "\"  abc \\t\\n\"", "abc");
    expect_str(f, "\"\\u00a0abc\\u3000\"", "abc");
    expect_str(f, "\"a  b\"", "a  b");
    expect_str(f, "5", "5");
    expect_str(f, "-12", "-12");
    expect_str(f, "5.5", "5.5");
    expect_str(f, "5.0", "5.0");
    expect_str(f, "1e3", "1000.0");
    expect_str(f, "1e16", "1e+16");
    expect_str(f, "0.00001", "1e-05");
    expect_str(f, "-0.0", "-0.0");
    expect_str(f, "\"h\\u00e9\"", "h\xc3\xa9");
    expect_err(f, "true", ERR1("Not a valid string."));
    expect_err(f, "false", ERR1("Not a valid string."));
    expect_err(f, "[\"a\"]", ERR1("Not a valid string."));
    expect_err(f, "{}", ERR1("Not a valid string."));
    expect_err(f, "\"\"", ERR1("This field may not be blank."));
    expect_err(f, "\"   \"", ERR1("This field may not be blank."));
    expect_err(f, "\"\\u3000\"", ERR1("This field may not be blank."));
    expect_err(f, "null", ERR1("This field may not be null."));

    struct field keep = { .type = F_STRING, .no_trim = true };
    expect_str(keep, "\"  abc  \"", "  abc  ");
    expect_str(keep, "\"   \"", "   ");
    expect_err(keep, "\"\"", ERR1("This field may not be blank."));

    struct field blank = { .type = F_STRING, .allow_blank = true, .allow_null = true };
    expect_str(blank, "\"\"", "");
    expect_str(blank, "\"  \"", "");
    struct fval v = expect_ok(blank, "null");
    assert_true(v.is_null);
    assert_null(v.s);
}

static void test_string_max_len(void **state)
{
    (void)state;
    struct field f = { .type = F_STRING, .max_len = 3 };
    expect_str(f, "\"abc\"", "abc");
    expect_str(f, "\"  abc  \"", "abc");                 /* counted after trimming */
    expect_str(f, "\"\\u00e9\\u00e8\\u00ea\"", "\xc3\xa9\xc3\xa8\xc3\xaa");   /* 6 bytes, 3 chars */
    expect_str(f, "\"\\ud83d\\ude00ab\"", "\xf0\x9f\x98\x80" "ab");
    expect_err(f, "\"abcd\"", ERR1("Ensure this field has no more than 3 characters."));
    expect_err(f, "\"\\u00e9\\u00e8\\u00ea\\u00eb\"", ERR1("Ensure this field has no more than 3 characters."));
    expect_err(f, "1234", ERR1("Ensure this field has no more than 3 characters."));
    expect_err(f, "1.25", ERR1("Ensure this field has no more than 3 characters."));
}

/* NUL characters only arrive through form bodies (jansson refuses \u0000 in JSON). */
static void test_string_nul(void **state)
{
    (void)state;
    struct field f = { "v", F_STRING, .max_len = 2 };
    struct fval v;
    json_t *body = json_object();
    json_t *errors = json_object();
    json_object_set_new(body, "v", json_stringn("a\0b", 3));
    assert_int_equal(validate(A, body, &f, 1, &v, errors), SHOP_EINVAL);
    char *s = json_dumps(errors, JSON_COMPACT);
    assert_string_equal(s, "{\"v\":[\"Ensure this field has no more than 2 characters.\","
                           "\"Null characters are not allowed.\"]}");
    free(s);
    json_decref(errors);
    json_decref(body);
}

static void test_email(void **state)
{
    (void)state;
    struct field f = { .type = F_EMAIL };
    expect_str(f, "\" John.Doe@Example.COM \"", "John.Doe@example.com");
    expect_str(f, "\"a@localhost\"", "a@localhost");
    expect_err(f, "\"bad\"", ERR1("Enter a valid email address."));
    expect_err(f, "\"a@b\"", ERR1("Enter a valid email address."));
    expect_err(f, "\"a@@b.com\"", ERR1("Enter a valid email address."));
    expect_err(f, "5", ERR1("Enter a valid email address."));
    expect_err(f, "\"\"", ERR1("This field may not be blank."));
    expect_err(f, "true", ERR1("Enter a valid email address."));   /* EmailField.invalid */

    char value[400];
    memset(value, 'a', sizeof value);
    value[0] = '"';
    memcpy(value + 250, "@x.com\"", 8);    /* 249 + 6 = 255 characters, valid syntax */
    expect_err(f, value, ERR1("Ensure this field has no more than 254 characters."));
    memcpy(value + 249, "@x.com\"", 8);    /* 254 characters */
    expect_ok(f, value);
    memset(value, 'a', 330);
    value[0] = '"';
    memcpy(value + 330, "\"", 2);          /* 329 characters, no '@': both validators fail */
    expect_err(f, value, "{\"v\":[\"Ensure this field has no more than 254 characters.\","
                         "\"Enter a valid email address.\"]}");
    struct field wide = { .type = F_EMAIL, .max_len = 400 };
    memset(value, 'a', 330);
    value[0] = '"';
    memcpy(value + 300, "@x.com\"", 8);    /* 305 characters: longer than 254 is fine here */
    expect_ok(wide, value);
}

static void test_slug(void **state)
{
    (void)state;
    struct field f = { .type = F_SLUG, .max_len = 10 };
    expect_str(f, "\"my-slug_1\"", "my-slug_1");
    expect_str(f, "\" ABC \"", "ABC");
#define SLUG_MSG "Enter a valid \xe2\x80\x9cslug\xe2\x80\x9d consisting of letters, numbers, underscores or hyphens."
    expect_err(f, "\"my slug\"", ERR1(SLUG_MSG));
    expect_err(f, "\"caf\\u00e9\"", ERR1(SLUG_MSG));
    expect_err(f, "\"a/b\"", ERR1(SLUG_MSG));
    expect_err(f, "\"a.b\"", ERR1(SLUG_MSG));
    expect_err(f, "\"way too long slug\"",
               "{\"v\":[\"Ensure this field has no more than 10 characters.\",\"" SLUG_MSG "\"]}");
    expect_err(f, "\"\"", ERR1("This field may not be blank."));
    expect_str(f, "12", "12");
    expect_err(f, "false", ERR1(SLUG_MSG));   /* SlugField's own 'invalid' message */
    expect_err(f, "{}", ERR1(SLUG_MSG));
}

static void test_choice(void **state)
{
    (void)state;
    static const char *const states[] = { "pending", "paid", "1", "True", NULL };
    struct field f = { .type = F_CHOICE, .choices = states };
    struct fval v = expect_ok(f, "\"paid\"");
    assert_string_equal(v.s, "paid");
    expect_str(f, "1", "1");          /* str(1) */
    expect_str(f, "true", "True");    /* str(True) */
    expect_err(f, "\"PAID\"", ERR1("\\\"PAID\\\" is not a valid choice."));
    expect_err(f, "\" paid\"", ERR1("\\\" paid\\\" is not a valid choice."));
    expect_err(f, "\"\"", ERR1("\\\"\\\" is not a valid choice."));
    expect_err(f, "5", ERR1("\\\"5\\\" is not a valid choice."));
    expect_err(f, "1.0", ERR1("\\\"1.0\\\" is not a valid choice."));
    expect_err(f, "false", ERR1("\\\"False\\\" is not a valid choice."));
    expect_err(f, "[1,\"a\",null,true,2.5]", ERR1("\\\"[1, 'a', None, True, 2.5]\\\" is not a valid choice."));
    expect_err(f, "{\"k\":\"it's\",\"n\":[]}", ERR1("\\\"{'k': \\\"it's\\\", 'n': []}\\\" is not a valid choice."));
    expect_err(f, "[\"a\\\\b\\n\\u00e9\\u0001\"]", ERR1("\\\"['a\\\\\\\\b\\\\n\xc3\xa9\\\\x01']\\\" is not a valid choice."));
    expect_err(f, "null", ERR1("This field may not be null."));
    struct field blank = { .type = F_CHOICE, .choices = states, .allow_blank = true };
    expect_str(blank, "\"\"", "");
}

/* ---- integers ---- */

static void test_int_coercion(void **state)
{
    (void)state;
    struct field f = { .type = F_INT };
    expect_int(f, "5", 5);
    expect_int(f, "-5", -5);
    expect_int(f, "\"5\"", 5);
    expect_int(f, "\" 5 \"", 5);
    expect_int(f, "\"+5\"", 5);
    expect_int(f, "\"-5\"", -5);
    expect_int(f, "\"5.0\"", 5);
    expect_int(f, "\"5.\"", 5);
    expect_int(f, "\"5.000 \"", 5);
    expect_int(f, "\"007\"", 7);
    expect_int(f, "\"1_000\"", 1000);
    expect_int(f, "\"5\\u3000\"", 5);
    expect_int(f, "5.0", 5);
    expect_int(f, "1e3", 1000);
    expect_int(f, "-0.0", 0);
    expect_int(f, "1E2", 100);
#define INT_MSG ERR1("A valid integer is required.")
    const char *bad[] = { "5.5", "\"5.5\"", "\"abc\"", "\"\"", "\"  \"", "true", "false",
                          "[1]", "{}", "\"1e3\"", "1e16", "1e-5", "\"0x10\"", "\"1__0\"",
                          "\"_1\"", "\"1_\"", "\"5 5\"", "\"+-5\"", "\"\\u001c5\"", "\"5.0.0\"",
                          "\"\\u0665\"" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        expect_err(f, bad[i], INT_MSG);
    expect_err(f, "null", ERR1("This field may not be null."));
}

static void test_int_range(void **state)
{
    (void)state;
    struct field f = { .type = F_INT };
#define MAX32 ERR1("Ensure this value is less than or equal to 2147483647.")
#define MIN32 ERR1("Ensure this value is greater than or equal to -2147483648.")
    expect_int(f, "2147483647", 2147483647);
    expect_int(f, "-2147483648", -2147483648LL);
    expect_err(f, "2147483648", MAX32);
    expect_err(f, "\"2147483648\"", MAX32);
    expect_err(f, "2147483648.0", MAX32);
    expect_err(f, "9223372036854775807", MAX32);
    expect_err(f, "\"99999999999999999999999\"", MAX32);
    expect_err(f, "-2147483649", MIN32);
    expect_err(f, "\"-99999999999999999999999\"", MIN32);

    struct field pos = { .type = F_INT, .has_min = true, .min = 0 };
    expect_int(pos, "0", 0);
    expect_err(pos, "-1", ERR1("Ensure this value is greater than or equal to 0."));
    expect_err(pos, "2147483648", MAX32);
    struct field small = { .type = F_INT, .has_min = true, .min = 1, .has_max = true, .max = 5 };
    expect_int(small, "\"5\"", 5);
    expect_err(small, "6", ERR1("Ensure this value is less than or equal to 5."));
    expect_err(small, "0", ERR1("Ensure this value is greater than or equal to 1."));
    struct field big = { .type = F_INT, .has_min = true, .min = INT64_MIN, .has_max = true,
                         .max = INT64_MAX };
    expect_int(big, "\"9223372036854775807\"", INT64_MAX);
    expect_int(big, "\"-9223372036854775808\"", INT64_MIN);
    expect_int(big, "9007199254740992.0", 9007199254740992LL);
    expect_err(big, "\"9223372036854775808\"",
               ERR1("Ensure this value is less than or equal to 9223372036854775807."));
    expect_err(big, "\"-9223372036854775809\"",
               ERR1("Ensure this value is greater than or equal to -9223372036854775808."));

    char value[1100];
    value[0] = '"';
    memset(value + 1, '1', 1001);
    memcpy(value + 1002, "\"", 2);
    expect_err(f, value, ERR1("String value too large."));
    memset(value + 1, '0', 999);
    value[1000] = '7';
    memcpy(value + 1001, "\"", 2);   /* 1000 characters: allowed */
    expect_int(f, value, 7);
}

/* ---- booleans ---- */

static void test_bool(void **state)
{
    (void)state;
    struct field f = { .type = F_BOOL };
    const char *yes[] = { "true", "1", "1.0", "\"t\"", "\"T\"", "\"y\"", "\"Y\"", "\"yes\"",
                          "\"Yes\"", "\"YES\"", "\"true\"", "\"True\"", "\"TRUE\"", "\"on\"", "\"On\"",
                          "\"ON\"", "\"1\"" };
    const char *no[] = { "false", "0", "0.0", "-0.0", "\"f\"", "\"F\"", "\"n\"", "\"N\"",
                         "\"no\"", "\"No\"", "\"NO\"", "\"false\"", "\"False\"", "\"FALSE\"", "\"off\"",
                         "\"Off\"", "\"OFF\"", "\"0\"" };
    const char *bad[] = { "2", "-1", "0.5", "\"yES\"", "\"nO\"", "\"tRuE\"", "\"2\"", "\"\"",
                          "\" true\"", "\"null\"", "[true]", "{}", "\"1.0\"" };
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
        expect_bool(f, yes[i], true);
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
        expect_bool(f, no[i], false);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        expect_err(f, bad[i], ERR1("Must be a valid boolean."));
    expect_err(f, "null", ERR1("This field may not be null."));

    struct field nb = { .type = F_BOOL, .allow_null = true };
    const char *nulls[] = { "null", "\"null\"", "\"Null\"", "\"NULL\"", "\"\"" };
    for (size_t i = 0; i < sizeof nulls / sizeof nulls[0]; i++) {
        struct fval v = expect_ok(nb, nulls[i]);
        assert_true(v.is_null);
    }
    expect_bool(nb, "\"yes\"", true);
}

/* ---- money ---- */

static void test_money(void **state)
{
    (void)state;
    struct field f = { .type = F_MONEY };
    expect_int(f, "\"149.99\"", 14999);
    expect_int(f, "149.99", 14999);
    expect_int(f, "5", 500);
    expect_int(f, "\"5\"", 500);
    expect_int(f, "\" 5.5 \"", 550);
    expect_int(f, "1e2", 10000);
    expect_int(f, "1.5E+1", 1500);
    expect_int(f, "\"1.5E+1\"", 1500);
    expect_int(f, "\"-0.50\"", -50);
    expect_int(f, "0.1", 10);
    expect_int(f, "\"1_000\"", 100000);
#define PLACES ERR1("Ensure that there are no more than 2 decimal places.")
#define NUMBER ERR1("A valid number is required.")
    expect_err(f, "\"1.500\"", PLACES);
    expect_err(f, "1.555", PLACES);
    expect_err(f, "0.001", PLACES);
    expect_err(f, "1e-5", PLACES);          /* str(1e-05) is "1e-05" */
    expect_err(f, "0.30000000000000004", PLACES);
    const char *bad[] = { "\"abc\"", "\"\"", "\"  \"", "true", "false", "[1]", "{}", "\"NaN\"",
                          "\"Infinity\"", "\"-inf\"", "\"1,5\"", "\"$5\"", "\"5 5\"" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        expect_err(f, bad[i], NUMBER);
    expect_err(f, "null", ERR1("This field may not be null."));
    expect_err(f, "\"12345678901234567\"",
               ERR1("Ensure that there are no more than 16 digits before the decimal point."));
    expect_err(f, "1e20", ERR1("Ensure that there are no more than 18 digits in total."));
    expect_err(f, "\"1e999999999999\"", ERR1("Ensure that there are no more than 18 digits in total."));
    expect_int(f, "\"9999999999999999.99\"", 999999999999999999LL);

    char value[1100];
    value[0] = '"';
    memset(value + 1, '1', 1001);
    memcpy(value + 1002, "\"", 2);
    expect_err(f, value, ERR1("String value too large."));
}

static void test_money_digits_and_bounds(void **state)
{
    (void)state;
    struct field d10 = { .type = F_MONEY, .max_digits = 10 };
    expect_int(d10, "\"12345678.90\"", 1234567890);
    expect_err(d10, "\"123456789012\"", ERR1("Ensure that there are no more than 10 digits in total."));
    expect_err(d10, "\"123456789.12\"", ERR1("Ensure that there are no more than 10 digits in total."));
    expect_err(d10, "\"123456789.1\"",
               ERR1("Ensure that there are no more than 8 digits before the decimal point."));
    /* DRF checks max_digits before places: 0.00000000001 has 11 digits in total */
    expect_err(d10, "\"0.00000000001\"", ERR1("Ensure that there are no more than 10 digits in total."));
    expect_err(d10, "\"0.001\"", PLACES);

    struct field nonneg = { .type = F_MONEY, .has_min = true, .min = 0 };
    expect_int(nonneg, "\"0\"", 0);
    expect_err(nonneg, "\"-0.01\"", ERR1("Ensure this value is greater than or equal to 0."));
    struct field pos = { .type = F_MONEY, .has_min = true, .min = 1, .has_max = true, .max = 10000 };
    expect_err(pos, "0", ERR1("Ensure this value is greater than or equal to 0.01."));
    expect_err(pos, "\"100.01\"", ERR1("Ensure this value is less than or equal to 100."));
    expect_int(pos, "100", 10000);
    struct field odd = { .type = F_MONEY, .has_min = true, .min = 150, .has_max = true, .max = -5 };
    expect_err(odd, "1", ERR1("Ensure this value is greater than or equal to 1.5."));
    struct field neg = { .type = F_MONEY, .has_max = true, .max = -5 };
    expect_err(neg, "0", ERR1("Ensure this value is less than or equal to -0.05."));
}

/* ---- dates ---- */

static void test_dates(void **state)
{
    (void)state;
    struct field d = { .type = F_DATE };
    expect_int(d, "\"2024-02-29\"", 19782);
#define DATE_MSG ERR1("Date has wrong format. Use one of these formats instead: YYYY-MM-DD.")
    const char *bad_dates[] = { "\"2023-02-30\"", "\"2023-02-29\"", "\"2024-1-5\"", "\"\"",
                                "\"2024-01-05T00:00\"", "20240101", "true", "[]" };
    for (size_t i = 0; i < sizeof bad_dates / sizeof bad_dates[0]; i++)
        expect_err(d, bad_dates[i], DATE_MSG);

    struct field t = { .type = F_DATETIME };
    expect_int(t, "\"2024-01-15T10:30:00.123456Z\"", 1705314600123456LL);
    expect_int(t, "\"2024-01-15T11:30:00+01:00\"", 1705314600000000LL);
    expect_int(t, "\"2024-01-15 10:30\"", 1705314600000000LL);
#define DT_MSG ERR1("Datetime has wrong format. Use one of these formats instead: " \
                    "YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z].")
    const char *bad_times[] = { "\"2024-01-15\"", "\"yesterday\"", "\"2024-02-30T00:00Z\"",
                                "1705314600", "\"\"", "{}" };
    for (size_t i = 0; i < sizeof bad_times / sizeof bad_times[0]; i++)
        expect_err(t, bad_times[i], DT_MSG);
    expect_err(t, "null", ERR1("This field may not be null."));
    expect_int(t, "\"0001-01-01T00:00:00Z\"", -62135596800000000LL);
    expect_int(t, "\"9999-12-31T23:59:59.999999Z\"", 253402300799999999LL);
    expect_err(t, "\"0001-01-01T00:00:00+01:00\"", ERR1("Datetime value out of range."));
    expect_err(t, "\"9999-12-31T23:59:59-00:01\"", ERR1("Datetime value out of range."));
}

/* ---- nested objects, lists, raw values ---- */

static const struct field address_fields[] = {
    { "city", F_STRING, .required = true, .max_len = 5 },
    { "zip", F_INT, .has_min = true, .min = 0 },
};

static void test_object(void **state)
{
    (void)state;
    struct field fields[] = {
        { "name", F_STRING, .required = true },
        { "address", F_OBJECT, .required = true, .nested = address_fields, .nnested = 2 },
    };
    struct fval out[2];
    assert_string_equal(run_body("{\"name\":\"x\"}", fields, 2, out, false),
                        "{\"address\":[\"This field is required.\"]}");
    assert_string_equal(run_body("{\"name\":\"x\",\"address\":null}", fields, 2, out, false),
                        "{\"address\":[\"This field may not be null.\"]}");
    const char *types[][2] = { { "[]", "list" }, { "\"x\"", "str" }, { "5", "int" },
                               { "5.5", "float" }, { "true", "bool" } };
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        char body[128], want[256];
        snprintf(body, sizeof body, "{\"name\":\"x\",\"address\":%s}", types[i][0]);
        snprintf(want, sizeof want, "{\"address\":{\"non_field_errors\":[\"Invalid data. "
                                    "Expected a dictionary, but got %s.\"]}}", types[i][1]);
        assert_string_equal(run_body(body, fields, 2, out, false), want);
    }
    assert_string_equal(run_body("{\"name\":\"x\",\"address\":{}}", fields, 2, out, false),
                        "{\"address\":{\"city\":[\"This field is required.\"]}}");
    assert_string_equal(
        run_body("{\"name\":\"\",\"address\":{\"city\":\"toolong\",\"zip\":\"x\"}}", fields, 2, out, false),
        "{\"name\":[\"This field may not be blank.\"],\"address\":{\"city\":[\"Ensure this field "
        "has no more than 5 characters.\"],\"zip\":[\"A valid integer is required.\"]}}");
    assert_string_equal(
        run_body("{\"name\":\" N \",\"address\":{\"city\":\"Lagos\",\"zip\":\"12\"}}", fields, 2, out, false),
        "{}");
    assert_string_equal(out[0].s, "N");
    assert_true(out[1].present);
    assert_non_null(out[1].json);
    assert_non_null(out[1].sub);
    assert_string_equal(out[1].sub[0].s, "Lagos");
    assert_int_equal(out[1].sub[1].i, 12);
}

static void test_list_any(void **state)
{
    (void)state;
    struct field l = { .type = F_LIST };
    struct fval v = expect_ok(l, "[1,{\"a\":2}]");
    assert_true(json_is_array(v.json));
    assert_int_equal(json_array_size(v.json), 2);
    expect_err(l, "{}", ERR1("Expected a list of items but got type \\\"dict\\\"."));
    expect_err(l, "\"abc\"", ERR1("Expected a list of items but got type \\\"str\\\"."));
    expect_err(l, "null", ERR1("This field may not be null."));
    struct field any = { .type = F_ANY };
    v = expect_ok(any, "{\"deep\":[1]}");
    assert_true(json_is_object(v.json));
    v = expect_ok(any, "\"s\"");
    assert_true(json_is_string(v.json));
}

/* ---- helpers ---- */

static void test_coerce(void **state)
{
    (void)state;
    bool b = false;
    int64_t i = 0;
    assert_int_equal(coerce_bool_text("yes", 3, &b), 0);
    assert_true(b);
    assert_int_equal(coerce_bool_text("OFF", 3, &b), 0);
    assert_false(b);
    assert_int_equal(coerce_bool_text("truex", 4, &b), 0);   /* length is honoured */
    assert_true(b);
    assert_int_equal(coerce_bool_text("maybe", 5, &b), SHOP_EINVAL);
    assert_int_equal(coerce_bool_text("", 0, &b), SHOP_EINVAL);
    assert_int_equal(coerce_bool_text("Yes", 3, &b), 0);
    assert_true(b);
    assert_int_equal(coerce_bool_text("yEs", 3, &b), SHOP_EINVAL);
    assert_int_equal(coerce_int_text("42", 2, &i), 0);
    assert_int_equal(i, 42);
    assert_int_equal(coerce_int_text(" -7.00 ", 7, &i), 0);
    assert_int_equal(i, -7);
    assert_int_equal(coerce_int_text("7.5", 3, &i), SHOP_EINVAL);
    assert_int_equal(coerce_int_text("abc", 3, &i), SHOP_EINVAL);
    assert_int_equal(coerce_int_text("", 0, &i), SHOP_EINVAL);
    assert_int_equal(coerce_int_text("99999999999999999999", 20, &i), SHOP_EINVAL);
    assert_int_equal(coerce_int_text("123", 2, &i), 0);
    assert_int_equal(i, 12);
}

static void test_py_type_and_verr(void **state)
{
    (void)state;
    json_t *v = json_loads("[{},[],\"s\",1,1.5,true,false,null]", 0, NULL);
    const char *want[] = { "dict", "list", "str", "int", "float", "bool", "bool", "NoneType" };
    for (size_t i = 0; i < 8; i++)
        assert_string_equal(json_py_type(json_array_get(v, i)), want[i]);
    json_decref(v);

    json_t *e = json_object();
    assert_int_equal(verr_add(e, "k", "one"), 0);
    assert_int_equal(verr_addf(e, "k", "two %d %s", 2, "x"), 0);
    assert_int_equal(verr_add(e, "nested", "m"), 0);
    json_object_set_new(e, "obj", json_object());
    assert_int_equal(verr_add(e, "obj", "m"), SHOP_EINVAL);
    assert_int_equal(verr_add(e, "bad", "\xff"), SHOP_EINVAL);
    char *s = json_dumps(e, JSON_COMPACT);
    assert_string_equal(s, "{\"k\":[\"one\",\"two 2 x\"],\"nested\":[\"m\"],\"obj\":{}}");
    free(s);
    json_decref(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_required_null),
        cmocka_unit_test(test_partial),
        cmocka_unit_test(test_existing_errors_kept),
        cmocka_unit_test(test_string),
        cmocka_unit_test(test_string_max_len),
        cmocka_unit_test(test_string_nul),
        cmocka_unit_test(test_email),
        cmocka_unit_test(test_slug),
        cmocka_unit_test(test_choice),
        cmocka_unit_test(test_int_coercion),
        cmocka_unit_test(test_int_range),
        cmocka_unit_test(test_bool),
        cmocka_unit_test(test_money),
        cmocka_unit_test(test_money_digits_and_bounds),
        cmocka_unit_test(test_dates),
        cmocka_unit_test(test_object),
        cmocka_unit_test(test_list_any),
        cmocka_unit_test(test_coerce),
        cmocka_unit_test(test_py_type_and_verr),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
