/* b64url: base64url without padding (RFC 4648 §5), strict: decoding refuses padding,
 * '+', '/', whitespace, NUL and non-canonical trailing bits. */
#ifndef SHOPD_CORE_B64URL_H
#define SHOPD_CORE_B64URL_H

#include <stddef.h>

#define B64URL_ENC_LEN(n) (((n) * 4 + 2) / 3)
#define B64URL_DEC_MAX(n) (((n) * 3) / 4 + 1)

/* Writes B64URL_ENC_LEN(n) chars plus NUL into out; returns the length without NUL. */
size_t b64url_encode(char *out, const void *in, size_t n);
/* Decodes into out (capacity outcap); returns decoded length, or -1 when invalid or
 * when it does not fit. */
long b64url_decode(void *out, size_t outcap, const char *in, size_t n);

#endif
