/* config: one table describes every environment variable (API.md §11.2): its type,
 * range, default and the struct config member it fills. Defaults are written as text
 * and go through the same parser as real values, so a default can never bypass a
 * check. An empty variable counts as unset. Values of secrets (SECRET_KEY, database
 * and SMTP URLs, Braintree private key) are never echoed in error messages. */
#include "core/config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/err.h"

enum ctype { C_STR, C_INT, C_I64, C_SIZE, C_BOOL, C_CHOICE };

struct cvar {
    const char *name;
    enum ctype type;
    int64_t min, max;
    const char *def;
    size_t off, size;
    const char *const *choices;            /* C_CHOICE, NULL-terminated */
    const char *(*check)(const char *v);   /* C_STR extra check: NULL or what is wrong */
    bool secret;
};

#define FIELD(m) offsetof(struct config, m), sizeof(((struct config *)0)->m)
#define STR(n, m, d, chk, sec) { n, C_STR, 0, 0, d, FIELD(m), NULL, chk, sec }
#define NUM(n, t, m, lo, hi, d) { n, t, lo, hi, d, FIELD(m), NULL, NULL, false }
#define BOOLV(n, m, d) { n, C_BOOL, 0, 1, d, FIELD(m), NULL, NULL, false }
#define CHOICE(n, m, d, ch) { n, C_CHOICE, 0, 0, d, FIELD(m), ch, NULL, false }

#define KIB 1024LL
#define MIB (1024LL * 1024)

static const char *const gateways[] = { "sandbox", "braintree", NULL };
static const char *const bt_envs[] = { "sandbox", "production", NULL };
static const char *const log_levels[] = { "debug", "info", "warn", "error", NULL };

static bool has_prefix(const char *s, const char *p)
{
    return strncmp(s, p, strlen(p)) == 0;
}

static const char *check_db_url(const char *v)
{
    if ((has_prefix(v, "sqlite:///") && v[10] != '\0') || has_prefix(v, "postgres://") ||
        has_prefix(v, "postgresql://"))
        return NULL;
    return "must start with sqlite:///<path>, postgres:// or postgresql://";
}

/* scheme://host[:port] with nothing after; used for origins and the public URL. */
static bool http_origin(const char *v, size_t n)
{
    size_t skip;

    if (n > 7 && strncmp(v, "http://", 7) == 0)
        skip = 7;
    else if (n > 8 && strncmp(v, "https://", 8) == 0)
        skip = 8;
    else
        return false;
    for (size_t i = skip; i < n; i++) {
        if (v[i] == '/' || v[i] == '?' || v[i] == '#' || v[i] == ' ' || v[i] == '@')
            return false;
    }
    return true;
}

static const char *check_origins(const char *v)
{
    while (*v) {
        size_t n = strcspn(v, ",");
        if (n > 0 && !http_origin(v, n))
            return "must be a comma-separated list of http(s)://host[:port] origins";
        v += n;
        if (*v == ',')
            v++;
    }
    return NULL;
}

static const char *check_base_url(const char *v)
{
    size_t n = strlen(v);

    while (n > 0 && v[n - 1] == '/')
        n--;
    if (*v && !http_origin(v, n))
        return "must look like http(s)://host[:port]";
    return NULL;
}

static const char *check_smtp_url(const char *v)
{
    if (*v == '\0' || has_prefix(v, "smtp://") || has_prefix(v, "smtps://"))
        return NULL;
    return "must start with smtp:// or smtps://";
}

static const char *check_nonempty(const char *v)
{
    return *v ? NULL : "must not be empty";
}

static const struct cvar vars[] = {
    STR("DATABASE_URL", database_url, "sqlite:///shop.db", check_db_url, true),
    STR("SECRET_KEY", secret_key, "", NULL, true),
    BOOLV("SHOPD_DEV", dev, "0"),
    BOOLV("SHOPD_DEBUG_QUERIES", debug_queries, "0"),
    STR("HOST", host, "127.0.0.1", check_nonempty, false),
    NUM("PORT", C_INT, port, 0, 65535, "8000"),
    NUM("SHOPD_THREADS", C_INT, threads, 0, 1024, "0"),
    NUM("ACCESS_TOKEN_LIFETIME", C_I64, access_token_lifetime, 1, 315360000, "3600"),
    NUM("REFRESH_TOKEN_LIFETIME", C_I64, refresh_token_lifetime, 1, 315360000, "259200"),
    BOOLV("ROTATE_REFRESH_TOKENS", rotate_refresh_tokens, "0"),
    BOOLV("BLACKLIST_AFTER_ROTATION", blacklist_after_rotation, "0"),
    STR("CORS_ALLOWED_ORIGINS", cors_allowed_origins, "", check_origins, false),
    STR("ALLOWED_HOSTS", allowed_hosts, "localhost,127.0.0.1,[::1]", NULL, false),
    STR("PUBLIC_BASE_URL", public_base_url, "", check_base_url, false),
    BOOLV("TRUST_PROXY", trust_proxy, "0"),
    STR("TRUSTED_PROXIES", trusted_proxies, "127.0.0.1,::1", NULL, false),
    NUM("LOGIN_FAILURES_PER_ACCOUNT", C_INT, login_failures_per_account, 1, 1000000, "10"),
    NUM("LOGIN_FAILURES_PER_ADDRESS", C_INT, login_failures_per_address, 1, 1000000, "100"),
    NUM("ORDER_HOLD_MINUTES", C_INT, order_hold_minutes, 1, 525600, "60"),
    CHOICE("PAYMENT_GATEWAY", payment_gateway, "sandbox", gateways),
    STR("BRAINTREE_MERCHANT_ID", braintree_merchant_id, "", NULL, false),
    STR("BRAINTREE_PUBLIC_KEY", braintree_public_key, "", NULL, false),
    STR("BRAINTREE_PRIVATE_KEY", braintree_private_key, "", NULL, true),
    CHOICE("BRAINTREE_ENVIRONMENT", braintree_environment, "sandbox", bt_envs),
    STR("SMTP_URL", smtp_url, "", check_smtp_url, true),
    STR("MAIL_FROM", mail_from, "shop@localhost", check_nonempty, false),
    STR("PAID_ORDERS_CSV", paid_orders_csv, "var/paid_orders.csv", check_nonempty, false),
    STR("MEDIA_ROOT", media_root, "var/media", check_nonempty, false),
    CHOICE("LOG_LEVEL", log_level, "info", log_levels),
    NUM("SHOPD_MAX_BODY", C_SIZE, max_body, KIB, 1024 * MIB, "1048576"),
    NUM("SHOPD_MAX_UPLOAD_BODY", C_SIZE, max_upload_body, KIB, 1024 * MIB, "11534336"),
    NUM("SHOPD_CONN_TIMEOUT", C_INT, connection_timeout, 1, 3600, "30"),
    NUM("SHOPD_CONN_MEMORY", C_SIZE, connection_memory_limit, 4 * KIB, 64 * MIB, "16384"),
    NUM("SHOPD_CONN_LIMIT", C_INT, connection_limit, 1, 1000000, "10000"),
};

/* The value for a message: quoted, at most 64 bytes, non-printables as '?'. */
static void quote_value(const struct cvar *v, const char *val, char *out, size_t outlen)
{
    char safe[68];
    size_t n = 0;

    if (v->secret) {
        snprintf(out, outlen, " (value hidden)");
        return;
    }
    for (; val[n] && n < 64; n++)
        safe[n] = (val[n] >= 0x20 && val[n] < 0x7f) ? val[n] : '?';
    if (val[n]) {
        memcpy(safe + n, "...", 3);
        n += 3;
    }
    safe[n] = '\0';
    snprintf(out, outlen, " (got \"%s\")", safe);
}

static int bad(const struct cvar *v, const char *val, char *err, size_t errlen,
               const char *what)
{
    char q[96];

    quote_value(v, val, q, sizeof q);
    if (err && errlen)
        snprintf(err, errlen, "config: %s %s%s", v->name, what, q);
    return SHOP_EINVAL;
}

static int parse_num(const struct cvar *v, const char *val, int64_t *out)
{
    char *end;

    if (!((val[0] >= '0' && val[0] <= '9') || val[0] == '-' || val[0] == '+'))
        return SHOP_EINVAL;
    errno = 0;
    long long n = strtoll(val, &end, 10);
    if (errno != 0 || end == val || *end != '\0' || n < v->min || n > v->max)
        return SHOP_EINVAL;
    *out = n;
    return 0;
}

static int set_num(const struct cvar *v, struct config *cfg, const char *val, char *err,
                   size_t errlen)
{
    char what[96];
    int64_t n;
    char *dst = (char *)cfg + v->off;

    if (parse_num(v, val, &n) != 0) {
        snprintf(what, sizeof what, "must be an integer between %lld and %lld",
                 (long long)v->min, (long long)v->max);
        return bad(v, val, err, errlen, what);
    }
    if (v->type == C_INT) {
        int x = (int)n;
        memcpy(dst, &x, sizeof x);
    } else if (v->type == C_I64) {
        memcpy(dst, &n, sizeof n);
    } else {
        size_t x = (size_t)n;
        memcpy(dst, &x, sizeof x);
    }
    return 0;
}

static int set_bool(const struct cvar *v, struct config *cfg, const char *val, char *err,
                    size_t errlen)
{
    static const char *const yes[] = { "1", "true", "yes", "on", NULL };
    static const char *const no[] = { "0", "false", "no", "off", NULL };
    bool *dst = (bool *)((char *)cfg + v->off);

    for (int i = 0; yes[i]; i++) {
        if (strcasecmp(val, yes[i]) == 0) {
            *dst = true;
            return 0;
        }
        if (strcasecmp(val, no[i]) == 0) {
            *dst = false;
            return 0;
        }
    }
    return bad(v, val, err, errlen, "must be a boolean: 1/0, true/false, yes/no or on/off");
}

static int set_str(const struct cvar *v, struct config *cfg, const char *val, char *err,
                   size_t errlen)
{
    char what[96];
    char *dst = (char *)cfg + v->off;
    size_t n = strlen(val);

    if (n >= v->size) {
        snprintf(what, sizeof what, "is too long (at most %zu bytes)", v->size - 1);
        return bad(v, val, err, errlen, what);
    }
    for (size_t i = 0; i < n; i++) {
        if ((unsigned char)val[i] < 0x20 || val[i] == 0x7f)
            return bad(v, val, err, errlen, "must not contain control characters");
    }
    const char *problem = v->check ? v->check(val) : NULL;
    if (problem)
        return bad(v, val, err, errlen, problem);
    memcpy(dst, val, n + 1);
    return 0;
}

/* Choices are matched case-insensitively and stored in their canonical spelling. */
static int set_choice(const struct cvar *v, struct config *cfg, const char *val, char *err,
                      size_t errlen)
{
    char what[160];
    size_t k = 0;

    for (int i = 0; v->choices[i]; i++) {
        if (strcasecmp(val, v->choices[i]) == 0)
            return set_str(v, cfg, v->choices[i], err, errlen);
    }
    k += (size_t)snprintf(what, sizeof what, "must be one of ");
    for (int i = 0; v->choices[i] && k < sizeof what; i++)
        k += (size_t)snprintf(what + k, sizeof what - k, "%s%s", i ? ", " : "", v->choices[i]);
    return bad(v, val, err, errlen, what);
}

static int set_var(const struct cvar *v, struct config *cfg, const char *val, char *err,
                   size_t errlen)
{
    switch (v->type) {
    case C_STR: return set_str(v, cfg, val, err, errlen);
    case C_BOOL: return set_bool(v, cfg, val, err, errlen);
    case C_CHOICE: return set_choice(v, cfg, val, err, errlen);
    case C_INT:
    case C_I64:
    case C_SIZE: return set_num(v, cfg, val, err, errlen);
    }
    return SHOP_EINVAL;
}

/* Checks that involve several variables. */
static int check_combined(struct config *cfg, char *err, size_t errlen)
{
    size_t n = strlen(cfg->public_base_url);

    while (n > 0 && cfg->public_base_url[n - 1] == '/')
        cfg->public_base_url[--n] = '\0';
    if (strcmp(cfg->payment_gateway, "braintree") == 0 &&
        (!cfg->braintree_merchant_id[0] || !cfg->braintree_public_key[0] ||
         !cfg->braintree_private_key[0])) {
        snprintf(err, errlen, "config: PAYMENT_GATEWAY=braintree needs BRAINTREE_MERCHANT_ID, "
                              "BRAINTREE_PUBLIC_KEY and BRAINTREE_PRIVATE_KEY");
        return SHOP_EINVAL;
    }
    return 0;
}

int config_load_from(struct config *cfg, const char *(*getvar)(const char *name), char *err,
                     size_t errlen)
{
    memset(cfg, 0, sizeof *cfg);
    if (err && errlen)
        err[0] = '\0';
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
        const char *val = getvar(vars[i].name);
        if (!val || !*val)
            val = vars[i].def;
        int rc = set_var(&vars[i], cfg, val, err, errlen);
        if (rc != 0)
            return rc;
    }
    return check_combined(cfg, err, err ? errlen : 0);
}

static const char *env_get(const char *name)
{
    return getenv(name);
}

int config_load(struct config *cfg, char *err, size_t errlen)
{
    return config_load_from(cfg, env_get, err, errlen);
}
