/* cookies: a pure parser for the Cookie request header (RFC 6265 §5.4 syntax, parsed
 * leniently the way Django's parse_cookie does: pairs split on ';', name and value
 * trimmed, a pair without '=' is a value with an empty name, surrounding double quotes
 * removed from the value). No allocation: results point into the header text.
 * Fuzzed by tests/fuzz/fuzz_cookie.c. */
#ifndef SHOPD_HTTP_COOKIES_H
#define SHOPD_HTTP_COOKIES_H

#include <stddef.h>

#include "core/slice.h"

/* Finds the cookie called name (case-sensitive, as cookie names are) in one Cookie
 * header value hdr[0..len). When the name occurs more than once the LAST one wins, as
 * in Django (a "cookie tossing" duplicate set by a sibling domain or a longer path is
 * sent first). out points into hdr. Returns 0, or SHOP_ENOTFOUND (also for an empty
 * name). */
int cookie_find(const char *hdr, size_t len, const char *name, struct slice *out);

#endif
