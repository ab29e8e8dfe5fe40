/* routes: the one table of every route of the API — method, path pattern, handler,
 * permission, DRF view name, body types. Reading this file tells the whole API surface
 * (API.md). Routes without an explicit permission are PERM_AUTH (default deny). */
#include "app/app.h"
#include "app/handlers.h"

const struct route app_routes[] = {
    /* service (API.md §10) */
    { M_GET, "/", service_root, PERM_PUBLIC, "Api Root", 0 },
    { M_GET, "/healthz", service_healthz, PERM_PUBLIC, "Health", 0 },
    { M_GET, "/readyz", service_readyz, PERM_PUBLIC, "Ready", 0 },
    { M_GET, "/metrics", service_metrics, PERM_IGNORE_AUTH, "Metrics", 0 },

    /* authentication (API.md §1): Authorization is ignored on these */
    { M_POST, "/auth/token/", auth_token_obtain, PERM_IGNORE_AUTH, "Token Obtain Pair", 0 },
    { M_POST, "/auth/token/refresh/", auth_token_refresh, PERM_IGNORE_AUTH, "Token Refresh", 0 },
    { M_POST, "/auth/token/verify/", auth_token_verify, PERM_IGNORE_AUTH, "Token Verify", 0 },
    { M_POST, "/auth/token/blacklist/", auth_token_blacklist, PERM_IGNORE_AUTH,
      "Token Blacklist", 0 },
    { M_POST, "/auth/logout/", auth_token_blacklist, PERM_IGNORE_AUTH, "Logout", 0 },

    /* customers (API.md §2) */
    { M_POST, "/api/v1/customers/", customers_register, PERM_PUBLIC, "Customer Create", 0 },
    { M_GET, "/api/v1/customers/me/", customers_me, PERM_AUTH, "Customer Me", 0 },
    { M_GET, "/api/v1/customers/{id}/", customers_detail, PERM_AUTH, "Customer Detail", 0 },
    { M_PUT, "/api/v1/customers/{id}/", customers_update, PERM_AUTH, "Customer Detail", 0 },
    { M_DELETE, "/api/v1/customers/{id}/", customers_destroy, PERM_AUTH, "Customer Detail", 0 },
    { M_POST, "/api/v1/customers/{id}/password/", customers_change_password, PERM_AUTH,
      "Customer Password", 0 },
    { M_GET, "/api/v1/customers/{id}/orders/", customers_orders_redirect, PERM_AUTH,
      "Customer Orders", 0 },
};

const size_t app_routes_count = sizeof(app_routes) / sizeof(app_routes[0]);
