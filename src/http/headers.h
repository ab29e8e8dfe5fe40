/* headers: pure checks on request header values that the server applies before
 * dispatch: the Host header against ALLOWED_HOSTS (Django's rules), the client's
 * X-Request-Id, and exact membership in a comma-separated list (CORS origins).
 * No allocation; unit-tested in tests/unit/http/test_headers.c. */
#ifndef SHOPD_HTTP_HEADERS_H
#define SHOPD_HTTP_HEADERS_H

#include <stdbool.h>
#include <stddef.h>

/* Django's get_host() validation: host must look like a name or an IPv6 literal with
 * an optional port (lower-cased, [a-z0-9.-]+ or [hex:...]), and its domain (port and
 * one trailing dot removed) must match an entry of allowed_csv: "*" matches all,
 * ".example.com" matches example.com and its subdomains, anything else matches
 * exactly, case-insensitively ("[::1]" for IPv6). NULL or empty host -> false. */
bool hdr_host_allowed(const char *allowed_csv, const char *host);
/* A client X-Request-Id we echo: 1..200 printable ASCII characters, no space. */
bool hdr_request_id_ok(const char *id);
/* true when value equals (byte for byte) one entry of csv; entries are trimmed of
 * spaces and tabs and empty ones ignored. */
bool hdr_list_has(const char *csv, const char *value);

#endif
