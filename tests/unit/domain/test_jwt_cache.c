/* Tests for domain/jwt_cache.c: hits need the exact bytes, expiry is checked again on
 * every hit, entries are per thread, and what cannot be cached is not. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "domain/jwt_cache.h"

#define NOW 1700000000

static struct jwt_claims claims_for(int64_t user_id, int64_t exp)
{
    struct jwt_claims c;
    memset(&c, 0, sizeof c);
    c.type = JWT_TYPE_ACCESS;
    c.exp = exp;
    c.iat = exp - 3600;
    c.has_iat = true;
    c.user_id = user_id;
    c.pwv = 7;
    c.has_pwv = true;
    memcpy(c.jti, "0123456789abcdef0123456789abcdef", JWT_JTI_LEN);
    return c;
}

/* A token-like string: the same head for every seed, then a tail that differs, with
 * the seed's decimal digits in its last bytes (distinct seeds, distinct tokens). */
static void token_text(char *out, size_t len, unsigned seed)
{
    for (size_t i = 0; i < len; i++)
        out[i] = (char)('A' + (i * 7 + (i < len - 43 ? 0 : seed * 13)) % 26);
    for (size_t i = len; seed && i > len - 10; i--, seed /= 10)
        out[i - 1] = (char)('0' + seed % 10);
    out[len] = '\0';
}

static void test_hit_returns_the_stored_claims(void **state)
{
    (void)state;
    char tok[301];
    token_text(tok, 300, 1);
    struct jwt_claims in = claims_for(42, NOW + 60), out;
    assert_false(jwt_cache_get(slice_from_cstr(tok), NOW, &out));
    jwt_cache_put(slice_from_cstr(tok), &in);
    memset(&out, 0, sizeof out);
    assert_true(jwt_cache_get(slice_from_cstr(tok), NOW, &out));
    assert_memory_equal(&out, &in, sizeof in);
}

static void test_expiry_is_checked_on_every_hit(void **state)
{
    (void)state;
    char tok[301];
    token_text(tok, 300, 2);
    struct jwt_claims in = claims_for(5, NOW + 10), out;
    jwt_cache_put(slice_from_cstr(tok), &in);
    assert_true(jwt_cache_get(slice_from_cstr(tok), NOW + 9, &out));
    assert_false(jwt_cache_get(slice_from_cstr(tok), NOW + 10, &out)); /* exp <= now */
    assert_false(jwt_cache_get(slice_from_cstr(tok), NOW + 11, &out));
}

static void test_only_the_exact_bytes_hit(void **state)
{
    (void)state;
    char tok[301], other[301];
    token_text(tok, 300, 3);
    struct jwt_claims in = claims_for(9, NOW + 60), out;
    jwt_cache_put(slice_from_cstr(tok), &in);
    /* Same tail (so the same slot), one byte changed in the payload. */
    memcpy(other, tok, sizeof tok);
    other[100] = other[100] == 'x' ? 'y' : 'x';
    assert_false(jwt_cache_get(slice_from_cstr(other), NOW, &out));
    /* A prefix or an extension of the stored token. */
    assert_false(jwt_cache_get((struct slice){tok, 299}, NOW, &out));
    char longer[302];
    memcpy(longer, tok, 300);
    longer[300] = 'A';
    longer[301] = '\0';
    assert_false(jwt_cache_get(slice_from_cstr(longer), NOW, &out));
    assert_true(jwt_cache_get(slice_from_cstr(tok), NOW, &out));
}

static void test_too_long_and_empty_are_not_cached(void **state)
{
    (void)state;
    static char big[JWT_CACHE_TOKEN_MAX + 2];
    token_text(big, JWT_CACHE_TOKEN_MAX + 1, 4);
    struct jwt_claims in = claims_for(1, NOW + 60), out;
    jwt_cache_put(slice_from_cstr(big), &in);
    assert_false(jwt_cache_get(slice_from_cstr(big), NOW, &out));
    jwt_cache_put((struct slice){"", 0}, &in);
    assert_false(jwt_cache_get((struct slice){"", 0}, NOW, &out));
}

static void test_a_newer_entry_replaces_the_slot(void **state)
{
    (void)state;
    /* More tokens than slots: every one is still found right after its own put, and
     * a lookup never answers with another token's claims. */
    enum { N = JWT_CACHE_SLOTS * 3 };
    static char toks[N][301];
    struct jwt_claims out;
    for (unsigned i = 0; i < N; i++) {
        token_text(toks[i], 300, 100 + i);
        struct jwt_claims in = claims_for(1000 + i, NOW + 60);
        jwt_cache_put(slice_from_cstr(toks[i]), &in);
        assert_true(jwt_cache_get(slice_from_cstr(toks[i]), NOW, &out));
        assert_int_equal(out.user_id, 1000 + i);
    }
    for (unsigned i = 0; i < N; i++)
        if (jwt_cache_get(slice_from_cstr(toks[i]), NOW, &out))
            assert_int_equal(out.user_id, 1000 + i);
}

static void *lookup_in_thread(void *tok)
{
    struct jwt_claims out;
    return jwt_cache_get(slice_from_cstr(tok), NOW, &out) ? tok : NULL;
}

static void test_entries_are_per_thread(void **state)
{
    (void)state;
    static char tok[301];
    token_text(tok, 300, 5);
    struct jwt_claims in = claims_for(77, NOW + 60), out;
    jwt_cache_put(slice_from_cstr(tok), &in);
    assert_true(jwt_cache_get(slice_from_cstr(tok), NOW, &out));
    pthread_t t;
    void *seen = tok;
    assert_int_equal(pthread_create(&t, NULL, lookup_in_thread, tok), 0);
    assert_int_equal(pthread_join(t, &seen), 0);
    assert_null(seen);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hit_returns_the_stored_claims),
        cmocka_unit_test(test_expiry_is_checked_on_every_hit),
        cmocka_unit_test(test_only_the_exact_bytes_hit),
        cmocka_unit_test(test_too_long_and_empty_are_not_cached),
        cmocka_unit_test(test_a_newer_entry_replaces_the_slot),
        cmocka_unit_test(test_entries_are_per_thread),
    };
    return cmocka_run_group_tests_name("jwt_cache", tests, NULL, NULL);
}
