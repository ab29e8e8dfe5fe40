/* perm: the permission checks — route-level ones run by dispatch before the handler,
 * and the object-level helpers handlers call, so that a 401/403/404 looks the same
 * everywhere (API.md notation: pub, auth, owner, vendor, staff). */
#ifndef SHOPD_APP_PERM_H
#define SHOPD_APP_PERM_H

#include <stdbool.h>
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
/* Function-level for catalogue writes: staff, or a vendor (owns_store: the caller owns
 * an active store); else 403 (401 anonymous). */
int perm_staff_or_vendor(struct request *req, bool owns_store);
/* Object-level: staff, or the owner of the active store the object belongs to
 * (store_owner_id; 0 = no store, or an inactive one); else 403 (401 anonymous). */
int perm_staff_or_vendor_of(struct request *req, int64_t store_owner_id);

#endif
