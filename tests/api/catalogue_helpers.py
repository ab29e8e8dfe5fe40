"""Helpers shared by the catalogue tests (API.md §3.1-§3.2): staff, vendors (customers
owning a store made through the stores API), categories and products made through the
API, and the exact shapes and messages."""
from helpers import bearer, create_staff, db_query, json_body, new_customer, unique

CATEGORIES = "/api/v1/categories/"
PRODUCTS = "/api/v1/products/"
CATEGORY_KEYS = ["id", "name", "slug"]
PRODUCT_KEYS = ["id", "category", "store", "media", "product_offers", "base_price", "created",
                "updated", "is_active", "name", "description", "shipping_fee", "rating",
                "is_standalone", "total_stock_level", "total_sold", "is_available"]
DETAIL_KEYS = PRODUCT_KEYS + ["reviews", "variants"]
VARIANT_KEYS = ["id", "attributes", "created", "updated", "is_active", "sku", "is_default",
                "price_adjustment", "stock_level", "quantity_sold"]
BAD_CHOICE = ["Select a valid choice. That choice is not one of the available choices."]


class Staff:
    def __init__(self, server):
        self.email, self.access = create_staff(server)

    @property
    def auth(self):
        return bearer(self.access)


class Vendor:
    """A customer owning a store (made through POST /api/v1/stores/)."""

    def __init__(self, server):
        self.customer = new_customer(server)
        self.id = self.customer.id
        r = server.post("/api/v1/stores/", headers=self.customer.auth,
                        json={"brand_name": unique("Brand "), "about": "We sell."})
        assert r.status_code == 201, (r.status_code, r.text)
        self.store = json_body(r)
        self.store_id = self.store["id"]
        self.store_url = self.store["url"]

    @property
    def auth(self):
        return self.customer.auth


def make_category(server, staff, name=None, **body):
    body["name"] = name or unique("Category ")
    r = server.post(CATEGORIES, json=body, headers=staff.auth)
    assert r.status_code == 201, (r.status_code, r.text)
    return json_body(r)


def product_body(category_id, **over):
    body = {"name": unique("Product "), "category": category_id, "description": "Nice.",
            "base_price": "10.00", "total_stock_level": 5}
    body.update(over)
    return body


def make_product(server, who, category_id, **over):
    r = server.post(PRODUCTS, json=product_body(category_id, **over), headers=who.auth)
    assert r.status_code == 201, (r.status_code, r.text)
    return json_body(r)


def make_variant(server, who, product_id, **over):
    body = {"sku": unique("SKU")[:20], "price_adjustment": "0.00", "stock_level": 3}
    body.update(over)
    r = server.post(f"{PRODUCTS}{product_id}/variants/", json=body, headers=who.auth)
    assert r.status_code == 201, (r.status_code, r.text)
    return json_body(r)


def set_counters(server, product_id, total_sold=None, rating=None):
    """Counters only orders and reviews move: set straight in the database."""
    if total_sold is not None:
        db_query(server, "UPDATE products SET total_sold = ? WHERE id = ?",
                 (total_sold, product_id))
    if rating is not None:
        db_query(server, "UPDATE products SET rating = ? WHERE id = ?", (rating, product_id))


def insert_media(server, product_id, file, size, file_type="image", primary=False):
    flag = "TRUE" if primary else "FALSE"
    rows = db_query(server, "INSERT INTO media (product_id, file, content_type, file_type, "
                    f"file_size, is_primary, created_at) VALUES (?, ?, 'image/png', ?, ?, {flag}, "
                    "0) RETURNING id", (product_id, file, file_type, size))
    return int(rows[0][0])
