/* response: the one way to answer. JSON bodies are written through the JSON writer into
 * req->resp.body; errors are DRF-shaped. Every function returns the status it set so
 * that handlers can `return resp_error(req, 404, "Not found.");`. */
#ifndef SHOPD_HTTP_RESPONSE_H
#define SHOPD_HTTP_RESPONSE_H

#include <jansson.h>

#include "core/json.h"
#include "http/request.h"

/* Starts a JSON answer with status; the caller writes one value with *w. */
void resp_json_begin(struct request *req, int status, struct json_w *w);
/* Starts a non-JSON answer (e.g. Prometheus text): resets the body and returns the buffer
 * to write into. content_type must outlive the request (a literal). */
struct buf *resp_text_begin(struct request *req, int status, const char *content_type);
/* {"detail": detail} with status (401s also get WWW-Authenticate). */
int resp_detail(struct request *req, int status, const char *detail);
/* {"detail": detail, "code": code} */
int resp_detail_code(struct request *req, int status, const char *detail, const char *code);
/* 400 with a DRF errors object ({"field": ["msg"]}, nested objects allowed). */
int resp_errors(struct request *req, int status, json_t *errors);
/* {"<key>": "<msg>"} with status, e.g. {"error": "Invalid action"}. */
int resp_kv(struct request *req, int status, const char *key, const char *msg);
/* Renders any jansson value as the body. */
int resp_json_value(struct request *req, int status, json_t *v);
/* Status with no body (204, 301 ...). */
int resp_empty(struct request *req, int status);
/* Maps a shop_err to an answer: ENOTFOUND 404, EINVAL 400, ENOMEM 503, else 500 with
 * {"detail":"A server error occurred."}. Logs the internal reason, never sends it. */
int resp_from_err(struct request *req, int err);
/* Adds a response header (name and value copied into the arena). */
void resp_header(struct request *req, const char *name, const char *value);
/* Standard bodies. */
int resp_not_found(struct request *req);
int resp_forbidden(struct request *req);
int resp_unauthenticated(struct request *req);  /* 401 credentials not provided */
int resp_server_error(struct request *req);

/* The scheme://host[:port] used in absolute URLs (API.md §0.1): PUBLIC_BASE_URL, else
 * the request's scheme and Host (X-Forwarded-* only with TRUST_PROXY). Arena string. */
const char *req_base_url(struct request *req);

#endif
