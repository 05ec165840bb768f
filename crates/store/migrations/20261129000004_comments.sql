-- Reader comments and their moderation (src/comments.rs). Portable SQL, like every migration.

-- Shown on article cards without a query per card; kept in step by every comment write (it
-- does not raise the content epoch: see docs/architecture.md, "Comments").
ALTER TABLE articles ADD COLUMN comment_count BIGINT NOT NULL DEFAULT 0;

-- One row per article with comments or settings: `version` is the comments epoch at its last
-- change (nodes poll the epoch and refresh the threads that moved); `closed` closes it early.
CREATE TABLE comment_threads (
    article_id TEXT PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
    version    BIGINT NOT NULL DEFAULT 0,
    closed     BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX comment_threads_version ON comment_threads (version);
INSERT INTO site_state (key, value) VALUES ('comments_epoch', 0);

-- status: pending (held for a moderator), published, rejected, deleted (by its writer).
-- reader_id is NULL once the writer's account is deleted ("deleted account").
CREATE TABLE comments (
    id            TEXT PRIMARY KEY,
    article_id    TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    parent_id     TEXT REFERENCES comments (id),
    -- The comment answered (a reply to a reply hangs under its first-level parent, but its
    -- notice goes to the writer it answered).
    reply_to      TEXT,
    reader_id     TEXT REFERENCES readers (id) ON DELETE SET NULL,
    author_name   TEXT NOT NULL,
    author_role   TEXT,
    body_text     TEXT NOT NULL,
    body_html     TEXT NOT NULL,
    body_hash     TEXT NOT NULL,
    status        TEXT NOT NULL,
    hold_reason   TEXT,
    featured      BIGINT NOT NULL DEFAULT 0,
    like_count    BIGINT NOT NULL DEFAULT 0,
    open_reports  BIGINT NOT NULL DEFAULT 0,
    reply_count   BIGINT NOT NULL DEFAULT 0,
    created_at    BIGINT NOT NULL,
    edited_at     BIGINT,
    updated_at    BIGINT NOT NULL
);
CREATE INDEX comments_article ON comments (article_id, parent_id, status, created_at);
CREATE INDEX comments_reader ON comments (reader_id, created_at);
CREATE INDEX comments_status ON comments (status, updated_at);

CREATE TABLE comment_likes (
    comment_id TEXT NOT NULL REFERENCES comments (id) ON DELETE CASCADE,
    reader_id  TEXT NOT NULL REFERENCES readers (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (comment_id, reader_id)
);

CREATE TABLE comment_reports (
    id          TEXT PRIMARY KEY,
    comment_id  TEXT NOT NULL REFERENCES comments (id) ON DELETE CASCADE,
    reader_id   TEXT REFERENCES readers (id) ON DELETE SET NULL,
    reason      TEXT NOT NULL,
    detail      TEXT NOT NULL DEFAULT '',
    reviewed    BIGINT NOT NULL DEFAULT 0,
    created_at  BIGINT NOT NULL
);
CREATE UNIQUE INDEX comment_reports_once ON comment_reports (comment_id, reader_id);

-- A reader as a commenter: standing set by moderators, approved comments (for pre-moderation
-- of new commenters) and reply notifications.
CREATE TABLE commenters (
    reader_id         TEXT PRIMARY KEY REFERENCES readers (id) ON DELETE CASCADE,
    approved_count    BIGINT NOT NULL DEFAULT 0,
    banned            BIGINT NOT NULL DEFAULT 0,
    suspended_until   BIGINT,
    warned_at         BIGINT,
    reply_emails      BIGINT NOT NULL DEFAULT 1
);

-- Every moderation decision: who, when, what, why. Kept when the comment or reader goes.
CREATE TABLE moderation_log (
    id           TEXT PRIMARY KEY,
    comment_id   TEXT,
    reader_id    TEXT,
    moderator    TEXT NOT NULL,
    action       TEXT NOT NULL,
    reason       TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL
);
CREATE INDEX moderation_log_comment ON moderation_log (comment_id, created_at);
CREATE INDEX moderation_log_time ON moderation_log (created_at);

-- Replies waiting to be emailed to the writer of the comment replied to (batched per window).
CREATE TABLE comment_notices (
    id           TEXT PRIMARY KEY,
    recipient_id TEXT NOT NULL REFERENCES readers (id) ON DELETE CASCADE,
    comment_id   TEXT NOT NULL REFERENCES comments (id) ON DELETE CASCADE,
    created_at   BIGINT NOT NULL,
    sent_at      BIGINT
);
CREATE INDEX comment_notices_recipient ON comment_notices (recipient_id, sent_at);
