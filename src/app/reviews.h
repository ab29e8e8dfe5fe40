/* reviews: product reviews (API.md §3.3) — the one renderer of a Review object, shared
 * by the review endpoints and the product detail. */
#ifndef SHOPD_APP_REVIEWS_H
#define SHOPD_APP_REVIEWS_H

#include "core/json.h"
#include "store/reviews_store.h"

void reviews_write_object(struct json_w *w, const struct review *r);

#endif
