"""Black-box API tests: start the real shopd binary on a free loopback port with a
fresh database (SQLite file, or a new PostgreSQL database when SHOPD_TEST_BACKEND is
"postgres"), speak HTTP to it, stop it with SIGTERM and require a clean exit."""
import os
import signal
import socket
import subprocess
import tempfile
import time
import uuid

import pytest
import requests

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.environ.get("SHOPD_BIN", os.path.join(ROOT, "build", "shopd"))
BACKEND = os.environ.get("SHOPD_TEST_BACKEND", "sqlite")
PG_URL = os.environ.get("SHOPD_TEST_PG_URL", "")
SECRET = "test-secret-key-that-is-long-enough-for-hs256-0123456789"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def new_database_url(tmpdir):
    if BACKEND == "sqlite":
        return "sqlite:///" + os.path.join(tmpdir, "shop.db")
    if not PG_URL:
        pytest.skip("SHOPD_TEST_PG_URL not set")
    name = "t_" + uuid.uuid4().hex[:16]
    subprocess.run(["psql", PG_URL, "-q", "-v", "ON_ERROR_STOP=1", "-c",
                    f"CREATE DATABASE {name}"], check=True, capture_output=True)
    return PG_URL.rsplit("/", 1)[0] + "/" + name


class Server:
    def __init__(self, env=None, db_url=None):
        self.tmp = tempfile.TemporaryDirectory(prefix="shopd-api-")
        self.port = free_port()
        # a given db_url shares another server's database (several instances, DESIGN §8)
        self.db_url = db_url or new_database_url(self.tmp.name)
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "DATABASE_URL": self.db_url,
            "SECRET_KEY": SECRET,
            "HOST": "127.0.0.1",
            "PORT": str(self.port),
            "SHOPD_THREADS": "4",
            "MEDIA_ROOT": os.path.join(self.tmp.name, "media"),
            "PAID_ORDERS_CSV": os.path.join(self.tmp.name, "paid.csv"),
            "LOG_LEVEL": "info",
        }
        for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
            if k in os.environ:
                self.env[k] = os.environ[k]
        self.env.update(env or {})
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = os.path.join(self.tmp.name, "server.log")
        self.proc = None

    def run_cmd(self, *args, check=True):
        return subprocess.run([BIN, *args], env=self.env, capture_output=True, text=True,
                              check=check, timeout=60)

    def start(self, migrate=True):
        if migrate:
            self.run_cmd("migrate")
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen([BIN, "serve"], env=self.env, stdout=self.log,
                                     stderr=subprocess.STDOUT)
        deadline = time.time() + 15
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("shopd exited early:\n" + self.read_log())
            try:
                if requests.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return self
            except requests.RequestException:
                time.sleep(0.05)
        raise RuntimeError("shopd did not start:\n" + self.read_log())

    def read_log(self):
        with open(self.log_path) as f:
            return f.read()

    def stop(self):
        """SIGTERM; returns the exit code (a clean, graceful stop is 0)."""
        if self.proc is None:
            return 0
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
        self.proc = None
        self.log.close()
        return rc

    def close(self):
        rc = self.stop()
        self.tmp.cleanup()
        return rc

    # HTTP helpers: requests with the server's base URL, never following redirects.
    def request(self, method, path, **kw):
        kw.setdefault("allow_redirects", False)
        kw.setdefault("timeout", 30)
        return requests.request(method, self.url + path, **kw)

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, **kw):
        return self.request("POST", path, **kw)

    def put(self, path, **kw):
        return self.request("PUT", path, **kw)

    def patch(self, path, **kw):
        return self.request("PATCH", path, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)


def _finish(srv):
    log = srv.read_log() if srv.proc else ""
    rc = srv.close()
    assert rc == 0, f"shopd did not exit cleanly (rc={rc}):\n{log[-4000:]}"


@pytest.fixture(scope="module")
def server():
    srv = Server().start()
    yield srv
    _finish(srv)


@pytest.fixture
def make_server():
    """Factory for servers with their own environment (CORS, limits, proxies...)."""
    started = []

    def make(env=None, start=True, db_url=None):
        srv = Server(env, db_url)
        started.append(srv)
        return srv.start() if start else srv

    yield make
    for srv in started:
        _finish(srv)


def raw_http(port, data, timeout=5.0, read_all=True):
    """Sends raw bytes to the server and returns what it answered (bytes)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(data)
        chunks = []
        try:
            while True:
                b = s.recv(65536)
                if not b:
                    break
                chunks.append(b)
                if not read_all:
                    break
        except socket.timeout:
            pass
        return b"".join(chunks)
