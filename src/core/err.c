/* err: human-readable names for enum shop_err, for logs only.
 * Clients never see these strings; HTTP bodies come from http/response.c. */
#include "core/err.h"

const char *shop_strerror(int err)
{
    switch (err) {
    case SHOP_OK:        return "success";
    case SHOP_ENOMEM:    return "out of memory";
    case SHOP_EINVAL:    return "invalid input";
    case SHOP_ENOTFOUND: return "not found";
    case SHOP_ECONFLICT: return "conflict";
    case SHOP_EDB:       return "database error";
    case SHOP_ETOOBIG:   return "too big";
    case SHOP_EBUSY:     return "busy, retry";
    case SHOP_EIO:       return "I/O error";
    }
    return "unknown error";
}
