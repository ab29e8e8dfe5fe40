"""API.md §1: tokens (obtain, refresh, verify, blacklist, logout), their format and
interoperability with PyJWT/SimpleJWT, every hostile token of SECURITY.md "Tokens" on a
protected route, Bearer header forms, and login throttling."""
import hashlib
import json
import re
import statistics
import threading
import time
import uuid

import jwt
import pytest
import requests

from conftest import SECRET, Server, _finish, raw_http
from helpers import (BAD_HEADER, NO_ACTIVE_ACCOUNT, NO_ACTIVE_FOR_TOKEN, NOT_AUTHENTICATED,
                     REQUIRED, TOKEN_BLACKLISTED, TOKEN_INVALID,
                     TOKEN_WRONG_TYPE, USER_NOT_FOUND, WWW_AUTH, access_error, assert_401,
                     b64url, b64url_decode, bearer, claims, json_body, login, make_token,
                     new_customer, random_key, register, resign, sign, token_parts,
                     unique_email)

ME = "/api/v1/customers/me/"
OBTAIN = "/auth/token/"
REFRESH = "/auth/token/refresh/"
VERIFY = "/auth/token/verify/"
BLACKLIST = "/auth/token/blacklist/"
LOGOUT = "/auth/logout/"
JTI_RE = re.compile(r"^[0-9a-f]{32}$")
B64URL_RE = re.compile(r"^[A-Za-z0-9_-]+$")


@pytest.fixture(scope="module")
def cust(server):
    return new_customer(server, first_name="Ada", last_name="Token")


@pytest.fixture(scope="module")
def rot_server():
    srv = Server({"ROTATE_REFRESH_TOKENS": "1", "BLACKLIST_AFTER_ROTATION": "1",
                  "SHOPD_THREADS": "16"}).start()
    yield srv
    _finish(srv)


def me(server, token):
    return server.get(ME, headers=bearer(token))


def assert_me_ok(server, token, cid):
    r = me(server, token)
    assert r.status_code == 200, (r.status_code, r.text)
    assert json_body(r)["id"] == cid


# --- obtain (§1.2) -----------------------------------------------------------------

def test_obtain_pair_shape_and_jwt_header(server, cust):
    r = server.post(OBTAIN, json={"email": cust.email, "password": cust.password})
    assert r.status_code == 200
    body = json_body(r)
    assert list(body) == ["refresh", "access"]
    for tok in body.values():
        segs = tok.split(".")
        assert len(segs) == 3
        assert all(B64URL_RE.match(s) for s in segs), tok
        raw_header = b64url_decode(segs[0])
        header = json.loads(raw_header)
        assert header == {"alg": "HS256", "typ": "JWT"}
        assert list(header) == ["alg", "typ"]
        assert len(b64url_decode(segs[2])) == 32


def test_token_claims(server, cust):
    t0 = int(time.time())
    tokens = login(server, cust.email)
    t1 = int(time.time())
    pair = {}
    for kind, lifetime in (("access", 3600), ("refresh", 259200)):
        _, c = token_parts(tokens[kind])
        assert set(c) == {"token_type", "exp", "iat", "jti", "user_id", "pwv"}, c
        assert c["token_type"] == kind
        assert type(c["user_id"]) is int and c["user_id"] == cust.id
        assert type(c["pwv"]) is int
        assert type(c["iat"]) is int and type(c["exp"]) is int
        assert t0 - 1 <= c["iat"] <= t1 + 1
        assert c["exp"] - c["iat"] == lifetime
        assert JTI_RE.match(c["jti"]), c["jti"]
        pair[kind] = c
    assert pair["access"]["jti"] != pair["refresh"]["jti"]
    assert pair["access"]["pwv"] == pair["refresh"]["pwv"]
    # a new login gives new token ids
    again = login(server, cust.email)
    assert token_parts(again["access"])[1]["jti"] != pair["access"]["jti"]


def test_lifetimes_are_configurable(make_server):
    srv = make_server({"ACCESS_TOKEN_LIFETIME": "60", "REFRESH_TOKEN_LIFETIME": "120"})
    c = new_customer(srv)
    _, a = token_parts(c.access)
    _, rf = token_parts(c.refresh)
    assert a["exp"] - a["iat"] == 60
    assert rf["exp"] - rf["iat"] == 120


def test_wrong_password_and_unknown_email_are_identical(server, cust):
    wrong = server.post(OBTAIN, json={"email": cust.email, "password": "Wrong-pass-123"})
    unknown = server.post(OBTAIN, json={"email": unique_email("nobody"),
                                        "password": "Wrong-pass-123"})
    case = server.post(OBTAIN, json={"email": cust.email, "password": cust.password.upper()})
    for r in (wrong, unknown, case):
        assert_401(r, NO_ACTIVE_ACCOUNT)
    assert wrong.content == unknown.content
    assert wrong.headers["Content-Type"] == unknown.headers["Content-Type"]
    assert wrong.headers.get("Content-Length") == unknown.headers.get("Content-Length")


def test_unknown_email_costs_a_password_hash(server):
    # identical in time: an unknown email still costs one hash (SECURITY.md)
    c = new_customer(server)

    def timed(email):
        t = time.perf_counter()
        r = server.post(OBTAIN, json={"email": email, "password": "Not-the-pass-9"})
        assert r.status_code == 401
        return time.perf_counter() - t

    known, unknown = [], []
    for _ in range(6):  # interleaved, so that warm-up and load hit both alike
        known.append(timed(c.email))
        unknown.append(timed(unique_email("ghost")))
    # without a dummy hash an unknown email answers in a millisecond or two
    assert statistics.median(unknown) > 0.4 * statistics.median(known), (known, unknown)


def test_email_lookup_is_case_insensitive(server):
    email = f"Mixed.{uuid.uuid4().hex[:8]}@Example.COM"
    body, _ = register(server, email=email)
    for variant in (email, email.lower(), email.upper()):
        r = server.post(OBTAIN, json={"email": variant, "password": body["password"]})
        assert r.status_code == 200, (variant, r.text)


def test_obtain_trims_email(server, cust):
    r = server.post(OBTAIN, json={"email": f"  {cust.email}\t", "password": cust.password})
    assert r.status_code == 200, r.text


def test_obtain_field_errors(server):
    cases = [
        ({}, {"email": REQUIRED, "password": REQUIRED}),
        ({"email": "a@example.com"}, {"password": REQUIRED}),
        ({"password": "x"}, {"email": REQUIRED}),
        ({"email": "", "password": ""}, {"email": ["This field may not be blank."],
                                         "password": ["This field may not be blank."]}),
        ({"email": None, "password": None}, {"email": ["This field may not be null."],
                                             "password": ["This field may not be null."]}),
    ]
    for sent, expected in cases:
        r = server.post(OBTAIN, json=sent)
        assert r.status_code == 400, sent
        assert json_body(r) == expected, sent


# --- refresh (§1.3) -----------------------------------------------------------------

def test_refresh_returns_only_access(server, cust):
    r = server.post(REFRESH, json={"refresh": cust.refresh})
    assert r.status_code == 200
    body = json_body(r)
    assert list(body) == ["access"]
    _, c = token_parts(body["access"])
    _, rc = token_parts(cust.refresh)
    assert c["token_type"] == "access"
    assert c["user_id"] == cust.id and c["pwv"] == rc["pwv"]
    assert JTI_RE.match(c["jti"]) and c["jti"] != rc["jti"]
    assert_me_ok(server, body["access"], cust.id)
    # without rotation the same refresh token keeps working
    assert server.post(REFRESH, json={"refresh": cust.refresh}).status_code == 200


def test_refreshed_access_copies_refresh_claims(server):
    c = new_customer(server)
    _, rc = token_parts(c.refresh)
    time.sleep(1.1)
    t0 = int(time.time())
    r = server.post(REFRESH, json={"refresh": c.refresh})
    t1 = int(time.time())
    assert r.status_code == 200
    _, ac = token_parts(r.json()["access"])
    assert ac["iat"] == rc["iat"]  # copied, as SimpleJWT does
    assert t0 + 3600 <= ac["exp"] <= t1 + 3600  # exp from the time of refreshing
    assert set(ac) == {"token_type", "exp", "iat", "jti", "user_id", "pwv"}


def test_refresh_copies_foreign_claims(server, cust):
    # "copies the refresh token's claims except token_type, exp and jti"
    tok = make_token(claims(cust.id, "refresh", 600, org="acme"))
    r = server.post(REFRESH, json={"refresh": tok})
    assert r.status_code == 200, r.text
    _, ac = token_parts(r.json()["access"])
    assert ac["org"] == "acme" and ac["user_id"] == cust.id


def test_refresh_errors(server, cust):
    r = server.post(REFRESH, json={})
    assert r.status_code == 400 and json_body(r) == {"refresh": REQUIRED}
    for bad in ("garbage", "a.b.c", make_token(claims(cust.id, "refresh"), key="other-key"),
                make_token(claims(cust.id, "refresh", -10))):
        assert_401(server.post(REFRESH, json={"refresh": bad}), TOKEN_INVALID)
    assert_401(server.post(REFRESH, json={"refresh": cust.access}), TOKEN_WRONG_TYPE)
    no_type = claims(cust.id, "refresh")
    del no_type["token_type"]
    assert_401(server.post(REFRESH, json={"refresh": make_token(no_type)}),
               {"detail": "Token has no type", "code": "token_not_valid"})


def test_refresh_for_unknown_customer_is_no_active_account(server):
    tok = make_token(claims(987654321, "refresh"))
    assert_401(server.post(REFRESH, json={"refresh": tok}), NO_ACTIVE_FOR_TOKEN)


def test_refresh_form_encoded(server, cust):
    r = server.post(REFRESH, data={"refresh": cust.refresh})
    assert r.status_code == 200 and list(json_body(r)) == ["access"]


def test_rotation_without_blacklist(make_server):
    srv = make_server({"ROTATE_REFRESH_TOKENS": "1"})
    c = new_customer(srv)
    r = srv.post(REFRESH, json={"refresh": c.refresh})
    assert r.status_code == 200
    body = json_body(r)
    assert list(body) == ["access", "refresh"]
    _, new = token_parts(body["refresh"])
    _, old = token_parts(c.refresh)
    assert new["token_type"] == "refresh" and new["jti"] != old["jti"]
    assert new["user_id"] == c.id
    # the old one is not blacklisted without BLACKLIST_AFTER_ROTATION
    assert srv.post(REFRESH, json={"refresh": c.refresh}).status_code == 200
    assert srv.post(REFRESH, json={"refresh": body["refresh"]}).status_code == 200


def test_rotation_with_blacklist(rot_server):
    c = new_customer(rot_server)
    r = rot_server.post(REFRESH, json={"refresh": c.refresh})
    assert r.status_code == 200
    body = json_body(r)
    assert list(body) == ["access", "refresh"]
    assert_401(rot_server.post(REFRESH, json={"refresh": c.refresh}), TOKEN_BLACKLISTED)
    r2 = rot_server.post(REFRESH, json={"refresh": body["refresh"]})
    assert r2.status_code == 200
    assert_me_ok(rot_server, r2.json()["access"], c.id)
    # verify reports the rotated-away token as blacklisted
    r = rot_server.post(VERIFY, json={"token": c.refresh})
    assert r.status_code == 400
    assert json_body(r) == {"non_field_errors": ["Token is blacklisted"]}


def test_concurrent_refreshes_succeed_exactly_once(rot_server):
    c = new_customer(rot_server)
    n = 20
    barrier = threading.Barrier(n)
    results = [None] * n

    def worker(i):
        barrier.wait()
        try:
            results[i] = requests.post(rot_server.url + REFRESH, json={"refresh": c.refresh},
                                       timeout=30)
        except requests.RequestException as e:  # recorded, then failed below
            results[i] = e

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    statuses = [getattr(r, "status_code", r) for r in results]
    assert statuses.count(200) == 1, statuses
    for r in results:
        if r.status_code != 200:
            assert_401(r, TOKEN_BLACKLISTED)


# --- verify (§1.4) ------------------------------------------------------------------

def test_verify(server, cust):
    for tok in (cust.access, cust.refresh):
        r = server.post(VERIFY, json={"token": tok})
        assert r.status_code == 200 and json_body(r) == {}
    r = server.post(VERIFY, json={})
    assert r.status_code == 400 and json_body(r) == {"token": REQUIRED}
    for bad in ("garbage", make_token(claims(cust.id), key="k"),
                make_token(claims(cust.id, lifetime=-1))):
        assert_401(server.post(VERIFY, json={"token": bad}), TOKEN_INVALID)


def test_verify_trims_surrounding_whitespace(server, cust):
    # §0.1: a string field trims surrounding whitespace (DRF CharField, as in SimpleJWT)
    r = server.post(VERIFY, json={"token": f"  {cust.access}\n"})
    assert r.status_code == 200 and json_body(r) == {}


def test_refresh_and_blacklist_trim_surrounding_whitespace(server):
    c = new_customer(server)
    r = server.post(REFRESH, json={"refresh": f" {c.refresh}\t"})
    assert r.status_code == 200, r.text
    r = server.post(BLACKLIST, json={"refresh": f"\n{c.refresh} "})
    assert r.status_code == 200 and json_body(r) == {}
    assert_401(server.post(REFRESH, json={"refresh": c.refresh}), TOKEN_BLACKLISTED)


@pytest.mark.parametrize("sep", [" ", "\t", "\n", "\r\n"])
def test_verify_rejects_whitespace_inside(server, cust, sep):
    h, p, s = cust.access.split(".")
    for tok in (f"{h}.{p[:10]}{sep}{p[10:]}.{s}", f"{h}.{p}.{s[:5]}{sep}{s[5:]}",
                f"{h}{sep}.{p}.{s}"):
        assert_401(server.post(VERIFY, json={"token": tok}), TOKEN_INVALID)


def test_verify_rejects_nul_inside(server, cust):
    # API.md does not say how a NUL in a string field is refused (DRF: 400 "Null
    # characters are not allowed."); it must never verify.
    h, p, s = cust.access.split(".")
    for tok in (f"{h}.{p[:10]}\x00{p[10:]}.{s}", f"{h}.{p}.{s}\x00", f"{h}.{p}.{s[:5]}\x00"):
        r = server.post(VERIFY, json={"token": tok})
        assert r.status_code in (400, 401), (r.status_code, r.text)
        if r.status_code == 401:
            assert json_body(r) == TOKEN_INVALID


def test_verify_large_and_deep_tokens(server, cust):
    deep = make_token("[" * 100000 + "]" * 100000)
    deep_obj = make_token('{"a":' * 50000 + "1" + "}" * 50000)
    for tok in ("a" * 8192, "a." * 32768 + "a", "x" * 1000000, deep, deep_obj,
                make_token(claims(cust.id, pad="p" * 60000), key="wrong")):
        r = server.post(VERIFY, json={"token": tok})
        assert_401(r, TOKEN_INVALID)
    assert server.get("/healthz").status_code == 200


# --- blacklist and logout (§1.5) ---------------------------------------------------

@pytest.mark.parametrize("path", [BLACKLIST, LOGOUT])
def test_blacklist_and_logout(server, path):
    c = new_customer(server)
    r = server.post(path, json={"refresh": c.refresh})
    assert r.status_code == 200 and json_body(r) == {}
    assert_401(server.post(REFRESH, json={"refresh": c.refresh}), TOKEN_BLACKLISTED)
    assert_401(server.post(path, json={"refresh": c.refresh}), TOKEN_BLACKLISTED)
    r = server.post(VERIFY, json={"token": c.refresh})
    assert r.status_code == 400
    assert json_body(r) == {"non_field_errors": ["Token is blacklisted"]}
    # a fresh login is unaffected
    fresh = login(server, c.email)
    assert server.post(REFRESH, json={"refresh": fresh["refresh"]}).status_code == 200


@pytest.mark.parametrize("path", [BLACKLIST, LOGOUT])
def test_blacklist_of_deleted_customer_is_no_active_account(server, path):
    # §1.5 "Errors as §1.3": customer deactivated since → no_active_account
    c = new_customer(server)
    assert server.delete(c.path, headers=c.auth).status_code == 204
    assert_401(server.post(path, json={"refresh": c.refresh}), NO_ACTIVE_FOR_TOKEN)


@pytest.mark.parametrize("path", [BLACKLIST, LOGOUT])
def test_blacklist_errors(server, cust, path):
    r = server.post(path, json={})
    assert r.status_code == 400 and json_body(r) == {"refresh": REQUIRED}
    assert_401(server.post(path, json={"refresh": "garbage"}), TOKEN_INVALID)
    assert_401(server.post(path, json={"refresh": cust.access}), TOKEN_WRONG_TYPE)


# --- interoperability with PyJWT / SimpleJWT ----------------------------------------

def simplejwt_claims(user_id, token_type="access", lifetime=300):
    now = int(time.time())
    return {"token_type": token_type, "exp": now + lifetime, "iat": now,
            "jti": uuid.uuid4().hex, "user_id": user_id}


@pytest.mark.parametrize("as_string", [False, True])
def test_pyjwt_minted_access_token_is_accepted(server, cust, as_string):
    uid = str(cust.id) if as_string else cust.id
    tok = jwt.encode(simplejwt_claims(uid), SECRET, algorithm="HS256")
    assert_me_ok(server, tok, cust.id)
    r = server.post(VERIFY, json={"token": tok})
    assert r.status_code == 200 and r.json() == {}


def test_pyjwt_minted_refresh_token_refreshes(server, cust):
    tok = jwt.encode(simplejwt_claims(str(cust.id), "refresh"), SECRET, algorithm="HS256")
    r = server.post(REFRESH, json={"refresh": tok})
    assert r.status_code == 200, r.text
    assert_me_ok(server, r.json()["access"], cust.id)


def test_shopd_tokens_decode_with_pyjwt(server, cust):
    for kind in ("access", "refresh"):
        tok = getattr(cust, kind)
        assert jwt.get_unverified_header(tok) == {"alg": "HS256", "typ": "JWT"}
        payload = jwt.decode(tok, SECRET, algorithms=["HS256"])
        assert payload["token_type"] == kind and payload["user_id"] == cust.id
        with pytest.raises(jwt.InvalidSignatureError):
            jwt.decode(tok, SECRET + "x", algorithms=["HS256"])


def test_used_token_is_refused_once_expired(server, cust):
    """Verified tokens are remembered per worker thread (domain/jwt_cache.c): expiry must
    still be checked on every request. New connections spread the requests over the
    workers so that several of them hold the token."""
    exp = int(time.time()) + 2
    tok = jwt.encode({**simplejwt_claims(cust.id), "exp": exp}, SECRET, algorithm="HS256")
    for _ in range(12):
        r = requests.get(server.url + ME, headers={**bearer(tok), "Connection": "close"})
        assert r.status_code == 200, r.text
    time.sleep(max(0.0, exp - time.time()) + 0.2)
    for _ in range(12):
        r = requests.get(server.url + ME, headers={**bearer(tok), "Connection": "close"})
        assert_401(r, access_error(INVALID))


def test_token_for_unknown_user(server):
    tok = jwt.encode(simplejwt_claims(987654321), SECRET, algorithm="HS256")
    assert_401(me(server, tok), USER_NOT_FOUND)


# --- hostile tokens on a protected route (SECURITY.md "Tokens") ----------------------

PEM = ("-----BEGIN PUBLIC KEY-----\n"
       "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEEVs/o5+uQbTjL3chynL4wXgUg2R9\n"
       "q9UU8I5mEovUf86QZ7kOBIjJwqnzD1omageEHWwHdBO6B+dFabmdT9POxg==\n"
       "-----END PUBLIC KEY-----\n")
INVALID = "Token is invalid or expired"


def _hdr(**kw):
    return json.dumps(kw, separators=(",", ":"))


def _pl(uid, **over):
    c = claims(uid)
    c.update(over)
    return {k: v for k, v in c.items() if v is not _DROP}


_DROP = object()


def _payload_text(uid, exp_text):
    now = int(time.time())
    return ('{"token_type":"access","exp":%s,"iat":%d,"jti":"%s","user_id":%d,"pwv":0}'
            % (exp_text, now, uuid.uuid4().hex, uid))


def _swap_char(uid, which, seg_index):
    """A correctly signed token whose segment `seg_index` contains '-' (or '_'),
    rewritten with '+' (or '/'), then signed again over the rewritten text."""
    src, dst = ("-", "+") if which == "plus" else ("_", "/")
    for k in range(200):
        # '~' and '?' runs encode to '-' and '_' whatever their alignment
        tok = make_token(_pl(uid, n="a" * (k % 3) + "~~~???" + uuid.uuid4().hex))
        segs = tok.split(".")
        if src in segs[seg_index]:
            segs[seg_index] = segs[seg_index].replace(src, dst)
            if seg_index == 2:
                return ".".join(segs)
            return resign(segs[0] + "." + segs[1])
    raise AssertionError("could not build token")


def _padded(uid, seg_index):
    """A token with '=' padding on one segment, signed over the padded text."""
    for k in range(1, 8):
        header = _hdr(alg="HS256", typ="JWT", kid="k" * k)  # kid is ignored (see below)
        segs = make_token(_pl(uid, n="n" * k), header=header).split(".")
        if len(segs[seg_index]) % 4:
            segs[seg_index] += "=" * (-len(segs[seg_index]) % 4)
            if seg_index == 2:
                return ".".join(segs)
            return resign(segs[0] + "." + segs[1])
    raise AssertionError("could not build token")


def _trailing_bits(uid):
    tok = make_token(_pl(uid))
    h, p, s = tok.split(".")
    # 43 characters hold 258 bits; the last character's 2 low bits must be zero
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    v = alphabet.index(s[-1])
    return f"{h}.{p}.{s[:-1]}{alphabet[v | 1]}"


def _flip_payload_bit(uid):
    h, p, s = make_token(_pl(uid)).split(".")
    raw = bytearray(b64url_decode(p))
    i = raw.index(b'"access"') + 2
    raw[i] ^= 0x01
    return f"{h}.{b64url(bytes(raw))}.{s}"


def _flip_sig_bit(uid):
    h, p, s = make_token(_pl(uid)).split(".")
    raw = bytearray(b64url_decode(s))
    raw[5] ^= 0x80
    return f"{h}.{p}.{b64url(bytes(raw))}"


def _alg(uid, alg, sig="empty"):
    header = _hdr(alg=alg, typ="JWT") if alg is not _DROP else _hdr(typ="JWT")
    si = b64url(header) + "." + b64url(json.dumps(_pl(uid)))
    if sig == "empty":
        return si + "."
    return si + "." + sign(si)


def _hs512(uid):
    return make_token(_pl(uid), header=_hdr(alg="HS512", typ="JWT"), digest=hashlib.sha512)


def _user_stripped(uid, dot):
    h, p, _s = make_token(_pl(uid)).split(".")
    return f"{h}.{p}" + ("." if dot else "")


def _dup_header(uid, second):
    return make_token(_pl(uid), header='{"alg":"HS256","typ":"JWT","alg":"%s"}' % second)


def _dup_payload(uid, key, first, second):
    body = json.dumps(_pl(uid), separators=(",", ":"))
    body = body[:-1] + ',"%s":%s,"%s":%s}' % (key, json.dumps(first), key, json.dumps(second))
    return make_token(body)


def _bad_utf8(uid, where):
    body = json.dumps(_pl(uid), separators=(",", ":")).encode()
    body = body[:-1] + b',"x":"\xff\xfe\xc0\xaf"}'
    if where == "payload":
        return make_token(body)
    return make_token(body.replace(b"\xff\xfe\xc0\xaf", b""),
                      header=b'{"alg":"HS256","typ":"JWT","x":"\xc3\x28"}')


def _big(uid, size):
    pad = "p" * size
    return make_token(_pl(uid, pad=pad), key="not-the-server-key")


def _nested(depth, where, uid):
    deep = "[" * depth + "]" * depth
    if where == "payload":
        return make_token(deep)
    return make_token(_pl(uid), header=deep)


def _nested_claim(uid, depth):
    """Well signed, expired, with a deeply nested extra claim the parser must get through."""
    body = json.dumps(_pl(uid, exp=int(time.time()) - 10), separators=(",", ":"))
    return make_token(body[:-1] + ',"x":' + '{"a":' * depth + "1" + "}" * depth + "}")


# (id, builder(uid), expected message)
ATTACKS = [
    ("alg-none", lambda u: _alg(u, "none"), INVALID),
    ("alg-None", lambda u: _alg(u, "None"), INVALID),
    ("alg-NONE", lambda u: _alg(u, "NONE"), INVALID),
    ("alg-empty", lambda u: _alg(u, ""), INVALID),
    ("alg-none-signed", lambda u: _alg(u, "none", "hs256"), INVALID),
    ("alg-empty-signed", lambda u: _alg(u, "", "hs256"), INVALID),
    ("alg-missing", lambda u: _alg(u, _DROP, "hs256"), INVALID),
    ("alg-null", lambda u: _alg(u, None, "hs256"), INVALID),
    ("alg-hs256-lower", lambda u: _alg(u, "hs256", "hs256"), INVALID),
    ("alg-HS512", _hs512, INVALID),
    ("alg-HS384-label", lambda u: _alg(u, "HS384", "hs256"), INVALID),
    ("alg-RS256-hmac", lambda u: _alg(u, "RS256", "hs256"), INVALID),
    ("alg-RS256-pem-key", lambda u: make_token(_pl(u), header=_hdr(alg="RS256", typ="JWT"),
                                               key=PEM), INVALID),
    ("sig-stripped-dot", lambda u: _user_stripped(u, True), INVALID),
    ("sig-stripped", lambda u: _user_stripped(u, False), INVALID),
    ("one-segment", lambda u: b64url(json.dumps(_pl(u))), INVALID),
    ("four-segments", lambda u: make_token(_pl(u)) + ".AAAA", INVALID),
    ("four-segments-empty", lambda u: make_token(_pl(u)) + ".", INVALID),
    ("five-segments", lambda u: make_token(_pl(u)) + ".a.b", INVALID),
    ("empty-segments", lambda u: "..", INVALID),
    ("payload-bit-flipped", _flip_payload_bit, INVALID),
    ("sig-bit-flipped", _flip_sig_bit, INVALID),
    ("key-other", lambda u: make_token(_pl(u), key=random_key()), INVALID),
    ("key-empty", lambda u: make_token(_pl(u), key=b""), INVALID),
    ("key-secret", lambda u: make_token(_pl(u), key="secret"), INVALID),
    ("key-pem", lambda u: make_token(_pl(u), key=PEM), INVALID),
    ("key-prefix", lambda u: make_token(_pl(u), key=SECRET[:-1]), INVALID),
    ("type-refresh", lambda u: make_token(_pl(u, token_type="refresh")), "Token has wrong type"),
    ("type-unknown", lambda u: make_token(_pl(u, token_type="id")), "Token has wrong type"),
    ("type-upper", lambda u: make_token(_pl(u, token_type="ACCESS")), "Token has wrong type"),
    ("type-missing", lambda u: make_token(_pl(u, token_type=_DROP)), "Token has no type"),
    ("dup-header-alg", lambda u: _dup_header(u, "none"), INVALID),
    ("dup-header-same", lambda u: _dup_header(u, "HS256"), INVALID),
    ("dup-payload-user", lambda u: _dup_payload(u, "user_id", 987654321, u), INVALID),
    ("dup-payload-type", lambda u: _dup_payload(u, "token_type", "refresh", "access"), INVALID),
    ("dup-payload-exp", lambda u: _dup_payload(u, "exp", 1, int(time.time()) + 600), INVALID),
    ("exp-now", lambda u: make_token(_pl(u, exp=int(time.time()))), INVALID),
    ("exp-now-1", lambda u: make_token(_pl(u, exp=int(time.time()) - 1)), INVALID),
    ("exp-string", lambda u: make_token(_pl(u, exp="tomorrow")), INVALID),
    ("exp-numeric-string", lambda u: make_token(_pl(u, exp=str(int(time.time()) + 600))),
     INVALID),
    ("exp-null", lambda u: make_token(_pl(u, exp=None)), INVALID),
    ("exp-array", lambda u: make_token(_pl(u, exp=[int(time.time()) + 600])), INVALID),
    ("exp-object", lambda u: make_token(_pl(u, exp={"t": 1})), INVALID),
    ("exp-bool", lambda u: make_token(_pl(u, exp=True)), INVALID),
    ("exp-1e309", lambda u: make_token(_payload_text(u, "1e309")), INVALID),
    ("exp-negative", lambda u: make_token(_pl(u, exp=-1)), INVALID),
    ("exp-huge-int", lambda u: make_token(_payload_text(u, "1" + "0" * 40)), INVALID),
    ("iat-future", lambda u: make_token(_pl(u, iat=int(time.time()) + 3600)), INVALID),
    ("pad-header", lambda u: _padded(u, 0), INVALID),
    ("pad-payload", lambda u: _padded(u, 1), INVALID),
    ("pad-sig", lambda u: _padded(u, 2), INVALID),
    ("plus-payload", lambda u: _swap_char(u, "plus", 1), INVALID),
    ("slash-payload", lambda u: _swap_char(u, "slash", 1), INVALID),
    ("plus-sig", lambda u: _swap_char(u, "plus", 2), INVALID),
    ("slash-sig", lambda u: _swap_char(u, "slash", 2), INVALID),
    ("sig-trailing-bits", _trailing_bits, INVALID),
    ("sig-extra-char", lambda u: make_token(_pl(u)) + "A", INVALID),
    ("sig-extra-bytes", lambda u: make_token(_pl(u)) + "AAAA", INVALID),
    ("sig-truncated", lambda u: make_token(_pl(u))[:-1], INVALID),
    ("sig-16-bytes", lambda u: make_token(_pl(u))[:-22], INVALID),
    ("invalid-utf8-payload", lambda u: _bad_utf8(u, "payload"), INVALID),
    ("invalid-utf8-header", lambda u: _bad_utf8(u, "header"), INVALID),
    ("nul-in-payload", lambda u: make_token(json.dumps(_pl(u))[:-1] + ',"x":"\x00"}'), INVALID),
    ("payload-array", lambda u: make_token("[]"), INVALID),
    ("payload-string", lambda u: make_token('"access"'), INVALID),
    ("payload-number", lambda u: make_token("1"), INVALID),
    ("payload-null", lambda u: make_token("null"), INVALID),
    ("payload-empty", lambda u: make_token(""), INVALID),
    ("header-array", lambda u: make_token(_pl(u), header='["HS256"]'), INVALID),
    ("header-string", lambda u: make_token(_pl(u), header='"HS256"'), INVALID),
    ("header-empty", lambda u: make_token(_pl(u), header=""), INVALID),
    ("payload-trailing-garbage", lambda u: make_token(json.dumps(_pl(u)) + "x"), INVALID),
    ("payload-nan", lambda u: make_token(_payload_text(u, "NaN")), INVALID),
    # the largest tokens that still fit the 8 KiB header limit (bigger: see below)
    ("token-7.5kb", lambda u: _big(u, 5400), INVALID),
    ("garbage-7.5kb", lambda u: "a" * 7600, INVALID),
    ("nested-payload-2500", lambda u: _nested(2500, "payload", u), INVALID),
    ("nested-header-2500", lambda u: _nested(2500, "header", u), INVALID),
    ("nested-object-700", lambda u: _nested_claim(u, 700), INVALID),
    ("user-id-float", lambda u: make_token(_pl(u, user_id=u + 0.5)), None),
]


@pytest.mark.parametrize("name,build,message", ATTACKS, ids=[a[0] for a in ATTACKS])
def test_hostile_token_on_protected_route(server, cust, name, build, message):
    tok = build(cust.id)
    r = me(server, tok)
    assert r.status_code == 401, (r.status_code, r.text[:300])
    assert r.headers.get("WWW-Authenticate") == WWW_AUTH
    body = json_body(r)
    if message is None:  # the rejection reason is not fixed by the contract
        assert body["code"] in ("token_not_valid", "user_not_found"), body
    else:
        assert body == access_error(message)


def test_hostile_tokens_never_break_the_server(server):
    assert server.get("/healthz").status_code == 200


def test_exp_missing(server, cust):
    tok = make_token(_pl(cust.id, exp=_DROP))
    r = me(server, tok)
    assert r.status_code == 401
    assert r.headers.get("WWW-Authenticate") == WWW_AUTH
    body = json_body(r)
    # SimpleJWT 5.4 words this "Token has no 'exp' claim"; both are token_not_valid
    assert body in (access_error(INVALID), access_error("Token has no 'exp' claim")), body


VERIFY_INVALID = [a for a in ATTACKS if a[2] == INVALID and not a[0].startswith("nul")]


@pytest.mark.parametrize("name,build,message", VERIFY_INVALID,
                         ids=[a[0] for a in VERIFY_INVALID])
def test_hostile_token_on_verify(server, cust, name, build, message):
    assert_401(server.post(VERIFY, json={"token": build(cust.id)}), TOKEN_INVALID)


def test_well_formed_control_token_is_accepted(server, cust):
    # the builders above produce valid tokens when nothing is wrong with them
    assert_me_ok(server, make_token(_pl(cust.id)), cust.id)
    assert_me_ok(server, make_token(_pl(cust.id, exp=int(time.time()) + 5)), cust.id)
    assert_me_ok(server, make_token(_pl(cust.id, n="x" * 4000)), cust.id)


@pytest.mark.parametrize("extra", [
    {"kid": "../../../../../../etc/passwd"},
    {"kid": "' OR '1'='1' --"},
    {"kid": "/dev/zero"},
    {"jku": "http://127.0.0.1:9/jwks.json"},
    {"x5u": "http://127.0.0.1:9/cert.pem"},
    {"jwk": {"kty": "oct", "k": b64url(b"secret")}},
    {"kid": "k1", "jku": "file:///etc/passwd", "x5u": "https://evil.example/x",
     "jwk": {"kty": "RSA", "n": "AQAB", "e": "AQAB"}},
], ids=["kid-path", "kid-sql", "kid-dev-zero", "jku", "x5u", "jwk", "all"])
def test_key_hint_headers_are_ignored(server, cust, extra):
    header = {"alg": "HS256", "typ": "JWT", **extra}
    assert_me_ok(server, make_token(_pl(cust.id), header=header), cust.id)
    # and they cannot make a token signed with another key valid
    if "jwk" in extra:
        bad = make_token(_pl(cust.id), header=header, key=b"secret")
        assert_401(me(server, bad), access_error())


def test_huge_tokens_in_header_never_5xx(server, cust):
    # Over the header limit (8 KiB, SECURITY.md "headers over 8 KB → 431 or 400") the
    # request may be refused before authentication; it must never be a 5xx or a crash.
    for size in (8 * 1024, 64 * 1024, 1024 * 1024):
        for tok in (_big(cust.id, size), "a" * size):
            req = (f"GET {ME} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ".encode()
                   + tok.encode() + b"\r\nConnection: close\r\n\r\n")
            try:
                out = raw_http(server.port, req, timeout=10)
            except (ConnectionResetError, BrokenPipeError):
                out = b""
            if out:
                status = out.split(b" ", 2)[1]
                assert status in (b"401", b"413", b"431", b"400"), out[:300]
                if status == b"401":
                    assert b'"code":"token_not_valid"' in out
            assert server.get("/healthz").status_code == 200


def test_token_just_under_header_limit_is_401(server, cust):
    r = me(server, _big(cust.id, 5750))
    assert len(r.request.headers["Authorization"]) > 7850
    assert_401(r, access_error())


# --- Bearer header forms (§1.1) -------------------------------------------------------

def test_bearer_header_forms(server, cust):
    for value in ("Bearer", f"Bearer {cust.access} extra", "Bearer a b",
                  f"Bearer {cust.access[:20]}\t{cust.access[20:]}"):
        assert_401(server.get(ME, headers={"Authorization": value}), BAD_HEADER)
    for value in (f"Token {cust.access}", "Basic YTpi", f"bearer {cust.access}",
                  f"JWT {cust.access}"):
        assert_401(server.get(ME, headers={"Authorization": value}), NOT_AUTHENTICATED)
    assert_401(server.get(ME), NOT_AUTHENTICATED)
    assert_me_ok(server, cust.access, cust.id)
    # the header is split on runs of whitespace, as SimpleJWT does
    for value in (f"Bearer  {cust.access}", f"Bearer\t{cust.access}"):
        r = server.get(ME, headers={"Authorization": value})
        assert r.status_code == 200, (value[:10], r.text)


def test_real_refresh_token_on_protected_route(server, cust):
    assert_401(me(server, cust.refresh), access_error("Token has wrong type"))


def test_bad_bearer_on_public_route(server):
    # a Bearer header is checked on pub routes too (registration)
    r = server.post("/api/v1/customers/", json={}, headers={"Authorization": "Bearer x.y.z"})
    assert_401(r, access_error())


# --- throttling (§1.2) ----------------------------------------------------------------

def assert_throttled(r):
    assert r.status_code == 429, (r.status_code, r.text)
    retry = r.headers.get("Retry-After", "")
    assert retry.isdigit(), retry
    n = int(retry)
    assert 1 <= n <= 900  # 15-minute windows
    unit = "second" if n == 1 else "seconds"
    assert json_body(r) == {"detail": f"Request was throttled. Expected available in {n} {unit}."}


def test_per_account_throttle(make_server):
    srv = make_server({"LOGIN_FAILURES_PER_ACCOUNT": "3"})
    body, _ = register(srv)
    other, _ = register(srv)
    for _ in range(3):
        assert_401(srv.post(OBTAIN, json={"email": body["email"], "password": "Wrong-1234"}),
                   NO_ACTIVE_ACCOUNT)
    # the 4th attempt is refused, right password or not; upper case is the same key
    assert_throttled(srv.post(OBTAIN, json={"email": body["email"], "password": body["password"]}))
    assert_throttled(srv.post(OBTAIN, json={"email": body["email"].upper(),
                                            "password": "Wrong-1234"}))
    # another email from the same address is not throttled by the per-account limit
    assert_401(srv.post(OBTAIN, json={"email": other["email"], "password": "Wrong-1234"}),
               NO_ACTIVE_ACCOUNT)
    assert srv.post(OBTAIN, json={"email": other["email"],
                                  "password": other["password"]}).status_code == 200
    # unknown emails are counted too
    ghost = unique_email("ghost")
    for _ in range(3):
        assert_401(srv.post(OBTAIN, json={"email": ghost, "password": "x"}), NO_ACTIVE_ACCOUNT)
    assert_throttled(srv.post(OBTAIN, json={"email": ghost, "password": "x"}))


def test_success_does_not_reset_and_429_is_not_counted(make_server):
    srv = make_server({"LOGIN_FAILURES_PER_ACCOUNT": "3"})
    body, _ = register(srv)
    wrong = {"email": body["email"], "password": "Wrong-1234"}
    right = {"email": body["email"], "password": body["password"]}
    assert srv.post(OBTAIN, json=wrong).status_code == 401
    assert srv.post(OBTAIN, json=wrong).status_code == 401
    assert srv.post(OBTAIN, json=right).status_code == 200
    assert srv.post(OBTAIN, json=wrong).status_code == 401
    assert_throttled(srv.post(OBTAIN, json=right))


def test_per_address_throttle(make_server):
    srv = make_server({"LOGIN_FAILURES_PER_ADDRESS": "5"})
    body, _ = register(srv)
    for _ in range(5):
        assert_401(srv.post(OBTAIN, json={"email": unique_email("addr"), "password": "x"}),
                   NO_ACTIVE_ACCOUNT)
    assert_throttled(srv.post(OBTAIN, json={"email": unique_email("addr"), "password": "x"}))
    assert_throttled(srv.post(OBTAIN, json={"email": body["email"],
                                            "password": body["password"]}))
    # without TRUST_PROXY, X-Forwarded-For does not change the client address
    assert_throttled(srv.post(OBTAIN, json={"email": body["email"], "password": body["password"]},
                              headers={"X-Forwarded-For": "203.0.113.77"}))


def test_address_from_trusted_proxy(make_server):
    # TRUST_PROXY=1: the client is the rightmost X-Forwarded-For entry not a trusted proxy;
    # entries to its left are the client's own claims and are ignored.
    srv = make_server({"TRUST_PROXY": "1", "LOGIN_FAILURES_PER_ADDRESS": "3"})
    body, _ = register(srv)
    for i in range(3):
        xff = {"X-Forwarded-For": f"198.51.100.{i}, 203.0.113.5"}
        assert_401(srv.post(OBTAIN, json={"email": unique_email("px"), "password": "x"},
                            headers=xff), NO_ACTIVE_ACCOUNT)
    right = {"email": body["email"], "password": body["password"]}
    assert_throttled(srv.post(OBTAIN, json=right,
                              headers={"X-Forwarded-For": "198.51.100.99, 203.0.113.5"}))
    assert_throttled(srv.post(OBTAIN, json=right,
                              headers={"X-Forwarded-For": "203.0.113.5, 127.0.0.1"}))
    assert srv.post(OBTAIN, json=right,
                    headers={"X-Forwarded-For": "203.0.113.6"}).status_code == 200


def test_per_account_limit_is_per_email_and_address(make_server):
    srv = make_server({"TRUST_PROXY": "1", "LOGIN_FAILURES_PER_ACCOUNT": "3"})
    body, _ = register(srv)
    wrong = {"email": body["email"], "password": "Wrong-1234"}
    right = {"email": body["email"], "password": body["password"]}
    a = {"X-Forwarded-For": "203.0.113.10"}
    b = {"X-Forwarded-For": "203.0.113.11"}
    for _ in range(3):
        assert_401(srv.post(OBTAIN, json=wrong, headers=a), NO_ACTIVE_ACCOUNT)
    assert_throttled(srv.post(OBTAIN, json=right, headers=a))
    assert srv.post(OBTAIN, json=right, headers=b).status_code == 200


def test_throttled_attempts_are_not_counted(make_server):
    srv = make_server({"LOGIN_FAILURES_PER_ACCOUNT": "3", "LOGIN_FAILURES_PER_ADDRESS": "5"})
    a, _ = register(srv)
    b, _ = register(srv)
    for _ in range(3):
        assert srv.post(OBTAIN, json={"email": a["email"], "password": "x"}).status_code == 401
    for _ in range(4):  # refused: not failures, so the address count stays at 3
        assert_throttled(srv.post(OBTAIN, json={"email": a["email"], "password": "x"}))
    for _ in range(2):
        assert_401(srv.post(OBTAIN, json={"email": b["email"], "password": "x"}),
                   NO_ACTIVE_ACCOUNT)
    assert_throttled(srv.post(OBTAIN, json={"email": b["email"], "password": b["password"]}))


def test_missing_fields_are_not_failures(make_server):
    srv = make_server({"LOGIN_FAILURES_PER_ACCOUNT": "2"})
    body, _ = register(srv)
    for _ in range(4):
        assert srv.post(OBTAIN, json={"email": body["email"]}).status_code == 400
    assert srv.post(OBTAIN, json={"email": body["email"],
                                  "password": body["password"]}).status_code == 200


def test_concurrent_failures_cannot_pass_the_limit(make_server):
    srv = make_server({"LOGIN_FAILURES_PER_ACCOUNT": "3", "SHOPD_THREADS": "8"})
    body, _ = register(srv)
    n = 10
    barrier = threading.Barrier(n)
    results = [None] * n

    def worker(i):
        barrier.wait()
        results[i] = requests.post(srv.url + OBTAIN, timeout=30,
                                   json={"email": body["email"], "password": "Wrong-1234"})

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    statuses = sorted(r.status_code for r in results)
    assert set(statuses) <= {401, 429}, statuses
    assert 1 <= statuses.count(401) <= 3, statuses
    for r in results:
        if r.status_code == 429:
            assert_throttled(r)
    assert_throttled(srv.post(OBTAIN, json={"email": body["email"],
                                            "password": body["password"]}))


def test_repeated_authorization_header_is_refused(server):
    """Two Authorization headers would reach Django joined into one value with more than
    two words: bad_authorization_header, whatever the tokens are."""
    cust = new_customer(server)
    head = (f"GET /api/v1/customers/me/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Authorization: Bearer {cust.access}\r\nAuthorization: Bearer {cust.access}\r\n"
            f"Connection: close\r\n\r\n").encode()
    out = raw_http(server.port, head)
    assert out.startswith(b"HTTP/1.1 401"), out[:100]
    assert b'"code":"bad_authorization_header"' in out
