/* money: int64 cents, never double. Parsing follows DRF's DecimalField(decimal_places=2):
 * "149.99", "5", "5.5", 149.99 (as JSON number text), optional leading '-' when allowed.
 * Percentages are applied to cents and rounded half up to the cent. */
#ifndef SHOPD_CORE_MONEY_H
#define SHOPD_CORE_MONEY_H

#include <stdbool.h>
#include <stdint.h>

#include "core/slice.h"

enum money_parse_err {
    MONEY_OK = 0,
    MONEY_EINVALID = -1,   /* "A valid number is required." */
    MONEY_EPLACES = -2,    /* "Ensure that there are no more than 2 decimal places." */
    MONEY_ERANGE = -3,     /* too many digits (DRF max_digits) */
};

/* Parses a decimal number text into cents. Accepts an exponent ("1e2") as JSON does.
 * Syntax is Python's Decimal(): [+-]digits[.digits][(e|E)[+-]digits], also ".5" and "5.",
 * underscores ignored; no surrounding whitespace (the caller strips it). Decimal places
 * are counted as written, trailing zeros included ("1.500" -> MONEY_EPLACES).
 * Returns MONEY_OK, MONEY_EINVALID, MONEY_EPLACES (> 2 places) or MONEY_ERANGE (does
 * not fit in int64 cents). */
int money_parse(struct slice s, int64_t *cents);

/* Digit counts exactly as DRF's DecimalField.validate_precision computes them from
 * Decimal.as_tuple(), so callers can apply max_digits in DRF's order. Exponents are
 * clamped to +-10^12, far past any limit. */
struct money_parts {
    bool negative;
    int64_t total_digits;
    int64_t whole_digits;
    int64_t places;
};
/* Like money_parse, and fills *p whenever the syntax is valid (any return but
 * MONEY_EINVALID). *cents is set only on MONEY_OK. */
int money_parse_parts(struct slice s, int64_t *cents, struct money_parts *p);
/* Writes "-12.34" style text into out (at least MONEY_FMT_MAX bytes); returns length. */
#define MONEY_FMT_MAX 32
int money_format(char *out, int64_t cents);
/* The amount as DRF renders a Decimal sent as a JSON number: Python's float repr of
 * cents / 100, e.g. 15000 -> "150.0", 15050 -> "150.5", 14999 -> "149.99", -50 -> "-0.5".
 * out must hold MONEY_FMT_MAX bytes. Returns the length. */
int money_format_num(char *out, int64_t cents);
/* cents * pct / 100, where pct is given in hundredths of a percent (1250 = 12.50%),
 * rounded half up (away from zero for the magnitude). Exact for every input (128-bit
 * intermediate); a result beyond int64 saturates to INT64_MAX / INT64_MIN. */
int64_t money_percent(int64_t cents, int64_t pct_hundredths);

#endif
