/* password_policy (prefix pwpolicy_): Django's default AUTH_PASSWORD_VALIDATORS, run as
 * django.contrib.auth.password_validation.validate_password runs them: every validator,
 * in the order of Django's project template, all messages collected:
 *   1. UserAttributeSimilarityValidator (first name, last name, email; max 0.7)
 *   2. MinimumLengthValidator (8)
 *   3. CommonPasswordValidator
 *   4. NumericPasswordValidator
 * Lengths count code points as Python's len() does; lower() and strip() follow Python's
 * str methods (see password_policy.c for the caveats). */
#ifndef SHOPD_DOMAIN_PASSWORD_POLICY_H
#define SHOPD_DOMAIN_PASSWORD_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/slice.h"

#define PWPOLICY_MIN_LENGTH     8
#define PWPOLICY_MAX_SIMILARITY 0.7
#define PWPOLICY_MAX_ERRORS     4

#define PWPOLICY_MSG_SIMILAR_FIRST_NAME "The password is too similar to the first name."
#define PWPOLICY_MSG_SIMILAR_LAST_NAME  "The password is too similar to the last name."
#define PWPOLICY_MSG_SIMILAR_EMAIL      "The password is too similar to the email address."
#define PWPOLICY_MSG_TOO_SHORT          "This password is too short. It must contain at least 8 characters."
#define PWPOLICY_MSG_TOO_COMMON         "This password is too common."
#define PWPOLICY_MSG_NUMERIC            "This password is entirely numeric."

/* The customer's attributes, UTF-8 (empty slices are skipped, as Django skips empty
 * attributes). Checked in Django's DEFAULT_USER_ATTRIBUTES order. */
struct pwpolicy_user {
    struct slice first_name;
    struct slice last_name;
    struct slice email;
};

struct pwpolicy_result {
    size_t n;                              /* messages found */
    const char *msgs[PWPOLICY_MAX_ERRORS]; /* static strings, in Django's order */
};

/* Runs the four validators on password (UTF-8; user may be NULL: no similarity check).
 * Returns 0 when the password is acceptable, SHOP_EINVAL when r holds messages, or
 * SHOP_ENOMEM (a very long attribute needed memory). */
int pwpolicy_check(struct slice password, const struct pwpolicy_user *user,
                   struct pwpolicy_result *r);

/* The validators one by one (also for tests). pwpolicy_similar sets *msg to the
 * similarity message or NULL, and returns 0 or SHOP_ENOMEM. */
int pwpolicy_similar(struct slice password, const struct pwpolicy_user *user, const char **msg);
bool pwpolicy_too_short(struct slice password);
bool pwpolicy_is_common(struct slice password);
bool pwpolicy_is_numeric(struct slice password);

/* difflib.SequenceMatcher(a=a, b=b).quick_ratio() over code points, no case folding. */
double pwpolicy_quick_ratio(struct slice a, struct slice b);

/* The common-password table, generated at build time by scripts/gen_common_passwords.sh
 * (build/gen/common_passwords.c): lower-cased, stripped, sorted by strcmp. Entry i is
 * the NUL-terminated string at pwpolicy_common_blob + pwpolicy_common_offsets[i]: offsets
 * rather than pointers, so the table needs no load-time relocations. */
extern const char pwpolicy_common_blob[];
extern const uint32_t pwpolicy_common_offsets[];
extern const size_t pwpolicy_common_passwords_count;
extern const size_t pwpolicy_common_passwords_maxlen;

/* Entry i of the table (i < pwpolicy_common_passwords_count); static storage. */
const char *pwpolicy_common_password(size_t i);

#endif
