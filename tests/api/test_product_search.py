"""API.md §0.3 and §3.2: product search. Terms split on whitespace and commas; every term
must match, as a substring after Unicode simple case folding, the product name, the
category name or the store brand name; % and _ are literal. Covers terms across fields
(each term in one field, never spanning two), short terms (no trigram index), non-ASCII
folding, renames of the category and the store, both page plans (walking the list order
and sorting the index's matches, chosen by the count), a constant number of statements,
and a model of the rules checked against the server — and, when a PostgreSQL URL is
given, the same answers from SQLite and PostgreSQL."""
import random
import subprocess
import uuid

import pytest

from catalogue_helpers import CATEGORIES, PRODUCTS, Staff, Vendor, make_category, make_product
from conftest import PG_URL
from helpers import json_body, new_customer

STORES = "/api/v1/stores/"


@pytest.fixture(scope="module")
def staff(server):
    return Staff(server)


def search(server, terms, **params):
    r = server.get(PRODUCTS, params={"search": terms, "limit": 100, **params})
    assert r.status_code == 200, r.text
    body = json_body(r)
    assert body["count"] == len(body["results"])  # every test here fits in one page
    return [p["name"] for p in body["results"]]


def token():
    """A word no other product, category or brand contains, of letters that the short
    terms of these tests (d, k, q, x, y, z, ...) do not use."""
    return "".join("bcfghjlmnprstuvw"[int(c, 16)] for c in uuid.uuid4().hex[:12])


def store_of(server, brand):
    """A vendor with a store named brand: (customer, store object)."""
    who = new_customer(server)
    r = server.post(STORES, json={"brand_name": brand, "about": "x"}, headers=who.auth)
    assert r.status_code == 201, r.text
    return who, json_body(r)


def store_path(store):
    return STORES + store["url"].rstrip("/").rsplit("/", 1)[1] + "/"


# --- the rules --------------------------------------------------------------------------

def test_terms_may_match_different_fields_but_all_must_match(server, staff):
    t = token()
    _, store = store_of(server, f"Brand {t}Acme")
    cat = make_category(server, staff, f"Cat {t}Garden")
    make_product(server, staff, cat["id"], name=f"{t}Lamp one", store=store["id"])
    make_product(server, staff, cat["id"], name=f"{t}Lamp two")
    # name and brand, name and category, all three
    assert search(server, f"{t}lamp {t}ACME") == [f"{t}Lamp one"]
    assert search(server, f"{t}garden,{t}lamp") == [f"{t}Lamp one", f"{t}Lamp two"]
    assert search(server, f"{t}lamp, {t}garden {t}acme") == [f"{t}Lamp one"]
    # one term matching nothing empties the result
    assert search(server, f"{t}lamp {t}nothing") == []
    assert search(server, f"{t}lamp zz{t}") == []


def test_a_term_never_spans_two_fields(server, staff):
    t = token()
    _, store = store_of(server, f"Ybrand{t}")
    cat = make_category(server, staff, f"Xcat{t}")
    make_product(server, staff, cat["id"], name=f"{t}prod", store=store["id"])
    # each field alone matches ...
    assert search(server, f"{t}prod") == [f"{t}prod"]
    assert search(server, f"xcat{t}") == [f"{t}prod"]
    # ... a term made of the end of one field and the start of the next does not,
    # whatever its length (trigram index or not), nor does one with the separator
    assert search(server, f"{t}prodxcat") == []
    assert search(server, f"{t}ybrand") == []
    assert search(server, f"{t} dx") == []  # "...prod" then "xcat..."
    assert search(server, f"{t} {t[-1]}y") == []  # "...<t>" then "ybrand..."
    assert search(server, f"{t}\x1fprod") == [f"{t}prod"]  # U+001F separates terms


def test_percent_and_underscore_are_literal(server, staff):
    t = token()
    cat = make_category(server, staff)
    for name in (f"{t} 50% off", f"{t} 50x off", f"{t} a_b", f"{t} axb", f"{t} back\\slash",
                 f'{t} say "hi" now', f"{t} say hi* now"):
        make_product(server, staff, cat["id"], name=name)
    assert search(server, f"{t} 50%") == [f"{t} 50% off"]
    assert search(server, f"{t} %") == [f"{t} 50% off"]
    assert search(server, f"{t} a_b") == [f"{t} a_b"]
    assert search(server, f"{t} _") == [f"{t} a_b"]
    assert search(server, f"{t} 0%_o") == []
    assert search(server, f"{t} k\\s") == [f"{t} back\\slash"]
    assert search(server, f"{t} \\") == [f"{t} back\\slash"]
    # nor are the trigram index's query characters (quotes, '*')
    assert search(server, f'{t} "hi"') == [f'{t} say "hi" now']
    assert search(server, f'{t} hi"') == [f'{t} say "hi" now']
    assert search(server, f"{t} hi*") == [f"{t} say hi* now"]
    assert search(server, f"{t} hi") == [f'{t} say "hi" now', f"{t} say hi* now"]


def test_non_ascii_terms_fold_as_unicode_simple_case_folding(server, staff):
    t = token()
    cat = make_category(server, staff)
    names = [f"{t} éclair", f"{t} \u212Aelvin", f"{t} kettle", f"{t} straße", f"{t} ΣΟΦΙΑ"]
    for name in names:
        make_product(server, staff, cat["id"], name=name)
    assert search(server, f"{t} ÉCLAIR") == [f"{t} éclair"]
    assert search(server, f"{t} Éc") == [f"{t} éclair"]  # a short term
    # KELVIN SIGN folds to k, both in names and in terms
    assert search(server, f"{t} kelvin") == [f"{t} \u212Aelvin"]
    assert search(server, f"{t} \u212AETTLE") == [f"{t} kettle"]
    assert search(server, f"{t} \u212A") == [f"{t} \u212Aelvin", f"{t} kettle"]
    # simple folding: ẞ is ß, but ß is not "ss"
    assert search(server, f"{t} STRAẞE") == [f"{t} straße"]
    assert search(server, f"{t} strasse") == []
    assert search(server, f"{t} σοφία") == []  # the accent is a different letter
    assert search(server, f"{t} σοφια") == [f"{t} ΣΟΦΙΑ"]


def test_one_and_two_character_terms(server, staff):
    t = token()
    cat = make_category(server, staff)
    for name in (f"{t} Qz", f"{t} qa", f"{t} zq", f"{t} ꙮ"):
        make_product(server, staff, cat["id"], name=name)
    assert search(server, f"{t} q") == [f"{t} Qz", f"{t} qa", f"{t} zq"]
    assert search(server, f"{t},QZ") == [f"{t} Qz"]
    assert search(server, f"{t} z q") == [f"{t} Qz", f"{t} zq"]
    assert search(server, "ꙮ") == [f"{t} ꙮ"]  # only short terms: no index can help
    assert search(server, "ꙮ ꙮ") == [f"{t} ꙮ"]
    assert search(server, f"{t} ꙮꙮ") == []


def test_search_follows_category_and_store_renames(server, staff):
    t, old, new = token(), token(), token()
    who, store = store_of(server, f"Store {old}")
    cat = make_category(server, staff, f"Cat {old}")
    make_product(server, staff, cat["id"], name=f"{t} thing", store=store["id"])
    make_product(server, staff, cat["id"], name=f"{t} other")
    assert search(server, old) == [f"{t} thing", f"{t} other"]
    r = server.put(f"{CATEGORIES}{cat['slug']}/", json={"name": f"Kat {new}"},
                   headers=staff.auth)
    assert r.status_code == 200, r.text
    assert search(server, f"kat {new}") == [f"{t} thing", f"{t} other"]
    assert search(server, f"cat {old}") == []
    assert search(server, old) == [f"{t} thing"]  # still the store's brand
    r = server.put(store_path(store), json={"brand_name": f"Shop {new}"}, headers=who.auth)
    assert r.status_code == 200, r.text
    assert search(server, old) == []
    assert search(server, f"shop {new}") == [f"{t} thing"]
    assert search(server, f"{new} {t}") == [f"{t} thing", f"{t} other"]


def test_search_follows_product_writes(server, staff):
    t = token()
    vendor = Vendor(server)
    cat, other = make_category(server, staff), make_category(server, staff, f"Other {t}")
    p = make_product(server, vendor, cat["id"], name=f"{t} first")
    brand = vendor.store["brand_name"]
    assert search(server, f"{t} {brand}") == [f"{t} first"]
    r = server.patch(f"{PRODUCTS}{p['id']}/", json={"name": f"{t} renamed",
                                                    "category": other["id"]},
                     headers=vendor.auth)
    assert r.status_code == 200, r.text
    assert search(server, f"{t} first") == []
    assert search(server, f"{t} renamed {brand} other") == [f"{t} renamed"]
    r = server.delete(f"{PRODUCTS}{p['id']}/", headers=vendor.auth)
    assert r.status_code == 204
    assert search(server, f"{t} renamed") == []


def test_search_with_filters_and_pages(server, staff):
    t = token()
    vendor = Vendor(server)
    cat = make_category(server, staff)
    names = [f"{t} item {i:02d}" for i in range(12)]
    for i, name in enumerate(names):
        make_product(server, staff, cat["id"], name=name, total_stock_level=i % 2,
                     store=vendor.store_id if i % 3 == 0 else None)
    assert search(server, f"{t} item") == names
    assert search(server, f"{t} item", is_available="true") == names[1::2]
    assert search(server, f"{t} item", store=vendor.store_id) == names[::3]
    assert search(server, f"{t} item", store=vendor.store_id, category=cat["id"],
                  is_available="false") == [names[0], names[6]]
    # pages of every size give the same order (small pages walk the list order, large
    # ones sort the matches: see catalogue_store.c)
    for limit in (1, 2, 5):
        got = []
        for offset in range(0, 14, limit):
            r = server.get(PRODUCTS, params={"search": f"{t} item", "limit": limit,
                                             "offset": offset})
            body = json_body(r)
            assert body["count"] == 12
            got += [p["name"] for p in body["results"]]
        assert got == names


def test_search_costs_the_same_statements_whatever_the_terms(make_server):
    srv = make_server({"SHOPD_DEBUG_QUERIES": "1"})
    staff = Staff(srv)
    cat = make_category(srv, staff)
    for i in range(6):
        make_product(srv, staff, cat["id"], name=f"Lantern {i} q_")
    for terms in ("lantern", "la", "lantern 1", "q_ lantern 2", "lan ter n", "a n t e r n",
                  "lantern,LANTERN, lantern 3 q", "nothing"):
        for limit in (1, 100):
            r = srv.get(PRODUCTS, params={"search": terms, "limit": limit})
            assert r.status_code == 200, r.text
            expected = 3 if json_body(r)["count"] else 1  # no page when nothing matches
            assert int(r.headers["X-Query-Count"]) == expected, (terms, limit)


# --- a model of the rules ---------------------------------------------------------------

FIELDS = [  # (category, brand or None, product names)
    ("Garden Tools", "Acme Works", ["Rake 50% Off", "Hoe_Deluxe", "Spade"]),
    ("Kitchen", None, ["Éclair Mould", "\u212Aettle Black", "Tea Pot", "Pan_50"]),
    ("Workshop", "Bolt & Nut", ["Drill Press", "Lathe", "ΣΑΝΔΑΛΙ box"]),
    ("Straße Shop", "Ωmega", ["Rake Mini", "spade deluxe", "Garden Kettle"]),
]
MARKS = " ,\t"


def fold(s):
    return s.lower()  # equals simple case folding for every character used above


def model(products, terms):
    words = terms.replace(",", " ").split()
    return [p for p in products
            if all(any(fold(w) in fold(f) for f in p[1:] if f) for w in words)]


def build(srv):
    """The FIELDS catalogue on a fresh server: [(name, name, category, brand)] in id
    order (every product has total_sold 0 and no rating, so the list order is by id)."""
    staff = Staff(srv)
    products = []
    for category, brand, names in FIELDS:
        cat = make_category(srv, staff, category)
        store = store_of(srv, brand)[1]["id"] if brand else None
        for name in names:
            make_product(srv, staff, cat["id"], name=name, store=store)
            products.append((name, name, category, brand))
    return products


def searches(products, n, seed):
    """Search strings: pieces of the fields (in any case, across field boundaries too),
    LIKE's special characters, 1 to 5 terms."""
    rng = random.Random(seed)
    texts = [f for p in products for f in p[1:] if f]
    joined = [p[1] + p[2] for p in products] + [p[2] + (p[3] or "") for p in products]
    out = ["%", "_", "\\", "50%", "e_d", "ß", "ẞ", "\u212A", "k", "ΣΑ", "σα", "a b", ""]
    for _ in range(n):
        terms = []
        for _ in range(rng.choice([1, 1, 2, 2, 3, 4, 5])):
            src = rng.choice(joined if rng.random() < 0.15 else texts)
            i = rng.randrange(len(src))
            piece = src[i:i + rng.choice([1, 2, 3, 4, 6])].strip()
            if piece:
                terms.append(piece.upper() if rng.random() < 0.3 else piece)
        out.append(rng.choice(MARKS).join(terms))
    return out


def answers(srv, terms, limit=100):
    names, offset = [], 0
    while True:
        r = srv.get(PRODUCTS, params={"search": terms, "limit": limit, "offset": offset})
        assert r.status_code == 200, (terms, r.text)
        body = json_body(r)
        names += [p["name"] for p in body["results"]]
        offset += limit
        if offset >= body["count"]:
            return body["count"], names


def test_search_agrees_with_the_model(make_server):
    srv = make_server()
    products = build(srv)
    for terms in searches(products, 150, seed=7):
        want = [p[0] for p in model(products, terms)]
        assert answers(srv, terms) == (len(want), want), terms
    for terms in searches(products, 30, seed=8):  # pages: both plans
        want = [p[0] for p in model(products, terms)]
        assert answers(srv, terms, limit=1) == (len(want), want), terms


def pg_database():
    name = "t_" + uuid.uuid4().hex[:16]
    subprocess.run(["psql", PG_URL, "-q", "-v", "ON_ERROR_STOP=1", "-c",
                    f"CREATE DATABASE {name}"], check=True, capture_output=True)
    return PG_URL.rsplit("/", 1)[0] + "/" + name


@pytest.mark.skipif(not PG_URL, reason="SHOPD_TEST_PG_URL not set")
def test_sqlite_and_postgresql_answer_the_same(make_server, tmp_path):
    lite = make_server(db_url=f"sqlite:///{tmp_path / 'search.db'}")
    pg = make_server(db_url=pg_database())
    build(lite)
    build(pg)
    for terms in searches([(n, n, c, b) for c, b, ns in FIELDS for n in ns], 120, seed=9):
        assert answers(lite, terms) == answers(pg, terms), terms
        assert answers(lite, terms, limit=2) == answers(pg, terms, limit=2), terms
