/* Tests for domain/password.c's hash slots: argon2 runs in a per-slot memory block handed
 * to libargon2 through its allocation callbacks, and password.c writes and reads the PHC
 * string itself. Checked here against libargon2's own encoder and decoder
 * (argon2id_hash_encoded, argon2_verify), independently of password.c; hashes whose m is
 * larger than the slot block (made directly with libargon2) still verify; and more
 * threads than slots hash and verify concurrently with every answer right. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <argon2.h>
#include <cmocka.h>
#include <pthread.h>

#include "core/b64url.h"
#include "core/err.h"
#include "domain/password.h"

#define S(lit)  slice_from_cstr(lit)
#define PW      "Quartz-Lantern-4817!"
#define THREADS 6 /* more threads than slots (one slot per core) on 2 to 4 cores */

/* Standard unpadded base64 (PHC) -> bytes, via the base64url decoder. */
static long phc_b64_decode(uint8_t *out, size_t cap, const char *in, size_t n)
{
    char url[128];
    assert_true(n <= sizeof(url));
    for (size_t i = 0; i < n; i++)
        url[i] = in[i] == '+' ? '-' : in[i] == '/' ? '_' : in[i];
    return b64url_decode(out, cap, url, n);
}

/* A Django-form argon2id hash made by libargon2 itself, with a fixed salt. */
static void libargon2_hash(char *out, size_t cap, uint32_t t, uint32_t m, uint32_t p,
                           const char *password)
{
    static const uint8_t salt[16] = "0123456789abcdef";
    memcpy(out, "argon2", 6);
    assert_int_equal(argon2id_hash_encoded(t, m, p, password, strlen(password), salt, sizeof(salt),
                                           32, out + 6, cap - 6),
                     ARGON2_OK);
}

/* pwhash_hash's output is byte for byte what argon2id_hash_encoded writes for the same
 * salt, and libargon2's decoder accepts it. */
static void test_slot_hash_is_libargon2s(void **state)
{
    (void)state;
    char ours[PWHASH_ENCODED_MAX], theirs[PWHASH_ENCODED_MAX];
    struct pwhash_info in;
    uint8_t salt[PWHASH_SALT_LEN];
    assert_int_equal(pwhash_hash(S(PW), ours), 0);
    assert_int_equal(pwhash_parse(S(ours), &in), 0);
    assert_int_equal(phc_b64_decode(salt, sizeof(salt), in.salt.ptr, in.salt.len), PWHASH_SALT_LEN);
    memcpy(theirs, "argon2", 6);
    assert_int_equal(argon2id_hash_encoded(PWHASH_T_COST, PWHASH_M_COST, PWHASH_PARALLELISM, PW,
                                           strlen(PW), salt, sizeof(salt), PWHASH_HASH_LEN,
                                           theirs + 6, sizeof(theirs) - 6),
                     ARGON2_OK);
    assert_string_equal(ours, theirs);
    assert_int_equal(argon2_verify(ours + 6, PW, strlen(PW), Argon2_id), ARGON2_OK);
    assert_int_equal(pwhash_verify(S(PW), S(ours)), 0);
    assert_int_equal(pwhash_verify(S(PW), S(ours + 6)), 0); /* bare PHC */
}

static void test_wrong_password_refused(void **state)
{
    (void)state;
    char h[PWHASH_ENCODED_MAX];
    assert_int_equal(pwhash_hash(S(PW), h), 0);
    assert_int_equal(pwhash_verify(S(PW "x"), S(h)), SHOP_EINVAL);
    assert_int_equal(pwhash_verify(S("quartz-Lantern-4817!"), S(h)), SHOP_EINVAL);
    assert_int_equal(pwhash_verify(S(""), S(h)), SHOP_EINVAL);
    /* The slot went back after each refusal: the right password still verifies. */
    assert_int_equal(pwhash_verify(S(PW), S(h)), 0);
    assert_int_equal(pwhash_verify_dummy(S(PW)), SHOP_EINVAL);
}

/* m above the slot block (by one lane segment and by twice), and m at the block with
 * four lanes (argon2 rounds the block count down per lane): all verify, wrong
 * passwords do not. */
static void test_other_parameters(void **state)
{
    (void)state;
    static const uint32_t params[][3] = {
        {1, PWHASH_M_COST + 4, 1},
        {1, PWHASH_M_COST * 2, 1},
        {1, PWHASH_M_COST, 4},
        {3, 64, 2},
    };
    for (size_t i = 0; i < sizeof(params) / sizeof(params[0]); i++) {
        char h[PWHASH_STORED_MAX + 1];
        libargon2_hash(h, sizeof(h), params[i][0], params[i][1], params[i][2], PW);
        assert_int_equal(pwhash_verify(S(PW), S(h)), 0);
        assert_int_equal(pwhash_verify(S(PW), S(h + 6)), 0);
        assert_int_equal(pwhash_verify(S(PW "!"), S(h)), SHOP_EINVAL);
        assert_true(pwhash_needs_upgrade(S(h)));
    }
}

struct worker {
    const char *ours; /* made by pwhash_hash (slot block) */
    const char *big;  /* m above the slot block (malloc'ed by libargon2) */
    int idx;
    int wrong; /* answers that were not the expected one */
};

/* One hash and three verifies: its own hash, a wrong password, and the shared hash of
 * our parameters or (every other thread) the one larger than the slot block. */
static void *worker_run(void *arg)
{
    struct worker *w = arg;
    char own[PWHASH_ENCODED_MAX];
    w->wrong += pwhash_hash(S(PW), own) != 0;
    w->wrong += pwhash_verify(S(PW), S(own)) != 0;
    w->wrong += pwhash_verify(S(PW "?"), S(w->ours)) != SHOP_EINVAL;
    w->wrong += pwhash_verify(S(PW), S(w->idx % 2 ? w->big : w->ours)) != 0;
    return NULL;
}

/* More threads than slots: they queue for the slots, each slot's block serves one hash
 * at a time, and every answer is right. */
static void test_concurrent(void **state)
{
    (void)state;
    char ours[PWHASH_ENCODED_MAX], big[PWHASH_STORED_MAX + 1];
    pthread_t th[THREADS];
    struct worker w[THREADS];
    assert_int_equal(pwhash_hash(S(PW), ours), 0);
    libargon2_hash(big, sizeof(big), 1, PWHASH_M_COST * 2, 1, PW);
    for (int i = 0; i < THREADS; i++) {
        w[i] = (struct worker){.ours = ours, .big = big, .idx = i};
        assert_int_equal(pthread_create(&th[i], NULL, worker_run, &w[i]), 0);
    }
    for (int i = 0; i < THREADS; i++) {
        assert_int_equal(pthread_join(th[i], NULL), 0);
        assert_int_equal(w[i].wrong, 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_slot_hash_is_libargon2s),
        cmocka_unit_test(test_wrong_password_refused),
        cmocka_unit_test(test_other_parameters),
        cmocka_unit_test(test_concurrent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
