"""API.md §2: registration and its validation, the customer object, owner/staff access
to /api/v1/customers/{id}/, nested addresses, deactivation, /me, password change and
the revocation of earlier tokens, and the import of Django password hashes."""
import re
import time
import uuid

import jwt
import pytest

from conftest import SECRET
from helpers import (CUSTOMER_KEYS, FORBIDDEN, NO_ACTIVE_ACCOUNT, NO_ACTIVE_FOR_TOKEN,
                     NOT_AUTHENTICATED, NOT_FOUND, PASSWORD_CHANGED, REQUIRED,
                     STRONG_PASSWORD, USER_INACTIVE, assert_401, bearer, create_staff,
                     db_query, django_pbkdf2_hash, json_body, login, new_customer, register,
                     registration, token_parts, unique, unique_email)

REGISTER = "/api/v1/customers/"
ME = "/api/v1/customers/me/"
BLANK = ["This field may not be blank."]
TOO_LONG_150 = ["Ensure this field has no more than 150 characters."]
BAD_EMAIL = ["Enter a valid email address."]
DUPLICATE = ["customer with this email address already exists."]
BAD_DATE = ["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."]
SHORT = "This password is too short. It must contain at least 8 characters."
COMMON = "This password is too common."
NUMERIC = "This password is entirely numeric."
MISMATCH = {"error": ["Passwords don't match"]}
ADDRESS = {"street_address": "12 Long Lane", "postal_code": 10115, "city": "Berlin",
           "state": "Berlin", "country": "Germany"}


@pytest.fixture(scope="module")
def alice(server):
    return new_customer(server, first_name="Alice", last_name="Archer",
                        date_of_birth="1990-05-17")


@pytest.fixture(scope="module")
def bob(server):
    return new_customer(server, first_name="Bob", last_name="Brewer")


@pytest.fixture(scope="module")
def staff(server):
    return create_staff(server)[1]


def letters(n=8):
    """A random alphabetic name part (slugs then do not collide across tests)."""
    return "".join(chr(ord("a") + int(c, 16) % 26) for c in uuid.uuid4().hex[:n]).title()


def post_register(server, **over):
    return server.post(REGISTER, json=registration(**over))


def assert_400(r, body):
    assert r.status_code == 400, (r.status_code, r.text)
    assert json_body(r) == body


# --- registration (§2.1) -------------------------------------------------------------

def test_registration_body_shape_and_order(server):
    first, last = letters(), letters()
    email = unique_email("shape")
    r = server.post(REGISTER, json=registration(email=email, first_name=first, last_name=last,
                                                date_of_birth="1985-12-31"))
    assert r.status_code == 201
    body = json_body(r)
    assert list(body) == CUSTOMER_KEYS
    assert type(body["id"]) is int and body["id"] > 0
    assert body == {"id": body["id"], "email": email, "first_name": first, "last_name": last,
                    "slug": f"{first.lower()}-{last.lower()}", "date_of_birth": "1985-12-31",
                    "address": None, "last_purchase_date": None}


def test_registration_date_of_birth_optional_and_nullable(server):
    for over in ({}, {"date_of_birth": None}):
        r = post_register(server, **over)
        assert r.status_code == 201, r.text
        assert json_body(r)["date_of_birth"] is None


def test_registration_required_fields(server):
    assert_400(server.post(REGISTER, json={}),
               {"email": REQUIRED, "first_name": REQUIRED, "last_name": REQUIRED,
                "password": REQUIRED, "password2": REQUIRED})
    body = registration()
    del body["password2"]
    assert_400(server.post(REGISTER, json=body), {"password2": REQUIRED})


def test_registration_blank_and_null_fields(server):
    assert_400(post_register(server, email="", first_name="", last_name="   "),
               {"email": BLANK, "first_name": BLANK, "last_name": BLANK})
    assert_400(post_register(server, password="", password2=""),
               {"password": BLANK, "password2": BLANK})
    null = ["This field may not be null."]
    assert_400(post_register(server, email=None, first_name=None),
               {"email": null, "first_name": null})


def test_registration_length_limits(server):
    assert_400(post_register(server, first_name="a" * 151, last_name="b" * 151),
               {"first_name": TOO_LONG_150, "last_name": TOO_LONG_150})
    r = post_register(server, first_name="F" * 150, last_name="L" * 150)
    assert r.status_code == 201, r.text
    long_email = "a" * 243 + "@example.com"  # 255 characters
    assert_400(post_register(server, email=long_email),
               {"email": ["Ensure this field has no more than 254 characters."]})


@pytest.mark.parametrize("email", ["not-an-email", "a@", "@example.com", "a b@example.com",
                                   "a@example", "a@@example.com"])
def test_registration_bad_email(server, email):
    assert_400(post_register(server, email=email), {"email": BAD_EMAIL})


# Django's EmailValidator decides (checked against Django 3.2's validate_email)
@pytest.mark.parametrize("template,valid", [
    ("user{r}+tag@example.com", True), ("a{r}@exämple.com", True), ("a{r}@[127.0.0.1]", True),
    ("a{r}@xn--exmple-cua.com", True), ("o'neil{r}@example.com", True), ("a{r}@123.com", True),
    ("a{r}@example.123", True), ("a{r}@localhost", True),
    ('"quoted {r}"@example.com', False), ("a{r}@[IPv6:::1]", False), ("a{r}@-example.com", False),
    ("a{r}@example.c", False), ("a{r}@example.com.", False), ("a{r}.@example.com", False),
    (".a{r}@example.com", False), ("a{r}..b@example.com", False), ("a{r}@example..com", False),
    ("a{r}@sub_domain.example.com", False), ("ü{r}@example.com", False),
])
def test_registration_email_validity(server, template, valid):
    email = template.format(r=uuid.uuid4().hex[:6])
    r = post_register(server, email=email)
    if valid:
        assert r.status_code == 201, (email, r.text)
    else:
        assert_400(r, {"email": BAD_EMAIL})


def test_registration_duplicate_email_case_insensitive(server):
    body, _ = register(server)
    for variant in (body["email"], body["email"].upper(),
                    body["email"].capitalize()):
        assert_400(post_register(server, email=variant), {"email": DUPLICATE})


@pytest.mark.parametrize("value", ["17/05/1990", "1990-02-30", "1990-13-01", "yesterday",
                                   "", 19900517, True, ["1990-05-17"]])
def test_registration_bad_date(server, value):
    assert_400(post_register(server, date_of_birth=value), {"date_of_birth": BAD_DATE})


@pytest.mark.parametrize("password,messages", [
    ("Xq7!zP", [SHORT]),
    ("password", [COMMON]),
    ("12345678", [COMMON, NUMERIC]),
    ("8392017465301", [NUMERIC]),
    ("1234567", [SHORT, COMMON, NUMERIC]),
])
def test_registration_password_rules(server, password, messages):
    assert_400(post_register(server, password=password, password2=password),
               {"password": messages, "password2": messages})


@pytest.mark.parametrize("password,attribute", [
    ("Bartholomew9", "first name"),
    ("quixotic77!", "last name"),
    ("ZEBRAFINCH42", "email address"),
])
def test_registration_password_similarity(server, password, attribute):
    msg = [f"The password is too similar to the {attribute}."]
    r = post_register(server, first_name="Bartholomew", last_name="Quixotic",
                      email=f"zebrafinch{uuid.uuid4().hex[:2]}@example.org",
                      password=password, password2=password)
    assert_400(r, {"password": msg, "password2": msg})


def test_registration_password_mismatch(server):
    assert_400(post_register(server, password=STRONG_PASSWORD, password2=STRONG_PASSWORD + "x"),
               MISMATCH)


def test_registration_ignores_privileged_fields(server, bob):
    email = unique_email("mass")
    r = server.post(REGISTER, json=registration(
        email=email, first_name="Mallory", last_name="Mass", is_staff=True,
        is_superuser=True, is_active=False, is_vendor=True, slug="chosen-slug", id=424242,
        pwv=77, password_hash="x", last_login="2020-01-01T00:00:00Z",
        last_purchase_date="2020-01-01T00:00:00Z"))
    assert r.status_code == 201, r.text
    body = json_body(r)
    assert body["id"] != 424242
    assert body["slug"].startswith("mallory-mass")
    assert body["last_purchase_date"] is None
    # is_active=false was not stored: the account logs in
    tokens = login(server, email)
    plain = new_customer(server)
    assert token_parts(tokens["access"])[1]["pwv"] == token_parts(plain.access)[1]["pwv"]
    # is_staff/is_superuser were not stored: no access to another customer's profile
    r = server.get(f"/api/v1/customers/{bob.id}/", headers=bearer(tokens["access"]))
    assert r.status_code == 403 and json_body(r) == FORBIDDEN
    r = server.get(f"/api/v1/customers/{body['id']}/", headers=bearer(tokens["access"]))
    assert r.status_code == 200 and json_body(r) == body
    # and the database agrees
    row = db_query(server, "SELECT is_staff, is_superuser, is_active, is_vendor, pwv "
                           "FROM customers WHERE id = ?", (body["id"],))[0]
    assert [v.lower() for v in row[:4]] in (["0", "0", "1", "0"], ["f", "f", "t", "f"])
    assert row[4] != "77"


def test_unique_slugs(server):
    first, last = letters(), letters()
    slugs = [register(server, first_name=first, last_name=last)[1]["slug"] for _ in range(3)]
    base = f"{first.lower()}-{last.lower()}"
    assert slugs == [base, base + "-2", base + "-3"]


def test_slugify_drops_accents(server):
    first = "Élodie"
    last = "Ünal" + letters(4)
    _, body = register(server, first_name=first, last_name=last)
    assert body["slug"] == "elodie-unal" + last[4:].lower()
    assert body["first_name"] == "Élodie"


def test_slugify_fixed_cases(server):
    # unique per database: this module's server sees them once
    _, body = register(server, first_name="Élodie", last_name="Ünal")
    assert body["slug"] == "elodie-unal"
    _, body = register(server, first_name="Straße", last_name="  Ünïcödé_ ")
    assert body["slug"] == "strae-unicode"
    _, body = register(server, first_name="日本", last_name="語")
    assert body["slug"] == "n-a"


@pytest.mark.parametrize("length", [4097, 5000, 300000])
def test_long_passwords_are_accepted(server, length):
    # API.md sets no maximum length; a long password must not fail (its cost, bounded by
    # the body limit, is a matter for bench/, not for an assertion here)
    password = ("Zq9!x" * (length // 5 + 1))[:length]
    email = unique_email("longpw")
    r = server.post(REGISTER, json=registration(email=email, password=password,
                                                password2=password))
    assert r.status_code == 201, (r.status_code, r.text[:200])
    tokens = login(server, email, password)
    c_id = json_body(r)["id"]
    r = server.post(f"/api/v1/customers/{c_id}/password/", headers=bearer(tokens["access"]),
                    json={"old_password": password, "new_password": password[::-1],
                          "new_password2": password[::-1]})
    assert r.status_code == 200, (r.status_code, r.text[:200])
    login(server, email, password[::-1])


def test_registration_response_never_contains_secrets(server):
    r = post_register(server)
    assert r.status_code == 201
    text = r.text.lower()
    assert "password" not in text and "argon2" not in text and STRONG_PASSWORD.lower() not in text


# --- detail: GET / PUT / DELETE (§2.2) --------------------------------------------------

def test_get_own_profile(server, alice):
    r = server.get(alice.path, headers=alice.auth)
    assert r.status_code == 200
    body = json_body(r)
    assert list(body) == CUSTOMER_KEYS
    assert body == alice.body


def test_other_customer_is_403(server, alice, bob):
    for method, kw in (("GET", {}), ("PUT", {"json": {"email": bob.email}}), ("DELETE", {})):
        r = server.request(method, bob.path, headers=alice.auth, **kw)
        assert r.status_code == 403, method
        assert json_body(r) == FORBIDDEN
    assert server.get(bob.path, headers=bob.auth).json()["email"] == bob.email


def test_unknown_id_is_404(server, alice):
    for method, kw in (("GET", {}), ("PUT", {"json": {"email": alice.email}}), ("DELETE", {})):
        r = server.request(method, "/api/v1/customers/987654/", headers=alice.auth, **kw)
        assert r.status_code == 404, method
        assert json_body(r) == NOT_FOUND
    for path in ("/api/v1/customers/abc/", "/api/v1/customers/-1/", "/api/v1/customers/1.0/"):
        r = server.get(path, headers=alice.auth)
        assert r.status_code == 404 and json_body(r) == NOT_FOUND


def test_anonymous_is_401(server, alice):
    for method in ("GET", "PUT", "DELETE", "PATCH"):
        r = server.request(method, alice.path, json={"email": "x@example.com"})
        assert_401(r, NOT_AUTHENTICATED)
    assert_401(server.get(ME), NOT_AUTHENTICATED)


def test_patch_is_405(server, alice, bob):
    for who in (alice, bob):  # also on another customer's id: 405 comes before 403
        r = server.patch(alice.path, headers=who.auth, json={"first_name": "X"})
        assert r.status_code == 405
        assert json_body(r) == {"detail": 'Method "PATCH" not allowed.'}
        assert set(r.headers["Allow"].split(", ")) == {"GET", "PUT", "DELETE", "HEAD", "OPTIONS"}
    assert server.get(alice.path, headers=alice.auth).json()["first_name"] == "Alice"


def test_head_and_options_on_detail(server, alice):
    g = server.get(alice.path, headers=alice.auth)
    h = server.request("HEAD", alice.path, headers=alice.auth)
    assert h.status_code == 200 and h.content == b""
    assert h.headers["Content-Length"] == str(len(g.content))
    r = server.request("OPTIONS", alice.path, headers=alice.auth)
    assert r.status_code == 200
    assert set(r.headers["Allow"].split(", ")) == {"GET", "PUT", "DELETE", "HEAD", "OPTIONS"}
    assert json_body(r)["renders"] == ["application/json"]


def test_staff_reads_and_updates_others(server, staff):
    c = new_customer(server, first_name="Stan", last_name=letters())
    r = server.get(c.path, headers=bearer(staff))
    assert r.status_code == 200 and json_body(r) == c.body
    r = server.put(c.path, headers=bearer(staff), json={"email": c.email, "first_name": "Stanley"})
    assert r.status_code == 200, r.text
    assert json_body(r)["first_name"] == "Stanley"
    assert server.get(c.path, headers=c.auth).json()["first_name"] == "Stanley"


def test_put_requires_email(server):
    c = new_customer(server)
    assert_400(server.put(c.path, headers=c.auth, json={}), {"email": REQUIRED})
    assert_400(server.put(c.path, headers=c.auth, json={"first_name": "Z"}), {"email": REQUIRED})
    assert_400(server.put(c.path, headers=c.auth, json={"email": "nope"}), {"email": BAD_EMAIL})
    assert server.get(c.path, headers=c.auth).json() == c.body


def test_put_keeps_omitted_fields(server):
    c = new_customer(server, first_name="Keep", last_name=letters(), date_of_birth="1970-01-02")
    r = server.put(c.path, headers=c.auth, json={"email": c.email, "address": ADDRESS})
    assert r.status_code == 200
    with_address = json_body(r)
    r = server.put(c.path, headers=c.auth, json={"email": c.email})
    assert r.status_code == 200
    body = json_body(r)
    assert list(body) == CUSTOMER_KEYS
    assert body == with_address
    assert body["first_name"] == "Keep" and body["date_of_birth"] == "1970-01-02"
    assert body["address"] == ADDRESS
    assert server.get(c.path, headers=c.auth).json() == body


def test_put_updates_fields_and_slug_follows_names(server):
    c = new_customer(server, first_name="Old", last_name=letters())
    new_last = letters()
    new_email = unique_email("moved")
    r = server.put(c.path, headers=c.auth, json={
        "email": new_email, "first_name": "New", "last_name": new_last,
        "date_of_birth": "2001-02-03"})
    assert r.status_code == 200, r.text
    body = json_body(r)
    assert body["email"] == new_email and body["first_name"] == "New"
    assert body["slug"] == f"new-{new_last.lower()}"
    assert body["date_of_birth"] == "2001-02-03"
    # the same names again keep the slug (no "-2" against itself)
    r = server.put(c.path, headers=c.auth, json={"email": new_email, "first_name": "New",
                                                 "last_name": new_last})
    assert json_body(r)["slug"] == f"new-{new_last.lower()}"
    # date_of_birth null clears it
    r = server.put(c.path, headers=c.auth, json={"email": new_email, "date_of_birth": None})
    assert r.status_code == 200 and json_body(r)["date_of_birth"] is None
    # login follows the email change
    login(server, new_email)
    r = server.post("/auth/token/", json={"email": c.email, "password": STRONG_PASSWORD})
    assert_401(r, NO_ACTIVE_ACCOUNT)


def test_put_slug_clash_gets_suffix(server):
    first, last = letters(), letters()
    register(server, first_name=first, last_name=last)
    c = new_customer(server, first_name="Other", last_name=letters())
    r = server.put(c.path, headers=c.auth, json={"email": c.email, "first_name": first,
                                                 "last_name": last})
    assert r.status_code == 200
    assert json_body(r)["slug"] == f"{first.lower()}-{last.lower()}-2"


def test_put_form_encoded(server):
    c = new_customer(server, first_name="Form", last_name=letters())
    r = server.put(c.path, headers=c.auth, data={"email": c.email, "first_name": "Formal"})
    assert r.status_code == 200, r.text
    assert json_body(r)["first_name"] == "Formal"


def test_body_checked_before_object_permission(server, alice, bob):
    # order of checks: body 415/400 before object-level checks (403)
    r = server.put(bob.path, data=b"x", headers={**alice.auth, "Content-Type": "text/plain"})
    assert r.status_code == 415
    assert json_body(r) == {"detail": 'Unsupported media type "text/plain" in request.'}
    r = server.put(bob.path, data=b"{", headers={**alice.auth,
                                                 "Content-Type": "application/json"})
    assert r.status_code == 400
    assert json_body(r)["detail"].startswith("JSON parse error - ")
    # but authentication comes first
    assert_401(server.put(bob.path, data=b"x", headers={"Content-Type": "text/plain"}),
               NOT_AUTHENTICATED)


def test_put_field_errors(server):
    c = new_customer(server)
    assert_400(server.put(c.path, headers=c.auth, json={"email": c.email, "first_name": "",
                                                       "last_name": "x" * 151}),
               {"first_name": BLANK, "last_name": TOO_LONG_150})
    assert_400(server.put(c.path, headers=c.auth, json={"email": c.email,
                                                       "date_of_birth": "31.12.1999"}),
               {"date_of_birth": BAD_DATE})


def test_put_email_must_stay_unique(server, alice):
    c = new_customer(server)
    for variant in (alice.email, alice.email.upper()):
        assert_400(server.put(c.path, headers=c.auth, json={"email": variant}),
                   {"email": DUPLICATE})
    # keeping one's own email (in another case) is no clash
    r = server.put(c.path, headers=c.auth, json={"email": c.email})
    assert r.status_code == 200


def test_put_ignores_privileged_fields(server, bob):
    c = new_customer(server, first_name="Pete", last_name=letters())
    r = server.put(c.path, headers=c.auth, json={
        "email": c.email, "is_staff": True, "is_superuser": True, "is_active": False,
        "slug": "hijack", "id": bob.id, "password": "NewPass-9876!", "pwv": 99,
        "last_purchase_date": "2020-01-01T00:00:00Z"})
    assert r.status_code == 200, r.text
    body = json_body(r)
    assert body["id"] == c.id and body["slug"] != "hijack" and body["last_purchase_date"] is None
    # still the old password, still not staff, still active
    tokens = login(server, c.email)
    r = server.get(bob.path, headers=bearer(tokens["access"]))
    assert r.status_code == 403
    assert server.get(bob.path, headers=bob.auth).json()["email"] == bob.email
    assert server.get(ME, headers=c.auth).status_code == 200


def test_address_create_replace_remove(server):
    c = new_customer(server)
    r = server.put(c.path, headers=c.auth, json={"email": c.email, "address": ADDRESS})
    assert r.status_code == 200, r.text
    body = json_body(r)
    assert body["address"] == ADDRESS
    assert list(body["address"]) == ["street_address", "postal_code", "city", "state",
                                     "country"]
    other = {"street_address": "1 Rue Haute", "postal_code": "75001", "city": "Paris",
             "state": "Île-de-France", "country": "France"}
    r = server.put(c.path, headers=c.auth, json={"email": c.email, "address": other})
    assert r.status_code == 200
    assert json_body(r)["address"] == {**other, "postal_code": 75001}
    assert server.get(ME, headers=c.auth).json()["address"] == {**other, "postal_code": 75001}
    r = server.put(c.path, headers=c.auth, json={"email": c.email, "address": None})
    assert r.status_code == 200 and json_body(r)["address"] is None
    assert server.get(c.path, headers=c.auth).json()["address"] is None


@pytest.mark.parametrize("change,errors", [
    ({"city": None}, {"city": ["This field may not be null."]}),
    ({"country": "USA"}, {"country": ["Country name should be in full"]}),
    ({"country": "UK"}, {"country": ["Country name should be in full"]}),
    ({"country": "x" * 31}, {"country": ["Ensure this field has no more than 30 characters."]}),
    ({"street_address": "s" * 31},
     {"street_address": ["Ensure this field has no more than 30 characters."]}),
    ({"city": "c" * 51}, {"city": ["Ensure this field has no more than 50 characters."]}),
    ({"state": "s" * 51}, {"state": ["Ensure this field has no more than 50 characters."]}),
    ({"postal_code": -1}, {"postal_code": ["Ensure this value is greater than or equal to 0."]}),
    ({"postal_code": "abc"}, {"postal_code": ["A valid integer is required."]}),
    ({"street_address": ""}, {"street_address": BLANK}),
])
def test_address_field_errors(server, change, errors):
    c = new_customer(server)
    address = {**ADDRESS, **change}
    assert_400(server.put(c.path, headers=c.auth, json={"email": c.email, "address": address}),
               {"address": errors})


@pytest.mark.parametrize("value,stored", [(1e3, 1000), (5.0, 5), ("42", 42), (" 7 ", 7),
                                          (0, 0), (2147483647, 2147483647)])
def test_address_postal_code_coercion(server, value, stored):
    c = new_customer(server)
    r = server.put(c.path, headers=c.auth, json={"email": c.email,
                                                 "address": {**ADDRESS, "postal_code": value}})
    assert r.status_code == 200, r.text
    assert json_body(r)["address"]["postal_code"] == stored


@pytest.mark.parametrize("value,message", [
    (5.5, "A valid integer is required."), (True, "A valid integer is required."),
    ("", "A valid integer is required."), ([1], "A valid integer is required."),
    (2147483648, "Ensure this value is less than or equal to 2147483647."),
    (None, "This field may not be null."),
])
def test_address_postal_code_refused(server, value, message):
    c = new_customer(server)
    r = server.put(c.path, headers=c.auth, json={"email": c.email,
                                                 "address": {**ADDRESS, "postal_code": value}})
    assert_400(r, {"address": {"postal_code": [message]}})


def test_address_string_fields_take_numbers(server):
    c = new_customer(server)
    r = server.put(c.path, headers=c.auth, json={"email": c.email,
                                                 "address": {**ADDRESS, "city": 123}})
    assert r.status_code == 200
    assert json_body(r)["address"]["city"] == "123"


def test_address_missing_fields(server):
    c = new_customer(server)
    address = dict(ADDRESS)
    del address["city"]
    assert_400(server.put(c.path, headers=c.auth, json={"email": c.email, "address": address}),
               {"address": {"city": REQUIRED}})
    assert_400(server.put(c.path, headers=c.auth, json={"email": c.email, "address": {}}),
               {"address": {k: REQUIRED for k in ADDRESS}})
    assert_400(server.put(c.path, headers=c.auth, json={"email": c.email, "address": "Berlin"}),
               {"address": {"non_field_errors": [
                   "Invalid data. Expected a dictionary, but got str."]}})
    # nothing was stored by the failed updates
    assert server.get(c.path, headers=c.auth).json()["address"] is None


def test_address_errors_together_with_field_errors(server):
    c = new_customer(server)
    r = server.put(c.path, headers=c.auth, json={"email": "bad", "address": {**ADDRESS,
                                                                            "country": "DE"}})
    assert_400(r, {"email": BAD_EMAIL, "address": {"country": ["Country name should be in full"]}})


def test_delete_deactivates(server):
    c = new_customer(server)
    # a second pair, to check that every issued token stops working
    other = login(server, c.email)
    r = server.delete(c.path, headers=c.auth)
    assert r.status_code == 204
    assert r.content == b""
    for access in (c.access, other["access"]):
        assert_401(server.get(ME, headers=bearer(access)), USER_INACTIVE)
        assert_401(server.get(c.path, headers=bearer(access)), USER_INACTIVE)
    for refresh in (c.refresh, other["refresh"]):
        assert_401(server.post("/auth/token/refresh/", json={"refresh": refresh}),
                   NO_ACTIVE_FOR_TOKEN)
    assert_401(server.post("/auth/token/", json={"email": c.email, "password": c.password}),
               NO_ACTIVE_ACCOUNT)
    # verify checks the token only (§1.4)
    r = server.post("/auth/token/verify/", json={"token": c.access})
    assert r.status_code == 200 and r.json() == {}
    # the account is kept (deactivated, not erased): its email stays taken
    assert_400(post_register(server, email=c.email), {"email": DUPLICATE})


def test_staff_can_delete_others(server, staff):
    c = new_customer(server)
    r = server.delete(c.path, headers=bearer(staff))
    assert r.status_code == 204
    assert_401(server.get(ME, headers=c.auth), USER_INACTIVE)


# --- /me (§2.3) ---------------------------------------------------------------------------

def test_me(server, alice):
    r = server.get(ME, headers=alice.auth)
    assert r.status_code == 200
    body = json_body(r)
    assert list(body) == CUSTOMER_KEYS
    assert body == server.get(alice.path, headers=alice.auth).json()
    assert body["email"] == alice.email and body["date_of_birth"] == "1990-05-17"
    r = server.put(ME, headers=alice.auth, json={"email": alice.email})
    assert r.status_code == 405


def test_authenticated_answers_are_not_cached(server, alice):
    r = server.get(ME, headers=alice.auth)
    assert "no-store" in r.headers.get("Cache-Control", "")


# --- password change (§2.3) -----------------------------------------------------------------

def pw_path(c):
    return f"/api/v1/customers/{c.id}/password/"


def change_body(old, new, new2=None):
    return {"old_password": old, "new_password": new,
            "new_password2": new if new2 is None else new2}


def test_password_change_only_by_owner(server, alice, bob, staff):
    body = change_body(STRONG_PASSWORD, "Fresh-Pass-4471")
    for token in (bob.access, staff):
        r = server.post(pw_path(alice), headers=bearer(token), json=body)
        assert r.status_code == 403 and json_body(r) == FORBIDDEN
    assert_401(server.post(pw_path(alice), json=body), NOT_AUTHENTICATED)
    r = server.post("/api/v1/customers/987654/password/", headers=alice.auth, json=body)
    assert r.status_code == 404 and json_body(r) == NOT_FOUND
    login(server, alice.email)  # unchanged


def test_password_change_errors(server):
    c = new_customer(server, first_name="Winifred", last_name="Pemberton")
    assert_400(server.post(pw_path(c), headers=c.auth, json={}),
               {"old_password": REQUIRED, "new_password": REQUIRED,
                "new_password2": REQUIRED})
    assert_400(server.post(pw_path(c), headers=c.auth,
                           json=change_body("Not-my-pass-1", "Fresh-Pass-4471")),
               {"old_password": ["Wrong password."]})
    assert_400(server.post(pw_path(c), headers=c.auth,
                           json=change_body(STRONG_PASSWORD, "Fresh-Pass-4471",
                                            "Fresh-Pass-4472")), MISMATCH)
    for new, messages in (("password", [COMMON]), ("short1!", [SHORT]),
                          ("Winifred1990", ["The password is too similar to the first name."])):
        assert_400(server.post(pw_path(c), headers=c.auth,
                               json=change_body(STRONG_PASSWORD, new)),
                   {"new_password": messages, "new_password2": messages})
    # nothing changed
    assert server.get(ME, headers=c.auth).status_code == 200
    login(server, c.email)


def test_password_change_revokes_earlier_tokens(server):
    c = new_customer(server)
    new_pw = "Fresh-Pass-4471"
    old_pwv = token_parts(c.access)[1]["pwv"]
    r = server.post(pw_path(c), headers=c.auth, json=change_body(STRONG_PASSWORD, new_pw))
    assert r.status_code == 200, r.text
    body = json_body(r)
    assert list(body) == ["success", "refresh", "access"]
    assert body["success"] == "Password updated"
    assert token_parts(body["access"])[1]["pwv"] == old_pwv + 1 or \
        token_parts(body["access"])[1]["pwv"] > old_pwv
    # old tokens: 401 password_changed on every route
    assert_401(server.get(ME, headers=c.auth), PASSWORD_CHANGED)
    assert_401(server.get(c.path, headers=c.auth), PASSWORD_CHANGED)
    assert_401(server.post("/auth/token/refresh/", json={"refresh": c.refresh}),
               PASSWORD_CHANGED)
    assert_401(server.post("/auth/token/verify/", json={"token": c.access}), PASSWORD_CHANGED)
    assert_401(server.post("/auth/token/blacklist/", json={"refresh": c.refresh}),
               PASSWORD_CHANGED)
    # new tokens work
    r = server.get(ME, headers=bearer(body["access"]))
    assert r.status_code == 200 and json_body(r)["id"] == c.id
    r = server.post("/auth/token/refresh/", json={"refresh": body["refresh"]})
    assert r.status_code == 200
    assert server.get(ME, headers=bearer(r.json()["access"])).status_code == 200
    # the new password logs in, the old one does not
    tokens = login(server, c.email, new_pw)
    assert server.get(ME, headers=bearer(tokens["access"])).status_code == 200
    assert_401(server.post("/auth/token/", json={"email": c.email, "password": STRONG_PASSWORD}),
               NO_ACTIVE_ACCOUNT)


def test_password_change_revokes_foreign_tokens_by_iat(server):
    # a token made elsewhere (no pwv) is judged by iat against the change's second
    c = new_customer(server)
    before = int(time.time()) - 5
    old = jwt.encode({"token_type": "access", "exp": before + 600, "iat": before,
                      "jti": uuid.uuid4().hex, "user_id": c.id}, SECRET, algorithm="HS256")
    no_iat = jwt.encode({"token_type": "access", "exp": before + 600,
                         "jti": uuid.uuid4().hex, "user_id": c.id}, SECRET, algorithm="HS256")
    assert server.get(ME, headers=bearer(old)).status_code == 200
    assert server.get(ME, headers=bearer(no_iat)).status_code == 200
    r = server.post(pw_path(c), headers=c.auth, json=change_body(STRONG_PASSWORD,
                                                                 "Fresh-Pass-4471"))
    assert r.status_code == 200
    assert_401(server.get(ME, headers=bearer(old)), PASSWORD_CHANGED)
    # neither pwv nor iat: it cannot be shown to postdate the change
    assert_401(server.get(ME, headers=bearer(no_iat)), PASSWORD_CHANGED)
    time.sleep(1.1)
    now = int(time.time())
    fresh = jwt.encode({"token_type": "access", "exp": now + 600, "iat": now,
                        "jti": uuid.uuid4().hex, "user_id": c.id}, SECRET, algorithm="HS256")
    assert server.get(ME, headers=bearer(fresh)).status_code == 200


# --- orders redirect (§2.3) -------------------------------------------------------------

def test_orders_redirect(server, alice, bob):
    path = f"/api/v1/customers/{alice.id}/orders/"
    r = server.get(path, headers=alice.auth)
    assert r.status_code == 302
    assert r.headers["Location"] in ("/api/v1/i/orders/", server.url + "/api/v1/i/orders/")
    r = server.get(path, headers=bob.auth)
    assert r.status_code == 403 and json_body(r) == FORBIDDEN
    assert_401(server.get(path), NOT_AUTHENTICATED)
    r = server.get("/api/v1/customers/987654/orders/", headers=alice.auth)
    assert r.status_code == 404 and json_body(r) == NOT_FOUND
    r = server.post(path, headers=alice.auth)
    assert r.status_code == 405
    assert set(r.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}


def test_password_route_methods(server, alice):
    r = server.get(pw_path(alice), headers=alice.auth)
    assert r.status_code == 405
    assert json_body(r) == {"detail": 'Method "GET" not allowed.'}
    assert r.headers["Allow"] == "POST, OPTIONS"


def test_options_obeys_route_permission(server, alice):
    assert_401(server.request("OPTIONS", ME), NOT_AUTHENTICATED)
    r = server.request("OPTIONS", ME, headers=alice.auth)
    assert r.status_code == 200
    assert set(r.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}
    assert json_body(r)["parses"] == ["application/json", "application/x-www-form-urlencoded"]


# --- Django password hashes (SECURITY.md "Login and passwords") ----------------------------

def stored_hash(server, cid):
    return db_query(server, "SELECT password FROM customers WHERE id = ?", (cid,))[0][0]


def test_stored_hash_is_argon2id(server):
    c = new_customer(server)
    h = stored_hash(server, c.id)
    assert h.startswith("argon2$argon2id$"), h
    assert STRONG_PASSWORD not in h


@pytest.mark.parametrize("iterations", [260000, 1000])
def test_django_pbkdf2_hash_is_accepted_and_upgraded(server, iterations):
    c = new_customer(server)
    password = "Imported-" + unique("pw")
    db_query(server, "UPDATE customers SET password = ? WHERE id = ?",
             (django_pbkdf2_hash(password, iterations), c.id))
    assert stored_hash(server, c.id).startswith("pbkdf2_sha256$")
    # the wrong password fails and leaves the hash alone
    r = server.post("/auth/token/", json={"email": c.email, "password": password + "x"})
    assert_401(r, NO_ACTIVE_ACCOUNT)
    assert stored_hash(server, c.id).startswith(f"pbkdf2_sha256${iterations}$")
    tokens = login(server, c.email, password)
    assert stored_hash(server, c.id).startswith("argon2$argon2id$")
    # re-hashing at login is not a password change: earlier tokens keep working
    assert server.get(ME, headers=c.auth).status_code == 200
    assert token_parts(tokens["access"])[1]["pwv"] == token_parts(c.access)[1]["pwv"]
    login(server, c.email, password)
    assert_401(server.post("/auth/token/", json={"email": c.email, "password": c.password}),
               NO_ACTIVE_ACCOUNT)


def test_django_hash_with_bad_format_never_logs_in(server):
    c = new_customer(server)
    for bad in ("pbkdf2_sha256$abc$salt$AAAA", "pbkdf2_sha256$0$salt$AAAA", "md5$salt$abc",
                "!unusable", "", "pbkdf2_sha256$260000$salt"):
        db_query(server, "UPDATE customers SET password = ? WHERE id = ?", (bad, c.id))
        # (fewer than LOGIN_FAILURES_PER_ACCOUNT attempts in all)
        r = server.post("/auth/token/", json={"email": c.email, "password": STRONG_PASSWORD})
        assert_401(r, NO_ACTIVE_ACCOUNT)
    assert server.get("/healthz").status_code == 200


def test_slug_regex(server):
    # slugs are always [-a-z0-9_]
    _, body = register(server, first_name="A&B (c)", last_name="d--e  f!")
    assert re.match(r"^[-a-z0-9_]+$", body["slug"]) and body["slug"].startswith("ab-c-d-e-f")
