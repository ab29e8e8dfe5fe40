"""DESIGN.md §8: two shopd processes on one database behave as one server. A customer's
requests alternate between instance A and instance B; everything that must be shared
(accounts, the refresh-token blacklist, login throttling, password versions) is, and what
an instance caches (product list counts) is checked against the database."""
from catalogue_helpers import PRODUCTS, Staff, make_category, make_product
from helpers import assert_401, bearer, login, new_customer

OBTAIN = "/auth/token/"
REFRESH = "/auth/token/refresh/"
ME = "/api/v1/customers/me/"

ROTATE = {"ROTATE_REFRESH_TOKENS": "1", "BLACKLIST_AFTER_ROTATION": "1",
          "LOGIN_FAILURES_PER_ACCOUNT": "3"}


def two_instances(make_server):
    a = make_server(ROTATE)
    b = make_server(ROTATE, db_url=a.db_url)
    return a, b


def test_accounts_and_tokens_work_across_instances(make_server):
    a, b = two_instances(make_server)
    cust = new_customer(a)
    r = b.get(ME, headers=bearer(cust.access))
    assert r.status_code == 200 and r.json()["email"] == cust.email
    tokens = login(b, cust.email, cust.password)
    assert a.get(ME, headers=bearer(tokens["access"])).status_code == 200


def test_rotated_refresh_token_is_dead_on_the_other_instance(make_server):
    a, b = two_instances(make_server)
    cust = new_customer(a)
    r = a.post(REFRESH, json={"refresh": cust.refresh})
    assert r.status_code == 200 and "refresh" in r.json()
    r = b.post(REFRESH, json={"refresh": cust.refresh})
    assert_401(r, {"detail": "Token is blacklisted", "code": "token_not_valid"})


def test_password_change_on_one_instance_revokes_tokens_on_the_other(make_server):
    a, b = two_instances(make_server)
    cust = new_customer(a)
    r = a.post(f"/api/v1/customers/{cust.id}/password/", headers=bearer(cust.access),
               json={"old_password": cust.password, "new_password": "Tangerine-Owl-77",
                     "new_password2": "Tangerine-Owl-77"})
    assert r.status_code == 200
    r = b.get(ME, headers=bearer(cust.access))
    assert r.status_code == 401 and r.json()["code"] == "password_changed"


def test_login_throttling_is_shared(make_server):
    a, b = two_instances(make_server)
    cust = new_customer(a)
    wrong = {"email": cust.email, "password": "Wrong-guess-000"}
    for srv in (a, b, a):  # three failures, spread over both instances
        assert srv.post(OBTAIN, json=wrong).status_code == 401
    r = b.post(OBTAIN, json={"email": cust.email, "password": cust.password})
    assert r.status_code == 429
    assert int(r.headers["Retry-After"]) >= 1


def test_product_counts_follow_writes_made_on_the_other_instance(make_server):
    """Each instance caches list counts by catalogue version; the version lives in the
    database, so a write on A changes the count B answers with on its next request."""
    a = make_server({"SHOPD_DEBUG_QUERIES": "1"})
    b = make_server({"SHOPD_DEBUG_QUERIES": "1"}, db_url=a.db_url)
    staff = Staff(a)
    cat = make_category(a, staff)

    def count(srv, **params):
        r = srv.get(PRODUCTS, params={"category": cat["id"], **params})
        assert r.status_code == 200, r.text
        n = r.json()["count"]
        # category lookup, version and count, then page and media when there is a page
        assert r.headers["X-Query-Count"] == ("4" if n else "2")
        return n

    for srv in (a, b, b):  # both instances hold the count now
        assert (count(srv), count(srv, is_available="true")) == (0, 0)
    p = make_product(a, staff, cat["id"], total_stock_level=2)
    assert (count(b), count(b, is_available="true")) == (1, 1)
    r = b.patch(f"{PRODUCTS}{p['id']}/", json={"total_stock_level": 0}, headers=staff.auth)
    assert r.status_code == 200, r.text
    assert (count(a), count(a, is_available="true")) == (1, 0)
    assert b.delete(f"{PRODUCTS}{p['id']}/", headers=staff.auth).status_code == 204
    assert (count(a), count(b)) == (0, 0)
