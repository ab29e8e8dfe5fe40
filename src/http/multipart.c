/* multipart: see multipart.h. One pass over the body: the first line must be the
 * dash-boundary, then each part is its header lines, an empty line, and its bytes up to
 * the next CRLF + dash-boundary (found with memmem, so the cost is linear in the body).
 * Header values are parsed as RFC 9110 tokens and quoted-strings; anything outside that
 * grammar is refused rather than guessed at, so two readers can never disagree about
 * where a part starts or what it is called. */
#include "http/multipart.h"

#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "core/err.h"

static bool is_ows(char c)
{
    return c == ' ' || c == '\t';
}

/* RFC 9110 tchar. */
static bool is_tchar(char c)
{
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
        return true;
    return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* RFC 2046 bchars without the space (handled by the caller). */
static bool is_bchar(char c)
{
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
        return true;
    return c != '\0' && strchr("'()+_,-./:=?", c) != NULL;
}

static bool boundary_ok(struct slice b)
{
    if (b.len == 0 || b.len > MULTIPART_BOUNDARY_MAX || b.ptr[b.len - 1] == ' ')
        return false;
    for (size_t i = 0; i < b.len; i++)
        if (b.ptr[i] != ' ' && !is_bchar(b.ptr[i]))
            return false;
    return true;
}

static size_t skip_ows(struct slice s, size_t i)
{
    while (i < s.len && is_ows(s.ptr[i]))
        i++;
    return i;
}

static size_t token_end(struct slice s, size_t i)
{
    while (i < s.len && is_tchar(s.ptr[i]))
        i++;
    return i;
}

static bool ci_eq(struct slice s, const char *lit)
{
    size_t n = strlen(lit);
    return s.len == n && strncasecmp(s.ptr, lit, n) == 0;
}

/* A quoted-string starting at s.ptr[*i] == '"': *value is the raw text between the
 * quotes (escapes kept). Control characters other than HTAB are refused. */
static int quoted_value(struct slice s, size_t *i, struct slice *value)
{
    size_t j = *i + 1;
    while (j < s.len && s.ptr[j] != '"') {
        unsigned char c = (unsigned char)s.ptr[j];
        if ((c < 0x20 && c != '\t') || c == 0x7f)
            return SHOP_EINVAL;
        if (c == '\\' && ++j >= s.len)
            return SHOP_EINVAL;
        j++;
    }
    if (j >= s.len)
        return SHOP_EINVAL;
    *value = (struct slice){s.ptr + *i + 1, j - *i - 1};
    *i = j + 1;
    return 0;
}

/* The next `; name=value` of a header value. Returns 1 with name/value, 0 at the end,
 * SHOP_EINVAL when malformed. A trailing ';' is tolerated. */
static int next_param(struct slice s, size_t *i, struct slice *name, struct slice *value)
{
    size_t k = skip_ows(s, *i);
    if (k == s.len)
        return 0;
    if (s.ptr[k] != ';')
        return SHOP_EINVAL;
    k = skip_ows(s, k + 1);
    if (k == s.len) {
        *i = k;
        return 0;
    }
    size_t e = token_end(s, k);
    if (e == k || e == s.len || s.ptr[e] != '=')
        return SHOP_EINVAL;
    *name = (struct slice){s.ptr + k, e - k};
    k = e + 1;
    if (k < s.len && s.ptr[k] == '"') {
        int rc = quoted_value(s, &k, value);
        if (rc)
            return rc;
    } else {
        e = token_end(s, k);
        if (e == k)
            return SHOP_EINVAL;
        *value = (struct slice){s.ptr + k, e - k};
        k = e;
    }
    *i = k;
    return 1;
}

/* Reads "type/subtype" at the start of s; *i is left after it. */
static int media_type(struct slice s, size_t *i, struct slice *type)
{
    size_t k = skip_ows(s, 0);
    size_t e = token_end(s, k);
    if (e == k || e == s.len || s.ptr[e] != '/')
        return SHOP_EINVAL;
    size_t e2 = token_end(s, e + 1);
    if (e2 == e + 1)
        return SHOP_EINVAL;
    *type = (struct slice){s.ptr + k, e2 - k};
    *i = e2;
    return 0;
}

int multipart_boundary(const char *content_type, struct slice *out)
{
    if (!content_type)
        return SHOP_EINVAL;
    struct slice s = slice_from_cstr(content_type), type, name, value;
    size_t i;
    bool found = false;
    if (media_type(s, &i, &type) || !ci_eq(type, "multipart/form-data"))
        return SHOP_EINVAL;
    int rc;
    while ((rc = next_param(s, &i, &name, &value)) == 1) {
        if (!ci_eq(name, "boundary"))
            continue;
        if (found)
            return SHOP_EINVAL;
        found = true;
        *out = value;
    }
    if (rc < 0 || !found || !boundary_ok(*out))
        return SHOP_EINVAL;
    return 0;
}

/* Content-Disposition: form-data; name="..."[; filename="..."]. Other parameters
 * (filename* included: RFC 7578 §4.2 forbids it) are ignored; repeats are refused. */
static int parse_disposition(struct slice v, struct multipart_part *part)
{
    size_t i = token_end(v, 0);
    struct slice name, value;
    bool has_name = false;
    if (!ci_eq((struct slice){v.ptr, i}, "form-data"))
        return SHOP_EINVAL;
    int rc;
    while ((rc = next_param(v, &i, &name, &value)) == 1) {
        if (ci_eq(name, "name")) {
            if (has_name)
                return SHOP_EINVAL;
            has_name = true;
            part->name = value;
        } else if (ci_eq(name, "filename")) {
            if (part->has_filename)
                return SHOP_EINVAL;
            part->has_filename = true;
            part->filename = value;
        }
    }
    return rc < 0 || !has_name ? SHOP_EINVAL : 0;
}

/* One header line (without its CRLF). */
static int parse_header(struct slice line, struct multipart_part *part, bool *seen_cd,
                        bool *seen_ct)
{
    size_t e = token_end(line, 0);
    if (e == 0 || e == line.len || line.ptr[e] != ':')
        return SHOP_EINVAL; /* also refuses obs-fold continuation lines */
    struct slice name = {line.ptr, e};
    size_t vs = skip_ows(line, e + 1), ve = line.len;
    while (ve > vs && is_ows(line.ptr[ve - 1]))
        ve--;
    struct slice value = {line.ptr + vs, ve - vs};
    if (ci_eq(name, "content-disposition")) {
        if (*seen_cd)
            return SHOP_EINVAL;
        *seen_cd = true;
        return parse_disposition(value, part);
    }
    if (ci_eq(name, "content-type")) {
        if (*seen_ct)
            return SHOP_EINVAL;
        *seen_ct = true;
        part->content_type = value;
    }
    return 0;
}

/* The line at *pos up to CRLF, which must come within the line limit; a bare CR or LF,
 * or a NUL, is refused. *pos moves past the CRLF. */
static int next_line(struct slice body, size_t *pos, struct slice *line)
{
    size_t limit = MULTIPART_MAX_HEADER_LINE;
    for (size_t j = *pos; j < body.len; j++) {
        char c = body.ptr[j];
        if (j - *pos > limit)
            return SHOP_ETOOBIG;
        if (c == '\0' || c == '\n')
            return SHOP_EINVAL;
        if (c != '\r')
            continue;
        if (j + 1 >= body.len || body.ptr[j + 1] != '\n')
            return SHOP_EINVAL;
        *line = (struct slice){body.ptr + *pos, j - *pos};
        *pos = j + 2;
        return 0;
    }
    return SHOP_EINVAL;
}

static int read_headers(struct slice body, size_t *pos, struct multipart_part *part)
{
    bool seen_cd = false, seen_ct = false;
    memset(part, 0, sizeof *part);
    for (int count = 0;; count++) {
        struct slice line;
        int rc = next_line(body, pos, &line);
        if (rc)
            return rc;
        if (line.len == 0)
            return seen_cd ? 0 : SHOP_EINVAL;
        if (count == MULTIPART_MAX_HEADERS)
            return SHOP_ETOOBIG;
        rc = parse_header(line, part, &seen_cd, &seen_ct);
        if (rc)
            return rc;
    }
}

/* After a delimiter: "--" closes the body (1); optional linear white space then CRLF
 * opens a part (0); anything else is SHOP_EINVAL. */
static int after_delimiter(struct slice body, size_t *pos)
{
    size_t p = *pos;
    if (body.len - p >= 2 && body.ptr[p] == '-' && body.ptr[p + 1] == '-')
        return 1;
    p = skip_ows(body, p);
    if (body.len - p < 2 || body.ptr[p] != '\r' || body.ptr[p + 1] != '\n')
        return SHOP_EINVAL;
    *pos = p + 2;
    return 0;
}

int multipart_parse(struct slice body, struct slice boundary, struct multipart_part *parts,
                    size_t max, size_t *n)
{
    char delim[4 + MULTIPART_BOUNDARY_MAX];
    *n = 0;
    if (!boundary_ok(boundary))
        return SHOP_EINVAL;
    memcpy(delim, "\r\n--", 4);
    memcpy(delim + 4, boundary.ptr, boundary.len);
    size_t dlen = 4 + boundary.len, pos = dlen - 2;
    if (body.len < pos || memcmp(body.ptr, delim + 2, pos) != 0)
        return SHOP_EINVAL; /* no preamble: the body starts with the dash-boundary */
    for (;;) {
        int rc = after_delimiter(body, &pos);
        if (rc)
            return rc == 1 ? 0 : rc;
        if (*n >= max || *n >= MULTIPART_MAX_PARTS)
            return SHOP_ETOOBIG;
        struct multipart_part *part = &parts[*n];
        rc = read_headers(body, &pos, part);
        if (rc)
            return rc;
        const char *end = memmem(body.ptr + pos, body.len - pos, delim, dlen);
        if (!end)
            return SHOP_EINVAL;
        part->data = (struct slice){body.ptr + pos, (size_t)(end - (body.ptr + pos))};
        pos = (size_t)(end - body.ptr) + dlen;
        (*n)++;
    }
}

const struct multipart_part *multipart_find(const struct multipart_part *parts, size_t n,
                                            const char *name)
{
    for (size_t i = n; i > 0; i--)
        if (slice_eq_cstr(parts[i - 1].name, name))
            return &parts[i - 1];
    return NULL;
}
