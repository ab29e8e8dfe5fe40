/* Fuzz target for the stored-hash parser of domain/password.c (pwhash_parse) and, for
 * hashes cheap enough to compute, the whole verify path (the PHC fields decoded by
 * password.c, then libargon2; PBKDF2) with a fixed password. Invariants: no crash or
 * leak; parse, verify and needs_upgrade agree (an unparseable hash never verifies and
 * always needs an upgrade); the parsed fields lie inside the input and inside the
 * documented bounds. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "domain/password.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_inside(struct slice part, struct slice whole)
{
    if (part.len && (part.ptr < whole.ptr || part.ptr + part.len > whole.ptr + whole.len))
        abort();
}

static void check_fields(const struct pwhash_info *in, struct slice s)
{
    check_inside(in->salt, s);
    check_inside(in->hash, s);
    check_inside(in->phc, s);
    if (in->alg == PWHASH_ALG_PBKDF2_SHA256 &&
        (in->iterations < 1 || in->iterations > PWHASH_PBKDF2_MAX_ITERATIONS))
        abort();
    if (in->alg != PWHASH_ALG_PBKDF2_SHA256 &&
        (in->m_cost > PWHASH_ARGON2_MAX_M || in->t_cost > PWHASH_ARGON2_MAX_T ||
         in->parallelism > PWHASH_ARGON2_MAX_P || in->t_cost < 1 || in->parallelism < 1))
        abort();
}

/* Verifying costs what the hash says: only try the cheap ones. */
static bool cheap(const struct pwhash_info *in)
{
    if (in->alg == PWHASH_ALG_PBKDF2_SHA256)
        return in->iterations <= 2000;
    return in->m_cost <= 256 && in->t_cost <= 2 && in->parallelism <= 2;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct slice s = {(const char *)data, size};
    struct pwhash_info in;
    int rc = pwhash_parse(s, &in);
    bool upgrade = pwhash_needs_upgrade(s);
    if (rc != 0 && rc != SHOP_EINVAL)
        abort();
    if (rc != 0) {
        if (!upgrade || pwhash_verify(slice_from_cstr("password"), s) != SHOP_EINVAL)
            abort();
        return 0;
    }
    check_fields(&in, s);
    if (cheap(&in)) {
        int v = pwhash_verify(slice_from_cstr("password"), s);
        if (v != 0 && v != SHOP_EINVAL && v != SHOP_ENOMEM)
            abort();
    }
    return 0;
}
