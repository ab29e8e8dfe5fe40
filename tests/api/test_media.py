"""API.md §3.2 (media): multipart uploads by staff or the vendor owning the product's
store, the type sniffed from the bytes (never the client's Content-Type), the extension
and size rules with their exact messages, primaries, deletion, and serving under /media/
with the stored type — including names that are not ours, symlinks and traversal."""
import os
import re
import struct
import uuid
import zlib

import pytest

from helpers import (FORBIDDEN, NOT_AUTHENTICATED, NOT_FOUND, assert_401, create_staff,
                     db_query, json_body, new_customer, unique)
from store_rows import insert_product, truthy

MEDIA_KEYS = ["id", "file", "is_primary", "file_size", "file_type"]
UNSUPPORTED = {"file": ["Unsupported file type. Allowed types are: "
                        "['.jpg', '.png', '.webp', '.mp4', '.webm']"]}
TOO_BIG = {"file": ["File size cannot exceed 10MB"]}
LIMIT = 10 * 1024 * 1024
FILE_RE = re.compile(r"^/media/[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-"
                     r"[0-9a-f]{12}\.(jpg|png|webp|mp4|webm)$")


# --- real files, made here --------------------------------------------------------------

def png(width=2, height=2, pad=0):
    """A valid RGB PNG; pad adds an ancillary chunk so that the size can be chosen."""
    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data +
                struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff))
    raw = b"".join(b"\x00" + bytes([200, 30, 30]) * width for _ in range(height))
    out = (b"\x89PNG\r\n\x1a\n" +
           chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)) +
           chunk(b"IDAT", zlib.compress(raw)))
    if pad:
        out += chunk(b"tEXt", b"pad\x00" + b"x" * max(0, pad - len(out) - 12 - 12 - 4))
    return out + chunk(b"IEND", b"")


def jpeg():
    """A minimal baseline JFIF: SOI, APP0, DQT, SOF0 (8x8 grey), DHT, SOS, EOI."""
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    dqt = b"\xff\xdb" + struct.pack(">H", 67) + b"\x00" + bytes([1] * 64)
    sof = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, 8, 8, 1) + b"\x01\x11\x00"
    dht = (b"\xff\xc4" + struct.pack(">H", 20) + b"\x00" + bytes([1] + [0] * 15) + b"\x00")
    sos = b"\xff\xda" + struct.pack(">HB", 8, 1) + b"\x01\x00\x00\x3f\x00"
    return b"\xff\xd8" + app0 + dqt + sof + dht + sos + b"\x00" * 8 + b"\xff\xd9"


def webp():
    vp8 = b"VP8 " + struct.pack("<I", 10) + b"\x00" * 10
    return b"RIFF" + struct.pack("<I", 4 + len(vp8)) + b"WEBP" + vp8


def mp4():
    return b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + b"\x00\x00\x00\x08free"


def webm():
    ebml = b"\x42\x82\x84webm"
    return (b"\x1a\x45\xdf\xa3" + bytes([0x80 | len(ebml)]) + ebml +
            b"\x18\x53\x80\x67\x01" + b"\x00" * 7)


# --- fixtures and helpers ---------------------------------------------------------------

@pytest.fixture(scope="module")
def staff(server):
    return {"Authorization": "Bearer " + create_staff(server)[1]}


def make_vendor(server):
    who = new_customer(server)
    r = server.post("/api/v1/stores/", json={"brand_name": unique("Media "), "about": "a"},
                    headers=who.auth)
    assert r.status_code == 201, r.text
    return who, r.json()["id"]


@pytest.fixture(scope="module")
def vendor(server):
    return make_vendor(server)


def media_url(pid):
    return f"/api/v1/products/{pid}/media/"


def upload(server, pid, headers, data, name="pic.png", ctype="application/octet-stream",
           **fields):
    files = {"file": (name, data, ctype)} if data is not None else None
    form = {k: str(v) for k, v in fields.items()}
    return server.post(media_url(pid), files=files, data=form or None, headers=headers)


def uploaded(server, pid, headers, data, name="pic.png", **fields):
    r = upload(server, pid, headers, data, name, **fields)
    assert r.status_code == 201, r.text
    return json_body(r)


def local(server, body):
    assert body["file"].startswith(server.url + "/media/")
    return body["file"][len(server.url):]


def rows(server, pid):
    out = db_query(server, "SELECT id, is_primary FROM media WHERE product_id = ? ORDER BY id",
                   (pid,))
    return [(int(i), truthy(p)) for i, p in out]


# --- uploads ----------------------------------------------------------------------------

def test_staff_uploads_and_the_file_is_served(server, staff):
    pid = insert_product(server)
    data = png()
    r = upload(server, pid, staff, data, "Photo.PNG", ctype="text/plain")
    assert r.status_code == 201, r.text
    body = json_body(r)
    assert list(body) == MEDIA_KEYS
    assert body == {"id": body["id"], "file": body["file"], "is_primary": False,
                    "file_size": 0.0, "file_type": "image"}
    path = local(server, body)
    assert FILE_RE.match(path), path
    served = server.get(path)
    assert served.status_code == 200
    assert served.content == data
    assert served.headers["Content-Type"] == "image/png"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    head = server.request("HEAD", path)
    assert head.status_code == 200
    assert head.headers["Content-Type"] == "image/png"
    assert head.content == b""
    on_disk = os.path.join(server.env["MEDIA_ROOT"], path.rsplit("/", 1)[1])
    with open(on_disk, "rb") as f:
        assert f.read() == data
    assert not [n for n in os.listdir(server.env["MEDIA_ROOT"]) if n.startswith(".")]


@pytest.mark.parametrize("maker,name,ctype,kind", [
    (jpeg, "a.jpg", "image/jpeg", "image"),
    (webp, "a.webp", "image/webp", "image"),
    (mp4, "clip.mp4", "video/mp4", "video"),
    (webm, "clip.WEBM", "video/webm", "video"),
])
def test_every_allowed_type(server, staff, maker, name, ctype, kind):
    pid = insert_product(server)
    data = maker()
    body = uploaded(server, pid, staff, data, name)
    assert body["file_type"] == kind
    assert local(server, body).endswith("." + name.rsplit(".", 1)[1].lower())
    served = server.get(local(server, body))
    assert served.content == data
    assert served.headers["Content-Type"] == ctype


def test_vendor_uploads_to_own_products_only(server, vendor):
    who, store_id = vendor
    mine = insert_product(server, store_id=store_id)
    body = uploaded(server, mine, who.auth, jpeg(), "me.jpg", is_primary="true")
    assert body["is_primary"] is True
    other, other_store = make_vendor(server)
    theirs = insert_product(server, store_id=other_store)
    r = upload(server, theirs, who.auth, png())
    assert r.status_code == 403
    assert json_body(r) == FORBIDDEN
    r = upload(server, insert_product(server), who.auth, png())  # a product without store
    assert r.status_code == 403
    assert rows(server, theirs) == []


def test_customers_and_anonymous_are_refused(server):
    pid = insert_product(server)
    who = new_customer(server)
    r = upload(server, pid, who.auth, png())
    assert r.status_code == 403
    assert json_body(r) == FORBIDDEN
    assert_401(upload(server, pid, {}, png()), NOT_AUTHENTICATED)
    # the vendor check comes before anything about the product
    assert upload(server, 999999999, who.auth, png()).status_code == 403
    assert rows(server, pid) == []


def test_unknown_or_inactive_product_is_404(server, staff):
    for pid in (999999999, insert_product(server, active=False)):
        r = upload(server, pid, staff, png())
        assert r.status_code == 404
        assert json_body(r) == NOT_FOUND


def test_extension_must_match_the_content(server, staff):
    pid = insert_product(server)
    cases = [
        (png(), "lying.jpg", "Expected .png for image/png"),
        (jpeg(), "lying.png", "Expected .jpg for image/jpeg"),
        (jpeg(), "photo.jpeg", "Expected .jpg for image/jpeg"),
        (mp4(), "clip.webm", "Expected .mp4 for video/mp4"),
        (png(), "noext", "Expected .png for image/png"),
        (png(), ".png", "Expected .png for image/png"),
        (png(), "x.png.exe", "Expected .png for image/png"),
    ]
    for data, name, msg in cases:
        r = upload(server, pid, staff, data, name, ctype="image/png")
        assert r.status_code == 400, name
        assert json_body(r) == {"file": ["File extension does not match its content. " + msg]}
    # a path in the name: only its base name's extension counts
    assert upload(server, pid, staff, png(), "C:\\photos\\x.png").status_code == 201
    assert len(rows(server, pid)) == 1


def test_unsupported_types(server, staff):
    pid = insert_product(server)
    gif = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01" \
          b"\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
    for data, name in ((b"hello, world\n", "a.png"), (gif, "a.gif"), (gif, "a.png"),
                       (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", "doc.jpg"),
                       (b"\x1f\x8b\x08\x00" + b"\x00" * 20, "z.png"),
                       (os.urandom(4096), "r.webp")):
        r = upload(server, pid, staff, data, name, ctype="image/png")
        assert r.status_code == 400, name
        assert json_body(r) == UNSUPPORTED, name
    assert rows(server, pid) == []


def test_size_limit(server, staff):
    pid = insert_product(server)
    r = upload(server, pid, staff, png(pad=LIMIT + 1), "big.png")
    assert r.status_code == 400
    assert json_body(r) == TOO_BIG
    exact = png(pad=LIMIT)
    assert len(exact) == LIMIT
    body = uploaded(server, pid, staff, exact, "exact.png")
    assert body["file_size"] == 10.0
    assert server.get(local(server, body)).content == exact
    # over the upload body limit (11 MiB): 413 before the body is read
    r = upload(server, pid, staff, b"\x00" * (11 * 1024 * 1024 + 1), "huge.png")
    assert r.status_code == 413
    assert json_body(r) == {"detail": "Request body too large."}


def test_file_size_is_megabytes_rounded_as_python(server, staff):
    pid = insert_product(server)
    for size, mb in ((131072, 0.12), (136315, 0.13), (5 * 1024 * 1024 + 1, 5.0),
                     (1048576 * 3 // 2, 1.5)):
        data = png(pad=size)
        assert len(data) == size
        assert uploaded(server, pid, staff, data)["file_size"] == mb == round(size / 1048576, 2)


def test_field_errors(server, staff):
    pid = insert_product(server)
    r = server.post(media_url(pid), files={"other": ("a.png", png())}, headers=staff)
    assert r.status_code == 400
    assert json_body(r) == {"file": ["No file was submitted."]}
    r = server.post(media_url(pid), files={"file": ("", b"")}, headers=staff)
    assert json_body(r) == {"file": ["No file was submitted."]}
    r = server.post(media_url(pid), files={"file": (None, "just text")}, headers=staff)
    assert json_body(r) == {"file": ["The submitted data was not a file. Check the encoding "
                                     "type on the form."]}
    r = server.post(media_url(pid), files={"file": ("e.png", b"")}, headers=staff)
    assert json_body(r) == {"file": ["The submitted file is empty."]}
    r = upload(server, pid, staff, png(), is_primary="maybe")
    assert json_body(r) == {"is_primary": ["Must be a valid boolean."]}
    r = upload(server, pid, staff, None, is_primary="maybe")
    assert json_body(r) == {"file": ["No file was submitted."],
                            "is_primary": ["Must be a valid boolean."]}
    # an empty body has no file either
    r = server.post(media_url(pid), headers=staff)
    assert json_body(r) == {"file": ["No file was submitted."]}
    assert rows(server, pid) == []


def test_body_types(server, staff):
    pid = insert_product(server)
    r = server.post(media_url(pid), json={"file": "x"}, headers=staff)
    assert r.status_code == 415
    assert json_body(r) == {"detail": "Unsupported media type \"application/json\" in request."}
    r = server.post(media_url(pid), data=b"--b\r\nbroken", headers=dict(
        staff, **{"Content-Type": "multipart/form-data; boundary=b"}))
    assert r.status_code == 400
    assert json_body(r)["detail"].startswith("Multipart form parse error - ")
    r = server.post(media_url(pid), data=b"x", headers=dict(
        staff, **{"Content-Type": "multipart/form-data"}))
    assert r.status_code == 400
    r = server.request("OPTIONS", media_url(pid), headers=staff)
    assert json_body(r)["parses"] == ["application/x-www-form-urlencoded",
                                      "multipart/form-data"]
    # a form-encoded body can say is_primary but carry no file
    r = server.post(media_url(pid), data={"file": "x.png", "is_primary": "yes"}, headers=staff)
    assert r.status_code == 400
    assert json_body(r) == {"file": ["The submitted data was not a file. Check the encoding "
                                     "type on the form."]}


def test_primary_unsets_the_others(server, staff):
    pid = insert_product(server)
    a = uploaded(server, pid, staff, png(), is_primary="True")
    b = uploaded(server, pid, staff, png(), is_primary="false")
    assert rows(server, pid) == [(a["id"], True), (b["id"], False)]
    c = uploaded(server, pid, staff, jpeg(), "c.jpg", is_primary=1)
    assert rows(server, pid) == [(a["id"], False), (b["id"], False), (c["id"], True)]
    other = insert_product(server)
    d = uploaded(server, other, staff, png(), is_primary="on")
    assert rows(server, pid)[2] == (c["id"], True)
    assert rows(server, other) == [(d["id"], True)]
    detail = server.get(f"/api/v1/products/{pid}/")
    if detail.status_code == 200:  # the catalogue renders the same Media objects
        assert {m["id"]: m["is_primary"] for m in json_body(detail)["media"]} == {
            a["id"]: False, b["id"]: False, c["id"]: True}


def test_upload_ignores_mass_assignment(server, staff):
    pid = insert_product(server)
    body = uploaded(server, pid, staff, png(), id=5, file_size=99, file_type="video",
                    product=12345, content_type="text/html")
    assert body["file_type"] == "image"
    assert body["file_size"] == 0.0
    assert body["id"] != 5
    assert server.get(local(server, body)).headers["Content-Type"] == "image/png"
    assert rows(server, pid) == [(body["id"], False)]


# --- deletion ---------------------------------------------------------------------------

def test_delete_removes_row_and_file(server, vendor, staff):
    who, store_id = vendor
    pid = insert_product(server, store_id=store_id)
    m = uploaded(server, pid, who.auth, png())
    path = local(server, m)
    on_disk = os.path.join(server.env["MEDIA_ROOT"], path.rsplit("/", 1)[1])
    assert os.path.exists(on_disk)
    url = media_url(pid) + f"{m['id']}/"
    other, _ = make_vendor(server)
    r = server.delete(url, headers=other.auth)
    assert r.status_code == 403
    assert json_body(r) == FORBIDDEN
    assert server.delete(url, headers=new_customer(server).auth).status_code == 403
    assert_401(server.delete(url), NOT_AUTHENTICATED)
    # another product's path does not reach it
    assert server.delete(media_url(insert_product(server, store_id=store_id)) +
                         f"{m['id']}/", headers=who.auth).status_code == 404
    r = server.delete(url, headers=who.auth)
    assert r.status_code == 204
    assert r.content == b""
    assert rows(server, pid) == []
    assert not os.path.exists(on_disk)
    assert server.get(path).status_code == 404
    assert json_body(server.delete(url, headers=who.auth)) == NOT_FOUND
    m2 = uploaded(server, pid, who.auth, png())
    assert server.delete(media_url(pid) + f"{m2['id']}/", headers=staff).status_code == 204


# --- serving ----------------------------------------------------------------------------

def test_serving_refuses_what_is_not_an_upload(server, staff):
    root = server.env["MEDIA_ROOT"]
    pid = insert_product(server)
    m = uploaded(server, pid, staff, png())
    name = local(server, m).rsplit("/", 1)[1]
    for p in ("/media/", "/media/x", "/media/../shop.db", "/media/%2e%2e/shop.db",
              "/media/..%2fshop.db", f"/media/{name.upper()}", f"/media/{name}/",
              f"/media/{name[:-4]}.jpg", f"/media/{uuid.uuid4()}.png", "/media/shop.db",
              f"/media/.{name}.tmp", "/media/" + name.replace(".png", ".PNG")):
        r = server.get(p)
        assert r.status_code == 404, p
        assert json_body(r) == NOT_FOUND
    # a row whose file is a symlink (planted on disk) is never followed
    evil = f"{uuid.uuid4()}.png"
    os.symlink("/etc/hostname", os.path.join(root, evil))
    db_query(server, "INSERT INTO media (product_id, file, content_type, file_type, "
             "file_size, is_primary, created_at) VALUES (?, ?, 'image/png', 'image', 1, "
             "FALSE, 0)", (pid, evil))
    assert server.get("/media/" + evil).status_code == 404
    # a row whose file is missing
    gone = f"{uuid.uuid4()}.png"
    db_query(server, "INSERT INTO media (product_id, file, content_type, file_type, "
             "file_size, is_primary, created_at) VALUES (?, ?, 'image/png', 'image', 1, "
             "FALSE, 0)", (pid, gone))
    assert server.get("/media/" + gone).status_code == 404
    # write methods are not allowed on files
    r = server.delete(f"/media/{name}", headers=staff)
    assert r.status_code == 405
    assert r.headers["Allow"] == "GET, HEAD, OPTIONS"


def test_concurrent_primaries_leave_exactly_one(server, staff):
    import threading
    pid = insert_product(server)
    codes = []
    barrier = threading.Barrier(8)

    def go():
        barrier.wait()
        codes.append(upload(server, pid, staff, png(), is_primary="true").status_code)

    threads = [threading.Thread(target=go) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert codes == [201] * 8
    assert [p for _, p in rows(server, pid)].count(True) == 1
