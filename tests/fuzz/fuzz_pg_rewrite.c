/* Fuzz target for the PostgreSQL placeholder rewrite (db_pg_rewrite): whatever the
 * quoting and comments, the output must be the input with some '?' replaced by $1, $2,
 * ... in order, nparams of them, and nothing else changed. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "db/db_backend.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Walks input and output together; returns the number of rewritten '?'. */
static int check(const char *in, const char *out)
{
    int k = 0;
    while (*in) {
        if (*in == '?' && *out == '$') {
            char *end;
            long n = strtol(out + 1, &end, 10);
            if (n != ++k || end == out + 1)
                abort();
            out = end;
            in++;
        } else if (*in++ != *out++) {
            abort();
        }
    }
    if (*out)
        abort();
    return k;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *sql = malloc(size + 1);
    if (!sql)
        abort();
    memcpy(sql, data, size);
    sql[size] = '\0';
    int n = -1;
    char *out = db_pg_rewrite(sql, &n);
    if (!out && n >= 0 && n <= 65535)
        abort(); /* only ?NNN (n = -1) or too many placeholders may fail */
    if (out && check(sql, out) != n)
        abort();
    free(out);
    free(sql);
    return 0;
}
