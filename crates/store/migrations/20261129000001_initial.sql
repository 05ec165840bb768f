-- Portable SQL: runs unchanged on SQLite and PostgreSQL (see src/dialect.rs for what differs).
-- IDs are UUIDv7 text made by the application; times are BIGINT milliseconds since the Unix
-- epoch, UTC; flags are BIGINT 0/1.

CREATE TABLE sections (
    id          TEXT PRIMARY KEY,
    slug        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    position    BIGINT NOT NULL DEFAULT 0,
    created_at  BIGINT NOT NULL
);

CREATE TABLE authors (
    id         TEXT PRIMARY KEY,
    slug       TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    bio        TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);

CREATE TABLE tags (
    id   TEXT PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL
);

CREATE TABLE articles (
    id            TEXT PRIMARY KEY,
    slug          TEXT NOT NULL UNIQUE,
    headline      TEXT NOT NULL,
    standfirst    TEXT NOT NULL DEFAULT '',
    body_markdown TEXT NOT NULL,
    body_html     TEXT NOT NULL,
    body_text     TEXT NOT NULL,
    section_id    TEXT NOT NULL REFERENCES sections (id),
    status        TEXT NOT NULL,
    access        TEXT NOT NULL,
    breaking      BIGINT NOT NULL DEFAULT 0,
    published_at  BIGINT,
    -- Shown to readers as "Updated …"; set by the newsroom, not by every save.
    revised_at    BIGINT,
    -- When the row last changed (Last-Modified, caches).
    updated_at    BIGINT NOT NULL,
    created_at    BIGINT NOT NULL
);
CREATE INDEX articles_status_published ON articles (status, published_at);
CREATE INDEX articles_section_status_published ON articles (section_id, status, published_at);

CREATE TABLE article_authors (
    article_id TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    author_id  TEXT NOT NULL REFERENCES authors (id),
    position   BIGINT NOT NULL,
    PRIMARY KEY (article_id, author_id)
);
CREATE INDEX article_authors_author ON article_authors (author_id);

CREATE TABLE article_tags (
    article_id TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    tag_id     TEXT NOT NULL REFERENCES tags (id),
    PRIMARY KEY (article_id, tag_id)
);
CREATE INDEX article_tags_tag ON article_tags (tag_id);

-- A photo belongs to an article (its lead photo, or an inline photo placed by name in the
-- body). article_id may be NULL later, for a newsroom photo library.
CREATE TABLE photos (
    id         TEXT PRIMARY KEY,
    article_id TEXT REFERENCES articles (id) ON DELETE CASCADE,
    role       TEXT NOT NULL,
    name       TEXT,
    position   BIGINT NOT NULL DEFAULT 0,
    file       TEXT NOT NULL,
    width      BIGINT NOT NULL,
    height     BIGINT NOT NULL,
    alt        TEXT NOT NULL,
    caption    TEXT NOT NULL DEFAULT '',
    credit     TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);
CREATE INDEX photos_article ON photos (article_id, role, position);

CREATE TABLE staff (
    id         TEXT PRIMARY KEY,
    email      TEXT NOT NULL,
    email_key  TEXT NOT NULL UNIQUE,
    role       TEXT NOT NULL,
    author_id  TEXT REFERENCES authors (id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- The durable job queue (src/jobs.rs).
CREATE TABLE jobs (
    id              TEXT PRIMARY KEY,
    kind            TEXT NOT NULL,
    payload         TEXT NOT NULL,
    idempotency_key TEXT UNIQUE,
    status          TEXT NOT NULL,
    attempts        BIGINT NOT NULL DEFAULT 0,
    max_attempts    BIGINT NOT NULL,
    run_at          BIGINT NOT NULL,
    locked_by       TEXT,
    locked_until    BIGINT,
    last_error      TEXT,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX jobs_claim ON jobs (status, run_at);

-- Small shared counters, such as the content epoch that tells every node to drop its page
-- caches (src/state.rs).
CREATE TABLE site_state (
    key   TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);
INSERT INTO site_state (key, value) VALUES ('content_epoch', 0);

-- Settings and generated secrets shared by all nodes.
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
