/* perm: the permission checks — route-level ones run by dispatch before the handler,
 * and the object-level helpers handlers call, so that a 401/403/404 looks the same
 * everywhere (API.md notation: pub, auth, owner, vendor, staff). */
#ifndef SHOPD_APP_PERM_H
#define SHOPD_APP_PERM_H

#include <stdint.h>

#include "http/request.h"
#include "http/router.h"

/* Route permission for this request's method. 0 when allowed, else the status answered
 * (401 for anonymous callers, 403 for others). */
int perm_check_route(struct request *req, enum perm p);
/* Object-level: the caller owns the object (owner_id) or is staff; else 403. */
int perm_owner_or_staff(struct request *req, int64_t owner_id);
/* Object-level: the caller owns the object; else 403. */
int perm_owner(struct request *req, int64_t owner_id);

#endif
