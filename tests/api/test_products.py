"""API.md §3.2: the product list (filters, search, pagination, ordering, bounded SQL
statements), products by category, the detail (media, reviews, variants), attributes,
and product and variant writes by staff and by the vendor owning the store — with the
BOLA / BFLA and mass-assignment cases of SECURITY.md."""
import pytest

from catalogue_helpers import (BAD_CHOICE, DETAIL_KEYS, PRODUCT_KEYS, PRODUCTS, VARIANT_KEYS,
                               Staff, Vendor, insert_media, make_category, make_product,
                               make_variant, product_body, set_counters)
from helpers import (FORBIDDEN, NOT_AUTHENTICATED, NOT_FOUND, REQUIRED, assert_401, db_query,
                     json_body, new_customer, unique)

NAME_TAKEN = {"name": ["product with this name already exists."]}
SKU_TAKEN = {"sku": ["product variant with this SKU already exists."]}
SKU_RESERVED = {"sku": ["SKUs starting with PRODVAR_ are reserved."]}
NEGATIVE = ["The variant's price cannot be negative."]
STANDALONE = {"non_field_errors": ["Standalone products can only have a single default variant"]}


@pytest.fixture(scope="module")
def staff(server):
    return Staff(server)


@pytest.fixture(scope="module")
def vendor(server):
    return Vendor(server)


@pytest.fixture(scope="module")
def category(server, staff):
    return make_category(server, staff)


def detail(server, product_id):
    r = server.get(f"{PRODUCTS}{product_id}/")
    assert r.status_code == 200, r.text
    return json_body(r)


def listing(server, **params):
    r = server.get(PRODUCTS, params=params)
    assert r.status_code == 200, r.text
    return json_body(r)


# --- create ---------------------------------------------------------------------------

def test_staff_creates_a_standalone_product_with_its_default_variant(server, staff, category):
    body = product_body(category["id"], base_price="149.99", shipping_fee=5,
                        total_stock_level=7)
    r = server.post(PRODUCTS, json=body, headers=staff.auth)
    assert r.status_code == 201, r.text
    p = json_body(r)
    assert list(p) == DETAIL_KEYS
    assert p["category"] == category["name"] and p["store"] is None
    assert p["media"] == [] and p["product_offers"] == [] and p["reviews"] == []
    assert p["base_price"] == "149.99" and p["shipping_fee"] == "5.00"
    assert p["rating"] is None and p["is_active"] is True and p["is_standalone"] is True
    assert (p["total_stock_level"], p["total_sold"], p["is_available"]) == (7, 0, True)
    assert p["name"] == body["name"] and p["description"] == "Nice."
    assert p["created"].endswith("Z") and p["updated"] == p["created"]
    [v] = p["variants"]
    assert list(v) == VARIANT_KEYS
    assert v["sku"] == f"PRODVAR_{p['id']}_DFLT" and v["is_default"] is True
    assert (v["price_adjustment"], v["stock_level"], v["quantity_sold"]) == ("0.00", 7, 0)
    assert v["attributes"] == [] and v["is_active"] is True
    assert detail(server, p["id"]) == p


def test_vendor_products_belong_to_the_vendor_store_whatever_the_body(server, vendor, staff,
                                                                     category):
    other = Vendor(server)
    body = product_body(category["id"], store=other.store_id, total_sold=99, rating=5,
                        is_active=False, owner=other.id, id=12345)
    r = server.post(PRODUCTS, json=body, headers=vendor.auth)
    assert r.status_code == 201, r.text
    p = json_body(r)
    assert p["store"] == vendor.store_url
    assert (p["total_sold"], p["rating"], p["is_active"]) == (0, None, True)
    assert p["id"] != 12345
    # staff may place a product in any store, or none
    p = make_product(server, staff, category["id"], store=other.store_id)
    assert p["store"] == other.store_url


def test_create_messages(server, staff, category):
    r = server.post(PRODUCTS, json={}, headers=staff.auth)
    assert r.status_code == 400
    assert json_body(r) == {"name": REQUIRED, "category": REQUIRED, "base_price": REQUIRED,
                            "total_stock_level": REQUIRED}
    bad = {"name": "x" * 256, "category": 999999, "base_price": "-1", "shipping_fee": "1.234",
           "total_stock_level": -1, "is_standalone": "maybe", "store": 999999}
    r = server.post(PRODUCTS, json=bad, headers=staff.auth)
    assert json_body(r) == {
        "name": ["Ensure this field has no more than 255 characters."],
        "base_price": ["Ensure this value is greater than or equal to 0."],
        "shipping_fee": ["Ensure that there are no more than 2 decimal places."],
        "is_standalone": ["Must be a valid boolean."],
        "total_stock_level": ["Ensure this value is greater than or equal to 0."],
        "store": ['Invalid pk "999999" - object does not exist.'],
        "category": ['Invalid pk "999999" - object does not exist.'],
    }
    r = server.post(PRODUCTS, json=product_body("abc"), headers=staff.auth)
    assert json_body(r) == {"category": ["Incorrect type. Expected pk value, received str."]}
    r = server.post(PRODUCTS, json=product_body(True), headers=staff.auth)
    assert json_body(r) == {"category": ["Incorrect type. Expected pk value, received bool."]}
    made = make_product(server, staff, category["id"])
    r = server.post(PRODUCTS, json=product_body(category["id"], name=made["name"]),
                    headers=staff.auth)
    assert r.status_code == 400 and json_body(r) == NAME_TAKEN


def test_non_standalone_ignores_stock_and_starts_unavailable(server, staff, category):
    body = product_body(category["id"], is_standalone="false", total_stock_level="junk")
    r = server.post(PRODUCTS, json=body, headers=staff.auth)
    assert r.status_code == 201, r.text
    p = json_body(r)
    assert p["is_standalone"] is False and p["variants"] == []
    assert (p["total_stock_level"], p["is_available"], p["base_price"]) == (0, False, "10.00")


def test_only_staff_and_vendors_write(server, staff, vendor, category):
    customer = new_customer(server)
    mine = make_product(server, vendor, category["id"])
    path = f"{PRODUCTS}{mine['id']}/"
    for method, url in (("POST", PRODUCTS), ("PUT", path), ("PATCH", path), ("DELETE", path),
                        ("POST", path + "variants/")):
        r = server.request(method, url, json=product_body(category["id"]),
                           headers=customer.auth)
        assert r.status_code == 403 and json_body(r) == FORBIDDEN, (method, url)
        assert_401(server.request(method, url, json={}), NOT_AUTHENTICATED)
    assert detail(server, mine["id"])["name"] == mine["name"]


def test_another_vendors_product_is_forbidden(server, vendor, category):
    other = Vendor(server)
    theirs = make_product(server, other, category["id"])
    variant_id = theirs["variants"][0]["id"]
    path = f"{PRODUCTS}{theirs['id']}/"
    for method, url in (("PUT", path), ("PATCH", path), ("DELETE", path),
                        ("POST", path + "variants/"),
                        ("PATCH", f"{path}variants/{variant_id}/"),
                        ("DELETE", f"{path}variants/{variant_id}/")):
        r = server.request(method, url, json={"name": "stolen", "sku": "X1"},
                           headers=vendor.auth)
        assert r.status_code == 403 and json_body(r) == FORBIDDEN, (method, url)
    assert detail(server, theirs["id"]) == theirs


# --- update / delete --------------------------------------------------------------------

def test_vendor_updates_own_product_without_mass_assignment(server, vendor, staff, category):
    p = make_product(server, vendor, category["id"], total_stock_level=4)
    other = Vendor(server)
    r = server.patch(f"{PRODUCTS}{p['id']}/", headers=vendor.auth,
                     json={"total_stock_level": 9, "store": other.store_id, "total_sold": 50,
                           "rating": 4, "is_standalone": False, "shipping_fee": "2.50"})
    assert r.status_code == 200, r.text
    got = json_body(r)
    assert got["store"] == vendor.store_url and got["is_standalone"] is True
    assert (got["total_stock_level"], got["total_sold"], got["rating"]) == (9, 0, None)
    assert got["variants"][0]["stock_level"] == 9 and got["shipping_fee"] == "2.50"
    assert got["name"] == p["name"] and got["updated"] >= p["updated"]
    new_cat = make_category(server, staff)
    body = product_body(new_cat["id"], base_price="3.00", shipping_fee=None,
                        total_stock_level=0)
    r = server.put(f"{PRODUCTS}{p['id']}/", json=body, headers=vendor.auth)
    assert r.status_code == 200, r.text
    got = json_body(r)
    assert (got["category"], got["base_price"], got["shipping_fee"]) == (new_cat["name"],
                                                                         "3.00", None)
    assert (got["total_stock_level"], got["is_available"]) == (0, False)
    r = server.put(f"{PRODUCTS}{p['id']}/", json={"name": "only"}, headers=vendor.auth)
    assert json_body(r) == {"category": REQUIRED, "base_price": REQUIRED,
                            "total_stock_level": REQUIRED}


def test_staff_moves_products_between_stores(server, staff, vendor, category):
    p = make_product(server, staff, category["id"])
    r = server.patch(f"{PRODUCTS}{p['id']}/", json={"store": vendor.store_id},
                     headers=staff.auth)
    assert json_body(r)["store"] == vendor.store_url
    # now the vendor owns it
    r = server.patch(f"{PRODUCTS}{p['id']}/", json={"description": "v"}, headers=vendor.auth)
    assert r.status_code == 200 and json_body(r)["description"] == "v"
    r = server.patch(f"{PRODUCTS}{p['id']}/", json={"store": None}, headers=staff.auth)
    assert json_body(r)["store"] is None


def test_rename_to_a_taken_name_is_refused(server, staff, category):
    a = make_product(server, staff, category["id"])
    b = make_product(server, staff, category["id"])
    r = server.patch(f"{PRODUCTS}{b['id']}/", json={"name": a["name"]}, headers=staff.auth)
    assert r.status_code == 400 and json_body(r) == NAME_TAKEN
    r = server.patch(f"{PRODUCTS}{b['id']}/", json={"name": b["name"]}, headers=staff.auth)
    assert r.status_code == 200


def test_delete_deactivates_and_later_writes_are_404(server, vendor, category):
    p = make_product(server, vendor, category["id"])
    path = f"{PRODUCTS}{p['id']}/"
    r = server.delete(path, headers=vendor.auth)
    assert r.status_code == 204 and r.content == b""
    assert server.get(path).status_code == 404
    for method, url in (("PUT", path), ("PATCH", path), ("DELETE", path),
                        ("POST", path + "variants/"),
                        ("PATCH", f"{path}variants/{p['variants'][0]['id']}/")):
        r = server.request(method, url, json={"sku": "Z"}, headers=vendor.auth)
        assert r.status_code == 404 and json_body(r) == NOT_FOUND, (method, url)
    assert p["id"] not in [x["id"] for x in listing(server, search=p["name"])["results"]]
    r = server.get(f"{PRODUCTS}999999999/")
    assert r.status_code == 404 and json_body(r) == NOT_FOUND


# --- variants -------------------------------------------------------------------------

def test_variants_with_attributes_and_derived_counters(server, vendor, category):
    p = make_product(server, vendor, category["id"], is_standalone=False, base_price="20.00")
    pid = p["id"]
    red = make_variant(server, vendor, pid, price_adjustment="2.50", stock_level=4,
                       is_default=True,
                       attributes=[{"attribute": "Color", "value": "Red"},
                                   {"attribute": "Size", "value": " M "}])
    assert list(red) == VARIANT_KEYS
    assert red["attributes"] == [{"attribute": "Color", "value": "Red"},
                                 {"attribute": "Size", "value": "M"}]
    assert (red["price_adjustment"], red["stock_level"], red["is_default"]) == ("2.50", 4, True)
    blue = make_variant(server, vendor, pid, price_adjustment="-1.25", stock_level=6,
                        attributes=[{"attribute": "Size", "value": "L"},
                                    {"attribute": "Material", "value": "Wool"}])
    assert blue["attributes"] == [{"attribute": "Size", "value": "L"},
                                  {"attribute": "Material", "value": "Wool"}]
    got = detail(server, pid)
    assert (got["base_price"], got["total_stock_level"], got["is_available"]) == ("18.75", 10,
                                                                                  True)
    # attribute values come in attribute creation order
    db_query(server, "UPDATE variants SET quantity_sold = 3 WHERE id = ?", (blue["id"],))
    got = detail(server, pid)
    assert [v["id"] for v in got["variants"]] == [blue["id"], red["id"]]
    r = server.get(f"{PRODUCTS}{pid}/attributes/", headers=vendor.auth)
    assert r.status_code == 200
    assert [a["name"] for a in json_body(r)] == ["Color", "Size", "Material"]
    assert list(json_body(r)[0]) == ["id", "name"]
    assert_401(server.get(f"{PRODUCTS}{pid}/attributes/"), NOT_AUTHENTICATED)
    # deleting a variant recomputes the counters
    r = server.delete(f"{PRODUCTS}{pid}/variants/{blue['id']}/", headers=vendor.auth)
    assert r.status_code == 204
    got = detail(server, pid)
    assert (got["base_price"], got["total_stock_level"]) == ("22.50", 4)
    assert [v["id"] for v in got["variants"]] == [red["id"]]
    r = server.delete(f"{PRODUCTS}{pid}/variants/{blue['id']}/", headers=vendor.auth)
    assert r.status_code == 404


def test_variant_messages(server, staff, category):
    p = make_product(server, staff, category["id"], is_standalone=False, base_price="10.00")
    url = f"{PRODUCTS}{p['id']}/variants/"
    taken = make_variant(server, staff, p["id"])
    cases = [
        ({}, {"sku": REQUIRED}),
        ({"sku": "x" * 21}, {"sku": ["Ensure this field has no more than 20 characters."]}),
        ({"sku": taken["sku"]}, SKU_TAKEN),
        ({"sku": "PRODVAR_9_DFLT"}, SKU_RESERVED),
        ({"sku": unique("S")[:20], "stock_level": -1},
         {"stock_level": ["Ensure this value is greater than or equal to 0."]}),
        ({"sku": unique("S")[:20], "attributes": {"a": 1}},
         {"attributes": ['Expected a list of items but got type "dict".']}),
        ({"sku": unique("S")[:20], "attributes": [{"attribute": "A", "value": "1"}, "x",
                                                  {"attribute": "B"}]},
         {"attributes": [{}, {"non_field_errors": [
             "Invalid data. Expected a dictionary, but got str."]}, {"value": REQUIRED}]}),
        ({"sku": unique("S")[:20], "price_adjustment": "-10.01"},
         {"price_adjustment": NEGATIVE}),
    ]
    for body, expected in cases:
        r = server.post(url, json=body, headers=staff.auth)
        assert r.status_code == 400, (body, r.text)
        assert json_body(r) == expected, body
    ok = make_variant(server, staff, p["id"], price_adjustment="-10.00", stock_level=0)
    assert ok["price_adjustment"] == "-10.00"
    # a base price that would make an active variant negative is refused
    r = server.patch(f"{PRODUCTS}{p['id']}/", json={"base_price": "9.99"}, headers=staff.auth)
    assert r.status_code == 400 and json_body(r) == {"base_price": NEGATIVE}
    assert detail(server, p["id"])["base_price"] == "0.00"


def test_standalone_refuses_a_second_variant(server, staff, category):
    p = make_product(server, staff, category["id"])
    r = server.post(f"{PRODUCTS}{p['id']}/variants/", json={"sku": unique("S")[:20]},
                    headers=staff.auth)
    assert r.status_code == 400 and json_body(r) == STANDALONE


def test_variant_update_keeps_generated_sku_and_replaces_attributes(server, vendor, category):
    p = make_product(server, vendor, category["id"], total_stock_level=2)
    default = p["variants"][0]
    url = f"{PRODUCTS}{p['id']}/variants/{default['id']}/"
    r = server.put(url, json={"sku": default["sku"], "stock_level": 8, "quantity_sold": 40,
                              "attributes": [{"attribute": "Color", "value": "Teal"}]},
                   headers=vendor.auth)
    assert r.status_code == 200, r.text
    v = json_body(r)
    assert (v["sku"], v["stock_level"], v["quantity_sold"]) == (default["sku"], 8, 0)
    assert v["attributes"] == [{"attribute": "Color", "value": "Teal"}]
    assert detail(server, p["id"])["total_stock_level"] == 8
    r = server.patch(url, json={"attributes": []}, headers=vendor.auth)
    assert json_body(r)["attributes"] == [] and json_body(r)["stock_level"] == 8
    r = server.patch(url, json={"sku": "PRODVAR_1_X"}, headers=vendor.auth)
    assert r.status_code == 400 and json_body(r) == SKU_RESERVED
    # a variant of another product is not found through this one
    other = make_product(server, vendor, category["id"])
    r = server.patch(f"{PRODUCTS}{other['id']}/variants/{default['id']}/", json={},
                     headers=vendor.auth)
    assert r.status_code == 404


# --- reads ----------------------------------------------------------------------------

def test_detail_renders_media_and_active_reviews(server, staff, category):
    p = make_product(server, staff, category["id"])
    m1 = insert_media(server, p["id"], "a1.png", 1572864, primary=True)
    m2 = insert_media(server, p["id"], "b2.mp4", 10485760, file_type="video")
    m3 = insert_media(server, p["id"], "c3.png", 131072)  # 0.125 MB: Python rounds to 0.12
    writer = new_customer(server)
    db_query(server, "INSERT INTO reviews (product_id, customer_id, review_text, rating, "
             "sentiment, sentiment_score, is_active, created_at, updated_at) VALUES "
             "(?, ?, 'Great', 5, 'POSITIVE', 0.75, TRUE, 1700000000000000, 1700000000000000)",
             (p["id"], writer.id))
    hidden = new_customer(server)
    db_query(server, "INSERT INTO reviews (product_id, customer_id, review_text, rating, "
             "is_active, created_at, updated_at) VALUES (?, ?, 'Hidden', 1, FALSE, 0, 0)",
             (p["id"], hidden.id))
    set_counters(server, p["id"], rating=467)
    got = detail(server, p["id"])
    assert got["media"] == [
        {"id": m1, "file": f"{server.url}/media/a1.png", "is_primary": True, "file_size": 1.5,
         "file_type": "image"},
        {"id": m2, "file": f"{server.url}/media/b2.mp4", "is_primary": False,
         "file_size": 10.0, "file_type": "video"},
        {"id": m3, "file": f"{server.url}/media/c3.png", "is_primary": False,
         "file_size": round(131072 / 1048576, 2), "file_type": "image"},
    ]
    assert got["media"][2]["file_size"] == 0.12
    assert got["rating"] == 4.67
    [review] = got["reviews"]
    assert review == {"id": review["id"], "user": writer.email, "images": [],
                      "created": "2023-11-14T22:13:20Z", "updated": "2023-11-14T22:13:20Z",
                      "is_active": True, "review_text": "Great", "rating": 5,
                      "sentiment": "POSITIVE", "sentiment_score": 0.75}
    listed = listing(server, search=p["name"])["results"]
    assert listed[0]["media"] == got["media"] and list(listed[0]) == PRODUCT_KEYS


def test_list_order_filters_search_and_pagination(server, staff):
    cat = make_category(server, staff)
    owner = Vendor(server)
    token = unique("zq")
    ids = [make_product(server, staff, cat["id"], name=f"{token} item {i}",
                        total_stock_level=i % 2, store=owner.store_id if i < 3 else None)["id"]
           for i in range(5)]
    set_counters(server, ids[0], total_sold=3, rating=100)
    set_counters(server, ids[1], total_sold=3, rating=450)
    set_counters(server, ids[4], total_sold=3)
    expected_order = [ids[1], ids[0], ids[4], ids[2], ids[3]]
    body = listing(server, category=cat["id"], limit=2)
    assert body["count"] == 5
    assert [p["id"] for p in body["results"]] == expected_order[:2]
    assert body["next"] == f"{server.url}{PRODUCTS}?category={cat['id']}&limit=2&offset=2"
    body = listing(server, category=cat["id"], limit=2, offset=4)
    assert [p["id"] for p in body["results"]] == expected_order[4:]
    assert body["previous"] == f"{server.url}{PRODUCTS}?category={cat['id']}&limit=2&offset=2"
    # filters and search together
    body = listing(server, category=cat["id"], store=owner.store_id, is_available="True",
                   search=f"{token.upper()} ITEM")
    assert [p["id"] for p in body["results"]] == [ids[1]]
    body = listing(server, is_available="0", search=token)
    assert [p["id"] for p in body["results"]] == [ids[0], ids[4], ids[2]]
    # search matches the category name and the store brand name too
    assert listing(server, search=cat["name"])["count"] == 5
    brand = owner.store["brand_name"]
    assert [p["id"] for p in listing(server, search=f"{brand.lower()} {token}")["results"]] \
        == [ids[1], ids[0], ids[2]]
    assert listing(server, search=f"{token} _")["count"] == 0
    by_slug = json_body(server.get(f"{PRODUCTS}categories/{cat['slug']}/",
                                   params={"limit": 3}))
    assert [p["id"] for p in by_slug["results"]] == expected_order[:3]
    assert by_slug["count"] == 5
    empty = json_body(server.get(f"{PRODUCTS}categories/no-such-slug/"))
    assert empty == {"count": 0, "next": None, "previous": None, "results": []}


def test_bad_filters_answer_400(server, staff, category):
    r = server.get(PRODUCTS, params={"category": "abc", "is_available": "maybe",
                                     "store": "999999"})
    assert r.status_code == 400
    assert json_body(r) == {"category": BAD_CHOICE, "is_available": ["Must be a valid boolean."],
                            "store": BAD_CHOICE}
    for value in ("999999", "1.0", "-1"):
        r = server.get(PRODUCTS, params={"category": value})
        assert r.status_code == 400 and json_body(r) == {"category": BAD_CHOICE}
    for value in ("true", "False", "1", "0", "yes", "off", "t", "n"):
        assert server.get(PRODUCTS, params={"is_available": value}).status_code == 200
    assert server.get(PRODUCTS, params={"category": f" {category['id']} "}).status_code == 200


def test_list_takes_constant_statements_whatever_the_page(make_server):
    srv = make_server({"SHOPD_DEBUG_QUERIES": "1"})
    staff = Staff(srv)
    cat = make_category(srv, staff)
    owner = Vendor(srv)
    for i in range(25):
        p = make_product(srv, staff, cat["id"], store=owner.store_id if i % 2 else None)
        insert_media(srv, p["id"], f"f{i}.png", 1000)
        insert_media(srv, p["id"], f"g{i}.png", 2000)

    def count(path, **params):
        r = srv.get(path, params=params)
        assert r.status_code == 200, r.text
        return int(r.headers["X-Query-Count"]), json_body(r)

    # the first request counts (count cache miss), the second reuses its count (hit): the
    # version read and the COUNT are one statement, so both cost the same
    small, body = count(PRODUCTS, limit=1)
    assert len(body["results"]) == 1
    big, body = count(PRODUCTS, limit=25)
    assert len(body["results"]) == 25 and all(len(p["media"]) == 2 for p in body["results"])
    assert small == big == 3
    filtered, _ = count(PRODUCTS, limit=25, category=cat["id"], store=owner.store_id,
                        is_available="true", search="product")
    assert filtered == 5  # two filter lookups, then the same three
    assert count(f"{PRODUCTS}categories/{cat['slug']}/", limit=25)[0] == 4
    assert count(f"/api/v1/categories/{cat['slug']}/")[0] == 3
    # the detail does not grow with variants either
    p = make_product(srv, staff, cat["id"], is_standalone=False)
    one, _ = count(f"{PRODUCTS}{p['id']}/")
    for i in range(6):
        make_variant(srv, staff, p["id"], attributes=[{"attribute": "A", "value": str(i)},
                                                      {"attribute": "B", "value": "x"}])
    many, body = count(f"{PRODUCTS}{p['id']}/")
    assert len(body["variants"]) == 6
    assert one == 4 and many == 5  # no variants: their attribute query is skipped
    # after a write the next list counts again, still in the same statements
    assert count(PRODUCTS, limit=1)[0] == 3


def test_list_counts_follow_every_write(server, staff, vendor):
    """Counts come from an in-process cache checked against the catalogue version, which
    database triggers move: every write that changes a list shows in the next count, on
    every filter, whatever made it (API, variants, a statement straight in the database)."""
    cat, other = make_category(server, staff), make_category(server, staff)
    token = unique("cq")

    def counts():
        return (listing(server, category=cat["id"])["count"],
                listing(server, category=cat["id"], is_available="true")["count"],
                listing(server, category=other["id"])["count"],
                listing(server, store=vendor.store_id, search=token)["count"],
                listing(server)["count"])

    base = listing(server)["count"]
    assert counts() == (0, 0, 0, 0, base)
    a = make_product(server, staff, cat["id"], name=f"{token} a", total_stock_level=3)
    b = make_product(server, vendor, cat["id"], name=f"{token} b", total_stock_level=2)
    assert counts() == (2, 2, 0, 1, base + 2)
    # stock to 0 through the product's standalone variant: no longer available
    r = server.patch(f"{PRODUCTS}{a['id']}/", json={"total_stock_level": 0},
                     headers=staff.auth)
    assert r.status_code == 200, r.text
    assert counts() == (2, 1, 0, 1, base + 2)
    # the category changes
    r = server.patch(f"{PRODUCTS}{b['id']}/", json={"category": other["id"]},
                     headers=vendor.auth)
    assert r.status_code == 200, r.text
    assert counts() == (1, 0, 1, 1, base + 2)
    # a staff member moves it out of the store; a rename takes it out of the search
    r = server.patch(f"{PRODUCTS}{a['id']}/", json={"store": vendor.store_id},
                     headers=staff.auth)
    assert r.status_code == 200, r.text
    assert counts() == (1, 0, 1, 2, base + 2)
    r = server.patch(f"{PRODUCTS}{a['id']}/", json={"name": unique("renamed")},
                     headers=staff.auth)
    assert r.status_code == 200, r.text
    assert counts() == (1, 0, 1, 1, base + 2)
    # deactivated
    assert server.delete(f"{PRODUCTS}{b['id']}/", headers=vendor.auth).status_code == 204
    assert counts() == (1, 0, 0, 0, base + 1)
    # a variant's stock and activity move availability through the derived total
    c = make_product(server, staff, cat["id"], is_standalone=False)
    assert counts() == (2, 0, 0, 0, base + 2)
    v = make_variant(server, staff, c["id"], stock_level=4)
    assert counts() == (2, 1, 0, 0, base + 2)
    r = server.patch(f"{PRODUCTS}{c['id']}/variants/{v['id']}/", json={"stock_level": 0},
                     headers=staff.auth)
    assert r.status_code == 200, r.text
    assert counts() == (2, 0, 0, 0, base + 2)
    # a write no shopd code path made (an operator's statement) counts as well
    db_query(server, "UPDATE products SET is_active = FALSE WHERE id = ?", (c["id"],))
    assert counts() == (1, 0, 0, 0, base + 1)
