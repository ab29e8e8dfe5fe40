/* pyfloat: Python's repr()/str() of a float, which is what DRF sees when it turns a
 * JSON number into text ("5.5", "1000.0", "1e+16", "1e-05"). Used by the validator
 * (CharField/DecimalField/IntegerField coercions) and money_format_num.
 * Caveat: relies on the "C" numeric locale for snprintf/strtod (the server never calls
 * setlocale). */
#ifndef SHOPD_CORE_PYFLOAT_H
#define SHOPD_CORE_PYFLOAT_H

#include <stddef.h>

#define PYFLOAT_REPR_MAX 32

/* Writes the shortest text that reads back as v, formatted as Python's repr: fixed
 * notation with at least one fractional digit when 1e-4 <= |v| < 1e16, else
 * d[.ddd]e±XX. out must hold PYFLOAT_REPR_MAX bytes. Returns the length. */
int pyfloat_repr(char *out, double v);

#endif
