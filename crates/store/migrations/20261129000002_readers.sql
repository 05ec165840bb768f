-- Reader accounts, passwordless sign-in, sessions and rate limits (src/readers.rs).

CREATE TABLE readers (
    id                TEXT PRIMARY KEY,
    email             TEXT NOT NULL,
    email_key         TEXT NOT NULL UNIQUE,
    display_name      TEXT,
    daily_edition     BIGINT NOT NULL DEFAULT 1,
    terms_version     TEXT NOT NULL,
    terms_accepted_at BIGINT NOT NULL,
    created_at        BIGINT NOT NULL,
    last_sign_in_at   BIGINT
);

-- One request for a sign-in email: its link token and code are stored only as hashes, made by
-- the job that sends the email (so no usable secret ever sits in the job queue).
CREATE TABLE sign_in_requests (
    id            TEXT PRIMARY KEY,
    purpose       TEXT NOT NULL,
    email         TEXT NOT NULL,
    email_key     TEXT NOT NULL,
    reader_id     TEXT REFERENCES readers (id) ON DELETE CASCADE,
    new_email     TEXT,
    terms_version TEXT,
    daily_edition BIGINT NOT NULL DEFAULT 1,
    return_to     TEXT NOT NULL DEFAULT '/',
    token_hash    TEXT UNIQUE,
    code_hash     TEXT,
    attempts      BIGINT NOT NULL DEFAULT 0,
    expires_at    BIGINT NOT NULL,
    used_at       BIGINT,
    created_at    BIGINT NOT NULL
);
CREATE INDEX sign_in_requests_email ON sign_in_requests (email_key, expires_at);

CREATE TABLE sessions (
    id_hash      TEXT PRIMARY KEY,
    reader_id    TEXT NOT NULL REFERENCES readers (id) ON DELETE CASCADE,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL
);
CREATE INDEX sessions_reader ON sessions (reader_id);

-- Fixed-window counters shared by all nodes.
CREATE TABLE rate_limits (
    key          TEXT NOT NULL,
    window_start BIGINT NOT NULL,
    count        BIGINT NOT NULL,
    PRIMARY KEY (key, window_start)
);
