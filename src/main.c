/* main: the shopd command line — serve | migrate | check | createsuperuser | seed
 * (API.md §11.1).
 * Configuration comes from the environment (core/config.c), validated before anything
 * starts; `serve` refuses an unmigrated database and a missing SECRET_KEY (unless
 * SHOPD_DEV=1), then runs until SIGTERM/SIGINT and shuts down gracefully. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "app/metrics.h"
#include "app/slugs.h"
#include "app/seed.h"
#include "core/arena.h"
#include "core/config.h"
#include "core/err.h"
#include "core/log.h"
#include "core/uuid.h"
#include "core/utctime.h"
#include "db/db.h"
#include "domain/jwt.h"
#include "domain/password.h"
#include "http/server.h"
#include "store/count_cache.h"
#include "store/customers_store.h"

static void usage(FILE *f)
{
    fputs("usage: shopd <command> [options]\n"
          "commands:\n"
          "  serve [--host H] [--port P]   serve the API (env HOST, PORT)\n"
          "  migrate                       create or upgrade the schema at DATABASE_URL\n"
          "  check                         validate configuration and database, then exit\n"
          "  createsuperuser --email E --password P [--first-name F --last-name L]\n"
          "                                create a staff and superuser account\n"
          "  seed                          load the demo catalogue once (again: no change)\n"
          "configuration is read from the environment; see README.md\n",
          f);
}

static int fail(const char *fmt, const char *arg)
{
    fprintf(stderr, "shopd: ");
    fprintf(stderr, fmt, arg);
    fputc('\n', stderr);
    return 1;
}

static enum log_level parse_level(const char *s)
{
    if (strcmp(s, "debug") == 0)
        return LOG_DEBUG;
    if (strcmp(s, "warn") == 0)
        return LOG_WARN;
    if (strcmp(s, "error") == 0)
        return LOG_ERROR;
    return LOG_INFO;
}

static int load_config(struct config *cfg)
{
    char err[512];
    if (config_load(cfg, err, sizeof err) != 0)
        return fail("%s", err);
    log_set_level(parse_level(cfg->log_level));
    return 0;
}

static int open_db(const struct config *cfg, struct db **db)
{
    char err[512];
    if (db_open(cfg->database_url, db, err, sizeof err) != 0)
        return fail("cannot open the database: %s", err);
    return 0;
}

static int cmd_migrate(const struct config *cfg)
{
    struct db *db;
    if (open_db(cfg, &db))
        return 1;
    char err[512] = "";
    int rc = db_migrate(db, err, sizeof err);
    db_close(db);
    if (rc != 0)
        return fail("migration failed: %s", err);
    log_info("database is up to date");
    return 0;
}

/* 0 when the schema is current; otherwise says which command to run. */
static int check_schema(const struct config *cfg)
{
    struct db *db;
    if (open_db(cfg, &db))
        return 1;
    int pending = 0;
    int rc = db_schema_check(db, &pending);
    db_close(db);
    if (rc == 0)
        return 0;
    if (pending > 0) {
        fprintf(stderr,
                "shopd: the database has %d pending migration(s): run `shopd migrate` "
                "(or `make run`) first\n",
                pending);
        return 1;
    }
    return fail("%s", "cannot read the database schema version (is the binary older "
                      "than the database?)");
}

static int ensure_secret(struct config *cfg)
{
    if (cfg->secret_key[0])
        return 0;
    if (!cfg->dev)
        return fail("%s", "SECRET_KEY is not set; set it, or SHOPD_DEV=1 for development "
                          "with a random key");
    if (random_hex(cfg->secret_key, 32) != 0)
        return fail("%s", "cannot generate a random SECRET_KEY");
    log_warn("SHOPD_DEV=1: using a random SECRET_KEY; tokens will not survive a restart. "
             "NEVER run like this in production");
    return 0;
}

static int parse_serve_args(struct config *cfg, int argc, char **argv)
{
    for (int i = 2; i < argc; i++) {
        bool has_value = i + 1 < argc;
        if (strcmp(argv[i], "--host") == 0 && has_value) {
            snprintf(cfg->host, sizeof cfg->host, "%s", argv[++i]);
        } else if (strcmp(argv[i], "--port") == 0 && has_value) {
            char *end;
            errno = 0;
            long port = strtol(argv[++i], &end, 10);
            if (errno || *end || port < 0 || port > 65535)
                return fail("invalid --port %s", argv[i]);
            cfg->port = (int)port;
        } else {
            return fail("unknown serve option %s", argv[i]);
        }
    }
    return 0;
}

static int wait_for_signal(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    int sig = 0;
    sigwait(&set, &sig);
    return sig;
}

static int serve(struct app *app)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    /* Blocked before any thread starts, so only sigwait below sees these signals. */
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    struct http_server_opts opts = { .cfg = &app->cfg, .dispatch = app_dispatch,
                                     .observe = app_observe, .ctx = app };
    struct http_server *srv;
    char err[512];
    if (http_server_start(&opts, &srv, err, sizeof err) != 0)
        return fail("cannot start the server: %s", err);
    log_info("shopd listening on http://%s:%d", app->cfg.host, http_server_port(srv));
    int sig = wait_for_signal();
    log_info("signal %d: finishing in-flight requests", sig);
    http_server_stop(srv);
    app_db_thread_close();
    log_info("stopped");
    return 0;
}

static int cmd_serve(struct config *cfg, int argc, char **argv)
{
    if (parse_serve_args(cfg, argc, argv) || ensure_secret(cfg) || check_schema(cfg))
        return 1;
    static struct app app;
    app.cfg = *cfg;
    app.routes = app_routes;
    app.nroutes = app_routes_count;
    app.metrics = metrics_new(app_routes_count);
    app.jwt_key = jwt_key_new(slice_from_cstr(cfg->secret_key));
    app.product_counts = count_cache_new();
    if (!app.metrics || !app.jwt_key || !app.product_counts)
        return fail("%s", "out of memory");
    int rc = serve(&app);
    count_cache_free(app.product_counts);
    jwt_key_free(app.jwt_key);
    metrics_free(app.metrics);
    return rc;
}

struct superuser_args {
    const char *email, *password, *first, *last;
};

static int parse_superuser_args(struct superuser_args *a, int argc, char **argv)
{
    *a = (struct superuser_args){ NULL, NULL, "", "" };
    for (int i = 2; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--email") == 0)
            a->email = argv[i + 1];
        else if (strcmp(argv[i], "--password") == 0)
            a->password = argv[i + 1];
        else if (strcmp(argv[i], "--first-name") == 0)
            a->first = argv[i + 1];
        else if (strcmp(argv[i], "--last-name") == 0)
            a->last = argv[i + 1];
        else
            return fail("unknown createsuperuser option %s", argv[i]);
    }
    if ((argc - 2) % 2 != 0 || !a->email || !a->password || !a->password[0] ||
        !strchr(a->email, '@'))
        return fail("%s", "usage: shopd createsuperuser --email E --password P "
                          "[--first-name F --last-name L]");
    return 0;
}

/* Slug from the names, or from the email's local part when there are none. */
static const char *superuser_slug(struct arena *ar, struct db *db, const struct superuser_args *a)
{
    char *name = a->first[0] || a->last[0] ? arena_printf(ar, "%s %s", a->first, a->last)
                                           : arena_strndup(ar, a->email, strcspn(a->email, "@"));
    return name ? slug_unique(ar, db, name, customers_slug_taken, 0) : NULL;
}

static int insert_superuser(struct db *db, void *ctx)
{
    return customers_insert(db, ctx);
}

static int cmd_createsuperuser(const struct config *cfg, int argc, char **argv)
{
    struct superuser_args a;
    if (parse_superuser_args(&a, argc, argv) || check_schema(cfg))
        return 1;
    struct db *db;
    if (open_db(cfg, &db))
        return 1;
    struct arena *ar = arena_new(0);
    char hash[PWHASH_ENCODED_MAX];
    struct customer c = { .email = a.email, .first_name = a.first, .last_name = a.last,
                          .password = hash, .is_active = true, .is_staff = true,
                          .is_superuser = true, .date_joined = utc_now_us() };
    int rc = 1;
    if (!ar || pwhash_hash(slice_from_cstr(a.password), hash) != 0)
        fail("%s", "cannot hash the password");
    else if (customers_email_taken(db, a.email, 0))
        fail("a customer with the email %s already exists", a.email);
    else if (!(c.slug = superuser_slug(ar, db, &a)) || db_tx(db, insert_superuser, &c) != 0)
        fail("cannot create the superuser: %s", db_errmsg(db));
    else
        rc = 0;
    if (rc == 0)
        log_info("superuser %s created (id %lld)", a.email, (long long)c.id);
    arena_free(ar);
    db_close(db);
    return rc;
}

static int cmd_seed(const struct config *cfg)
{
    struct db *db;
    if (check_schema(cfg) || open_db(cfg, &db))
        return 1;
    int rc = seed_demo(db, stdout);
    db_close(db);
    return rc ? 1 : 0;
}

static int cmd_check(struct config *cfg)
{
    if (ensure_secret(cfg) || check_schema(cfg))
        return 1;
    puts("ok");
    return 0;
}

int main(int argc, char **argv)
{
    /* glibc's default malloc arenas (no M_ARENA_MAX cap, so workers do not contend on
     * arena locks): argon2's 19 MiB blocks are not malloc'ed but owned by the password-hash
     * slots, which bound that memory themselves (domain/password.c's header). */
    if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    static struct config cfg;
    if (load_config(&cfg))
        return 2;
    const char *cmd = argv[1];
    if (strcmp(cmd, "serve") == 0)
        return cmd_serve(&cfg, argc, argv);
    if (strcmp(cmd, "migrate") == 0)
        return cmd_migrate(&cfg);
    if (strcmp(cmd, "check") == 0)
        return cmd_check(&cfg);
    if (strcmp(cmd, "createsuperuser") == 0)
        return cmd_createsuperuser(&cfg, argc, argv);
    if (strcmp(cmd, "seed") == 0)
        return cmd_seed(&cfg);
    fprintf(stderr, "shopd: unknown command '%s'\n", cmd);
    usage(stderr);
    return 2;
}
