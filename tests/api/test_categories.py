"""API.md §3.1: the category list (paginated, by name case-insensitively, search), the
detail with its product_set, and staff-only create / update / delete with their
uniqueness and slug rules; customers and vendors get 403, anonymous callers 401."""
import pytest

from catalogue_helpers import (CATEGORIES, CATEGORY_KEYS, PRODUCT_KEYS, Staff, Vendor,
                               make_category, make_product, set_counters)
from helpers import (FORBIDDEN, NOT_AUTHENTICATED, NOT_FOUND, REQUIRED, assert_401,
                     json_body, new_customer, unique)

NAME_TAKEN = {"name": ["category with this name already exists."]}
SLUG_TAKEN = {"slug": ["category with this slug already exists."]}
BAD_SLUG = ["Enter a valid \u201cslug\u201d consisting of letters, numbers, underscores or "
            "hyphens."]


@pytest.fixture(scope="module")
def staff(server):
    return Staff(server)


def test_create_answers_the_category_with_a_slug_from_the_name(server, staff):
    token = unique("t")
    r = server.post(CATEGORIES, json={"name": f"  Café Crème {token} "}, headers=staff.auth)
    assert r.status_code == 201, r.text
    body = json_body(r)
    assert list(body) == CATEGORY_KEYS
    assert body["name"] == f"Café Crème {token}"
    assert body["slug"] == f"cafe-creme-{token}"
    assert json_body(server.get(CATEGORIES + body["slug"] + "/"))["id"] == body["id"]


def test_slug_clashes_get_numbered(server, staff):
    token = unique("clash")
    first = make_category(server, staff, f"{token} Shoes")
    second = make_category(server, staff, f"{token} Shoes!")
    third = make_category(server, staff, f"{token}   shoes?")
    assert first["slug"] == f"{token}-shoes"
    assert second["slug"] == f"{token}-shoes-2"
    assert third["slug"] == f"{token}-shoes-3"


def test_given_slug_is_kept_validated_and_unique(server, staff):
    slug = unique("given-")
    body = make_category(server, staff, slug=slug)
    assert body["slug"] == slug
    r = server.post(CATEGORIES, json={"name": unique("Other "), "slug": slug},
                    headers=staff.auth)
    assert r.status_code == 400 and json_body(r) == SLUG_TAKEN
    r = server.post(CATEGORIES, json={"name": unique("Other "), "slug": "no spaces!"},
                    headers=staff.auth)
    assert r.status_code == 400 and json_body(r) == {"slug": BAD_SLUG}


def test_name_is_unique_case_insensitively_and_required(server, staff):
    name = unique("Garden ")
    make_category(server, staff, name)
    r = server.post(CATEGORIES, json={"name": name.upper()}, headers=staff.auth)
    assert r.status_code == 400 and json_body(r) == NAME_TAKEN
    r = server.post(CATEGORIES, json={}, headers=staff.auth)
    assert r.status_code == 400 and json_body(r) == {"name": REQUIRED}
    r = server.post(CATEGORIES, json={"name": "x" * 51}, headers=staff.auth)
    assert json_body(r) == {"name": ["Ensure this field has no more than 50 characters."]}


def test_writes_are_staff_only(server, staff):
    cat = make_category(server, staff)
    path = CATEGORIES + cat["slug"] + "/"
    customer = new_customer(server)
    vendor = Vendor(server)
    for who in (customer, vendor):
        for method, url in (("POST", CATEGORIES), ("PUT", path), ("DELETE", path)):
            r = server.request(method, url, json={"name": unique("N ")}, headers=who.auth)
            assert r.status_code == 403 and json_body(r) == FORBIDDEN, (method, r.text)
    for method, url in (("POST", CATEGORIES), ("PUT", path), ("DELETE", path)):
        assert_401(server.request(method, url, json={"name": "x"}), NOT_AUTHENTICATED)
    assert json_body(server.get(path))["name"] == cat["name"]


def test_list_is_paginated_by_name_case_insensitively_with_search(server, staff):
    token = unique("srt")
    names = [f"banana {token}", f"Apple {token}", f"cherry {token}", f"Bandana {token}"]
    made = {n: make_category(server, staff, n) for n in names}
    r = server.get(CATEGORIES, params={"search": token, "limit": 3})
    body = json_body(r)
    assert body["count"] == 4
    assert [c["name"] for c in body["results"]] == [f"Apple {token}", f"banana {token}",
                                                     f"Bandana {token}"]
    assert body["next"] == f"{server.url}{CATEGORIES}?limit=3&offset=3&search={token}"
    assert body["previous"] is None
    assert list(body["results"][0]) == CATEGORY_KEYS
    last = json_body(server.get(CATEGORIES, params={"search": token, "limit": 3,
                                                     "offset": 3}))
    assert [c["id"] for c in last["results"]] == [made[f"cherry {token}"]["id"]]
    # every term must match, case-insensitively; % and _ are literal
    both = json_body(server.get(CATEGORIES, params={"search": f"{token.upper()},  BAN"}))
    assert [c["name"] for c in both["results"]] == [f"banana {token}", f"Bandana {token}"]
    assert json_body(server.get(CATEGORIES, params={"search": f"{token} %"}))["count"] == 0


def test_detail_has_the_active_products_in_list_order(server, staff):
    cat = make_category(server, staff)
    low = make_product(server, staff, cat["id"])
    high = make_product(server, staff, cat["id"])
    gone = make_product(server, staff, cat["id"])
    set_counters(server, high["id"], total_sold=5)
    assert server.delete(f"/api/v1/products/{gone['id']}/", headers=staff.auth).status_code == 204
    body = json_body(server.get(CATEGORIES + cat["slug"] + "/"))
    assert list(body) == CATEGORY_KEYS + ["product_set"]
    assert [p["id"] for p in body["product_set"]] == [high["id"], low["id"]]
    assert list(body["product_set"][0]) == PRODUCT_KEYS
    assert body["product_set"][0]["category"] == cat["name"]
    r = server.get(CATEGORIES + "no-such-category/")
    assert r.status_code == 404 and json_body(r) == NOT_FOUND


def test_update_renames_and_the_slug_follows_unless_given(server, staff):
    cat = make_category(server, staff)
    path = CATEGORIES + cat["slug"] + "/"
    new_name = unique("Renamed ")
    r = server.put(path, json={"name": new_name}, headers=staff.auth)
    assert r.status_code == 200, r.text
    body = json_body(r)
    assert body == {"id": cat["id"], "name": new_name, "slug": new_name.lower().replace(" ", "-")}
    assert server.get(path).status_code == 404
    path = CATEGORIES + body["slug"] + "/"
    # the same name keeps the slug; a given slug wins
    r = server.put(path, json={"name": new_name}, headers=staff.auth)
    assert json_body(r)["slug"] == body["slug"]
    slug = unique("mine-")
    r = server.put(path, json={"name": unique("Again "), "slug": slug}, headers=staff.auth)
    assert json_body(r)["slug"] == slug


def test_update_checks_uniqueness_against_others_only(server, staff):
    a = make_category(server, staff)
    b = make_category(server, staff)
    path = CATEGORIES + b["slug"] + "/"
    r = server.put(path, json={"name": a["name"].lower()}, headers=staff.auth)
    assert r.status_code == 400 and json_body(r) == NAME_TAKEN
    r = server.put(path, json={"name": b["name"], "slug": a["slug"]}, headers=staff.auth)
    assert r.status_code == 400 and json_body(r) == SLUG_TAKEN
    r = server.put(path, json={"name": b["name"].upper(), "slug": b["slug"]},
                   headers=staff.auth)
    assert r.status_code == 200 and json_body(r)["name"] == b["name"].upper()
    r = server.put(CATEGORIES + "missing-category/", json={"name": "x"}, headers=staff.auth)
    assert r.status_code == 404


def test_delete_refuses_categories_with_products_even_inactive(server, staff):
    cat = make_category(server, staff)
    path = CATEGORIES + cat["slug"] + "/"
    product = make_product(server, staff, cat["id"])
    server.delete(f"/api/v1/products/{product['id']}/", headers=staff.auth)
    r = server.delete(path, headers=staff.auth)
    assert r.status_code == 400 and json_body(r) == {"error": "Category has products"}
    empty = make_category(server, staff)
    path = CATEGORIES + empty["slug"] + "/"
    r = server.delete(path, headers=staff.auth)
    assert r.status_code == 204 and r.content == b""
    assert server.get(path).status_code == 404
    assert server.delete(path, headers=staff.auth).status_code == 404


def test_unlisted_methods_are_405(server, staff):
    r = server.patch(CATEGORIES, json={}, headers=staff.auth)
    assert r.status_code == 405
    assert r.headers["Allow"] == "GET, POST, HEAD, OPTIONS"
    cat = make_category(server, staff)
    r = server.post(CATEGORIES + cat["slug"] + "/", json={}, headers=staff.auth)
    assert r.status_code == 405
    assert r.headers["Allow"] == "GET, PUT, DELETE, HEAD, OPTIONS"
