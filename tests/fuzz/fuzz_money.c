/* Fuzz target: money_parse_parts on arbitrary bytes. Invariants: a parsed value prints
 * back (money_format) to text that parses to the same cents; DRF digit counts are
 * consistent; Python-style rendering and percentages never overflow a buffer. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/money.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_roundtrip(int64_t cents)
{
    char out[MONEY_FMT_MAX], num[MONEY_FMT_MAX];
    int64_t back = 0;
    int n = money_format(out, cents);

    if (n <= 0 || n >= MONEY_FMT_MAX || money_parse((struct slice){ out, (size_t)n }, &back) != 0)
        abort();
    if (back != cents)
        abort();
    n = money_format_num(num, cents);
    if (n <= 0 || n >= MONEY_FMT_MAX || strlen(num) != (size_t)n)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct slice s = { (const char *)data, size };
    struct money_parts p;
    int64_t cents = 0;
    int rc = money_parse_parts(s, &cents, &p);

    if (rc == MONEY_EINVALID)
        return 0;
    if (p.places < 0 || p.total_digits < 1 || p.whole_digits < 0 || p.whole_digits > p.total_digits)
        abort();
    if ((rc == MONEY_EPLACES) != (p.places > 2))
        abort();
    if (rc != MONEY_OK)
        return 0;
    check_roundtrip(cents);
    /* use the value as a percentage of itself too: any int64 pair must be safe */
    int64_t r = money_percent(cents, cents);
    int64_t half = money_percent(cents, 5000);
    if (half > 0 ? cents < 0 : (half < 0 && cents > 0))
        abort();
    (void)r;
    return 0;
}
