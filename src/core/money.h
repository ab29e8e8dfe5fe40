/* money: int64 cents, never double. Parsing follows DRF's DecimalField(decimal_places=2):
 * "149.99", "5", "5.5", 149.99 (as JSON number text), optional leading '-' when allowed.
 * Percentages are applied to cents and rounded half up to the cent. */
#ifndef SHOPD_CORE_MONEY_H
#define SHOPD_CORE_MONEY_H

#include <stdint.h>

#include "core/slice.h"

enum money_parse_err {
    MONEY_OK = 0,
    MONEY_EINVALID = -1,   /* "A valid number is required." */
    MONEY_EPLACES = -2,    /* "Ensure that there are no more than 2 decimal places." */
    MONEY_ERANGE = -3,     /* too many digits (DRF max_digits) */
};

/* Parses a decimal number text into cents. Accepts an exponent ("1e2") as JSON does. */
int money_parse(struct slice s, int64_t *cents);
/* Writes "-12.34" style text into out (at least MONEY_FMT_MAX bytes); returns length. */
#define MONEY_FMT_MAX 32
int money_format(char *out, int64_t cents);
/* Like money_format but as Python float repr of the decimal: 150 -> "150.0"?
 * DRF renders FloatField-like numbers; we write the shortest exact form:
 * 15000 -> "150", 15050 -> "150.5", 14999 -> "149.99". Returns length. */
int money_format_num(char *out, int64_t cents);
/* cents * pct / 100, where pct is given in hundredths of a percent (1250 = 12.50%),
 * rounded half up (away from zero for the magnitude). */
int64_t money_percent(int64_t cents, int64_t pct_hundredths);

#endif
