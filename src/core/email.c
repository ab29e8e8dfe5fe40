/* email: a hand-written equivalent of django.core.validators.EmailValidator.
 * Django's regexes are re.IGNORECASE; the character classes below are the same sets.
 *   user:    dot-atom [-!#$%&'*+/=?^_`{}|~0-9A-Z]+(\.[...]+)*
 *            or quoted "([\001-\010\013\014\016-\037!#-\[\]-\177]|\\[\001-\011\013\014\016-\177])*"
 *   domain:  ((?:[A-Z0-9](?:[A-Z0-9-]{0,61}[A-Z0-9])?\.)+)(?:[A-Z0-9-]{2,63}(?<!-))
 *   literal: \[([A-F0-9:.]+)\] holding a valid IPv4 or IPv6 address. */
#include "core/email.h"

#include <arpa/inet.h>
#include <string.h>

#include "core/utf8.h"

static bool is_alnum(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static bool is_atext(unsigned char c)
{
    return is_alnum(c) || (c != 0 && strchr("-!#$%&'*+/=?^_`{}|~", c) != NULL);
}

static bool dot_atom(const char *s, size_t n)
{
    bool prev_dot = true;   /* no leading dot */

    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '.') {
            if (prev_dot)
                return false;
            prev_dot = true;
        } else if (is_atext(c)) {
            prev_dot = false;
        } else {
            return false;
        }
    }
    return n > 0 && !prev_dot;
}

static bool qtext(unsigned char c)
{
    return (c >= 1 && c <= 8) || c == 11 || c == 12 || (c >= 14 && c <= 31) || c == '!' ||
           (c >= '#' && c <= '[') || (c >= ']' && c <= 127);
}

static bool quoted_pair_char(unsigned char c)
{
    return (c >= 1 && c <= 9) || c == 11 || c == 12 || (c >= 14 && c <= 127);
}

static bool quoted_local(const char *s, size_t n)
{
    if (n < 2 || s[0] != '"' || s[n - 1] != '"')
        return false;
    for (size_t i = 1; i < n - 1; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\\' && i + 1 < n - 1 && quoted_pair_char((unsigned char)s[i + 1]))
            i++;
        else if (!qtext(c))
            return false;
    }
    return true;
}

/* An IDNA-encodable non-ASCII label; see the header for the approximation. */
static bool idn_label(const char *s, size_t n)
{
    if (n == 0 || n > 63 || !utf8_valid(s, n) || s[0] == '-' || s[n - 1] == '-')
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x80 && !is_alnum(c) && c != '-')
            return false;
    }
    return true;
}

static bool has_non_ascii(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if ((unsigned char)s[i] >= 0x80)
            return true;
    }
    return false;
}

static bool ldh_label(const char *s, size_t n)
{
    if (has_non_ascii(s, n))
        return idn_label(s, n);
    if (n == 0 || n > 63 || !is_alnum((unsigned char)s[0]) || !is_alnum((unsigned char)s[n - 1]))
        return false;
    for (size_t i = 0; i < n; i++) {
        if (!is_alnum((unsigned char)s[i]) && s[i] != '-')
            return false;
    }
    return true;
}

static bool tld(const char *s, size_t n)
{
    if (has_non_ascii(s, n))
        return idn_label(s, n);   /* becomes "xn--...", which always matches */
    if (n < 2 || n > 63 || s[n - 1] == '-')
        return false;
    for (size_t i = 0; i < n; i++) {
        if (!is_alnum((unsigned char)s[i]) && s[i] != '-')
            return false;
    }
    return true;
}

static bool domain_name(const char *s, size_t n)
{
    const char *last = memrchr(s, '.', n);
    size_t start = 0;

    if (!last)
        return false;
    size_t tld_at = (size_t)(last - s) + 1;
    while (start < tld_at) {
        const char *dot = memchr(s + start, '.', tld_at - start);
        size_t end = (size_t)(dot - s);
        if (!ldh_label(s + start, end - start))
            return false;
        start = end + 1;
    }
    return tld(s + tld_at, n - tld_at);
}

static bool ip_literal(const char *s, size_t n)
{
    char ip[64];
    unsigned char addr[16];

    if (n < 3 || s[0] != '[' || s[n - 1] != ']' || n - 2 >= sizeof ip)
        return false;
    for (size_t i = 1; i < n - 1; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!(c >= '0' && c <= '9') && !strchr("abcdefABCDEF:.", c))
            return false;
    }
    memcpy(ip, s + 1, n - 2);
    ip[n - 2] = '\0';
    return inet_pton(AF_INET, ip, addr) == 1 || inet_pton(AF_INET6, ip, addr) == 1;
}

bool email_valid(struct slice s)
{
    if (!s.ptr || s.len == 0 || !utf8_valid(s.ptr, s.len) || utf8_count_chars(s.ptr, s.len) > 320)
        return false;
    const char *at = memrchr(s.ptr, '@', s.len);
    if (!at)
        return false;
    size_t ulen = (size_t)(at - s.ptr), dlen = s.len - ulen - 1;
    if (!dot_atom(s.ptr, ulen) && !quoted_local(s.ptr, ulen))
        return false;
    if (dlen == 9 && memcmp(at + 1, "localhost", 9) == 0)
        return true;
    return domain_name(at + 1, dlen) || ip_literal(at + 1, dlen);
}

void email_normalize(char *s, size_t n)
{
    char *at = memrchr(s, '@', n);

    if (!at)
        return;
    for (char *p = at + 1; p < s + n; p++) {
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    }
}
