"""Shared helpers for the black-box API tests: register and log customers in, build
JWTs by hand (so that malformed and hostile tokens can be made byte by byte), the
exact error bodies of API.md §1, and direct database access for tests that must look
at or change stored rows (password hashes)."""
import base64
import hashlib
import hmac
import json
import os
import sqlite3
import subprocess
import time
import uuid

from conftest import BACKEND, SECRET

STRONG_PASSWORD = "Kx9#mQ2vLp7!wZ"
WWW_AUTH = 'Bearer realm="api"'
CUSTOMER_KEYS = ["id", "email", "first_name", "last_name", "slug", "date_of_birth",
                 "address", "last_purchase_date"]

NOT_AUTHENTICATED = {"detail": "Authentication credentials were not provided."}
FORBIDDEN = {"detail": "You do not have permission to perform this action."}
NOT_FOUND = {"detail": "Not found."}
NO_ACTIVE_ACCOUNT = {"detail": "No active account found with the given credentials"}
REQUIRED = ["This field is required."]
BAD_HEADER = {"detail": "Authorization header must contain two space-delimited values",
              "code": "bad_authorization_header"}
USER_NOT_FOUND = {"detail": "User not found", "code": "user_not_found"}
USER_INACTIVE = {"detail": "User is inactive", "code": "user_inactive"}
PASSWORD_CHANGED = {"detail": "The user's password has been changed.",
                    "code": "password_changed"}
TOKEN_INVALID = {"detail": "Token is invalid or expired", "code": "token_not_valid"}
TOKEN_WRONG_TYPE = {"detail": "Token has wrong type", "code": "token_not_valid"}
TOKEN_BLACKLISTED = {"detail": "Token is blacklisted", "code": "token_not_valid"}
NO_ACTIVE_FOR_TOKEN = {"detail": "No active account found for the given token.",
                       "code": "no_active_account"}


def access_error(message="Token is invalid or expired"):
    """The 401 body for a bad Bearer token (API.md §1.1)."""
    return {"detail": "Given token not valid for any token type", "code": "token_not_valid",
            "messages": [{"token_class": "AccessToken", "token_type": "access",
                          "message": message}]}


def json_body(r):
    assert r.headers.get("Content-Type", "").startswith("application/json"), \
        (r.status_code, r.headers.get("Content-Type"), r.content[:200])
    return r.json()


def assert_status_body(r, status, body):
    assert r.status_code == status, (r.status_code, r.content[:500])
    assert json_body(r) == body
    if status == 401:
        assert r.headers.get("WWW-Authenticate") == WWW_AUTH, dict(r.headers)


def assert_401(r, body):
    assert_status_body(r, 401, body)


def unique(prefix="u"):
    return f"{prefix}{uuid.uuid4().hex[:10]}"


def unique_email(prefix="cust"):
    return f"{unique(prefix)}@example.com"


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


# --- customers ------------------------------------------------------------------

def registration(**over):
    body = {"email": unique_email(), "first_name": "Tess", "last_name": "Ingram",
            "password": STRONG_PASSWORD, "password2": STRONG_PASSWORD}
    body.update(over)
    return body


def register(server, **over):
    """POSTs a registration; asserts 201 and returns (request body, response body)."""
    body = registration(**over)
    r = server.post("/api/v1/customers/", json=body)
    assert r.status_code == 201, (r.status_code, r.content[:500])
    return body, json_body(r)


def login(server, email, password=STRONG_PASSWORD):
    r = server.post("/auth/token/", json={"email": email, "password": password})
    assert r.status_code == 200, (r.status_code, r.content[:500])
    return json_body(r)


class Customer:
    """A registered, logged-in customer."""

    def __init__(self, server, **over):
        self.server = server
        self.sent, self.body = register(server, **over)
        self.id = self.body["id"]
        self.email = self.sent["email"]
        self.password = self.sent["password"]
        tokens = login(server, self.email, self.password)
        self.access = tokens["access"]
        self.refresh = tokens["refresh"]

    @property
    def auth(self):
        return bearer(self.access)

    @property
    def path(self):
        return f"/api/v1/customers/{self.id}/"


def new_customer(server, **over):
    return Customer(server, **over)


def create_staff(server):
    """A staff account made by `shopd createsuperuser`, logged in: (email, access)."""
    email = unique_email("staff")
    server.run_cmd("createsuperuser", "--email", email, "--password", STRONG_PASSWORD,
                   "--first-name", "Stella", "--last-name", "Staff")
    return email, login(server, email)["access"]


# --- JWTs -------------------------------------------------------------------------

def b64url(data):
    if isinstance(data, str):
        data = data.encode()
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(signing_input, key=SECRET, digest=hashlib.sha256):
    if isinstance(key, str):
        key = key.encode()
    return b64url(hmac.new(key, signing_input.encode(), digest).digest())


def claims(user_id, token_type="access", lifetime=3600, **extra):
    now = int(time.time())
    c = {"token_type": token_type, "exp": now + lifetime, "iat": now,
         "jti": uuid.uuid4().hex, "user_id": user_id}
    c.update(extra)
    return c


HS256_HEADER = '{"alg":"HS256","typ":"JWT"}'


def make_token(payload, header=HS256_HEADER, key=SECRET, digest=hashlib.sha256):
    """A JWT from raw header/payload text (str or bytes) or dicts, HMAC-signed over
    the exact encoded text."""
    if isinstance(header, dict):
        header = json.dumps(header, separators=(",", ":"))
    if isinstance(payload, dict):
        payload = json.dumps(payload, separators=(",", ":"))
    signing_input = b64url(header) + "." + b64url(payload)
    return signing_input + "." + sign(signing_input, key, digest)


def resign(signing_input, key=SECRET):
    """Signs already-encoded `header.payload` text as it is (for non-canonical tests)."""
    return signing_input + "." + sign(signing_input, key)


def token_parts(token):
    h, p, _s = token.split(".")
    return json.loads(b64url_decode(h)), json.loads(b64url_decode(p))


# --- database -----------------------------------------------------------------------

def sqlite_path(server):
    assert server.db_url.startswith("sqlite:///")
    return server.db_url[len("sqlite:///"):]


def db_query(server, sql, params=()):
    """Runs one statement on the server's database; returns the rows as lists of str.
    PostgreSQL goes through psql, so parameters are inlined as quoted literals."""
    if BACKEND == "sqlite":
        con = sqlite3.connect(sqlite_path(server), timeout=10)
        try:
            rows = con.execute(sql, params).fetchall()
            con.commit()
        finally:
            con.close()
        return [[None if v is None else str(v) for v in row] for row in rows]
    for p in params:
        lit = str(p).replace("'", "''") if isinstance(p, str) else str(int(p))
        lit = f"'{lit}'" if isinstance(p, str) else lit
        sql = sql.replace("?", lit, 1)
    out = subprocess.run(["psql", server.db_url, "-X", "-q", "-A", "-t", "-v",
                          "ON_ERROR_STOP=1", "-F", "\t", "-c", sql],
                         check=True, capture_output=True, text=True, timeout=30)
    return [line.split("\t") for line in out.stdout.splitlines() if line]


def django_pbkdf2_hash(password, iterations=260000, salt=None):
    """The hash Django's PBKDF2PasswordHasher stores."""
    salt = salt or uuid.uuid4().hex[:22]
    dk = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), iterations)
    return f"pbkdf2_sha256${iterations}${salt}${base64.b64encode(dk).decode()}"


def random_key(n=48):
    return base64.b64encode(os.urandom(n)).decode()
