"""catalogue.py: the generated catalogue of `make bench` (used by bench.py).

The catalogue schema is being written while this harness is, so nothing here names its
columns. Instead:
  1. The products table is found in the live schema (a table named products/product
     with a name column); without it the catalogue scenarios are skipped.
  2. A few template products are made the way the application makes them: through the
     API as a superuser (POST /api/v1/categories/ and /api/v1/products/, which also
     create the rows products depend on, e.g. a standalone product's default variant),
     or, when those endpoints are missing, taken from the demo catalogue of `shopd seed`.
  3. Every template is cloned in SQL, together with the rows that hang off it through
     foreign keys (read off the schema: PRAGMA foreign_key_list / pg_constraint), until
     there are N generated products. Clones get new integer ids, foreign keys remapped,
     the product name replaced (in every text column that contains it, lower-cased,
     case-folded or slugified: derived search columns follow), and values of other
     single-column unique keys made unique. SQLite rows go through the sqlite3 module,
     PostgreSQL rows through psql COPY.
Names are "<adjective> <noun> <number>", so a search for one noun matches 1/len(NOUNS)
of the generated products at any scale.

Limits: rows the application keeps outside foreign keys (say, a search index filled by
code rather than by triggers) are not cloned; multi-column unique keys that contain no
remapped foreign key would collide. bench.py checks the listed count after generating."""
import json
import os
import re
import subprocess
import unicodedata

ADJECTIVES = ["amber", "brisk", "cobalt", "dapper", "elegant", "frosty", "golden", "hearty",
              "ivory", "jolly", "keen", "lunar", "mellow", "nimble", "opal", "plush",
              "quiet", "rustic", "sturdy", "tidy"]
NOUNS = ["anorak", "blender", "candle", "drill", "easel", "fedora", "guitar", "hammock",
         "inkpot", "jigsaw", "kettle", "lantern", "mixer", "notebook", "oven", "parasol",
         "quilt", "rucksack", "sandal", "teapot"]
SEARCH_TERM = "lantern"
CATEGORIES = ["Bench Outdoors", "Bench Kitchen", "Bench Workshop", "Bench Wardrobe"]
TEMPLATES = 8
STAFF_EMAIL = "bench-admin@example.com"
STAFF_PASSWORD = "Vellum-Orchard-2391!"
PRODUCT_TABLES = ("products", "product", "catalogue_product", "catalog_product")


def product_name(i):
    return f"{ADJECTIVES[i % len(ADJECTIVES)].title()} {NOUNS[(i // len(ADJECTIVES)) % len(NOUNS)]} {i:06d}"


def slugify(s):
    s = unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode().lower()
    s = re.sub(r"[^\w\s-]", "", s)
    return re.sub(r"[-\s]+", "-", s).strip("-_")[:50] or "n-a"


def name_forms(name):
    """The ways a derived column may hold a name: as is, lower, casefold, upper, slug."""
    forms = [name, name.lower(), name.casefold(), name.upper(), slugify(name)]
    return list(dict.fromkeys(forms))


# ---------------------------------------------------------------- database access

class SqliteDb:
    def __init__(self, url):
        import sqlite3
        path = url[len("sqlite:///"):]
        self.conn = sqlite3.connect(path, timeout=60, isolation_level=None)
        self.conn.execute("PRAGMA busy_timeout = 60000")

    def q(self, sql, args=()):
        return self.conn.execute(sql, args).fetchall()

    def tables(self):
        return [r[0] for r in self.q("SELECT name FROM sqlite_master WHERE type = 'table' "
                                     "AND name NOT LIKE 'sqlite_%' AND sql NOT LIKE 'CREATE VIRTUAL%'")]

    @staticmethod
    def is_text(decl):
        d = (decl or "").upper()
        return d == "" or any(x in d for x in ("CHAR", "TEXT", "CLOB"))

    def columns(self, t):
        """[(name, is_text)], [primary key columns], the integer pk column or None."""
        info = self.q(f'PRAGMA table_info("{t}")')
        cols = [(r[1], self.is_text(r[2])) for r in info]
        pk = [r[1] for r in sorted(info, key=lambda r: r[5]) if r[5] > 0]
        int_pk = pk[0] if len(pk) == 1 and "INT" in next(
            (r[2] or "").upper() for r in info if r[1] == pk[0]) else None
        return cols, pk, int_pk

    def fks(self, t):
        groups = {}
        for r in self.q(f'PRAGMA foreign_key_list("{t}")'):
            groups.setdefault(r[0], []).append(r)
        out = []
        for rows in groups.values():
            if len(rows) == 1:
                r = rows[0]
                ref_col = r[4] or self.columns(r[2])[1][0]
                out.append((r[3], r[2], ref_col))
        return out

    def unique_cols(self, t, colnames):
        out = set()
        for r in self.q(f'PRAGMA index_list("{t}")'):
            if not r[2] or r[3] == "pk":
                continue
            members = self.q(f'PRAGMA index_info("{r[1]}")')
            names = [m[2] for m in members]
            if None in names:   # expression index: the columns it mentions
                sql = (self.q("SELECT sql FROM sqlite_master WHERE name = ?", (r[1],)) or [[""]])[0][0] or ""
                names = [c for c in colnames if re.search(r"\b%s\b" % re.escape(c), sql.split("(", 1)[-1])]
            if len(names) == 1:
                out.add(names[0])
        return out

    def select_in(self, t, col, values):
        out = []
        vals = list(values)
        for i in range(0, len(vals), 500):
            chunk = vals[i:i + 500]
            cur = self.conn.execute(f'SELECT * FROM "{t}" WHERE "{col}" IN ({",".join("?" * len(chunk))})', chunk)
            names = [d[0] for d in cur.description]
            out += [dict(zip(names, row)) for row in cur.fetchall()]
        return out

    def max_of(self, t, col):
        return self.q(f'SELECT COALESCE(MAX("{col}"), 0) FROM "{t}"')[0][0]

    def insert(self, t, cols, rows):
        sql = f'INSERT INTO "{t}" ({",".join(chr(34) + c + chr(34) for c in cols)}) VALUES ({",".join("?" * len(cols))})'
        self.conn.execute("BEGIN")
        self.conn.executemany(sql, ([r[c] for c in cols] for r in rows))
        self.conn.execute("COMMIT")

    def finish(self, tables):
        pass

    def product_ids(self, t):
        return [r[0] for r in self.q(f'SELECT id FROM "{t}" ORDER BY id')]


def pg_bin(name):
    import glob
    dirs = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda d: int(d.split("/")[4]))
    return os.path.join(dirs[-1], name) if dirs else name


def copy_escape(v):
    if v is None:
        return r"\N"
    s = v if isinstance(v, str) else str(v)
    return s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


COPY_UNESCAPE = {"\\": "\\", "t": "\t", "n": "\n", "r": "\r", "b": "\b", "f": "\f", "v": "\v"}


def copy_unescape(field):
    if field == r"\N":
        return None
    return re.sub(r"\\(.)", lambda m: COPY_UNESCAPE.get(m.group(1), m.group(1)), field)


class PgDb:
    """Through psql: values are text (COPY's text format), which round-trips any type."""

    def __init__(self, url):
        self.url = url
        self.psql = pg_bin("psql")

    def run(self, sql, stdin=None):
        r = subprocess.run([self.psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-At", "-F", "\t",
                            "-d", self.url, "-c", sql], input=stdin, capture_output=True,
                           text=True, timeout=600)
        if r.returncode != 0:
            raise RuntimeError(f"psql: {r.stderr.strip()}")
        return r.stdout

    def q(self, sql):
        return [line.split("\t") for line in self.run(sql).splitlines() if line]

    def tables(self):
        return [r[0] for r in self.q("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]

    def columns(self, t):
        info = self.q("SELECT column_name, data_type FROM information_schema.columns "
                      f"WHERE table_schema = 'public' AND table_name = '{t}' ORDER BY ordinal_position")
        cols = [(r[0], r[1] in ("text", "character varying", "character", "citext")) for r in info]
        pk = [r[0] for r in self.q(
            "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
            f"AND a.attnum = ANY(i.indkey) WHERE i.indrelid = 'public.\"{t}\"'::regclass AND i.indisprimary")]
        types = dict(info)
        int_pk = pk[0] if len(pk) == 1 and types.get(pk[0]) in ("integer", "bigint", "smallint") else None
        return cols, pk, int_pk

    def fks(self, t):
        return [tuple(r) for r in self.q(
            "SELECT a.attname, cl.relname, af.attname FROM pg_constraint c "
            "JOIN pg_class cl ON cl.oid = c.confrelid "
            "JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] "
            "JOIN pg_attribute af ON af.attrelid = c.confrelid AND af.attnum = c.confkey[1] "
            f"WHERE c.contype = 'f' AND c.conrelid = 'public.\"{t}\"'::regclass "
            "AND array_length(c.conkey, 1) = 1")]

    def unique_cols(self, t, colnames):
        out = set()
        for (d,) in self.q("SELECT pg_get_indexdef(indexrelid) FROM pg_index "
                           f"WHERE indrelid = 'public.\"{t}\"'::regclass AND indisunique AND NOT indisprimary"):
            body = d.split(" USING ", 1)[-1]
            names = [c for c in colnames if re.search(r"\b%s\b" % re.escape(c), body)]
            if len(names) == 1:
                out.add(names[0])
        return out

    def select_in(self, t, col, values):
        vals = ",".join("'" + str(v).replace("'", "''") + "'" for v in values)
        cols = [c for c, _ in self.columns(t)[0]]
        sel = ",".join(f'"{c}"' for c in cols)
        out = self.run(f'COPY (SELECT {sel} FROM "{t}" WHERE "{col}"::text IN ({vals})) TO STDOUT')
        return [dict(zip(cols, map(copy_unescape, line.split("\t")))) for line in out.splitlines()]

    def max_of(self, t, col):
        return int(self.q(f'SELECT COALESCE(MAX("{col}"), 0) FROM "{t}"')[0][0])

    def insert(self, t, cols, rows):
        data = "".join("\t".join(copy_escape(r[c]) for c in cols) + "\n" for r in rows)
        self.run(f'COPY "{t}" ({",".join(chr(34) + c + chr(34) for c in cols)}) FROM STDIN', stdin=data)

    def finish(self, tables):
        """Sequences past the explicit ids, then VACUUM ANALYZE: the state autovacuum
        reaches within a minute of a bulk insert (visibility map, hint bits, planner
        statistics). Measured before it, the product list ran about 25 % slower."""
        for t, pk in tables:
            self.run(f"SELECT setval(pg_get_serial_sequence('\"{t}\"', '{pk}'), "
                     f'(SELECT MAX("{pk}") FROM "{t}"))')
        self.run("VACUUM ANALYZE")

    def product_ids(self, t):
        return [int(r[0]) for r in self.q(f'SELECT id FROM "{t}" ORDER BY id')]


# ---------------------------------------------------------------- generator

def api(port, method, path, body=None, token=None):
    import http.client
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        hdrs = {"Content-Type": "application/json"} if body is not None else {}
        if token:
            hdrs["Authorization"] = "Bearer " + token
        conn.request(method, path, body=None if body is None else json.dumps(body), headers=hdrs)
        r = conn.getresponse()
        raw = r.read()
        try:
            return r.status, json.loads(raw) if raw else None
        except ValueError:
            return r.status, None
    finally:
        conn.close()


class Generator:
    def __init__(self, kind, url, port, shopd_cmd, log):
        self.db = SqliteDb(url) if kind == "sqlite" else PgDb(url)
        self.port, self.shopd_cmd, self.log = port, shopd_cmd, log
        self.generated = 0
        self.template_closures = []
        self.ids_by_instance = {}

    # -- schema

    def find_product_table(self):
        tables = self.db.tables()
        for name in PRODUCT_TABLES:
            if name in tables and "name" in [c for c, _ in self.db.columns(name)[0]]:
                return name
        return None

    def learn_schema(self):
        """The tables reachable from products through foreign keys pointing at it (its
        variants, media, ...), parents before children, with their keys."""
        tables = self.db.tables()
        fks = {t: self.db.fks(t) for t in tables}
        owned = [self.prod]
        changed = True
        while changed:
            changed = False
            for t in tables:
                if t not in owned and any(ref in owned for _, ref, _ in fks[t]):
                    owned.append(t)
                    changed = True
        order = []
        while len(order) < len(owned):   # parents first; a cycle is broken in table order
            ready = [t for t in owned if t not in order and all(
                ref in order or ref == t or ref not in owned for _, ref, _ in fks[t])]
            order.append(ready[0] if ready else next(t for t in owned if t not in order))
        self.order = order
        self.meta = {}
        for t in order:
            cols, pk, int_pk = self.db.columns(t)
            names = [c for c, _ in cols]
            self.meta[t] = {"cols": names, "text": {c for c, is_text in cols if is_text},
                            "pk": pk, "int_pk": int_pk,
                            "fks": [fk for fk in fks[t] if fk[1] in owned],
                            "unique": self.db.unique_cols(t, names) - set(pk)}
        self.log("catalogue schema: " + ", ".join(
            f"{t}(pk={self.meta[t]['int_pk']}, fks={[f[0] for f in self.meta[t]['fks']]}, unique={sorted(self.meta[t]['unique'])})"
            for t in order))

    def closure(self, product_id):
        """The template's rows in every owned table, by table."""
        rows = {self.prod: self.db.select_in(self.prod, "id", [product_id])}
        for t in self.order[1:]:
            seen, found = set(), []
            for col, ref, ref_col in self.meta[t]["fks"]:
                ids = [r[ref_col] for r in rows.get(ref, []) if r[ref_col] is not None]
                for r in self.db.select_in(t, col, ids) if ids else []:
                    key = tuple(str(r[c]) for c in (self.meta[t]["pk"] or self.meta[t]["cols"]))
                    if key not in seen:
                        seen.add(key)
                        found.append(r)
            rows[t] = found
        return rows

    # -- templates

    def templates_from_api(self):
        """Products made through the API as a superuser; [] when it cannot."""
        r = self.shopd_cmd("createsuperuser", "--email", STAFF_EMAIL, "--password", STAFF_PASSWORD,
                           "--first-name", "Bench", "--last-name", "Admin", check=False)
        if r.returncode != 0:
            self.log("createsuperuser: " + (r.stderr or r.stdout).strip())
        st, tok = api(self.port, "POST", "/auth/token/", {"email": STAFF_EMAIL, "password": STAFF_PASSWORD})
        if st != 200:
            self.log(f"staff login answered {st}")
            return []
        token = tok["access"]
        cats = []
        for name in CATEGORIES:
            st, body = api(self.port, "POST", "/api/v1/categories/", {"name": name}, token)
            if st != 201:
                self.log(f"POST /api/v1/categories/ answered {st}: {body}")
                return []
            cats.append(body["id"])
        ids = []
        for i in range(TEMPLATES):
            st, body = api(self.port, "POST", "/api/v1/products/", {
                "name": product_name(i), "category": cats[i % len(cats)],
                "description": f"A generated benchmark product, number {i}.",
                "base_price": f"{9 + i}.99", "shipping_fee": "4.99",
                "is_standalone": True, "total_stock_level": 10 + 5 * i}, token)
            if st != 201:
                self.log(f"POST /api/v1/products/ answered {st}: {body}")
                return []
            ids.append(body["id"])
        return ids

    def prepare(self, n):
        """Makes n generated products; None, or why there is no catalogue."""
        self.prod = self.find_product_table()
        if not self.prod:
            return "no catalogue tables in the schema"
        self.learn_schema()
        ids = self.templates_from_api()
        if ids:
            self.ids_by_instance = dict(enumerate(ids))
            self.generated = len(ids)
        else:
            ids = self.db.product_ids(self.prod)[:TEMPLATES]
            if not ids:
                return "catalogue API cannot create products and there is no demo data"
            self.log(f"cloning demo products {ids}")
        self.template_closures = [self.closure(pid) for pid in ids]
        self.grow(n)
        return None

    # -- cloning

    def grow(self, n):
        if n <= self.generated:
            return
        next_id = {t: self.db.max_of(t, m["int_pk"]) + 1 for t, m in self.meta.items() if m["int_pk"]}
        out = {t: [] for t in self.order}
        for k in range(self.generated, n):
            self.clone(k, self.template_closures[k % len(self.template_closures)], next_id, out)
        for t in self.order:
            if out[t]:
                self.db.insert(t, self.meta[t]["cols"], out[t])
        self.db.finish([(t, m["int_pk"]) for t, m in self.meta.items() if m["int_pk"] and out[t]])
        self.log(f"generated products {self.generated}..{n - 1}: "
                 + ", ".join(f"{t} +{len(out[t])}" for t in self.order))
        self.generated = n

    def clone(self, k, rows, next_id, out):
        old_prod = rows[self.prod][0]
        old_name, new_name = str(old_prod["name"]), product_name(k)
        subst = list(zip(name_forms(old_name), name_forms(new_name)))
        old_pid = str(old_prod["id"])
        mapping = {}
        new_pid = None
        for t in self.order:
            m = self.meta[t]
            for row in rows[t]:
                new = dict(row)
                for col, ref, ref_col in m["fks"]:
                    got = mapping.get((ref, ref_col), {}).get(str(row[col]))
                    if got is not None:
                        new[col] = got
                if m["int_pk"]:
                    pk = m["int_pk"]
                    new[pk] = next_id[t]
                    next_id[t] += 1
                    mapping.setdefault((t, pk), {})[str(row[pk])] = new[pk]
                if t == self.prod:
                    new_pid = str(new["id"])
                    self.ids_by_instance[k] = new["id"]
                self.rewrite(t, m, new, subst, (f"_{old_pid}_", f"_{new_pid}_"), k)
                if t == self.prod:
                    new["name"] = new_name
                out[t].append(new)

    def rewrite(self, t, m, row, subst, pid_tags, k):
        """Text holding the template's name gets the clone's; other values of unique
        columns are made unique: an embedded _<product id>_ (generated SKUs such as
        PRODVAR_<id>_DFLT) follows the new id, anything else gets a -<k> suffix."""
        keys = {c for c, _, _ in m["fks"]} | set(m["pk"])
        for c in m["cols"]:
            v = row[c]
            if c in keys or v is None:
                continue
            if c in m["text"]:
                orig = v = str(v)
                for a, b in subst:
                    v = v.replace(a, b)
                if c in m["unique"] and v == orig:
                    v = v.replace(*pid_tags) if pid_tags[0] in v else f"{v}-{k}"
                row[c] = v
            elif c in m["unique"]:
                try:
                    row[c] = int(v) + 1000000000 + k
                except ValueError:
                    pass

    # -- what the scenarios use

    def params(self):
        mid = self.ids_by_instance.get(self.generated // 2) or next(iter(self.ids_by_instance.values()))
        return {"product_id": mid, "search_term": SEARCH_TERM}

    def listed_count(self, port):
        st, body = api(port, "GET", "/api/v1/products/")
        return body.get("count") if st == 200 and isinstance(body, dict) else None
