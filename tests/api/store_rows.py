"""Rows the store, review and media tests put straight into the database: categories
and products with chosen counters (total_sold only moves with orders), purchases
(written by payments, which do not exist yet), and reads of flags the API never shows
(is_vendor, is_active). SQL is written for both SQLite and PostgreSQL (TRUE/FALSE
literals, RETURNING)."""
from helpers import db_query, unique


def insert_category(server):
    name = unique("Cat ")
    rows = db_query(server, "INSERT INTO categories (name, name_fold, slug, created_at, "
                    "updated_at) VALUES (?, ?, ?, 0, 0) RETURNING id",
                    (name, name.lower(), unique("cat-")))
    return int(rows[0][0])


def insert_product(server, store_id=None, total_sold=0, active=True, name=None,
                   category_id=None):
    """A standalone product (without variants: the counters are set directly)."""
    name = name or unique("Product ")
    category_id = category_id or insert_category(server)
    store = "NULL" if store_id is None else str(int(store_id))
    flag = "TRUE" if active else "FALSE"
    rows = db_query(server, "INSERT INTO products (name, name_fold, category_id, store_id, "
                    "description, base_price, is_standalone, total_stock_level, total_sold, "
                    f"is_active, created_at, updated_at) VALUES (?, ?, ?, {store}, 'd', 1000, "
                    f"TRUE, 5, ?, {flag}, 0, 0) RETURNING id",
                    (name, name.lower(), category_id, total_sold))
    return int(rows[0][0])


def insert_purchase(server, customer_id, product_id):
    db_query(server, "INSERT INTO purchases (customer_id, product_id, created_at) "
             "VALUES (?, ?, 0)", (customer_id, product_id))


def truthy(v):
    return v in ("1", "t", "true", "True")


def is_vendor(server, customer_id):
    return truthy(db_query(server, "SELECT is_vendor FROM customers WHERE id = ?",
                           (customer_id,))[0][0])


def product_active(server, product_id):
    return truthy(db_query(server, "SELECT is_active FROM products WHERE id = ?",
                           (product_id,))[0][0])


def product_rating(server, product_id):
    # psql prints NULL as an empty line, which db_query drops: read a sentinel instead
    v = int(db_query(server, "SELECT COALESCE(rating, -1) FROM products WHERE id = ?",
                     (product_id,))[0][0])
    return None if v == -1 else v


def store_id_of(server, slug):
    return int(db_query(server, "SELECT id FROM stores WHERE slug = ?", (slug,))[0][0])
