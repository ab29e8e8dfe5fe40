/* Fuzz target: request-body JSON parsing (jansson, flags 0 as http/body.c) and the
 * validator on a representative field table, full and partial. Checks for crashes,
 * leaks (ASan) and UB; also that validate()'s return code agrees with the errors. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const statuses[] = { "pending", "paid", "cancelled", NULL };

static const struct field address_fields[] = {
    { "street_address", F_STRING, .required = true, .max_len = 30 },
    { "city", F_STRING, .required = true, .max_len = 50 },
    { "postal_code", F_INT, .required = true, .has_min = true, .min = 0 },
    { "country", F_STRING, .max_len = 30, .allow_blank = true },
};

static const struct field body_fields[] = {
    { "name", F_STRING, .required = true, .max_len = 100 },
    { "note", F_STRING, .allow_blank = true, .allow_null = true, .no_trim = true },
    { "quantity", F_INT, .required = true, .has_min = true, .min = 1 },
    { "offset", F_INT, .has_min = true, .min = INT64_MIN, .has_max = true, .max = INT64_MAX },
    { "is_available", F_BOOL, .required = false },
    { "gift", F_BOOL, .allow_null = true },
    { "price", F_MONEY, .required = true, .has_min = true, .min = 0, .max_digits = 10 },
    { "discount", F_MONEY, .has_max = true, .max = 10000 },
    { "date_of_birth", F_DATE, .allow_null = true },
    { "valid_until", F_DATETIME, .required = false },
    { "email", F_EMAIL, .required = true },
    { "slug", F_SLUG, .max_len = 50 },
    { "status", F_CHOICE, .choices = statuses },
    { "address", F_OBJECT, .nested = address_fields, .nnested = 4 },
    { "items", F_LIST, .required = false },
    { "meta", F_ANY, .required = false },
};

#define NFIELDS (sizeof body_fields / sizeof body_fields[0])

static void run(struct arena *a, json_t *body, int partial)
{
    struct fval out[NFIELDS];
    json_t *errors = json_object();
    int rc;

    if (!errors)
        return;
    rc = partial ? validate_partial(a, body, body_fields, NFIELDS, out, errors)
                 : validate(a, body, body_fields, NFIELDS, out, errors);
    if (rc == 0 && json_object_size(errors) != 0)
        abort();
    if (rc == SHOP_EINVAL && json_object_size(errors) == 0)
        abort();
    if (rc == 0 && !partial && (!out[0].present || out[0].s == NULL))
        abort();   /* "name" is required unless partial */
    char *text = json_dumps(errors, JSON_COMPACT);   /* the errors must serialise */
    free(text);
    json_decref(errors);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_error_t jerr;
    json_t *body = json_loadb((const char *)data, size, 0, &jerr);
    struct arena *a;

    if (!body)
        return 0;
    a = arena_new(0);
    if (a && json_is_object(body)) {
        run(a, body, 0);
        arena_reset(a);
        run(a, body, 1);
    }
    arena_free(a);
    json_decref(body);
    return 0;
}
