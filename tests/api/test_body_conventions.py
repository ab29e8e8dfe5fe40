"""API.md §0.1 request-body and path conventions, checked on real endpoints that take a
body: POST /auth/token/ (login) and POST /api/v1/customers/ (registration)."""
import json

import pytest

from helpers import (NOT_FOUND, REQUIRED, STRONG_PASSWORD, json_body, register,
                     registration, unique_email)

LOGIN = "/auth/token/"
REGISTER = "/api/v1/customers/"
ENDPOINTS = [LOGIN, REGISTER]
LOGIN_REQUIRED = {"email": REQUIRED, "password": REQUIRED}
REGISTER_REQUIRED = {"email": REQUIRED, "first_name": REQUIRED, "last_name": REQUIRED,
                     "password": REQUIRED, "password2": REQUIRED}
REQUIRED_BY_PATH = {LOGIN: LOGIN_REQUIRED, REGISTER: REGISTER_REQUIRED}


def post_raw(server, path, data, content_type=None):
    headers = {"Content-Type": content_type} if content_type else {}
    return server.post(path, data=data, headers=headers)


@pytest.mark.parametrize("path", ENDPOINTS)
@pytest.mark.parametrize("ctype", ["text/plain", "application/xml", "application/octet-stream"])
def test_unsupported_media_type_names_the_sent_type(server, path, ctype):
    r = post_raw(server, path, b'{"email":"a@example.com"}', ctype)
    assert r.status_code == 415
    assert json_body(r) == {"detail": f'Unsupported media type "{ctype}" in request.'}


def test_unsupported_media_type_keeps_parameters(server):
    # as DRF: the message quotes the Content-Type as sent
    ctype = "text/plain; charset=utf-8"
    r = post_raw(server, LOGIN, b"x", ctype)
    assert r.status_code == 415
    assert json_body(r) == {"detail": f'Unsupported media type "{ctype}" in request.'}


@pytest.mark.parametrize("path", ENDPOINTS)
def test_multipart_is_not_accepted_outside_media_uploads(server, path):
    r = server.post(path, files={"email": (None, "a@example.com")})
    assert r.status_code == 415
    sent = r.request.headers["Content-Type"]  # multipart/form-data; boundary=...
    # the message names the sent type, with or without its parameters
    assert json_body(r)["detail"] in (f'Unsupported media type "{sent}" in request.',
                                      'Unsupported media type "multipart/form-data" in request.')


@pytest.mark.parametrize("path", ENDPOINTS)
@pytest.mark.parametrize("text", [b'{"email": ', b'{"email": "a"', b"{'email': 'a'}",
                                  b'{"email": "a",}', b"nul", b'{"a":1} x', b"\xff\xfe{}"])
def test_malformed_json_is_parse_error(server, path, text):
    r = post_raw(server, path, text, "application/json")
    assert r.status_code == 400
    body = json_body(r)
    assert list(body) == ["detail"]
    assert body["detail"].startswith("JSON parse error - "), body


@pytest.mark.parametrize("path", ENDPOINTS)
@pytest.mark.parametrize("text", [b'{"email": NaN}', b'{"email": Infinity}',
                                  b'{"email": -Infinity}', b"NaN", b'{"a": [1, NaN]}'])
def test_nan_and_infinity_are_parse_errors(server, path, text):
    r = post_raw(server, path, text, "application/json")
    assert r.status_code == 400
    assert json_body(r)["detail"].startswith("JSON parse error - ")


@pytest.mark.parametrize("path", ENDPOINTS)
@pytest.mark.parametrize("text,pytype", [(b"[]", "list"), (b'[{"email":"a"}]', "list"),
                                         (b'"text"', "str"), (b"12", "int"), (b"-3", "int"),
                                         (b"1.5", "float"), (b"1e3", "float"),
                                         (b"true", "bool"), (b"false", "bool")])
def test_non_object_json_names_python_type(server, path, text, pytype):
    r = post_raw(server, path, text, "application/json")
    assert r.status_code == 400
    assert json_body(r) == {
        "non_field_errors": [f"Invalid data. Expected a dictionary, but got {pytype}."]}


@pytest.mark.parametrize("path", ENDPOINTS)
def test_null_body_is_no_data_provided(server, path):
    r = post_raw(server, path, b"null", "application/json")
    assert r.status_code == 400
    assert json_body(r) == {"non_field_errors": ["No data provided"]}


@pytest.mark.parametrize("path", ENDPOINTS)
def test_body_without_content_type_is_empty(server, path):
    # A perfectly good JSON body, but no Content-Type: it must be ignored.
    r = post_raw(server, path, b'{"email":"a@example.com","password":"x"}')
    assert "Content-Type" not in r.request.headers
    assert r.status_code == 400
    assert json_body(r) == REQUIRED_BY_PATH[path]


@pytest.mark.parametrize("path", ENDPOINTS)
@pytest.mark.parametrize("ctype", ["application/json", "application/x-www-form-urlencoded"])
def test_empty_body_gives_required_errors(server, path, ctype):
    r = post_raw(server, path, b"", ctype)
    assert r.status_code == 400
    assert json_body(r) == REQUIRED_BY_PATH[path]


def test_empty_json_object_gives_required_errors(server):
    for path in ENDPOINTS:
        r = server.post(path, json={})
        assert r.status_code == 400
        assert json_body(r) == REQUIRED_BY_PATH[path]


def test_json_with_charset_is_accepted(server):
    body = registration()
    r = post_raw(server, REGISTER, json.dumps(body).encode(), "application/json; charset=utf-8")
    assert r.status_code == 201, r.text
    r = post_raw(server, LOGIN, json.dumps({"email": body["email"], "password": body["password"]}),
                 "application/json; charset=UTF-8")
    assert r.status_code == 200, r.text
    assert set(json_body(r)) == {"refresh", "access"}


def test_form_encoded_registration_and_login(server):
    body = registration(first_name="Form", last_name="Poster")
    r = server.post(REGISTER, data=body)
    assert r.request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert r.status_code == 201, r.text
    created = json_body(r)
    assert created["email"] == body["email"] and created["first_name"] == "Form"
    assert created["date_of_birth"] is None and created["address"] is None
    r = server.post(LOGIN, data={"email": body["email"], "password": body["password"]})
    assert r.status_code == 200, r.text
    assert list(json_body(r)) == ["refresh", "access"]
    # form fields are validated like JSON ones
    r = server.post(LOGIN, data={"email": body["email"]})
    assert r.status_code == 400
    assert json_body(r) == {"password": REQUIRED}


def test_form_encoded_with_percent_escapes(server):
    email = unique_email("pct")
    body = registration(email=email, first_name="Ana María", last_name="O'Neil & Co")
    r = server.post(REGISTER, data=body)
    assert r.status_code == 201, r.text
    assert json_body(r)["first_name"] == "Ana María"
    assert json_body(r)["last_name"] == "O'Neil & Co"
    r = server.post(LOGIN, data=f"email={email.replace('@', '%40')}&password="
                    f"{STRONG_PASSWORD.replace('#', '%23').replace('!', '%21')}",
                    headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 200, r.text


def test_get_without_slash_redirects_keeping_query(server):
    r = server.get("/auth/token")
    assert r.status_code == 301
    assert r.headers["Location"] == "/auth/token/"
    r = server.get("/auth/token?next=%2Fx&a=1")
    assert r.status_code == 301
    assert r.headers["Location"] == "/auth/token/?next=%2Fx&a=1"
    r = server.request("HEAD", "/api/v1/customers")
    assert r.status_code == 301
    assert r.headers["Location"] == "/api/v1/customers/"


def test_redirect_happens_before_authentication(server):
    # the no-slash path of an auth route redirects even for an anonymous caller
    r = server.get("/api/v1/customers/me")
    assert r.status_code == 301
    assert r.headers["Location"] == "/api/v1/customers/me/"
    r = server.get("/api/v1/customers/12")
    assert r.status_code == 301
    assert r.headers["Location"] == "/api/v1/customers/12/"


def test_unknown_path_without_slash_is_404(server):
    for path in ("/auth/nothing", "/api/v1/customers/abc", "/api/v1/customers/me/extra"):
        r = server.get(path)
        assert r.status_code == 404, path
        assert json_body(r) == NOT_FOUND


@pytest.mark.parametrize("method,path", [("POST", "/auth/token"),
                                         ("POST", "/api/v1/customers"),
                                         ("POST", "/auth/token/refresh"),
                                         ("PUT", "/api/v1/customers/1"),
                                         ("DELETE", "/api/v1/customers/1")])
def test_non_get_without_slash_is_404(server, method, path):
    r = server.request(method, path, json={"email": "a@example.com", "password": "x"})
    assert r.status_code == 404
    assert json_body(r) == NOT_FOUND
    assert "Location" not in r.headers


def test_get_on_token_endpoint_is_405_with_allow(server):
    for path in ("/auth/token/", "/auth/token/refresh/", "/auth/token/verify/",
                 "/auth/token/blacklist/", "/auth/logout/"):
        r = server.get(path)
        assert r.status_code == 405, path
        assert json_body(r) == {"detail": 'Method "GET" not allowed.'}
        assert r.headers["Allow"] == "POST, OPTIONS"
    r = server.put("/auth/token/", json={})
    assert r.status_code == 405
    assert json_body(r) == {"detail": 'Method "PUT" not allowed.'}


def test_get_on_registration_is_405(server):
    r = server.get("/api/v1/customers/")
    assert r.status_code == 405
    assert json_body(r) == {"detail": 'Method "GET" not allowed.'}
    assert r.headers["Allow"] == "POST, OPTIONS"


def test_options_on_token_endpoint(server):
    r = server.request("OPTIONS", "/auth/token/")
    assert r.status_code == 200
    assert r.headers["Allow"] == "POST, OPTIONS"
    assert json_body(r) == {"name": "Token Obtain Pair", "description": "",
                            "renders": ["application/json"],
                            "parses": ["application/json",
                                       "application/x-www-form-urlencoded"]}


def test_options_on_registration(server):
    r = server.request("OPTIONS", "/api/v1/customers/")
    assert r.status_code == 200
    assert r.headers["Allow"] == "POST, OPTIONS"
    body = json_body(r)
    assert body["parses"] == ["application/json", "application/x-www-form-urlencoded"]
    assert body["renders"] == ["application/json"]
    assert body["description"] == ""
    assert isinstance(body["name"], str) and body["name"]


def test_token_endpoints_ignore_authorization(server):
    body, _ = register(server)
    for auth in ("Bearer garbage", "Bearer", "Bearer a b"):
        r = server.post(LOGIN, json={"email": body["email"], "password": body["password"]},
                        headers={"Authorization": auth})
        assert r.status_code == 200, (auth, r.text)


def test_body_over_limit_on_registration_is_413(server):
    big = b'{"email":"' + b"a" * (1024 * 1024 + 16) + b'"}'
    r = post_raw(server, REGISTER, big, "application/json")
    assert r.status_code == 413
    assert json_body(r) == {"detail": "Request body too large."}


@pytest.mark.parametrize("value", [["a"], {"a": 1}, True, False])
def test_string_fields_refuse_other_types(server, value):
    r = server.post(REGISTER, json=registration(first_name=value))
    assert r.status_code == 400
    assert json_body(r) == {"first_name": ["Not a valid string."]}


def test_string_fields_take_numbers_and_trim(server):
    # §0.1: a string field takes numbers (converted) and trims surrounding whitespace
    email = unique_email("trim")
    r = server.post(REGISTER, json=registration(email=f"  {email} ", first_name="  Trim  ",
                                                last_name=1234))
    assert r.status_code == 201, r.text
    body = json_body(r)
    assert body["email"] == email
    assert body["first_name"] == "Trim"
    assert body["last_name"] == "1234"
