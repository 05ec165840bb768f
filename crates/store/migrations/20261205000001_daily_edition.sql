-- The Daily Edition (src/edition.rs): one row per edition date, a ledger row per (edition,
-- reader) fixed when the send starts, and the addresses the edition no longer goes to.

CREATE TABLE editions (
    id           TEXT PRIMARY KEY,
    -- The local date in the publication's time zone, YYYY-MM-DD: one edition per date, ever.
    edition_date TEXT NOT NULL UNIQUE,
    -- sending | sent (every message accepted) | finished (done, some failed or bounced)
    -- | stopped (a burst of permanent errors)
    status       TEXT NOT NULL,
    subject      TEXT NOT NULL,
    -- The stories, as JSON (core::edition::EditionContent), fixed at the start.
    content      TEXT NOT NULL,
    recipients   BIGINT NOT NULL,
    chunks       BIGINT NOT NULL,
    started_at   BIGINT NOT NULL,
    finished_at  BIGINT,
    stop_reason  TEXT
);

-- The ledger. No foreign key to readers: a reader who deletes their account mid-send has their
-- rows removed by the edition's erasure, and a row must never block that deletion.
CREATE TABLE edition_deliveries (
    edition_id   TEXT NOT NULL REFERENCES editions (id) ON DELETE CASCADE,
    reader_id    TEXT NOT NULL,
    email        TEXT NOT NULL,
    -- The recipient's domain (lower case): back-off and progress are per destination.
    domain       TEXT NOT NULL,
    chunk        BIGINT NOT NULL,
    -- queued | sent | failed | bounced | skipped (opted out or suppressed after the start)
    status       TEXT NOT NULL,
    attempts     BIGINT NOT NULL DEFAULT 0,
    -- The SMTP server's reply to the last attempt.
    response     TEXT,
    updated_at   BIGINT NOT NULL,
    PRIMARY KEY (edition_id, reader_id)
);
CREATE INDEX edition_deliveries_chunk ON edition_deliveries (edition_id, chunk, status);
CREATE INDEX edition_deliveries_reader ON edition_deliveries (reader_id);

-- Addresses that must not get the edition: a permanent SMTP failure, a complaint. By
-- canonical address (readers.email_key), so that a new account at the address stays
-- suppressed until its owner resumes from the account page.
CREATE TABLE email_suppressions (
    email_key  TEXT PRIMARY KEY,
    reason     TEXT NOT NULL,
    detail     TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
