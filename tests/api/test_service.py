"""API.md §0 conventions that need no resource, and the service endpoints of §10."""
import re
import socket
import threading
import time

import requests

from conftest import raw_http

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def assert_json(r):
    assert r.headers["Content-Type"].startswith("application/json")
    return r.json()


def test_root_links_are_absolute_urls_from_host(server):
    r = server.get("/")
    assert r.status_code == 200
    body = assert_json(r)
    base = server.url
    assert body == {
        "catalogue": base + "/api/v1/products/",
        "stores": base + "/api/v1/stores/",
        "cart": base + "/api/v1/cart/",
        "wishlists": base + "/api/v1/wishlists/",
        "orders": base + "/api/v1/i/orders/",
        "offers": base + "/api/v1/offers/",
    }
    assert list(body) == ["catalogue", "stores", "cart", "wishlists", "orders", "offers"]


def test_root_uses_localhost_host_header(server):
    r = server.get("/", headers={"Host": f"localhost:{server.port}"})
    assert r.json()["stores"] == f"http://localhost:{server.port}/api/v1/stores/"


def test_healthz_and_readyz(server):
    r = server.get("/healthz")
    assert r.status_code == 200 and assert_json(r) == {"status": "ok"}
    r = server.get("/readyz")
    assert r.status_code == 200 and assert_json(r) == {"status": "ok"}


def test_unknown_path_is_json_404(server):
    for path in ("/nope/", "/api/v1/nothing-here/", "/healthz/extra", "/%00/"):
        r = server.get(path)
        assert r.status_code == 404, path
        assert assert_json(r) == {"detail": "Not found."}


def test_wrong_method_is_405_with_allow(server):
    r = server.post("/healthz", json={})
    assert r.status_code == 405
    assert assert_json(r) == {"detail": 'Method "POST" not allowed.'}
    assert r.headers["Allow"] == "GET, HEAD, OPTIONS"
    r = server.delete("/")
    assert r.status_code == 405
    assert r.json() == {"detail": 'Method "DELETE" not allowed.'}


def test_trace_is_405(server):
    r = server.request("TRACE", "/")
    assert r.status_code == 405
    assert r.json() == {"detail": 'Method "TRACE" not allowed.'}


def test_head_mirrors_get_without_body(server):
    g = server.get("/")
    h = server.request("HEAD", "/")
    assert h.status_code == 200
    assert h.content == b""
    assert h.headers["Content-Length"] == str(len(g.content))
    assert h.headers["Content-Type"] == g.headers["Content-Type"]


def test_options_describes_the_view(server):
    r = server.request("OPTIONS", "/")
    assert r.status_code == 200
    body = assert_json(r)
    assert body["renders"] == ["application/json"]
    assert body["description"] == ""
    assert isinstance(body["name"], str) and body["name"]
    assert "application/json" in body["parses"]
    assert r.headers["Allow"] == "GET, HEAD, OPTIONS"


def test_request_id_generated_or_echoed(server):
    r = server.get("/healthz")
    assert UUID_RE.match(r.headers["X-Request-Id"])
    other = server.get("/healthz").headers["X-Request-Id"]
    assert other != r.headers["X-Request-Id"]
    r = server.get("/nope/", headers={"X-Request-Id": "abc-123"})
    assert r.headers["X-Request-Id"] == "abc-123"
    # a value with spaces or control characters is not echoed
    r = server.get("/healthz", headers={"X-Request-Id": "has space"})
    assert UUID_RE.match(r.headers["X-Request-Id"])


def test_security_headers_on_every_answer(server):
    for r in (server.get("/"), server.get("/nope/"), server.post("/healthz")):
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        assert r.headers["X-Frame-Options"] == "DENY"
        assert r.headers["Referrer-Policy"] == "same-origin"
        assert "Access-Control-Allow-Origin" not in r.headers


def test_bad_host_is_400(server):
    r = server.get("/", headers={"Host": "evil.example"})
    assert r.status_code == 400
    assert assert_json(r) == {"detail": "Invalid Host header."}
    for host in ("127.0.0.1", f"127.0.0.1:{server.port}", "LOCALHOST:1", "[::1]:8000"):
        assert server.get("/healthz", headers={"Host": host}).status_code == 200, host


def test_allowed_hosts_star_and_public_base_url(make_server):
    srv = make_server({"ALLOWED_HOSTS": "*", "PUBLIC_BASE_URL": "https://shop.example"})
    r = srv.get("/", headers={"Host": "anything.example"})
    assert r.status_code == 200
    assert r.json()["catalogue"] == "https://shop.example/api/v1/products/"


def test_forwarded_headers_only_with_trust_proxy(make_server):
    hdrs = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "localhost"}
    plain = make_server()
    assert plain.get("/", headers=hdrs).json()["cart"] == plain.url + "/api/v1/cart/"
    trusting = make_server({"TRUST_PROXY": "1"})
    assert trusting.get("/", headers=hdrs).json()["cart"] == "https://localhost/api/v1/cart/"


def test_cors_allowed_origin(make_server):
    srv = make_server({"CORS_ALLOWED_ORIGINS": "https://app.example,https://m.example"})
    r = srv.get("/healthz", headers={"Origin": "https://m.example"})
    assert r.headers["Access-Control-Allow-Origin"] == "https://m.example"
    assert r.headers["Access-Control-Allow-Credentials"] == "true"
    assert "Origin" in r.headers["Vary"]
    assert r.headers["Access-Control-Expose-Headers"] == \
        "x-request-id, retry-after, location, idempotent-replayed"
    assert "Access-Control-Allow-Methods" not in r.headers
    # preflight: 204 without authentication, with methods and headers
    r = srv.request("OPTIONS", "/", headers={
        "Origin": "https://app.example", "Access-Control-Request-Method": "POST",
        "Authorization": "Bearer not-a-token"})
    assert r.status_code == 204
    assert r.headers["Access-Control-Allow-Methods"] == "DELETE, GET, OPTIONS, PATCH, POST, PUT"
    assert r.headers["Access-Control-Allow-Headers"] == \
        "authorization, content-type, idempotency-key, x-request-id"
    # other origins: no Access-Control-* header at all
    r = srv.get("/healthz", headers={"Origin": "https://evil.example"})
    assert not [h for h in r.headers if h.lower().startswith("access-control-")]


def test_body_over_limit_is_413_before_reading(server):
    # Content-Length says 2 MiB, but nothing is sent: the answer must come anyway.
    head = (b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b"Content-Length: 2097152\r\n\r\n")
    out = raw_http(server.port, head, timeout=5)
    assert out.startswith(b"HTTP/1.1 413")
    assert b'{"detail":"Request body too large."}' in out


def test_chunked_body_over_limit_is_413(server):
    chunk = b"x" * 65536
    body = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(20))
    head = (b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n")
    out = raw_http(server.port, head + body + b"0\r\n\r\n", timeout=5)
    assert out.startswith(b"HTTP/1.1 413")


def test_content_length_with_transfer_encoding_is_rejected(server):
    req = (b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
           b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
    out = raw_http(server.port, req, timeout=5)
    assert out.startswith(b"HTTP/1.1 400")


def test_conflicting_content_length_is_rejected(server):
    req = (b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2\r\n"
           b"Content-Length: 3\r\n\r\n{}x")
    out = raw_http(server.port, req, timeout=5)
    assert out.startswith(b"HTTP/1.1 400")


def test_huge_headers_are_refused(server):
    req = (b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + b"a" * 64 * 1024 +
           b"\r\n\r\n")
    out = raw_http(server.port, req, timeout=5)
    status = out.split(b" ", 2)[1] if out else b""
    assert status in (b"413", b"431", b"400"), out[:200]


def test_keep_alive_serves_several_requests(server):
    one = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as s:
        for _ in range(3):
            s.sendall(one)
            data = b""
            while b'{"status":"ok"}' not in data:
                chunk = s.recv(4096)
                assert chunk, "connection closed between keep-alive requests"
                data += chunk
            assert data.startswith(b"HTTP/1.1 200")


def test_slow_client_does_not_block_others(make_server):
    srv = make_server({"SHOPD_CONN_TIMEOUT": "2", "SHOPD_THREADS": "2"})
    slow = []
    for _ in range(8):  # more slow clients than worker threads
        s = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        slow.append(s)
    try:
        t0 = time.time()
        assert srv.get("/healthz", timeout=5).status_code == 200
        assert time.time() - t0 < 2
        # the server closes the slow connections once its timeout passes
        time.sleep(3.5)
        for s in slow:
            s.settimeout(3)
            try:
                data = s.recv(100)
            except ConnectionResetError:
                data = b""
            assert data == b"" or data.startswith(b"HTTP/1.1 4"), data[:100]
    finally:
        for s in slow:
            s.close()


def test_metrics_counts_requests_by_route_and_status(server):
    server.get("/healthz")
    server.get("/no-such-path/")
    r = server.get("/metrics", headers={"Authorization": "Bearer garbage"})
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/plain")
    text = r.text
    assert re.search(r'shopd_http_requests_total\{method="GET",route="/healthz",status="200"\} [1-9]', text)
    assert re.search(r'shopd_http_requests_total\{[^}]*route="unmatched",status="404"\} [1-9]', text)
    assert "shopd_http_request_duration_seconds_bucket{le=\"+Inf\"}" in text
    assert "shopd_http_request_duration_seconds_count" in text
    assert re.search(r"^shopd_db_connections [1-9]", text, re.M)
    assert re.search(r"^shopd_jobs_pending 0$", text, re.M)


def test_bearer_header_checked_on_public_routes(server):
    r = server.get("/healthz", headers={"Authorization": "Bearer"})
    assert r.status_code == 401
    assert r.json() == {"detail": "Authorization header must contain two space-delimited values",
                        "code": "bad_authorization_header"}
    assert r.headers["WWW-Authenticate"] == 'Bearer realm="api"'
    r = server.get("/healthz", headers={"Authorization": "Bearer a b"})
    assert r.status_code == 401
    r = server.get("/healthz", headers={"Authorization": "Bearer not.a.token"})
    assert r.status_code == 401
    assert r.json()["code"] == "token_not_valid"
    # a first word other than Bearer leaves the request anonymous
    assert server.get("/healthz", headers={"Authorization": "Basic abc"}).status_code == 200


def test_sigterm_lets_in_flight_request_finish(make_server):
    srv = make_server()
    # Start a request whose body arrives slowly, then ask the server to stop.
    s = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
    s.sendall(b"POST /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
              b"Content-Length: 2\r\n\r\n{")
    time.sleep(0.3)
    result = {}
    stopper = threading.Thread(target=lambda: result.setdefault("rc", srv.stop()))
    stopper.start()
    time.sleep(0.5)
    s.sendall(b"}")
    data = s.recv(4096)
    s.close()
    stopper.join(30)
    assert data.startswith(b"HTTP/1.1 405"), data[:100]
    assert result.get("rc") == 0
    # no new connections are accepted after the stop
    try:
        requests.get(srv.url + "/healthz", timeout=1)
        accepted = True
    except requests.RequestException:
        accepted = False
    assert not accepted


def test_serve_refuses_unmigrated_database(make_server):
    srv = make_server(start=False)
    r = srv.run_cmd("serve", check=False)
    assert r.returncode != 0
    assert "shopd migrate" in r.stderr


def test_serve_refuses_bad_configuration(make_server):
    srv = make_server(start=False)
    srv.env["PORT"] = "http"
    r = srv.run_cmd("serve", check=False)
    assert r.returncode != 0
    assert "PORT" in r.stderr
    srv.env["PORT"] = "8000"
    srv.env.pop("SECRET_KEY")
    srv.run_cmd("migrate")
    r = srv.run_cmd("serve", check=False)
    assert r.returncode != 0 and "SECRET_KEY" in r.stderr


def test_migrate_is_idempotent(make_server):
    srv = make_server(start=False)
    srv.run_cmd("migrate")
    srv.run_cmd("migrate")
    assert srv.run_cmd("check").stdout.strip() == "ok"
