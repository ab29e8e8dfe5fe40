/* email: Django's EmailValidator (4.x/5.x) without regular expressions, and Django's
 * BaseUserManager.normalize_email (domain lower-cased). */
#ifndef SHOPD_CORE_EMAIL_H
#define SHOPD_CORE_EMAIL_H

#include <stdbool.h>
#include <stddef.h>

#include "core/slice.h"

/* True when s passes Django's EmailValidator: at most 320 characters, split at the
 * last '@', a dot-atom or quoted local part, and a domain of LDH labels with a TLD of
 * 2..63 characters, "localhost", or an [IPv4/IPv6] literal. Non-ASCII domain labels
 * are accepted when they would survive IDNA encoding (approximation: valid UTF-8,
 * ASCII letters/digits/hyphens otherwise, at most 63 bytes). */
bool email_valid(struct slice s);
/* Lower-cases the ASCII letters of the domain part (after the last '@') in place. */
void email_normalize(char *s, size_t n);

#endif
