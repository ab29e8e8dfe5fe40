/* handlers: every HTTP handler of the application, one group per resource file.
 * Each takes the request and returns the status it answered with (http/response.h). */
#ifndef SHOPD_APP_HANDLERS_H
#define SHOPD_APP_HANDLERS_H

#include "http/request.h"

/* service.c */
int service_root(struct request *req);
int service_healthz(struct request *req);
int service_readyz(struct request *req);
int service_metrics(struct request *req);

/* auth.c (API.md §1) */
int auth_token_obtain(struct request *req);
int auth_token_refresh(struct request *req);
int auth_token_verify(struct request *req);
int auth_token_blacklist(struct request *req);

/* customers.c (API.md §2) */
int customers_register(struct request *req);
int customers_detail(struct request *req);
int customers_update(struct request *req);
int customers_destroy(struct request *req);
int customers_me(struct request *req);
int customers_change_password(struct request *req);
int customers_orders_redirect(struct request *req);

/* catalogue.c (API.md §3.1-§3.2: categories, products, variants, attributes) */
int categories_list(struct request *req);
int categories_detail(struct request *req);
int categories_create(struct request *req);
int categories_update(struct request *req);
int categories_destroy(struct request *req);
int products_list(struct request *req);
int products_by_category(struct request *req);
int products_detail(struct request *req);
int products_create(struct request *req);
int products_update(struct request *req);
int products_partial_update(struct request *req);
int products_destroy(struct request *req);
int products_attributes(struct request *req);
int variants_create(struct request *req);
int variants_update(struct request *req);
int variants_partial_update(struct request *req);
int variants_destroy(struct request *req);

/* stores.c (API.md §4) */
int stores_list(struct request *req);
int stores_create(struct request *req);
int stores_detail(struct request *req);
int stores_edit(struct request *req);
int stores_destroy(struct request *req);
int stores_follow_store(struct request *req);
int stores_unfollow_store(struct request *req);

/* reviews.c (API.md §3.3) */
int reviews_list_view(struct request *req);
int reviews_create(struct request *req);
int reviews_detail(struct request *req);
int reviews_edit(struct request *req);
int reviews_destroy(struct request *req);

/* media.c (API.md §3.2): uploads, deletion, serving /media/<file> */
int media_upload(struct request *req);
int media_destroy(struct request *req);
int media_serve(struct request *req);

#endif
