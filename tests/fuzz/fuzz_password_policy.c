/* Fuzz target for domain/password_policy.c: the input is "password \n first \n last \n
 * email" (missing parts are empty), any bytes, valid UTF-8 or not. Invariants: no crash
 * or leak; at most four messages, in Django's order; quick_ratio stays within [0, 1]
 * and is 1 for a string against itself. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "domain/password_policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct slice next_part(const char **p, const char *end)
{
    const char *nl = memchr(*p, '\n', (size_t)(end - *p));
    const char *stop = nl ? nl : end;
    struct slice s = {*p, (size_t)(stop - *p)};
    *p = nl ? nl + 1 : end;
    return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data, *end = p + size;
    struct slice pw = next_part(&p, end);
    struct pwpolicy_user u;
    u.first_name = next_part(&p, end);
    u.last_name = next_part(&p, end);
    u.email = next_part(&p, end);
    struct pwpolicy_result r;
    int rc = pwpolicy_check(pw, &u, &r);
    if ((rc == 0) != (r.n == 0) || r.n > PWPOLICY_MAX_ERRORS || (rc != 0 && rc != SHOP_EINVAL))
        abort();
    for (size_t i = 1; i < r.n; i++)
        if (r.msgs[i] == r.msgs[i - 1])
            abort();
    double q = pwpolicy_quick_ratio(pw, u.email);
    if (!(q >= 0.0 && q <= 1.0) || pwpolicy_quick_ratio(pw, pw) != 1.0)
        abort();
    return 0;
}
