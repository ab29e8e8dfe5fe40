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

    /* stores (API.md §4) */
    { M_GET, "/api/v1/stores/", stores_list, PERM_PUBLIC, "Store List", 0 },
    { M_POST, "/api/v1/stores/", stores_create, PERM_AUTH, "Store List", 0 },
    { M_GET, "/api/v1/stores/{slug}/", stores_detail, PERM_PUBLIC, "Store Instance", 0 },
    { M_PUT, "/api/v1/stores/{slug}/", stores_edit, PERM_AUTH, "Store Instance", 0 },
    { M_DELETE, "/api/v1/stores/{slug}/", stores_destroy, PERM_AUTH, "Store Instance", 0 },
    { M_POST, "/api/v1/stores/{slug}/follow_store/", stores_follow_store, PERM_AUTH,
      "Follow store", 0 },
    { M_POST, "/api/v1/stores/{slug}/unfollow_store/", stores_unfollow_store, PERM_AUTH,
      "Unfollow store", 0 },

    /* reviews (API.md §3.3) */
    { M_GET, "/api/v1/products/{id}/reviews/", reviews_list_view, PERM_PUBLIC, "Review List", 0 },
    { M_POST, "/api/v1/products/{id}/reviews/", reviews_create, PERM_AUTH, "Review List", 0 },
    { M_GET, "/api/v1/products/{id}/reviews/{id}/", reviews_detail, PERM_PUBLIC,
      "Review Detail", 0 },
    { M_PUT, "/api/v1/products/{id}/reviews/{id}/", reviews_edit, PERM_AUTH, "Review Detail", 0 },
    { M_DELETE, "/api/v1/products/{id}/reviews/{id}/", reviews_destroy, PERM_AUTH,
      "Review Detail", 0 },

    /* product media (API.md §3.2); files are served without a trailing slash */
    { M_POST, "/api/v1/products/{id}/media/", media_upload, PERM_STAFF_OR_VENDOR, "Product Media",
      BODY_MULTIPART | BODY_FORM },
    { M_DELETE, "/api/v1/products/{id}/media/{id}/", media_destroy, PERM_STAFF_OR_VENDOR,
      "Product Media Detail", 0 },
    { M_GET, "/media/{file}", media_serve, PERM_PUBLIC, "Media File", 0 },
    /* catalogue (API.md §3.1-§3.2): writes check staff-or-owning-vendor in catalogue.c */
    { M_GET, "/api/v1/categories/", categories_list, PERM_PUBLIC, "Category List", 0 },
    { M_POST, "/api/v1/categories/", categories_create, PERM_STAFF, "Category List", 0 },
    { M_GET, "/api/v1/categories/{slug}/", categories_detail, PERM_PUBLIC, "Category Detail", 0 },
    { M_PUT, "/api/v1/categories/{slug}/", categories_update, PERM_STAFF, "Category Detail", 0 },
    { M_DELETE, "/api/v1/categories/{slug}/", categories_destroy, PERM_STAFF,
      "Category Detail", 0 },
    { M_GET, "/api/v1/products/", products_list, PERM_PUBLIC, "Product List", 0 },
    { M_POST, "/api/v1/products/", products_create, PERM_STAFF_OR_VENDOR, "Product List", 0 },
    { M_GET, "/api/v1/products/categories/{slug}/", products_by_category, PERM_PUBLIC,
      "Product Category List", 0 },
    { M_GET, "/api/v1/products/{id}/", products_detail, PERM_PUBLIC, "Product Detail", 0 },
    { M_PUT, "/api/v1/products/{id}/", products_update, PERM_STAFF_OR_VENDOR, "Product Detail", 0 },
    { M_PATCH, "/api/v1/products/{id}/", products_partial_update, PERM_STAFF_OR_VENDOR, "Product Detail",
      0 },
    { M_DELETE, "/api/v1/products/{id}/", products_destroy, PERM_STAFF_OR_VENDOR, "Product Detail", 0 },
    { M_GET, "/api/v1/products/{id}/attributes/", products_attributes, PERM_AUTH,
      "Product Attributes", 0 },
    { M_POST, "/api/v1/products/{id}/variants/", variants_create, PERM_STAFF_OR_VENDOR, "Variant List", 0 },
    { M_PUT, "/api/v1/products/{id}/variants/{id}/", variants_update, PERM_STAFF_OR_VENDOR,
      "Variant Detail", 0 },
    { M_PATCH, "/api/v1/products/{id}/variants/{id}/", variants_partial_update, PERM_STAFF_OR_VENDOR,
      "Variant Detail", 0 },
    { M_DELETE, "/api/v1/products/{id}/variants/{id}/", variants_destroy, PERM_STAFF_OR_VENDOR,
      "Variant Detail", 0 },
};

const size_t app_routes_count = sizeof(app_routes) / sizeof(app_routes[0]);
