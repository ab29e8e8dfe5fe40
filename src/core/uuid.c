/* uuid: random v4 UUIDs and random tokens from the kernel's CSPRNG through getrandom(2)
 * (no library's userspace generator to seed, fork-safe, thread-safe). getrandom blocks
 * only until the kernel pool is first initialised, at boot. Failures are reported, never
 * papered over with a weaker source. */
#include "core/uuid.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/random.h>

#include "core/err.h"

static const char hexdig[] = "0123456789abcdef";

static void to_hex(char *out, const unsigned char *in, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        out[2 * i] = hexdig[in[i] >> 4];
        out[2 * i + 1] = hexdig[in[i] & 15];
    }
}

/* Above 256 bytes getrandom may return fewer bytes than asked (a signal, or over
 * 32 MiB in one call), and fails with EINTR when interrupted before any: loop until n
 * bytes. Any other error (ENOSYS on a kernel before 3.17, EFAULT) fails closed. */
int random_bytes(void *out, size_t n)
{
    unsigned char *p = out;

    while (n > 0) {
        ssize_t k = getrandom(p, n, 0);

        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return SHOP_EIO;
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

int random_hex(char *out, size_t nbytes)
{
    unsigned char tmp[64];

    while (nbytes > 0) {
        size_t k = nbytes < sizeof(tmp) ? nbytes : sizeof(tmp);

        if (random_bytes(tmp, k) != 0) {
            out[0] = '\0';
            return SHOP_EIO;
        }
        to_hex(out, tmp, k);
        out += 2 * k;
        nbytes -= k;
    }
    *out = '\0';
    return 0;
}

static void format_uuid(char out[UUID_STR_LEN + 1], unsigned char u[16])
{
    char *p = out;
    int i;

    u[6] = (unsigned char)((u[6] & 0x0f) | 0x40);   /* version 4 */
    u[8] = (unsigned char)((u[8] & 0x3f) | 0x80);   /* RFC 4122 variant */
    for (i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            *p++ = '-';
        to_hex(p, u + i, 1);
        p += 2;
    }
    *p = '\0';
}

int uuid_v4(char out[UUID_STR_LEN + 1])
{
    unsigned char u[16];

    if (random_bytes(u, sizeof(u)) != 0) {
        out[0] = '\0';
        return SHOP_EIO;
    }
    format_uuid(out, u);
    return 0;
}

/* xoshiro256** (Blackman and Vigna), one state per thread, seeded from the CSPRNG. */
static _Thread_local uint64_t xs[4];
static _Thread_local bool xs_seeded;

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static uint64_t xs_next(void)
{
    uint64_t result = rotl(xs[1] * 5, 7) * 9, t = xs[1] << 17;
    xs[2] ^= xs[0];
    xs[3] ^= xs[1];
    xs[1] ^= xs[2];
    xs[0] ^= xs[3];
    xs[2] ^= t;
    xs[3] = rotl(xs[3], 45);
    return result;
}

int uuid_v4_nonsecret(char out[UUID_STR_LEN + 1])
{
    if (!xs_seeded) {
        if (random_bytes(xs, sizeof xs) != 0) {
            out[0] = '\0';
            return SHOP_EIO;
        }
        xs_seeded = true;
    }
    uint64_t a = xs_next(), b = xs_next();
    unsigned char u[16];
    memcpy(u, &a, 8);
    memcpy(u + 8, &b, 8);
    format_uuid(out, u);
    return 0;
}

static bool is_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

bool uuid_is_canonical(const char *s, size_t n)
{
    size_t i;

    if (!s || n != UUID_STR_LEN)
        return false;
    for (i = 0; i < UUID_STR_LEN; i++) {
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;

        if (dash ? s[i] != '-' : !is_hex(s[i]))
            return false;
    }
    return true;
}
