/* uuid: random (v4) UUIDs and random bytes from the kernel's CSPRNG (getrandom), and
 * canonical-form checking. */
#ifndef SHOPD_CORE_UUID_H
#define SHOPD_CORE_UUID_H

#include <stdbool.h>
#include <stddef.h>

#define UUID_STR_LEN 36

/* Writes 36 lowercase chars plus NUL. Returns 0 or SHOP_EIO if randomness failed. */
int uuid_v4(char out[UUID_STR_LEN + 1]);
/* The same format from a fast per-thread generator seeded from the CSPRNG: unique
 * enough for request ids, NOT for anything secret (tokens, file names one must not
 * guess). Returns 0 or SHOP_EIO (seeding failed). */
int uuid_v4_nonsecret(char out[UUID_STR_LEN + 1]);
/* Canonical 8-4-4-4-12 hex (either case). */
bool uuid_is_canonical(const char *s, size_t n);
/* Fills out with n random bytes (CSPRNG). Returns 0 or SHOP_EIO. */
int random_bytes(void *out, size_t n);
/* n random bytes as 2n lowercase hex chars plus NUL. */
int random_hex(char *out, size_t nbytes);

#endif
