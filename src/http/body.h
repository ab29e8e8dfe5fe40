/* body: turns the raw request body into req->data according to its Content-Type, with
 * DRF's answers for what cannot be parsed (API.md §0.1): 415 for an unsupported type,
 * 400 "JSON parse error - ..." for malformed JSON (NaN and Infinity included), 400
 * non_field_errors when the JSON is not an object. Form bodies become an object of
 * strings (last value wins, as Django's QueryDict.dict()). A body without Content-Type
 * is treated as empty. */
#ifndef SHOPD_HTTP_BODY_H
#define SHOPD_HTTP_BODY_H

#include "http/request.h"

/* accepts: enum body_kind bits the route parses. Returns 0 when req->data is ready
 * (possibly NULL for an empty body), or the HTTP status already answered. Multipart
 * bodies are accepted (when allowed) but left for the handler to parse. */
int body_parse(struct request *req, unsigned accepts);
/* A new, empty DRF errors object owned by the request (released with its arena); NULL
 * when out of memory. Handlers collect every message in one object, then answer once:
 *   json_t *errors = req_errors_new(req);
 *   validate(req->arena, req->data, fields, n, v, errors);
 *   ... further checks add messages with verr_add ...
 *   if (json_object_size(errors)) return resp_errors(req, 400, errors);          */
json_t *req_errors_new(struct request *req);
/* The media type of a Content-Type value without parameters, lower-cased, in the arena. */
char *content_type_base(struct arena *a, const char *ct);

#endif
