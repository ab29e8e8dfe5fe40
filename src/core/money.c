/* money: decimal text <-> int64 cents without ever going through a double.
 * The parser mirrors Python's Decimal() syntax and DRF's digit counting
 * (DecimalField.validate_precision): digits are counted on the coefficient as written,
 * so "1.500" has three decimal places and "1e2" has none. Only the first 19
 * significant digits are accumulated; anything longer cannot fit in int64 anyway. */
#include "core/money.h"

#include <stdio.h>

#include "core/pyfloat.h"

#define EXP_CLAMP 1000000000000LL   /* |exponent| cap, far beyond any max_digits */

struct scan {
    const char *s;
    size_t len, i;
    uint64_t coef;        /* first 19 significant digits */
    int64_t nsig;         /* significant digits (leading zeros dropped) */
    int64_t nfrac;        /* digits written after the point */
    int64_t ndigits;      /* every mantissa digit written */
    int64_t exp10;        /* written exponent, clamped */
    bool neg;
};

/* Next character, skipping underscores as Decimal() does; -1 at the end. */
static int peek(struct scan *sc)
{
    while (sc->i < sc->len && sc->s[sc->i] == '_')
        sc->i++;
    return sc->i < sc->len ? (unsigned char)sc->s[sc->i] : -1;
}

static bool is_digit(int c)
{
    return c >= '0' && c <= '9';
}

static void take_digit(struct scan *sc, int c, bool frac)
{
    sc->ndigits++;
    if (frac)
        sc->nfrac++;
    if (sc->nsig == 0 && c == '0')
        return;
    if (sc->nsig < 19)
        sc->coef = sc->coef * 10 + (uint64_t)(c - '0');
    sc->nsig++;
}

static int scan_mantissa(struct scan *sc)
{
    bool point = false;
    int c;

    for (c = peek(sc); is_digit(c) || (c == '.' && !point); c = peek(sc)) {
        if (c == '.')
            point = true;
        else
            take_digit(sc, c, point);
        sc->i++;
    }
    return sc->ndigits > 0 ? 0 : MONEY_EINVALID;
}

static int scan_exponent(struct scan *sc)
{
    bool neg = false, any = false;
    int c = peek(sc);

    if (c != 'e' && c != 'E')
        return 0;
    sc->i++;
    c = peek(sc);
    if (c == '+' || c == '-') {
        neg = c == '-';
        sc->i++;
    }
    for (c = peek(sc); is_digit(c); c = peek(sc)) {
        if (sc->exp10 < EXP_CLAMP)
            sc->exp10 = sc->exp10 * 10 + (c - '0');
        any = true;
        sc->i++;
    }
    if (neg)
        sc->exp10 = -sc->exp10;
    return any ? 0 : MONEY_EINVALID;
}

static int scan_all(struct scan *sc)
{
    int c = peek(sc);

    if (c == '+' || c == '-') {
        sc->neg = c == '-';
        sc->i++;
    }
    if (scan_mantissa(sc) != 0 || scan_exponent(sc) != 0)
        return MONEY_EINVALID;
    return peek(sc) == -1 ? 0 : MONEY_EINVALID;
}

/* DRF's validate_precision, on Decimal.as_tuple() = (sign, digits, exponent). */
static void count_parts(const struct scan *sc, struct money_parts *p)
{
    int64_t nd = sc->nsig > 0 ? sc->nsig : 1;   /* Decimal("0.00") has digits (0,) */
    int64_t exp = sc->exp10 - sc->nfrac;

    p->negative = sc->neg;
    if (exp >= 0) {
        p->total_digits = nd + exp;
        p->whole_digits = p->total_digits;
        p->places = 0;
    } else if (nd > -exp) {
        p->total_digits = nd;
        p->whole_digits = nd + exp;
        p->places = -exp;
    } else {
        p->total_digits = -exp;
        p->whole_digits = 0;
        p->places = -exp;
    }
}

/* coef * 10^(exp + 2) as int64 cents, or MONEY_ERANGE. */
static int to_cents(const struct scan *sc, int64_t *cents)
{
    int64_t shift = sc->exp10 - sc->nfrac + 2;
    uint64_t v = sc->coef;

    if (sc->nsig == 0) {
        *cents = 0;
        return MONEY_OK;
    }
    if (sc->nsig > 19 || v > (uint64_t)INT64_MAX)
        return MONEY_ERANGE;
    for (; shift > 0; shift--) {
        if (v > (uint64_t)INT64_MAX / 10)
            return MONEY_ERANGE;
        v *= 10;
    }
    *cents = sc->neg ? -(int64_t)v : (int64_t)v;
    return MONEY_OK;
}

int money_parse_parts(struct slice s, int64_t *cents, struct money_parts *p)
{
    struct scan sc = { .s = s.ptr, .len = s.ptr ? s.len : 0 };

    if (scan_all(&sc) != 0)
        return MONEY_EINVALID;
    count_parts(&sc, p);
    if (p->places > 2)
        return MONEY_EPLACES;
    return to_cents(&sc, cents);
}

int money_parse(struct slice s, int64_t *cents)
{
    struct money_parts p;

    return money_parse_parts(s, cents, &p);
}

int money_format(char *out, int64_t cents)
{
    /* Unsigned magnitude so that INT64_MIN does not overflow on negation. */
    uint64_t mag = cents < 0 ? (uint64_t)0 - (uint64_t)cents : (uint64_t)cents;

    return snprintf(out, MONEY_FMT_MAX, "%s%llu.%02llu", cents < 0 ? "-" : "",
                    (unsigned long long)(mag / 100), (unsigned long long)(mag % 100));
}

int money_format_num(char *out, int64_t cents)
{
    /* Exact for |cents| <= 2^53: the division is then correctly rounded, like
     * float(Decimal(text)) in Python. */
    return pyfloat_repr(out, (double)cents / 100.0);
}

__extension__ typedef __int128 i128;

int64_t money_percent(int64_t cents, int64_t pct_hundredths)
{
    i128 prod = (i128)cents * pct_hundredths;
    bool neg = prod < 0;
    i128 mag = neg ? -prod : prod;
    i128 q = mag / 10000;

    if (mag % 10000 >= 5000)
        q++;
    if (neg)
        q = -q;
    if (q > INT64_MAX)
        return INT64_MAX;
    if (q < INT64_MIN)
        return INT64_MIN;
    return (int64_t)q;
}
