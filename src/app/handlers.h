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

#endif
