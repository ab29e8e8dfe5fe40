/* config: every setting from the environment, described by one table
 * {name, type, min, max, default, &field}, validated once at start and read-only after.
 * A bad value stops the server with a message naming the variable (API.md §11.2). */
#ifndef SHOPD_CORE_CONFIG_H
#define SHOPD_CORE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct config {
    char database_url[1024];
    char secret_key[512];
    bool dev;                       /* SHOPD_DEV=1: random secret allowed, loud warning */
    bool debug_queries;             /* SHOPD_DEBUG_QUERIES=1: X-Query-Count on answers */
    char host[256];
    int port;
    int threads;                    /* SHOPD_THREADS; 0 = 4 x cores */
    int64_t access_token_lifetime;  /* seconds */
    int64_t refresh_token_lifetime;
    bool rotate_refresh_tokens;
    bool blacklist_after_rotation;
    char cors_allowed_origins[2048]; /* comma-separated */
    char allowed_hosts[1024];        /* comma-separated; "*" allows all */
    char public_base_url[512];
    bool trust_proxy;
    char trusted_proxies[1024];
    int login_failures_per_account;
    int login_failures_per_address;
    int order_hold_minutes;
    char payment_gateway[32];        /* sandbox | braintree */
    char braintree_merchant_id[128];
    char braintree_public_key[128];
    char braintree_private_key[256];
    char braintree_environment[32];
    char smtp_url[512];
    char mail_from[256];
    char paid_orders_csv[1024];
    char media_root[1024];
    char log_level[16];
    size_t max_body;                 /* bytes; API.md: 1 MiB */
    size_t max_upload_body;          /* bytes; API.md: 11 MiB */
    int connection_timeout;          /* seconds */
    size_t connection_memory_limit;  /* bytes per connection (header limit) */
    int connection_limit;
};

/* Fills cfg from getenv with defaults. On a bad value writes a one-line message naming
 * the variable into err (errlen bytes) and returns SHOP_EINVAL; else 0.
 * An empty variable counts as unset. Values of SECRET_KEY, DATABASE_URL, SMTP_URL and
 * BRAINTREE_PRIVATE_KEY are never echoed. PUBLIC_BASE_URL is stored without a trailing
 * '/' and stays "" when unset (callers then use the request's Host, or
 * http://localhost:<port> for background jobs). */
int config_load(struct config *cfg, char *err, size_t errlen);
/* Same, reading values through getvar (for tests). */
int config_load_from(struct config *cfg, const char *(*getvar)(const char *name),
                     char *err, size_t errlen);

#endif
