-- Foundation tables (PostgreSQL). Times are microseconds since the epoch (BIGINT),
-- booleans BOOLEAN, ids BIGSERIAL.

-- Small key/value settings of the installation (e.g. signing key ids).
CREATE TABLE app_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- Idempotency-Key replay store: one row per (caller, key); fingerprint is a hash of the
-- request, status/body the stored answer once state says it is complete.
CREATE TABLE idempotency_keys (
    caller      TEXT NOT NULL,
    key         TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    status      INTEGER,
    body        TEXT,
    state       TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (caller, key)
);
-- expiry sweeps delete by age
CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);

-- Background jobs, claimed by any instance (DESIGN.md 7, 8).
CREATE TABLE jobs (
    id         BIGSERIAL PRIMARY KEY,
    kind       TEXT NOT NULL,
    payload    TEXT NOT NULL,
    state      TEXT NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0,
    run_after  BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX jobs_state_run_after ON jobs (state, run_after);
