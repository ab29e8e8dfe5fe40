/* media: product media (API.md §3.2) — the one renderer of a Media object, shared by
 * the upload answer and the product list/detail. */
#ifndef SHOPD_APP_MEDIA_H
#define SHOPD_APP_MEDIA_H

#include "core/json.h"
#include "http/request.h"
#include "store/media_store.h"

/* {"id","file":<base>/media/<file>,"is_primary","file_size":<MB, 2 dp, Python's
 * round()>,"file_type"}; base is req_base_url(req) (NULL, out of memory: the answer fails). */
void media_write_object(struct json_w *w, const char *base, const struct media *m);

#endif
