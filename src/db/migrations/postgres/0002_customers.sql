-- Customers (API.md §2), their address, and what authentication keeps in the database
-- so that several instances agree: the refresh-token blacklist and login failures.
CREATE TABLE customers (
    id BIGSERIAL PRIMARY KEY,
    email TEXT NOT NULL,
    email_key TEXT NOT NULL UNIQUE,          -- lower-cased email: case-insensitive uniqueness
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    slug TEXT NOT NULL UNIQUE,
    date_of_birth INTEGER,                   -- days since 1970-01-01
    password TEXT NOT NULL,
    pwv INTEGER NOT NULL DEFAULT 0,          -- password version, in tokens as "pwv"
    password_changed_at BIGINT,              -- microseconds
    is_active BOOLEAN NOT NULL DEFAULT TRUE,
    is_staff BOOLEAN NOT NULL DEFAULT FALSE,
    is_superuser BOOLEAN NOT NULL DEFAULT FALSE,
    is_vendor BOOLEAN NOT NULL DEFAULT FALSE,
    date_joined BIGINT NOT NULL,
    last_login BIGINT,
    last_purchase_date BIGINT,
    products_bought_count INTEGER NOT NULL DEFAULT 0,
    total_units_bought INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE addresses (
    customer_id BIGINT PRIMARY KEY REFERENCES customers(id) ON DELETE CASCADE,
    street_address TEXT NOT NULL,
    postal_code INTEGER NOT NULL,
    city TEXT NOT NULL,
    state TEXT NOT NULL,
    country TEXT NOT NULL
);

CREATE TABLE token_blacklist (
    jti TEXT PRIMARY KEY,
    customer_id BIGINT,
    expires_at BIGINT NOT NULL               -- seconds (the token's exp)
);
CREATE INDEX token_blacklist_expires ON token_blacklist (expires_at);

CREATE TABLE login_failures (
    key TEXT NOT NULL,                       -- "a:<email>|<addr>", "e:<email>", "i:<addr>"
    window_start BIGINT NOT NULL,            -- seconds, multiple of 900
    failures INTEGER NOT NULL,
    PRIMARY KEY (key, window_start)
);
CREATE INDEX login_failures_window ON login_failures (window_start);
