"""API.md §4: the store list and detail (with product_set), creation (one store per
customer, the caller becomes a vendor), slugs that follow the brand name, owner-only
update, owner-or-staff deactivation (also through the owner's account deactivation),
following, and the BOLA / mass-assignment cases of SECURITY.md."""
import pytest

from helpers import (FORBIDDEN, NOT_AUTHENTICATED, NOT_FOUND, REQUIRED, assert_401,
                     create_staff, json_body, new_customer, unique)
from store_rows import insert_product, is_vendor, product_active, store_id_of

STORES = "/api/v1/stores/"
STORE_KEYS = ["id", "url", "brand_name", "about", "products_sold", "owner", "followers"]
BRAND_TAKEN = {"brand_name": ["store with this brand name already exists."]}
ALREADY = {"error": "You already own a store"}


@pytest.fixture(scope="module")
def staff(server):
    return create_staff(server)[1]


def auth(token):
    return {"Authorization": f"Bearer {token}"}


def brand(prefix="Brand"):
    return unique(prefix + " ")


def create(server, who, **body):
    body.setdefault("brand_name", brand())
    body.setdefault("about", "We sell things.")
    return server.post(STORES, json=body, headers=who.auth)


def make_store(server, who=None, **body):
    """A customer with a store: (customer, store object)."""
    who = who or new_customer(server)
    r = create(server, who, **body)
    assert r.status_code == 201, (r.status_code, r.text)
    return who, json_body(r)


def path(store):
    return STORES + store["url"].rstrip("/").rsplit("/", 1)[1] + "/"


def expected(server, store_id, slug, brand_name, about, owner, sold=0, followers=()):
    return {"id": store_id, "url": f"{server.url}{STORES}{slug}/", "brand_name": brand_name,
            "about": about, "products_sold": sold, "owner": owner,
            "followers": list(followers)}


# --- create -------------------------------------------------------------------------

def test_create_answers_the_store_and_makes_the_caller_a_vendor(server):
    who = new_customer(server)
    assert not is_vendor(server, who.id)
    r = create(server, who, brand_name="  Élan Vital Goods  ", about="Hand-made.")
    assert r.status_code == 201, r.text
    body = json_body(r)
    assert list(body) == STORE_KEYS
    assert body == expected(server, body["id"], "elan-vital-goods", "Élan Vital Goods",
                            "Hand-made.", who.id)
    assert is_vendor(server, who.id)
    assert json_body(server.get(path(body))) == dict(body, product_set=[])


def test_create_needs_authentication(server):
    r = server.post(STORES, json={"brand_name": brand(), "about": "x"})
    assert_401(r, NOT_AUTHENTICATED)


def test_create_validates_fields(server):
    who = new_customer(server)
    r = server.post(STORES, json={}, headers=who.auth)
    assert r.status_code == 400
    assert json_body(r) == {"brand_name": REQUIRED, "about": REQUIRED}
    r = server.post(STORES, json={"brand_name": "", "about": " "}, headers=who.auth)
    assert json_body(r) == {"brand_name": ["This field may not be blank."],
                            "about": ["This field may not be blank."]}
    r = server.post(STORES, json={"brand_name": "x" * 51, "about": "a"}, headers=who.auth)
    assert json_body(r) == {"brand_name": ["Ensure this field has no more than 50 characters."]}
    r = server.post(STORES, json={"brand_name": None, "about": ["a"]}, headers=who.auth)
    assert json_body(r) == {"brand_name": ["This field may not be null."],
                            "about": ["Not a valid string."]}
    # 50 characters (not bytes) are fine
    r = create(server, who, brand_name="é" * 40 + unique(""))
    assert r.status_code == 201, r.text


def test_create_form_encoded(server):
    who = new_customer(server)
    name = brand("Form")
    r = server.post(STORES, data={"brand_name": name, "about": "form"}, headers=who.auth)
    assert r.status_code == 201, r.text
    assert json_body(r)["brand_name"] == name


def test_one_store_per_customer(server):
    who, _ = make_store(server)
    r = create(server, who)
    assert r.status_code == 400
    assert json_body(r) == ALREADY
    # checked before the body
    r = server.post(STORES, json={}, headers=who.auth)
    assert json_body(r) == ALREADY


def test_brand_name_is_unique(server):
    _, store = make_store(server)
    other = new_customer(server)
    r = create(server, other, brand_name=store["brand_name"])
    assert r.status_code == 400
    assert json_body(r) == BRAND_TAKEN
    # exact comparison, as the original's unique constraint: another case is another name
    r = create(server, other, brand_name=store["brand_name"].upper())
    assert r.status_code == 201, r.text


def test_slug_clashes_get_a_number(server):
    base = unique("Twin ")
    slug = base.lower().replace(" ", "-")
    _, a = make_store(server, brand_name=base)
    _, b = make_store(server, brand_name=base + "!")
    _, c = make_store(server, brand_name=" " + base + "?")
    assert a["url"].endswith(f"/{slug}/")
    assert b["url"].endswith(f"/{slug}-2/")
    assert c["url"].endswith(f"/{slug}-3/")


def test_create_ignores_mass_assignment(server):
    who = new_customer(server)
    other = new_customer(server)
    r = create(server, who, owner=other.id, products_sold=99, followers=[other.id],
               id=424242, slug="chosen", url="http://evil/", is_active=False)
    assert r.status_code == 201, r.text
    body = json_body(r)
    assert body["owner"] == who.id
    assert body["products_sold"] == 0
    assert body["followers"] == []
    assert body["id"] != 424242
    assert "chosen" not in body["url"]
    assert server.get(path(body)).status_code == 200
    assert not is_vendor(server, other.id)


# --- list and detail ----------------------------------------------------------------

def test_list_is_paginated_by_id_and_public(make_server):
    srv = make_server({"SHOPD_DEBUG_QUERIES": "1"})
    who = [new_customer(srv) for _ in range(3)]
    stores = [make_store(srv, w)[1] for w in who]
    r = srv.get(STORES)
    assert r.status_code == 200
    body = json_body(r)
    assert body == {"count": 3, "next": None, "previous": None, "results": stores}
    r = srv.get(STORES + "?limit=2&offset=1")
    body = json_body(r)
    assert body["count"] == 3
    assert body["results"] == stores[1:]
    assert body["previous"] == f"{srv.url}{STORES}?limit=2"
    assert body["next"] is None
    body = json_body(srv.get(STORES + "?limit=1"))
    assert body["next"] == f"{srv.url}{STORES}?limit=1&offset=1"
    assert body["results"] == stores[:1]
    assert "product_set" not in body["results"][0]
    # a fixed number of statements whatever the page size (no query per store)
    counts = {n: srv.get(STORES + f"?limit={n}").headers["X-Query-Count"] for n in (1, 3)}
    assert counts[1] == counts[3], counts
    # deactivated stores leave the list
    assert srv.delete(path(stores[1]), headers=who[1].auth).status_code == 204
    body = json_body(srv.get(STORES))
    assert body["count"] == 2
    assert [s["id"] for s in body["results"]] == [stores[0]["id"], stores[2]["id"]]


def test_detail_has_product_set_of_active_products(server):
    who, store = make_store(server)
    sid = store["id"]
    p1 = insert_product(server, store_id=sid, total_sold=3)
    p2 = insert_product(server, store_id=sid, total_sold=4)
    gone = insert_product(server, store_id=sid, total_sold=5, active=False)
    insert_product(server, total_sold=100)  # another store's / no store
    r = server.get(path(store))
    assert r.status_code == 200
    body = json_body(r)
    assert list(body) == STORE_KEYS + ["product_set"]
    # products_sold counts every product the store has sold, inactive ones included
    assert body["products_sold"] == 12
    ids = [p["id"] for p in body["product_set"]]
    assert ids == [p2, p1]  # list order: most sold first
    assert gone not in ids
    for p in body["product_set"]:
        assert p["store"] == store["url"]
        assert p["is_active"] is True
    listed = [s for s in json_body(server.get(STORES + "?limit=100"))["results"]
              if s["id"] == sid]
    assert listed[0]["products_sold"] == 12


def test_detail_unknown_slug_is_404(server):
    r = server.get(STORES + "no-such-store-" + unique("") + "/")
    assert r.status_code == 404
    assert json_body(r) == NOT_FOUND
    assert server.get(STORES + "bad.slug/").status_code == 404


def test_methods(server):
    who, store = make_store(server)
    r = server.patch(path(store), json={"about": "x"}, headers=who.auth)
    assert r.status_code == 405
    assert r.headers["Allow"] == "GET, PUT, DELETE, HEAD, OPTIONS"
    r = server.get(path(store) + "follow_store/", headers=who.auth)
    assert r.status_code == 405
    assert r.headers["Allow"] == "POST, OPTIONS"
    r = server.delete(STORES, headers=who.auth)
    assert r.status_code == 405
    assert r.headers["Allow"] == "GET, POST, HEAD, OPTIONS"


# --- update ---------------------------------------------------------------------------

def test_owner_updates_and_the_slug_follows(server):
    who, store = make_store(server, about="old")
    new = brand("Renamed")
    r = server.put(path(store), json={"brand_name": new}, headers=who.auth)
    assert r.status_code == 200, r.text
    body = json_body(r)
    slug = new.lower().replace(" ", "-")
    assert body == expected(server, store["id"], slug, new, "old", who.id)
    assert server.get(path(store)).status_code == 404
    assert server.get(path(body)).status_code == 200
    # about only: the slug stays
    r = server.put(path(body), json={"about": "new words"}, headers=who.auth)
    assert json_body(r) == dict(body, about="new words")
    # an empty body changes nothing
    r = server.put(path(body), json={}, headers=who.auth)
    assert json_body(r) == dict(body, about="new words")
    # the same name again keeps the slug (no -2 against itself)
    r = server.put(path(body), json={"brand_name": new}, headers=who.auth)
    assert json_body(r)["url"] == body["url"]


def test_update_validates(server):
    who, store = make_store(server)
    _, other = make_store(server)
    r = server.put(path(store), json={"brand_name": other["brand_name"]}, headers=who.auth)
    assert r.status_code == 400
    assert json_body(r) == BRAND_TAKEN
    r = server.put(path(store), json={"brand_name": "", "about": "x" * 10}, headers=who.auth)
    assert json_body(r) == {"brand_name": ["This field may not be blank."]}
    r = server.put(path(store), json={"brand_name": "y" * 51}, headers=who.auth)
    assert json_body(r) == {"brand_name": ["Ensure this field has no more than 50 characters."]}


def test_update_is_owner_only(server, staff):
    who, store = make_store(server)
    other = new_customer(server)
    r = server.put(path(store), json={"about": "mine now"}, headers=other.auth)
    assert r.status_code == 403
    assert json_body(r) == FORBIDDEN
    r = server.put(path(store), json={"about": "staff"}, headers=auth(staff))
    assert r.status_code == 403
    assert_401(server.put(path(store), json={"about": "anon"}), NOT_AUTHENTICATED)
    assert json_body(server.get(path(store)))["about"] == store["about"]


def test_update_ignores_mass_assignment(server):
    who, store = make_store(server)
    other = new_customer(server)
    r = server.put(path(store), json={"owner": other.id, "products_sold": 5,
                                      "followers": [other.id], "id": 1, "about": "ok"},
                   headers=who.auth)
    assert r.status_code == 200
    assert json_body(r) == dict(store, about="ok")


# --- delete ---------------------------------------------------------------------------

def test_owner_deletes_and_everything_follows(server):
    who, store = make_store(server)
    sid = store["id"]
    prod = insert_product(server, store_id=sid)
    other = new_customer(server)
    r = server.delete(path(store), headers=other.auth)
    assert r.status_code == 403
    assert json_body(r) == FORBIDDEN
    assert_401(server.delete(path(store)), NOT_AUTHENTICATED)
    r = server.delete(path(store), headers=who.auth)
    assert r.status_code == 204
    assert r.content == b""
    assert not is_vendor(server, who.id)
    assert not product_active(server, prod)
    for method in ("get", "put", "delete"):
        r = getattr(server, method)(path(store), headers=who.auth)
        assert r.status_code == 404
        assert json_body(r) == NOT_FOUND
    assert server.post(path(store) + "follow_store/", headers=other.auth).status_code == 404
    # its brand name stays taken; the owner may open a new store
    r = create(server, other, brand_name=store["brand_name"])
    assert json_body(r) == BRAND_TAKEN
    _, again = make_store(server, who)
    assert again["id"] != sid
    assert is_vendor(server, who.id)


def test_staff_deletes_any_store(server, staff):
    who, store = make_store(server)
    r = server.delete(path(store), headers=auth(staff))
    assert r.status_code == 204
    assert server.get(path(store)).status_code == 404
    assert not is_vendor(server, who.id)


def test_deactivating_the_owner_deactivates_the_store(server):
    who, store = make_store(server)
    prod = insert_product(server, store_id=store["id"])
    r = server.delete(who.path, headers=who.auth)
    assert r.status_code == 204
    assert server.get(path(store)).status_code == 404
    assert not product_active(server, prod)
    assert not is_vendor(server, who.id)
    ids = [s["id"] for s in json_body(server.get(STORES + "?limit=100"))["results"]]
    assert store["id"] not in ids


# --- following ------------------------------------------------------------------------

def test_follow_and_unfollow_are_idempotent(server):
    _, store = make_store(server)
    a, b = new_customer(server), new_customer(server)
    follow, unfollow = path(store) + "follow_store/", path(store) + "unfollow_store/"
    ok = {"success": f"You now follow {store['brand_name']}"}
    bye = {"success": f"You unfollowed {store['brand_name']}"}
    for who in (b, a, b):
        r = server.post(follow, headers=who.auth)
        assert r.status_code == 200
        assert json_body(r) == ok
    assert json_body(server.get(path(store)))["followers"] == sorted([a.id, b.id])
    listed = [s for s in json_body(server.get(STORES + "?limit=100"))["results"]
              if s["id"] == store["id"]]
    assert listed[0]["followers"] == sorted([a.id, b.id])
    for _ in range(2):
        r = server.post(unfollow, headers=a.auth)
        assert r.status_code == 200
        assert json_body(r) == bye
    assert json_body(server.get(path(store)))["followers"] == [b.id]
    # never followed: still fine
    assert json_body(server.post(unfollow, headers=new_customer(server).auth)) == bye


def test_follow_needs_authentication_and_a_store(server):
    _, store = make_store(server)
    assert_401(server.post(path(store) + "follow_store/"), NOT_AUTHENTICATED)
    assert_401(server.post(path(store) + "unfollow_store/"), NOT_AUTHENTICATED)
    who = new_customer(server)
    r = server.post(STORES + "nope-" + unique("") + "/follow_store/", headers=who.auth)
    assert r.status_code == 404
    assert json_body(r) == NOT_FOUND


def test_followers_of_several_stores_on_one_page(make_server):
    srv = make_server()
    stores = [make_store(srv)[1] for _ in range(3)]
    fans = [new_customer(srv) for _ in range(3)]
    # store 0: fans 2, 0; store 1: none; store 2: fan 1
    for s, f in ((0, 2), (0, 0), (2, 1)):
        assert srv.post(path(stores[s]) + "follow_store/", headers=fans[f].auth).status_code == 200
    body = json_body(srv.get(STORES))
    assert [s["followers"] for s in body["results"]] == [
        sorted([fans[0].id, fans[2].id]), [], [fans[1].id]]
    body = json_body(srv.get(STORES + "?offset=1&limit=1"))
    assert body["results"][0]["followers"] == []
