/* libFuzzer target for http/multipart.c. The input is a Content-Type value, a newline,
 * then the body. Checks, beyond memory safety: every slice the parser returns lies
 * inside the input, parts come in order without overlapping, no part's data contains
 * the delimiter (CRLF + "--" + boundary), and multipart_find returns a part with the
 * name asked for. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/multipart.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_inside(struct slice s, const char *lo, const char *hi)
{
    if (s.len && (s.ptr < lo || s.ptr + s.len > hi))
        abort();
}

static void check_parts(struct slice body, struct slice boundary, const struct multipart_part *p,
                        size_t n)
{
    char delim[4 + MULTIPART_BOUNDARY_MAX];
    const char *prev_end = body.ptr;
    memcpy(delim, "\r\n--", 4);
    memcpy(delim + 4, boundary.ptr, boundary.len);
    for (size_t i = 0; i < n; i++) {
        check_inside(p[i].name, body.ptr, body.ptr + body.len);
        check_inside(p[i].filename, body.ptr, body.ptr + body.len);
        check_inside(p[i].content_type, body.ptr, body.ptr + body.len);
        check_inside(p[i].data, body.ptr, body.ptr + body.len);
        if (p[i].data.len && p[i].data.ptr < prev_end)
            abort();
        if (p[i].data.len && memmem(p[i].data.ptr, p[i].data.len, delim, 4 + boundary.len))
            abort();
        if (p[i].data.len)
            prev_end = p[i].data.ptr + p[i].data.len;
        char name[64];
        if (p[i].name.len < sizeof name && !memchr(p[i].name.ptr, '\0', p[i].name.len)) {
            memcpy(name, p[i].name.ptr, p[i].name.len);
            name[p[i].name.len] = '\0';
            const struct multipart_part *f = multipart_find(p, n, name);
            if (!f || !slice_eq(f->name, p[i].name) || f < &p[i])
                abort();
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *nl = memchr(data, '\n', size);
    if (!nl)
        return 0;
    size_t ctlen = (size_t)(nl - (const char *)data);
    char *ct = malloc(ctlen + 1);
    if (!ct)
        return 0;
    memcpy(ct, data, ctlen);
    ct[ctlen] = '\0';
    struct slice boundary;
    if (multipart_boundary(ct, &boundary) == 0) {
        /* the body is a separate allocation so that ASan sees reads past its end */
        size_t blen = size - ctlen - 1;
        char *body = malloc(blen ? blen : 1);
        if (body) {
            memcpy(body, nl + 1, blen);
            struct multipart_part parts[MULTIPART_MAX_PARTS];
            size_t n = 0;
            if (multipart_parse((struct slice){body, blen}, boundary, parts, MULTIPART_MAX_PARTS,
                                &n) == 0)
                check_parts((struct slice){body, blen}, boundary, parts, n);
            free(body);
        }
    }
    free(ct);
    return 0;
}
