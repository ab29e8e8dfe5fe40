/* perm: see perm.h. Anonymous callers always get 401 (with WWW-Authenticate) so that a
 * client knows to log in; authenticated callers get 403. */
#include "app/perm.h"

#include "app/app.h"
#include "http/response.h"

static bool safe_method(const struct request *req)
{
    return req->method & (M_GET | M_HEAD | M_OPTIONS);
}

int perm_check_route(struct request *req, enum perm p)
{
    switch (p) {
    case PERM_PUBLIC:
    case PERM_IGNORE_AUTH:
        return 0;
    case PERM_PUBLIC_READ:
        if (safe_method(req))
            return 0;
        break;
    case PERM_AUTH:
    case PERM_STAFF:
    case PERM_STAFF_OR_VENDOR:
        break;
    }
    if (!req->user)
        return resp_unauthenticated(req);
    if (p == PERM_STAFF && !req->user->is_staff)
        return resp_forbidden(req);
    if (p == PERM_STAFF_OR_VENDOR && !req->user->is_staff && !req->user->is_vendor)
        return resp_forbidden(req);
    return 0;
}

int perm_owner_or_staff(struct request *req, int64_t owner_id)
{
    if (!req->user)
        return resp_unauthenticated(req);
    if (req->user->id == owner_id || req->user->is_staff)
        return 0;
    return resp_forbidden(req);
}

int perm_owner(struct request *req, int64_t owner_id)
{
    if (!req->user)
        return resp_unauthenticated(req);
    return req->user->id == owner_id ? 0 : resp_forbidden(req);
}

int perm_staff_or_vendor(struct request *req, bool owns_store)
{
    if (!req->user)
        return resp_unauthenticated(req);
    return req->user->is_staff || owns_store ? 0 : resp_forbidden(req);
}

int perm_staff_or_vendor_of(struct request *req, int64_t store_owner_id)
{
    if (!req->user)
        return resp_unauthenticated(req);
    if (req->user->is_staff || (store_owner_id != 0 && req->user->id == store_owner_id))
        return 0;
    return resp_forbidden(req);
}
