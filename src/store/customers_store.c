/* customers_store: see customers_store.h. One SELECT shape (CUSTOMER_COLS with the
 * address LEFT JOINed) feeds read_customer, so every read returns the same struct. */
#include "store/customers_store.h"

#include <ctype.h>
#include <string.h>

#include "core/err.h"

/* The case-insensitive key of an email: ASCII lower-cased in C (not SQL lower(), which
 * differs between SQLite and PostgreSQL). Emails are at most 254 characters. */
#define EMAIL_KEY_MAX 1024
static const char *email_key(const char *email, char *out)
{
    size_t n = strnlen(email, EMAIL_KEY_MAX - 1);
    for (size_t i = 0; i < n; i++)
        out[i] = (char)tolower((unsigned char)email[i]);
    out[n] = '\0';
    return out;
}

#define CUSTOMER_COLS                                                                     \
    "SELECT c.id, c.email, c.first_name, c.last_name, c.slug, c.date_of_birth, "         \
    "c.password, c.pwv, c.password_changed_at, c.is_active, c.is_staff, c.is_superuser, " \
    "c.is_vendor, c.date_joined, c.last_login, c.last_purchase_date, "                     \
    "a.street_address, a.postal_code, a.city, a.state, a.country "                         \
    "FROM customers c LEFT JOIN addresses a ON a.customer_id = c.id "

static void read_customer(struct db_stmt *st, struct arena *a, struct customer *c)
{
    c->id = db_col_int(st, 0);
    c->email = db_col_dup(st, 1, a);
    c->first_name = db_col_dup(st, 2, a);
    c->last_name = db_col_dup(st, 3, a);
    c->slug = db_col_dup(st, 4, a);
    c->has_dob = !db_col_null(st, 5);
    c->date_of_birth = (int32_t)db_col_int(st, 5);
    c->password = db_col_dup(st, 6, a);
    c->pwv = db_col_int(st, 7);
    c->password_changed_at = db_col_int(st, 8);
    c->is_active = db_col_bool(st, 9);
    c->is_staff = db_col_bool(st, 10);
    c->is_superuser = db_col_bool(st, 11);
    c->is_vendor = db_col_bool(st, 12);
    c->date_joined = db_col_int(st, 13);
    c->last_login = db_col_int(st, 14);
    c->last_purchase_date = db_col_int(st, 15);
    c->has_address = !db_col_null(st, 16);
    if (c->has_address) {
        c->address.street_address = db_col_dup(st, 16, a);
        c->address.postal_code = db_col_int(st, 17);
        c->address.city = db_col_dup(st, 18, a);
        c->address.state = db_col_dup(st, 19, a);
        c->address.country = db_col_dup(st, 20, a);
    }
}

/* Steps a bound single-row SELECT and reads it. */
static int fetch_one(struct db_stmt *st, struct arena *a, struct customer *out)
{
    int rc = db_step(st);
    if (rc == DB_ROW)
        read_customer(st, a, out);
    db_stmt_release(st);
    return rc == DB_ROW ? 0 : rc == DB_DONE ? SHOP_ENOTFOUND : rc;
}

int customers_get(struct db *db, struct arena *a, int64_t id, struct customer *out)
{
    struct db_stmt *st = db_prepare(db, CUSTOMER_COLS "WHERE c.id = ?");
    if (!st)
        return SHOP_EDB;
    db_bind_int(st, 1, id);
    return fetch_one(st, a, out);
}

int customers_get_by_email(struct db *db, struct arena *a, const char *email,
                           struct customer *out)
{
    struct db_stmt *st = db_prepare(db, CUSTOMER_COLS "WHERE c.email_key = ?");
    if (!st)
        return SHOP_EDB;
    char key[EMAIL_KEY_MAX];
    db_bind_text(st, 1, email_key(email, key), (size_t)-1);
    return fetch_one(st, a, out);
}

bool customers_email_taken(struct db *db, const char *email, int64_t except_id)
{
    struct db_stmt *st = db_prepare(db, "SELECT 1 FROM customers WHERE email_key = ? AND id <> ?");
    if (!st)
        return true;
    char key[EMAIL_KEY_MAX];
    db_bind_text(st, 1, email_key(email, key), (size_t)-1);
    db_bind_int(st, 2, except_id);
    return db_has_row(st) != 0;
}

bool customers_slug_taken(struct db *db, const char *slug, int64_t except_id)
{
    struct db_stmt *st = db_prepare(db, "SELECT 1 FROM customers WHERE slug = ? AND id <> ?");
    if (!st)
        return true;
    db_bind_text(st, 1, slug, (size_t)-1);
    db_bind_int(st, 2, except_id);
    return db_has_row(st) != 0;
}

static void bind_dob(struct db_stmt *st, int idx, const struct customer *c)
{
    if (c->has_dob)
        db_bind_int(st, idx, c->date_of_birth);
    else
        db_bind_null(st, idx);
}

int customers_insert(struct db *db, struct customer *c)
{
    struct db_stmt *st = db_prepare(
        db, "INSERT INTO customers (email, email_key, first_name, last_name, slug, "
            "date_of_birth, password, pwv, is_active, is_staff, is_superuser, is_vendor, "
            "date_joined) VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, FALSE, ?) RETURNING id");
    if (!st)
        return SHOP_EDB;
    char key[EMAIL_KEY_MAX];
    db_bind_text(st, 1, c->email, (size_t)-1);
    db_bind_text(st, 2, email_key(c->email, key), (size_t)-1);
    db_bind_text(st, 3, c->first_name, (size_t)-1);
    db_bind_text(st, 4, c->last_name, (size_t)-1);
    db_bind_text(st, 5, c->slug, (size_t)-1);
    bind_dob(st, 6, c);
    db_bind_text(st, 7, c->password, (size_t)-1);
    db_bind_bool(st, 8, c->is_active);
    db_bind_bool(st, 9, c->is_staff);
    db_bind_bool(st, 10, c->is_superuser);
    db_bind_int(st, 11, c->date_joined);
    int rc = db_step(st);
    if (rc == DB_ROW)
        c->id = db_col_int(st, 0);
    db_stmt_release(st);
    return rc == DB_ROW ? 0 : rc < 0 ? rc : SHOP_EDB;
}

int customers_update_profile(struct db *db, const struct customer *c)
{
    struct db_stmt *st = db_prepare(
        db, "UPDATE customers SET email = ?, email_key = ?, first_name = ?, "
            "last_name = ?, slug = ?, date_of_birth = ? WHERE id = ?");
    if (!st)
        return SHOP_EDB;
    char key[EMAIL_KEY_MAX];
    db_bind_text(st, 1, c->email, (size_t)-1);
    db_bind_text(st, 2, email_key(c->email, key), (size_t)-1);
    db_bind_text(st, 3, c->first_name, (size_t)-1);
    db_bind_text(st, 4, c->last_name, (size_t)-1);
    db_bind_text(st, 5, c->slug, (size_t)-1);
    bind_dob(st, 6, c);
    db_bind_int(st, 7, c->id);
    return db_run_one(st);
}

int customers_set_address(struct db *db, int64_t id, const struct address *ad)
{
    struct db_stmt *st = db_prepare(
        db, "INSERT INTO addresses (customer_id, street_address, postal_code, city, state, "
            "country) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (customer_id) DO UPDATE SET "
            "street_address = excluded.street_address, postal_code = excluded.postal_code, "
            "city = excluded.city, state = excluded.state, country = excluded.country");
    if (!st)
        return SHOP_EDB;
    db_bind_int(st, 1, id);
    db_bind_text(st, 2, ad->street_address, (size_t)-1);
    db_bind_int(st, 3, ad->postal_code);
    db_bind_text(st, 4, ad->city, (size_t)-1);
    db_bind_text(st, 5, ad->state, (size_t)-1);
    db_bind_text(st, 6, ad->country, (size_t)-1);
    return db_run(st);
}

int customers_delete_address(struct db *db, int64_t id)
{
    struct db_stmt *st = db_prepare(db, "DELETE FROM addresses WHERE customer_id = ?");
    if (!st)
        return SHOP_EDB;
    db_bind_int(st, 1, id);
    return db_run(st);
}

int customers_deactivate(struct db *db, int64_t id)
{
    struct db_stmt *st = db_prepare(db, "UPDATE customers SET is_active = FALSE, "
                                        "is_vendor = FALSE WHERE id = ?");
    if (!st)
        return SHOP_EDB;
    db_bind_int(st, 1, id);
    return db_run_one(st);
}

int customers_set_password(struct db *db, int64_t id, const char *hash, bool bump_version,
                           int64_t now_us)
{
    struct db_stmt *st;
    if (bump_version) {
        st = db_prepare(db, "UPDATE customers SET password = ?, pwv = pwv + 1, "
                            "password_changed_at = ? WHERE id = ?");
        if (!st)
            return SHOP_EDB;
        db_bind_int(st, 2, now_us);
        db_bind_int(st, 3, id);
    } else {
        st = db_prepare(db, "UPDATE customers SET password = ? WHERE id = ?");
        if (!st)
            return SHOP_EDB;
        db_bind_int(st, 2, id);
    }
    db_bind_text(st, 1, hash, (size_t)-1);
    return db_run_one(st);
}

int customers_set_last_login(struct db *db, int64_t id, int64_t now_us)
{
    struct db_stmt *st = db_prepare(db, "UPDATE customers SET last_login = ? WHERE id = ?");
    if (!st)
        return SHOP_EDB;
    db_bind_int(st, 1, now_us);
    db_bind_int(st, 2, id);
    return db_run_one(st);
}

int blacklist_add(struct db *db, const char *jti, int64_t customer_id, int64_t exp_s)
{
    struct db_stmt *st = db_prepare(db, "INSERT INTO token_blacklist (jti, customer_id, "
                                        "expires_at) VALUES (?, ?, ?)");
    if (!st)
        return SHOP_EDB;
    db_bind_text(st, 1, jti, (size_t)-1);
    db_bind_int(st, 2, customer_id);
    db_bind_int(st, 3, exp_s);
    return db_run(st);
}

bool blacklist_contains(struct db *db, const char *jti)
{
    struct db_stmt *st = db_prepare(db, "SELECT 1 FROM token_blacklist WHERE jti = ?");
    if (!st)
        return true; /* fail closed */
    db_bind_text(st, 1, jti, (size_t)-1);
    return db_has_row(st) != 0;
}

int blacklist_purge(struct db *db, int64_t now_s)
{
    struct db_stmt *st = db_prepare(db, "DELETE FROM token_blacklist WHERE expires_at <= ?");
    if (!st)
        return SHOP_EDB;
    db_bind_int(st, 1, now_s);
    return db_run(st);
}

int login_failures_incr(struct db *db, const char *key, int64_t window, int64_t *count)
{
    struct db_stmt *st = db_prepare(
        db, "INSERT INTO login_failures (key, window_start, failures) VALUES (?, ?, 1) "
            "ON CONFLICT (key, window_start) DO UPDATE SET "
            "failures = login_failures.failures + 1 RETURNING failures");
    if (!st)
        return SHOP_EDB;
    db_bind_text(st, 1, key, (size_t)-1);
    db_bind_int(st, 2, window);
    int rc = db_step(st);
    if (rc == DB_ROW)
        *count = db_col_int(st, 0);
    db_stmt_release(st);
    return rc == DB_ROW ? 0 : rc < 0 ? rc : SHOP_EDB;
}

int login_failures_decr(struct db *db, const char *key, int64_t window)
{
    struct db_stmt *st = db_prepare(db, "UPDATE login_failures SET failures = failures - 1 "
                                        "WHERE key = ? AND window_start = ? AND failures > 0");
    if (!st)
        return SHOP_EDB;
    db_bind_text(st, 1, key, (size_t)-1);
    db_bind_int(st, 2, window);
    return db_run(st);
}

int login_failures_purge(struct db *db, int64_t before_window)
{
    struct db_stmt *st = db_prepare(db, "DELETE FROM login_failures WHERE window_start < ?");
    if (!st)
        return SHOP_EDB;
    db_bind_int(st, 1, before_window);
    return db_run(st);
}
