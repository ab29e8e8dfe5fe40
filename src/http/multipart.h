/* multipart: a strict multipart/form-data parser (RFC 7578 over RFC 2046) for media
 * uploads. It works in place over the complete request body: parts are slices into the
 * body, nothing is copied or allocated. Strict: no preamble, CRLF line ends only, no
 * folded headers, every part has exactly one `Content-Disposition: form-data` with a
 * `name`; the epilogue after the close delimiter is ignored (RFC 2046).
 * Bounded: at most MULTIPART_MAX_PARTS parts (the caller's array may be smaller),
 * MULTIPART_MAX_HEADERS header lines per part, each at most MULTIPART_MAX_HEADER_LINE
 * bytes. Quoted parameter values are returned raw, without undoing backslash escapes:
 * the callers only compare names and read a file name's extension.
 * Fuzzed by tests/fuzz/fuzz_multipart.c. */
#ifndef SHOPD_HTTP_MULTIPART_H
#define SHOPD_HTTP_MULTIPART_H

#include <stdbool.h>
#include <stddef.h>

#include "core/slice.h"

#define MULTIPART_MAX_PARTS       16
#define MULTIPART_MAX_HEADERS     8
#define MULTIPART_MAX_HEADER_LINE 1024
#define MULTIPART_BOUNDARY_MAX    70

struct multipart_part {
    struct slice name;     /* Content-Disposition name="..." */
    struct slice filename; /* filename="..." when has_filename (may be empty) */
    bool has_filename;
    struct slice content_type; /* the part's Content-Type value; empty when absent */
    struct slice data;         /* the part's bytes */
};

/* The boundary parameter of a Content-Type value whose type is multipart/form-data
 * (case-insensitive; the boundary may be quoted). *out points into content_type.
 * Returns 0, or SHOP_EINVAL for another type or a missing or invalid boundary (1-70
 * characters of RFC 2046's bchars, not ending with a space). */
int multipart_boundary(const char *content_type, struct slice *out);

/* Parses body into parts[0..max). Returns 0 and *n (0 parts is a valid empty form),
 * SHOP_EINVAL when the body is malformed or truncated, SHOP_ETOOBIG when it has more
 * than max (or MULTIPART_MAX_PARTS) parts or a header limit is exceeded. */
int multipart_parse(struct slice body, struct slice boundary, struct multipart_part *parts,
                    size_t max, size_t *n);

/* The last part called name (Django's QueryDict/MultiValueDict give the last value),
 * or NULL. */
const struct multipart_part *multipart_find(const struct multipart_part *parts, size_t n,
                                            const char *name);

#endif
