/* seed: see seed.h. The data is generated deterministically from small tables (so two
 * databases seeded alike look alike), except the vendor's password, which is random per
 * database and printed once: a demo account must not have a password known to all. */
#include "app/seed.h"

#include <string.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/fold.h"
#include "core/slug.h"
#include "core/utctime.h"
#include "core/uuid.h"
#include "domain/password.h"
#include "store/catalogue_store.h"
#include "store/customers_store.h"
#include "store/stores_store.h"

#define SEED_KEY      "seed.catalogue"
#define SEED_PRODUCTS 300
#define VENDOR_EMAIL  "demo.vendor@example.com"
#define STORE_BRAND   "Demo Store"

struct seed_category {
    const char *name;
    const char *nouns[4];
    const char *attr;       /* attribute of its multi-variant products */
    const char *values[3];
};

static const struct seed_category seed_categories[] = {
    { "Electronics", { "Headphones", "Speaker", "Charger", "Keyboard" }, "Color",
      { "Black", "White", "Blue" } },
    { "Books", { "Novel", "Cookbook", "Atlas", "Field Guide" }, "Format",
      { "Paperback", "Hardcover", "Large Print" } },
    { "Clothing", { "T-Shirt", "Hoodie", "Jacket", "Scarf" }, "Size", { "S", "M", "L" } },
    { "Home & Kitchen", { "Mug", "Kettle", "Lamp", "Cutting Board" }, "Color",
      { "Red", "Green", "Grey" } },
    { "Sports & Outdoors", { "Water Bottle", "Yoga Mat", "Tent", "Backpack" }, "Size",
      { "Small", "Medium", "Large" } },
    { "Toys & Games", { "Puzzle", "Board Game", "Kite", "Robot" }, "Edition",
      { "Classic", "Deluxe", "Travel" } },
};
#define NCATS (sizeof seed_categories / sizeof seed_categories[0])

static const char *const adjectives[] = { "Aurora", "Summit", "Harbor", "Meadow", "Nimbus",
                                          "Cedar",  "Ember",  "Coral",  "Willow", "Quartz" };
#define NADJ (sizeof adjectives / sizeof adjectives[0])

struct seed_ctx {
    struct arena *a;
    const char *password_hash;
    int64_t now;
    int64_t vendor_id, store_id;
    int64_t category_ids[NCATS];
    bool already;
};

static int seed_vendor(struct db *db, struct seed_ctx *s)
{
    if (customers_email_taken(db, VENDOR_EMAIL, 0))
        return SHOP_ECONFLICT;
    struct customer c = { .email = VENDOR_EMAIL, .first_name = "Demo", .last_name = "Vendor",
                          .password = s->password_hash, .is_active = true,
                          .date_joined = s->now };
    c.slug = "demo-vendor";
    for (int i = 2; c.slug && customers_slug_taken(db, c.slug, 0); i++)
        c.slug = arena_printf(s->a, "demo-vendor-%d", i);
    int rc = c.slug ? customers_insert(db, &c) : SHOP_ENOMEM;
    if (rc)
        return rc;
    s->vendor_id = c.id;
    struct store st = { .owner_id = c.id, .brand_name = STORE_BRAND, .slug = "demo-store",
                        .about = "Everything in the demo catalogue, from one demo vendor." };
    st.brand_fold = fold_str(s->a, st.brand_name, strlen(st.brand_name));
    rc = st.brand_fold ? stores_insert(db, &st, s->now) : SHOP_ENOMEM;
    s->store_id = st.id;
    return rc;
}

/* The category called name: the existing one (same slug) or a new one. */
static int seed_category(struct db *db, struct seed_ctx *s, const char *name, int64_t *id)
{
    struct cat_category c = { .name = name, .slug = slugify(s->a, name, strlen(name)) };
    if (!c.slug)
        return SHOP_ENOMEM;
    int rc = cat_category_by_slug(db, s->a, c.slug, &c);
    if (rc == SHOP_ENOTFOUND)
        rc = cat_category_insert(db, s->a, &c, s->now);
    *id = c.id;
    return rc;
}

/* Three variants with one attribute each, SKUs DEMO-<product>-<k>. */
static int seed_variants(struct db *db, struct seed_ctx *s, const struct seed_category *sc,
                         int64_t product_id, int i)
{
    int rc = 0;
    for (int k = 0; k < 3 && !rc; k++) {
        struct cat_variant_attr attr = { sc->attr, sc->values[k] };
        struct cat_variant v = { .product_id = product_id, .price_adjustment = k * 250,
                                 .stock_level = (i * 7 + k * 5) % 25,
                                 .quantity_sold = (i * 13 + k * 29) % 90, .is_default = k == 0,
                                 .attrs = &attr, .nattrs = 1 };
        v.sku = arena_printf(s->a, "DEMO-%lld-%d", (long long)product_id, k + 1);
        rc = v.sku ? cat_variant_insert(db, &v, s->now) : SHOP_ENOMEM;
        if (!rc)
            rc = cat_variant_set_attributes(db, &v, s->now);
    }
    return rc;
}

/* The standalone product's default variant, as the API creates it. */
static int seed_default_variant(struct db *db, struct seed_ctx *s, int64_t product_id, int i)
{
    struct cat_variant v = { .product_id = product_id,
                             .stock_level = i % 7 == 3 ? 0 : (i * 37) % 60,
                             .quantity_sold = (i * 53) % 200, .is_default = true };
    v.sku = arena_printf(s->a, "PRODVAR_%lld_DFLT", (long long)product_id);
    return v.sku ? cat_variant_insert(db, &v, s->now) : SHOP_ENOMEM;
}

static int seed_product(struct db *db, struct seed_ctx *s, int i)
{
    const struct seed_category *sc = &seed_categories[(size_t)i % NCATS];
    const char *noun = sc->nouns[((size_t)i / NCATS) % 4];
    struct cat_product p = {
        .category_id = s->category_ids[(size_t)i % NCATS],
        .store_id = i % 3 == 2 ? 0 : s->store_id,
        .base_price = 499 + (i * 731) % 20000,
        .has_shipping_fee = i % 3 != 0,
        .shipping_fee = 499,
        .is_standalone = i % 5 != 4,
    };
    p.name = arena_printf(s->a, "%s %s %03d", adjectives[(size_t)i % NADJ], noun, i + 1);
    p.description = arena_printf(s->a, "A demo %s from the %s category.", noun, sc->name);
    int rc = p.name && p.description ? cat_product_insert(db, s->a, &p, s->now) : SHOP_ENOMEM;
    if (!rc)
        rc = p.is_standalone ? seed_default_variant(db, s, p.id, i)
                             : seed_variants(db, s, sc, p.id, i);
    return rc ? rc : cat_product_refresh_totals(db, p.id);
}

static int seed_tx(struct db *db, void *ctx)
{
    struct seed_ctx *s = ctx;
    const char *marker;
    int rc = cat_meta_get(db, s->a, SEED_KEY, &marker);
    s->already = rc == 0;
    if (rc != SHOP_ENOTFOUND)
        return rc;
    rc = seed_vendor(db, s);
    for (size_t i = 0; i < NCATS && !rc; i++)
        rc = seed_category(db, s, seed_categories[i].name, &s->category_ids[i]);
    for (int i = 0; i < SEED_PRODUCTS && !rc; i++)
        rc = seed_product(db, s, i);
    char when[40];
    utc_format(when, s->now);
    return rc ? rc : cat_meta_set(db, SEED_KEY, when);
}

int seed_demo(struct db *db, FILE *out)
{
    char password[33], hash[PWHASH_ENCODED_MAX];
    struct arena *a = arena_new(0);
    int rc = a && random_hex(password, 16) == 0 ? 0 : SHOP_ENOMEM;
    if (!rc && pwhash_hash(slice_from_cstr(password), hash) != 0)
        rc = SHOP_EIO;
    struct seed_ctx s = { .a = a, .password_hash = hash, .now = utc_now_us() };
    if (!rc)
        rc = db_tx(db, seed_tx, &s);
    if (rc == SHOP_ECONFLICT)
        fprintf(stderr, "shopd: seed: the demo vendor, store, a category or a product name "
                        "already exists; nothing was loaded\n");
    else if (rc)
        fprintf(stderr, "shopd: seed failed: %s\n", db_errmsg(db));
    else if (s.already)
        fprintf(out, "the demo catalogue is already loaded; nothing to do\n");
    else
        fprintf(out, "demo catalogue loaded: %d products in %zu categories\n"
                     "demo vendor: %s / %s (store \"%s\")\n",
                SEED_PRODUCTS, NCATS, VENDOR_EMAIL, password, STORE_BRAND);
    arena_free(a);
    return rc;
}
