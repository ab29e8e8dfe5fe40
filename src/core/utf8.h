/* utf8: strict UTF-8 decoding (no overlongs, no surrogates, nothing above U+10FFFF),
 * code-point counting for DRF's max_length (Python's len() counts code points), and
 * Python's notion of whitespace for str.strip()/int()/str.split() compatibility. */
#ifndef SHOPD_CORE_UTF8_H
#define SHOPD_CORE_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/slice.h"

/* Decodes one code point from s[0..n). Returns the bytes consumed (1..4) and sets *cp,
 * or -1 when the bytes do not start a valid sequence (or n is 0). */
int utf8_decode(const char *s, size_t n, uint32_t *cp);
/* True when s[0..n) is entirely valid UTF-8. */
bool utf8_valid(const char *s, size_t n);
/* Code points in s[0..n); each byte of an invalid sequence counts as one (as U+FFFD
 * would after decoding with errors="replace"). */
size_t utf8_count_chars(const char *s, size_t n);
/* Python's str.isspace() for one code point (ASCII blanks, U+001C..U+001F, U+0085,
 * U+00A0, U+1680, U+2000..U+200A, U+2028, U+2029, U+202F, U+205F, U+3000). */
bool utf8_is_space(uint32_t cp);
/* Python's str.strip(): the slice without leading and trailing whitespace. Invalid
 * bytes are never stripped. */
struct slice utf8_trim(struct slice s);
/* The same with another notion of whitespace (Python's int() strips Unicode spaces but
 * not U+001C..U+001F, for instance). */
struct slice utf8_trim_if(struct slice s, bool (*is_ws)(uint32_t cp));

#endif
