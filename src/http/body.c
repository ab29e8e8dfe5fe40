/* body: request body → req->data (see body.h). JSON is parsed with jansson, which
 * refuses NaN/Infinity and bounds nesting depth; duplicate keys keep the last value as
 * Python's json does. The parsed value is released with the request arena. */
#include "http/body.h"

#include <ctype.h>
#include <string.h>

#include "core/err.h"
#include "core/validate.h"
#include "http/query.h"
#include "http/response.h"
#include "http/router.h"

#define FORM_MAX_FIELDS 256

static void json_decref_cb(void *v) { json_decref((json_t *)v); }

json_t *req_errors_new(struct request *req)
{
    json_t *errors = json_object();
    if (errors && arena_defer(req->arena, json_decref_cb, errors) != 0)
        return NULL; /* arena_defer already released it */
    return errors;
}

char *content_type_base(struct arena *a, const char *ct)
{
    size_t n = strcspn(ct, ";");
    while (n > 0 && isspace((unsigned char)ct[n - 1]))
        n--;
    while (n > 0 && isspace((unsigned char)*ct)) {
        ct++;
        n--;
    }
    char *out = arena_strndup(a, ct, n);
    for (char *p = out; p && *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return out;
}

static int keep(struct request *req, json_t *v)
{
    if (!v || arena_defer(req->arena, json_decref_cb, v) != 0)
        return resp_from_err(req, SHOP_ENOMEM);
    req->data = v;
    return 0;
}

static int parse_json(struct request *req)
{
    json_error_t jerr;
    json_t *v = json_loadb(req->body.ptr, req->body.len, JSON_DECODE_ANY, &jerr);
    if (!v) {
        char *msg = arena_printf(req->arena, "JSON parse error - %s", jerr.text);
        return resp_detail(req, 400, msg ? msg : "JSON parse error");
    }
    if (json_is_object(v))
        return keep(req, v);
    json_t *errors = json_object();
    int rc;
    if (json_is_null(v))
        rc = verr_add(errors, "non_field_errors", "No data provided");
    else
        rc = verr_addf(errors, "non_field_errors",
                       "Invalid data. Expected a dictionary, but got %s.", json_py_type(v));
    json_decref(v);
    int status = rc == 0 ? resp_errors(req, 400, errors) : resp_from_err(req, rc);
    json_decref(errors);
    return status;
}

static int parse_form(struct request *req)
{
    struct qparam *params;
    size_t n;
    int rc = query_parse(req->arena, req->body.ptr, req->body.len, FORM_MAX_FIELDS, &params, &n);
    if (rc != 0)
        return rc == SHOP_ETOOBIG ? resp_detail(req, 400, "Too many form fields.")
                                  : resp_from_err(req, rc);
    json_t *obj = json_object();
    for (size_t i = 0; obj && i < n; i++)
        json_object_set_new(obj, params[i].key,
                            json_stringn(params[i].value, params[i].value_len));
    return keep(req, obj);
}

static int unsupported(struct request *req)
{
    char *msg = arena_printf(req->arena, "Unsupported media type \"%s\" in request.",
                             req->content_type);
    return resp_detail(req, 415, msg ? msg : "Unsupported media type.");
}

int body_parse(struct request *req, unsigned accepts)
{
    req->data = NULL;
    if (req->body.len == 0 || !req->content_type)
        return 0;
    if (!accepts)
        accepts = BODY_JSON | BODY_FORM;
    char *type = content_type_base(req->arena, req->content_type);
    if (!type)
        return resp_from_err(req, SHOP_ENOMEM);
    if ((accepts & BODY_JSON) && strcmp(type, "application/json") == 0)
        return parse_json(req);
    if ((accepts & BODY_FORM) && strcmp(type, "application/x-www-form-urlencoded") == 0)
        return parse_form(req);
    if ((accepts & BODY_MULTIPART) && strcmp(type, "multipart/form-data") == 0)
        return 0;
    return unsupported(req);
}
