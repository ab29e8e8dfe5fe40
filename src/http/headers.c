/* headers: Host / X-Request-Id / list checks (see headers.h).
 * Design: Host validation copies Django's split_domain_port + validate_host so that a
 * deployment moved from the original accepts exactly the same Host values. */
#include "http/headers.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#define HOST_MAX 300 /* a DNS name is at most 253 bytes, plus a port */

static bool is_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
}

static bool is_hex_char(char c)
{
    return (c >= 'a' && c <= 'f') || (c >= '0' && c <= '9');
}

/* host_validation_re = ^([a-z0-9.-]+|\[[a-f0-9]*:[a-f0-9\.:]+\])(:[0-9]+)?$ on the
 * lower-cased host; returns the length of the domain part, 0 when invalid. */
static size_t domain_len(const char *h, size_t n)
{
    size_t i = 0;

    if (n > 0 && h[0] == '[') {
        const char *close = memchr(h, ']', n);
        const char *colon = close ? memchr(h, ':', (size_t)(close - h)) : NULL;
        if (colon == NULL || colon + 1 == close)
            return 0;
        for (const char *p = h + 1; p < close; p++)
            if (!is_hex_char(*p) && *p != ':' && (*p != '.' || p < colon))
                return 0;
        i = (size_t)(close - h) + 1;
    } else {
        while (i < n && is_name_char(h[i]))
            i++;
        if (i == 0)
            return 0;
    }
    if (i == n)
        return i;
    if (h[i] != ':' || i + 1 == n)
        return 0;
    for (size_t j = i + 1; j < n; j++)
        if (h[j] < '0' || h[j] > '9')
            return 0;
    return i;
}

/* Django's is_same_domain(host, pattern); pattern is not NUL-terminated. */
static bool same_domain(const char *d, size_t dn, const char *p, size_t pn)
{
    if (pn == 1 && p[0] == '*')
        return true;
    if (pn > 0 && p[0] == '.') {
        if (dn == pn - 1 && strncasecmp(d, p + 1, dn) == 0)
            return true;
        return dn >= pn && strncasecmp(d + dn - pn, p, pn) == 0;
    }
    return dn == pn && strncasecmp(d, p, dn) == 0;
}

/* Calls match(entry) for each trimmed, non-empty entry of csv until one returns true. */
static bool csv_any(const char *csv, bool (*match)(const char *e, size_t n, const void *arg),
                    const void *arg)
{
    const char *p = csv;

    while (p != NULL && *p != '\0') {
        size_t n = strcspn(p, ",");
        const char *e = p;
        size_t en = n;
        while (en > 0 && (*e == ' ' || *e == '\t')) {
            e++;
            en--;
        }
        while (en > 0 && (e[en - 1] == ' ' || e[en - 1] == '\t'))
            en--;
        if (en > 0 && match(e, en, arg))
            return true;
        p += n + (p[n] == ',');
    }
    return false;
}

struct domain {
    const char *d;
    size_t n;
};

static bool match_domain(const char *e, size_t n, const void *arg)
{
    const struct domain *dom = arg;
    return same_domain(dom->d, dom->n, e, n);
}

bool hdr_host_allowed(const char *allowed_csv, const char *host)
{
    char low[HOST_MAX + 1];
    size_t n = host ? strlen(host) : 0;
    struct domain dom = {low, 0};

    if (n == 0 || n > HOST_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        low[i] = (char)tolower((unsigned char)host[i]);
    low[n] = '\0';
    dom.n = domain_len(low, n);
    if (dom.n == 0)
        return false;
    if (low[0] != '[' && low[dom.n - 1] == '.')
        dom.n--;
    return csv_any(allowed_csv, match_domain, &dom);
}

bool hdr_request_id_ok(const char *id)
{
    size_t n = 0;

    if (id == NULL)
        return false;
    for (; id[n] != '\0'; n++)
        if (id[n] < 0x21 || id[n] > 0x7e || n >= 200)
            return false;
    return n > 0;
}

static bool match_exact(const char *e, size_t n, const void *arg)
{
    const char *v = arg;
    return strlen(v) == n && memcmp(e, v, n) == 0;
}

bool hdr_list_has(const char *csv, const char *value)
{
    return value != NULL && *value != '\0' && csv_any(csv, match_exact, value);
}
