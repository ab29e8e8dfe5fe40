/* pyfloat: Python float repr. The shortest round-tripping digit string is found by
 * asking printf for 1..17 significant digits: glibc rounds exactly, and the nearest
 * p-digit decimal round-trips whenever any p-digit decimal does, so the result is the
 * same digits Python's dtoa mode 0 produces. Layout rules are those of
 * float_repr_style 'short': fixed notation when -4 < decpt <= 16. */
#include "core/pyfloat.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct digits {
    char d[24];   /* significant digits, no trailing zeros */
    int nd;
    int decpt;    /* value = 0.d1d2... x 10^decpt */
    bool neg;
};

static void shortest_digits(double v, struct digits *g)
{
    char tmp[40];
    int p;

    g->neg = signbit(v) != 0;
    for (p = 1; p <= 17; p++) {
        snprintf(tmp, sizeof tmp, "%.*e", p - 1, fabs(v));
        if (strtod(tmp, NULL) == fabs(v))
            break;
    }
    /* tmp is "d.ddde[+-]XX" or "de[+-]XX" */
    g->nd = 0;
    const char *s = tmp;
    for (; *s && *s != 'e'; s++) {
        if (*s != '.')
            g->d[g->nd++] = *s;
    }
    g->decpt = (int)strtol(s + 1, NULL, 10) + 1;
    while (g->nd > 1 && g->d[g->nd - 1] == '0')
        g->nd--;
    g->d[g->nd] = '\0';
}

static int put_fixed(char *out, const struct digits *g)
{
    int n = 0;

    if (g->neg)
        out[n++] = '-';
    if (g->decpt <= 0) {
        out[n++] = '0';
        out[n++] = '.';
        for (int i = 0; i < -g->decpt; i++)
            out[n++] = '0';
        memcpy(out + n, g->d, (size_t)g->nd);
        n += g->nd;
    } else if (g->decpt >= g->nd) {
        memcpy(out + n, g->d, (size_t)g->nd);
        n += g->nd;
        for (int i = g->nd; i < g->decpt; i++)
            out[n++] = '0';
        out[n++] = '.';
        out[n++] = '0';
    } else {
        memcpy(out + n, g->d, (size_t)g->decpt);
        n += g->decpt;
        out[n++] = '.';
        memcpy(out + n, g->d + g->decpt, (size_t)(g->nd - g->decpt));
        n += g->nd - g->decpt;
    }
    out[n] = '\0';
    return n;
}

static int put_sci(char *out, const struct digits *g)
{
    int n = 0, e = g->decpt - 1;

    if (g->neg)
        out[n++] = '-';
    out[n++] = g->d[0];
    if (g->nd > 1) {
        out[n++] = '.';
        memcpy(out + n, g->d + 1, (size_t)(g->nd - 1));
        n += g->nd - 1;
    }
    n += snprintf(out + n, (size_t)(PYFLOAT_REPR_MAX - n), "e%c%02d", e < 0 ? '-' : '+',
                  e < 0 ? -e : e);
    return n;
}

int pyfloat_repr(char *out, double v)
{
    struct digits g;

    if (isnan(v))
        return snprintf(out, PYFLOAT_REPR_MAX, "nan");
    if (isinf(v))
        return snprintf(out, PYFLOAT_REPR_MAX, "%sinf", v < 0 ? "-" : "");
    if (v == 0)
        return snprintf(out, PYFLOAT_REPR_MAX, "%s0.0", signbit(v) ? "-" : "");
    shortest_digits(v, &g);
    if (g.decpt > -4 && g.decpt <= 16)
        return put_fixed(out, &g);
    return put_sci(out, &g);
}
