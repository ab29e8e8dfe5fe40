-- Catalogue and stores (API.md §3, §4). *_fold columns hold the name after Unicode
-- simple case folding done in C (core/fold.c), so that search (LIKE on folded text) and
-- case-insensitive ordering behave the same on SQLite and PostgreSQL.
-- Derived counters on products (total_stock_level, total_sold, min_adjustment) are kept
-- up to date by the store layer whenever a variant changes, so lists need no aggregates.

CREATE TABLE stores (
    id INTEGER PRIMARY KEY,
    owner_id INTEGER NOT NULL REFERENCES customers(id),
    brand_name TEXT NOT NULL UNIQUE,
    brand_fold TEXT NOT NULL,
    slug TEXT NOT NULL UNIQUE,
    about TEXT NOT NULL,
    is_active INTEGER NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
-- one active store per customer
-- "= TRUE", as the queries write it: SQLite uses a partial index only for the same term
CREATE UNIQUE INDEX stores_owner_active ON stores (owner_id) WHERE is_active = TRUE;

CREATE TABLE store_followers (
    store_id INTEGER NOT NULL REFERENCES stores(id),
    customer_id INTEGER NOT NULL REFERENCES customers(id),
    PRIMARY KEY (store_id, customer_id)
);

CREATE TABLE categories (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    name_fold TEXT NOT NULL UNIQUE,          -- case-insensitive uniqueness and ordering
    slug TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE products (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    name_fold TEXT NOT NULL,
    category_id INTEGER NOT NULL REFERENCES categories(id),
    store_id INTEGER REFERENCES stores(id),
    description TEXT NOT NULL DEFAULT '',
    base_price BIGINT NOT NULL,              -- cents
    shipping_fee BIGINT,                     -- cents, NULL = none
    rating BIGINT,                           -- mean review rating x 100 (2 dp), NULL = none
    is_standalone INTEGER NOT NULL DEFAULT 1,
    total_stock_level BIGINT NOT NULL DEFAULT 0,  -- sum over active variants
    total_sold BIGINT NOT NULL DEFAULT 0,         -- sum over active variants
    min_adjustment BIGINT,                   -- smallest adjustment of active variants
    is_active INTEGER NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
-- the list's ordering, and each filter with it
CREATE INDEX products_list ON products (is_active, total_sold DESC, rating DESC, id);
CREATE INDEX products_category ON products (category_id, is_active, total_sold DESC, rating DESC, id);
CREATE INDEX products_store ON products (store_id, is_active, total_sold DESC, rating DESC, id);
CREATE INDEX products_available ON products (is_active, total_stock_level);

CREATE TABLE attributes (
    id INTEGER PRIMARY KEY,
    product_id INTEGER NOT NULL REFERENCES products(id),
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (product_id, name)
);

CREATE TABLE variants (
    id INTEGER PRIMARY KEY,
    product_id INTEGER NOT NULL REFERENCES products(id),
    sku TEXT NOT NULL UNIQUE,
    price_adjustment BIGINT NOT NULL DEFAULT 0,  -- cents, may be negative
    stock_level BIGINT NOT NULL DEFAULT 0,
    quantity_sold BIGINT NOT NULL DEFAULT 0,
    is_default INTEGER NOT NULL DEFAULT 0,
    is_active INTEGER NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX variants_product ON variants (product_id, is_active, quantity_sold DESC, id);

CREATE TABLE variant_attributes (
    variant_id INTEGER NOT NULL REFERENCES variants(id),
    attribute_id INTEGER NOT NULL REFERENCES attributes(id),
    value TEXT NOT NULL,
    PRIMARY KEY (variant_id, attribute_id)
);

CREATE TABLE media (
    id INTEGER PRIMARY KEY,
    product_id INTEGER NOT NULL REFERENCES products(id),
    file TEXT NOT NULL,                      -- "<uuid><ext>" under MEDIA_ROOT
    content_type TEXT NOT NULL,              -- sniffed, e.g. image/png
    file_type TEXT NOT NULL,                 -- image | video
    file_size BIGINT NOT NULL,               -- bytes
    is_primary INTEGER NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);
CREATE INDEX media_product ON media (product_id, id);
-- /media/<file> looks a file up by its name
CREATE UNIQUE INDEX media_file ON media (file);

CREATE TABLE reviews (
    id INTEGER PRIMARY KEY,
    product_id INTEGER NOT NULL REFERENCES products(id),
    customer_id INTEGER NOT NULL REFERENCES customers(id),
    review_text TEXT NOT NULL,
    rating INTEGER NOT NULL,
    sentiment TEXT,
    sentiment_score DOUBLE PRECISION,
    is_active INTEGER NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (product_id, customer_id)
);
CREATE INDEX reviews_product ON reviews (product_id, created_at DESC, id DESC);

-- Products a customer has paid for (filled by payments; read by reviews).
CREATE TABLE purchases (
    customer_id INTEGER NOT NULL REFERENCES customers(id),
    product_id INTEGER NOT NULL REFERENCES products(id),
    created_at BIGINT NOT NULL,
    PRIMARY KEY (customer_id, product_id)
);
