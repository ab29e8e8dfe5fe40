/* customers_store: SQL for customers, their address, the refresh-token blacklist and
 * login-failure counters (API.md §1–§2). Strings returned in structs live in the arena
 * passed in. Every function returns 0 or a negative shop_err (SHOP_ENOTFOUND when the
 * row does not exist, SHOP_ECONFLICT on a unique violation). */
#ifndef SHOPD_STORE_CUSTOMERS_STORE_H
#define SHOPD_STORE_CUSTOMERS_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/arena.h"
#include "db/db.h"

struct address {
    const char *street_address;
    int64_t postal_code;
    const char *city;
    const char *state;
    const char *country;
};

struct customer {
    int64_t id;
    const char *email;
    const char *first_name;
    const char *last_name;
    const char *slug;
    bool has_dob;
    int32_t date_of_birth;      /* days since epoch */
    const char *password;       /* hash */
    int64_t pwv;
    int64_t password_changed_at; /* us; 0 = never */
    bool is_active, is_staff, is_superuser, is_vendor;
    int64_t date_joined;        /* us */
    int64_t last_login;         /* us; 0 = never */
    int64_t last_purchase_date; /* us; 0 = never */
    bool has_address;
    struct address address;
};

int customers_get(struct db *db, struct arena *a, int64_t id, struct customer *out);
/* Emails compare case-insensitively (ASCII): the lookups use the stored email_key. */
int customers_get_by_email(struct db *db, struct arena *a, const char *email,
                           struct customer *out);
bool customers_email_taken(struct db *db, const char *email, int64_t except_id);
bool customers_slug_taken(struct db *db, const char *slug, int64_t except_id);
/* Inserts c (id, address ignored); sets c->id. */
int customers_insert(struct db *db, struct customer *c);
/* Updates email, names, slug and date of birth of c->id. */
int customers_update_profile(struct db *db, const struct customer *c);
int customers_set_address(struct db *db, int64_t id, const struct address *addr);
int customers_delete_address(struct db *db, int64_t id);
int customers_deactivate(struct db *db, int64_t id);
/* Stores a new hash; bump_version increments pwv and sets password_changed_at (a real
 * change), otherwise only the hash changes (re-hashing at login). */
int customers_set_password(struct db *db, int64_t id, const char *hash, bool bump_version,
                           int64_t now_us);
int customers_set_last_login(struct db *db, int64_t id, int64_t now_us);

/* Refresh-token blacklist. Adding an existing jti is SHOP_ECONFLICT (so that a token
 * rotated concurrently is accepted exactly once). */
int blacklist_add(struct db *db, const char *jti, int64_t customer_id, int64_t exp_s);
bool blacklist_contains(struct db *db, const char *jti);
int blacklist_purge(struct db *db, int64_t now_s);

/* Login failures per key and 15-minute window: incr counts one (creating the row) and
 * returns the new count; decr takes one back (a reservation that turned out a success). */
int login_failures_incr(struct db *db, const char *key, int64_t window, int64_t *count);
int login_failures_decr(struct db *db, const char *key, int64_t window);
int login_failures_purge(struct db *db, int64_t before_window);

#endif
