/* router: (method, path) -> route, by walking each pattern against the path once.
 * Design: the table is small (about a hundred routes) and const, so a linear scan that
 * compares literal bytes and checks typed parameters in place is fast enough and needs
 * no allocation and no precomputed index. Every route whose pattern matches contributes
 * its method to m->allowed, which tells 404 (nothing matched) from 405 (matched, wrong
 * method). Fuzzed by tests/fuzz/fuzz_router.c. */
#include "http/router.h"

#include <stdio.h>
#include <string.h>

#include "core/err.h"

enum param_type { P_NONE, P_ID, P_UUID, P_SLUG, P_TOKEN, P_FILE };

static enum param_type param_type_of(const char *name, size_t n)
{
    static const struct {
        const char *name;
        enum param_type type;
    } types[] = {{"id", P_ID},
                 {"uuid", P_UUID},
                 {"slug", P_SLUG},
                 {"token", P_TOKEN},
                 {"file", P_FILE}};

    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
        if (strlen(types[i].name) == n && memcmp(types[i].name, name, n) == 0)
            return types[i].type;
    return P_NONE;
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}
static bool is_lhex(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f');
}

static bool is_slug_char(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '_';
}

/* Digits only, value <= INT64_MAX (leading zeros allowed, as Django's int converter). */
static bool id_ok(const char *s, size_t n)
{
    static const char max[] = "9223372036854775807";

    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!is_digit(s[i]))
            return false;
    while (n > 1 && s[0] == '0') {
        s++;
        n--;
    }
    return n < sizeof(max) - 1 || (n == sizeof(max) - 1 && memcmp(s, max, n) <= 0);
}

static bool uuid_ok(const char *s, size_t n)
{
    if (n != 36)
        return false;
    for (size_t i = 0; i < n; i++) {
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? s[i] != '-' : !is_lhex(s[i]))
            return false;
    }
    return true;
}

static bool slug_ok(const char *s, size_t n)
{
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!is_slug_char(s[i]))
            return false;
    return true;
}

/* name.ext: a slug, one dot, then letters and digits. A file name can never be "." or
 * "..", hold a '/' or start with a dot (hidden or temporary files). */
static bool file_ok(const char *s, size_t n)
{
    const char *dot = memchr(s, '.', n);
    if (dot == NULL || !slug_ok(s, (size_t)(dot - s)))
        return false;
    size_t ext = n - (size_t)(dot - s) - 1;
    if (ext == 0)
        return false;
    for (size_t i = 0; i < ext; i++)
        if (!is_digit(dot[1 + i]) && !(dot[1 + i] >= 'a' && dot[1 + i] <= 'z') &&
            !(dot[1 + i] >= 'A' && dot[1 + i] <= 'Z'))
            return false;
    return true;
}

static bool param_ok(enum param_type t, const char *s, size_t n)
{
    switch (t) {
    case P_ID:
        return id_ok(s, n);
    case P_UUID:
        return uuid_ok(s, n);
    case P_SLUG:
    case P_TOKEN:
        return slug_ok(s, n);
    case P_FILE:
        return file_ok(s, n);
    case P_NONE:
        break;
    }
    return false;
}

/* Walks pattern and path together; a parameter takes the path up to the next '/'. */
static bool match_pattern(const char *pat, const char *path, size_t len, struct slice *params,
                          size_t *np)
{
    size_t i = 0;

    *np = 0;
    while (*pat != '\0') {
        if (*pat == '{') {
            const char *close = strchr(pat, '}');
            size_t start = i;
            if (close == NULL || *np == ROUTE_MAX_PARAMS)
                return false;
            while (i < len && path[i] != '/')
                i++;
            if (!param_ok(param_type_of(pat + 1, (size_t)(close - pat - 1)), path + start,
                          i - start))
                return false;
            params[(*np)++] = (struct slice){path + start, i - start};
            pat = close + 1;
            continue;
        }
        if (i >= len || path[i] != *pat)
            return false;
        i++;
        pat++;
    }
    return i == len;
}

static bool method_matches(unsigned route_method, unsigned method)
{
    return (route_method & method) != 0 || (method == M_HEAD && (route_method & M_GET));
}

static void take_params(struct route_match *m, const struct slice *params, size_t n)
{
    memcpy(m->params, params, n * sizeof(params[0]));
    m->nparams = n;
}

bool router_match(const struct route *table, size_t n, const char *path, size_t len,
                  unsigned method, struct route_match *m)
{
    const struct route *by_get = NULL;
    struct slice get_params[ROUTE_MAX_PARAMS];
    size_t get_np = 0;

    memset(m, 0, sizeof(*m));
    for (size_t i = 0; i < n; i++) {
        struct slice params[ROUTE_MAX_PARAMS];
        size_t np;
        if (!match_pattern(table[i].pattern, path, len, params, &np))
            continue;
        m->allowed |= table[i].method;
        if (m->first == NULL) {
            m->first = &table[i];
            take_params(m, params, np);
        }
        if (m->route == NULL && (table[i].method & method)) {
            m->route = &table[i];
            take_params(m, params, np);
        } else if (by_get == NULL && method_matches(table[i].method, method)) {
            by_get = &table[i];
            memcpy(get_params, params, np * sizeof(params[0]));
            get_np = np;
        }
    }
    /* HEAD falls back to GET only when no route declares HEAD itself. */
    if (m->route == NULL && by_get != NULL) {
        m->route = by_get;
        take_params(m, get_params, get_np);
    }
    return m->first != NULL;
}

size_t router_allow_header(unsigned methods, char *out, size_t outlen)
{
    static const struct {
        unsigned bit;
        const char *name;
    } order[] = {{M_GET, "GET"},       {M_POST, "POST"}, {M_PUT, "PUT"},        {M_PATCH, "PATCH"},
                 {M_DELETE, "DELETE"}, {M_HEAD, "HEAD"}, {M_OPTIONS, "OPTIONS"}};
    size_t len = 0;

    if (methods & M_GET)
        methods |= M_HEAD;
    methods |= M_OPTIONS;
    if (outlen == 0)
        return 0;
    out[0] = '\0';
    for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
        if (!(methods & order[i].bit))
            continue;
        int w = snprintf(out + len, outlen - len, "%s%s", len ? ", " : "", order[i].name);
        if (w < 0 || (size_t)w >= outlen - len) {
            out[len] = '\0';
            break;
        }
        len += (size_t)w;
    }
    return len;
}

unsigned http_method_from_name(const char *name)
{
    static const struct {
        const char *name;
        unsigned bit;
    } names[] = {{"GET", M_GET},     {"HEAD", M_HEAD},     {"POST", M_POST},      {"PUT", M_PUT},
                 {"PATCH", M_PATCH}, {"DELETE", M_DELETE}, {"OPTIONS", M_OPTIONS}};

    if (name == NULL)
        return M_OTHER;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strcmp(names[i].name, name) == 0)
            return names[i].bit;
    return M_OTHER;
}

int64_t router_param_id(struct slice s)
{
    int64_t v = 0;

    for (size_t i = 0; i < s.len && is_digit(s.ptr[i]); i++)
        v = v * 10 + (s.ptr[i] - '0');
    return v;
}

/* One pattern's shape: see router_check_table. */
static const char *check_pattern(const char *pat)
{
    size_t np = 0;

    if (pat == NULL || pat[0] != '/')
        return "pattern must start with '/'";
    for (const char *p = pat; *p != '\0'; p++) {
        if (*p == '}')
            return "unbalanced '}'";
        if (*p != '{')
            continue;
        const char *close = strchr(p, '}');
        if (close == NULL)
            return "unclosed '{'";
        if (param_type_of(p + 1, (size_t)(close - p - 1)) == P_NONE)
            return "unknown parameter type (use {id}, {uuid}, {slug}, {token} or {file})";
        if (p[-1] != '/' || (close[1] != '/' && close[1] != '\0'))
            return "a parameter must be a whole segment";
        if (++np > ROUTE_MAX_PARAMS)
            return "too many parameters";
        p = close;
    }
    return NULL;
}

static bool one_known_method(unsigned m)
{
    return m != 0 && (m & (m - 1)) == 0 && m <= M_OPTIONS;
}

int router_check_table(const struct route *table, size_t n, char *err, size_t errlen)
{
    for (size_t i = 0; i < n; i++) {
        const char *why = check_pattern(table[i].pattern);
        if (why == NULL && !one_known_method(table[i].method))
            why = "method must be exactly one of M_GET ... M_OPTIONS";
        if (why == NULL && table[i].handler == NULL)
            why = "no handler";
        for (size_t j = 0; why == NULL && j < i; j++)
            if (table[j].method == table[i].method &&
                strcmp(table[j].pattern, table[i].pattern) == 0)
                why = "duplicate method and pattern";
        if (why != NULL) {
            snprintf(err, errlen, "route %zu (%s): %s", i,
                     table[i].pattern ? table[i].pattern : "(null)", why);
            return SHOP_EINVAL;
        }
    }
    return 0;
}
