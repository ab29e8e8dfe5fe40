/* Tests for core/config: defaults, every kind of bad value, secrets never echoed.
 * Variables come from a fake getvar over a small name=value table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/err.h"

static const char *env[32][2];
static size_t nenv;

static void env_clear(void)
{
    nenv = 0;
}

static void env_set(const char *name, const char *value)
{
    env[nenv][0] = name;
    env[nenv][1] = value;
    nenv++;
}

static const char *fake_getvar(const char *name)
{
    for (size_t i = 0; i < nenv; i++) {
        if (strcmp(env[i][0], name) == 0)
            return env[i][1];
    }
    return NULL;
}

static struct config cfg;
static char err[256];

static int load(void)
{
    memset(err, 'x', sizeof err);
    return config_load_from(&cfg, fake_getvar, err, sizeof err);
}

/* Loads with one variable set and expects the exact error message. */
static void expect_bad(const char *name, const char *value, const char *msg)
{
    env_clear();
    env_set(name, value);
    assert_int_equal(load(), SHOP_EINVAL);
    assert_string_equal(err, msg);
}

static void expect_good(const char *name, const char *value)
{
    env_clear();
    env_set(name, value);
    if (load() != 0)
        fail_msg("%s=%s refused: %s", name, value, err);
}

static void test_defaults(void **state)
{
    (void)state;
    env_clear();
    assert_int_equal(load(), 0);
    assert_string_equal(err, "");
    assert_string_equal(cfg.database_url, "sqlite:///shop.db");
    assert_string_equal(cfg.secret_key, "");
    assert_false(cfg.dev);
    assert_string_equal(cfg.host, "127.0.0.1");
    assert_int_equal(cfg.port, 8000);
    assert_int_equal(cfg.threads, 0);
    assert_int_equal(cfg.access_token_lifetime, 3600);
    assert_int_equal(cfg.refresh_token_lifetime, 259200);
    assert_false(cfg.rotate_refresh_tokens);
    assert_false(cfg.blacklist_after_rotation);
    assert_string_equal(cfg.cors_allowed_origins, "");
    assert_string_equal(cfg.allowed_hosts, "localhost,127.0.0.1,[::1]");
    assert_string_equal(cfg.public_base_url, "");
    assert_false(cfg.trust_proxy);
    assert_string_equal(cfg.trusted_proxies, "127.0.0.1,::1");
    assert_int_equal(cfg.login_failures_per_account, 10);
    assert_int_equal(cfg.login_failures_per_address, 100);
    assert_int_equal(cfg.order_hold_minutes, 60);
    assert_string_equal(cfg.payment_gateway, "sandbox");
    assert_string_equal(cfg.braintree_environment, "sandbox");
    assert_string_equal(cfg.smtp_url, "");
    assert_string_equal(cfg.mail_from, "shop@localhost");
    assert_string_equal(cfg.paid_orders_csv, "var/paid_orders.csv");
    assert_string_equal(cfg.media_root, "var/media");
    assert_string_equal(cfg.log_level, "info");
    assert_int_equal(cfg.max_body, 1048576);
    assert_int_equal(cfg.max_upload_body, 11 * 1048576);
    assert_int_equal(cfg.connection_timeout, 30);
    assert_int_equal(cfg.connection_memory_limit, 16384);
    assert_int_equal(cfg.connection_limit, 10000);
}

static void test_values(void **state)
{
    (void)state;
    env_clear();
    env_set("DATABASE_URL", "postgresql://u:p@localhost/shop");
    env_set("SECRET_KEY", "s3cret");
    env_set("SHOPD_DEV", "YES");
    env_set("PORT", "0");
    env_set("SHOPD_THREADS", "1024");
    env_set("ACCESS_TOKEN_LIFETIME", "60");
    env_set("ROTATE_REFRESH_TOKENS", "on");
    env_set("BLACKLIST_AFTER_ROTATION", "True");
    env_set("TRUST_PROXY", "1");
    env_set("CORS_ALLOWED_ORIGINS", "https://shop.example,http://localhost:3000");
    env_set("PUBLIC_BASE_URL", "https://api.example.com/");
    env_set("LOG_LEVEL", "DEBUG");
    env_set("PAYMENT_GATEWAY", "braintree");
    env_set("BRAINTREE_MERCHANT_ID", "m");
    env_set("BRAINTREE_PUBLIC_KEY", "pub");
    env_set("BRAINTREE_PRIVATE_KEY", "priv");
    env_set("BRAINTREE_ENVIRONMENT", "production");
    env_set("SMTP_URL", "smtps://user:pw@mail.example:465");
    env_set("SHOPD_MAX_BODY", "2048");
    env_set("HOST", "");   /* empty = unset */
    assert_int_equal(load(), 0);
    assert_string_equal(cfg.database_url, "postgresql://u:p@localhost/shop");
    assert_string_equal(cfg.secret_key, "s3cret");
    assert_true(cfg.dev);
    assert_int_equal(cfg.port, 0);
    assert_int_equal(cfg.threads, 1024);
    assert_int_equal(cfg.access_token_lifetime, 60);
    assert_true(cfg.rotate_refresh_tokens);
    assert_true(cfg.blacklist_after_rotation);
    assert_true(cfg.trust_proxy);
    assert_string_equal(cfg.public_base_url, "https://api.example.com");
    assert_string_equal(cfg.log_level, "debug");
    assert_string_equal(cfg.payment_gateway, "braintree");
    assert_string_equal(cfg.braintree_environment, "production");
    assert_int_equal(cfg.max_body, 2048);
    assert_string_equal(cfg.host, "127.0.0.1");

    const char *bools[][2] = { { "0", "0" }, { "false", "0" }, { "No", "0" }, { "OFF", "0" },
                               { "1", "1" }, { "TRUE", "1" }, { "yes", "1" }, { "On", "1" } };
    for (size_t i = 0; i < sizeof bools / sizeof bools[0]; i++) {
        expect_good("TRUST_PROXY", bools[i][0]);
        assert_int_equal(cfg.trust_proxy, bools[i][1][0] == '1');
    }
    expect_good("DATABASE_URL", "sqlite:///var/db/shop.db");
    expect_good("DATABASE_URL", "postgres://localhost/shop");
    expect_good("PORT", "65535");
    expect_good("PORT", "+80");
}

static void test_integers(void **state)
{
    (void)state;
    expect_bad("PORT", "abc", "config: PORT must be an integer between 0 and 65535 (got \"abc\")");
    expect_bad("PORT", "65536", "config: PORT must be an integer between 0 and 65535 (got \"65536\")");
    expect_bad("PORT", "-1", "config: PORT must be an integer between 0 and 65535 (got \"-1\")");
    expect_bad("PORT", "80x", "config: PORT must be an integer between 0 and 65535 (got \"80x\")");
    expect_bad("PORT", " 80", "config: PORT must be an integer between 0 and 65535 (got \" 80\")");
    expect_bad("PORT", "80 ", "config: PORT must be an integer between 0 and 65535 (got \"80 \")");
    expect_bad("PORT", "8e3", "config: PORT must be an integer between 0 and 65535 (got \"8e3\")");
    expect_bad("PORT", "99999999999999999999",
               "config: PORT must be an integer between 0 and 65535 (got \"99999999999999999999\")");
    expect_bad("SHOPD_THREADS", "1025",
               "config: SHOPD_THREADS must be an integer between 0 and 1024 (got \"1025\")");
    expect_bad("ACCESS_TOKEN_LIFETIME", "0",
               "config: ACCESS_TOKEN_LIFETIME must be an integer between 1 and 315360000 (got \"0\")");
    expect_bad("REFRESH_TOKEN_LIFETIME", "1.5",
               "config: REFRESH_TOKEN_LIFETIME must be an integer between 1 and 315360000 (got \"1.5\")");
    expect_bad("LOGIN_FAILURES_PER_ACCOUNT", "0",
               "config: LOGIN_FAILURES_PER_ACCOUNT must be an integer between 1 and 1000000 (got \"0\")");
    expect_bad("LOGIN_FAILURES_PER_ADDRESS", "x",
               "config: LOGIN_FAILURES_PER_ADDRESS must be an integer between 1 and 1000000 (got \"x\")");
    expect_bad("ORDER_HOLD_MINUTES", "-5",
               "config: ORDER_HOLD_MINUTES must be an integer between 1 and 525600 (got \"-5\")");
    expect_bad("SHOPD_MAX_BODY", "100",
               "config: SHOPD_MAX_BODY must be an integer between 1024 and 1073741824 (got \"100\")");
    expect_bad("SHOPD_MAX_UPLOAD_BODY", "2147483648",
               "config: SHOPD_MAX_UPLOAD_BODY must be an integer between 1024 and 1073741824 (got \"2147483648\")");
    expect_bad("SHOPD_CONN_TIMEOUT", "0",
               "config: SHOPD_CONN_TIMEOUT must be an integer between 1 and 3600 (got \"0\")");
    expect_bad("SHOPD_CONN_MEMORY", "1024",
               "config: SHOPD_CONN_MEMORY must be an integer between 4096 and 67108864 (got \"1024\")");
    expect_bad("SHOPD_CONN_LIMIT", "0",
               "config: SHOPD_CONN_LIMIT must be an integer between 1 and 1000000 (got \"0\")");
}

static void test_bools_and_choices(void **state)
{
    (void)state;
    expect_bad("SHOPD_DEV", "maybe",
               "config: SHOPD_DEV must be a boolean: 1/0, true/false, yes/no or on/off (got \"maybe\")");
    expect_bad("TRUST_PROXY", "2",
               "config: TRUST_PROXY must be a boolean: 1/0, true/false, yes/no or on/off (got \"2\")");
    expect_bad("ROTATE_REFRESH_TOKENS", "y",
               "config: ROTATE_REFRESH_TOKENS must be a boolean: 1/0, true/false, yes/no or on/off (got \"y\")");
    expect_bad("LOG_LEVEL", "loud",
               "config: LOG_LEVEL must be one of debug, info, warn, error (got \"loud\")");
    expect_bad("PAYMENT_GATEWAY", "stripe",
               "config: PAYMENT_GATEWAY must be one of sandbox, braintree (got \"stripe\")");
    expect_bad("BRAINTREE_ENVIRONMENT", "qa",
               "config: BRAINTREE_ENVIRONMENT must be one of sandbox, production (got \"qa\")");
    expect_bad("PAYMENT_GATEWAY", "braintree",
               "config: PAYMENT_GATEWAY=braintree needs BRAINTREE_MERCHANT_ID, BRAINTREE_PUBLIC_KEY "
               "and BRAINTREE_PRIVATE_KEY");
}

static void test_strings(void **state)
{
    (void)state;
    char long_path[2000];
    memset(long_path, 'a', sizeof long_path - 1);
    long_path[sizeof long_path - 1] = '\0';
    expect_bad("MEDIA_ROOT", long_path,
               "config: MEDIA_ROOT is too long (at most 1023 bytes) (got \"aaaaaaaaaaaaaaaaaaaaaaaaaa"
               "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...\")");
    long_path[1023] = '\0';
    expect_good("MEDIA_ROOT", long_path);
    assert_int_equal(strlen(cfg.media_root), 1023);
    expect_bad("HOST", "a\nb", "config: HOST must not contain control characters (got \"a?b\")");
    expect_bad("CORS_ALLOWED_ORIGINS", "*",
               "config: CORS_ALLOWED_ORIGINS must be a comma-separated list of http(s)://host[:port] "
               "origins (got \"*\")");
    expect_bad("CORS_ALLOWED_ORIGINS", "https://a.example/path",
               "config: CORS_ALLOWED_ORIGINS must be a comma-separated list of http(s)://host[:port] "
               "origins (got \"https://a.example/path\")");
    expect_bad("PUBLIC_BASE_URL", "api.example.com",
               "config: PUBLIC_BASE_URL must look like http(s)://host[:port] (got \"api.example.com\")");
}

/* Secrets and URLs that may carry passwords are never written into messages. */
static void test_secrets_hidden(void **state)
{
    (void)state;
    expect_bad("DATABASE_URL", "mysql://root:hunter2@db/shop",
               "config: DATABASE_URL must start with sqlite:///<path>, postgres:// or postgresql:// "
               "(value hidden)");
    assert_null(strstr(err, "hunter2"));
    expect_bad("DATABASE_URL", "sqlite:///",
               "config: DATABASE_URL must start with sqlite:///<path>, postgres:// or postgresql:// "
               "(value hidden)");
    expect_bad("SMTP_URL", "http://u:hunter2@x", "config: SMTP_URL must start with smtp:// or smtps:// (value hidden)");
    char key[600];
    memset(key, 'k', sizeof key - 1);
    key[sizeof key - 1] = '\0';
    expect_bad("SECRET_KEY", key, "config: SECRET_KEY is too long (at most 511 bytes) (value hidden)");
    expect_bad("BRAINTREE_PRIVATE_KEY", "a\tb",
               "config: BRAINTREE_PRIVATE_KEY must not contain control characters (value hidden)");
}

static void test_small_err_buffer(void **state)
{
    (void)state;
    char small[16];
    env_clear();
    env_set("PORT", "abc");
    assert_int_equal(config_load_from(&cfg, fake_getvar, small, sizeof small), SHOP_EINVAL);
    assert_string_equal(small, "config: PORT mu");
    assert_int_equal(config_load_from(&cfg, fake_getvar, NULL, 0), SHOP_EINVAL);
}

static void test_config_load_env(void **state)
{
    (void)state;
    setenv("PORT", "8123", 1);
    setenv("LOG_LEVEL", "warn", 1);
    assert_int_equal(config_load(&cfg, err, sizeof err), 0);
    assert_int_equal(cfg.port, 8123);
    assert_string_equal(cfg.log_level, "warn");
    setenv("PORT", "http", 1);
    assert_int_equal(config_load(&cfg, err, sizeof err), SHOP_EINVAL);
    unsetenv("PORT");
    unsetenv("LOG_LEVEL");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),        cmocka_unit_test(test_values),
        cmocka_unit_test(test_integers),        cmocka_unit_test(test_bools_and_choices),
        cmocka_unit_test(test_strings),         cmocka_unit_test(test_secrets_hidden),
        cmocka_unit_test(test_small_err_buffer), cmocka_unit_test(test_config_load_env),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
