-- The newsroom's articles (src/newsroom/): the editor's extra fields, a revision counter that
-- refuses stale saves, revisions, per-author autosaves, who has an article open, corrections
-- and preview links. Portable SQL, like every migration.

ALTER TABLE articles ADD COLUMN kicker TEXT NOT NULL DEFAULT '';
-- "Reported by …, with additional reporting by …"; shown instead of the author list when set.
ALTER TABLE articles ADD COLUMN byline TEXT NOT NULL DEFAULT '';
ALTER TABLE articles ADD COLUMN seo_title TEXT NOT NULL DEFAULT '';
ALTER TABLE articles ADD COLUMN seo_description TEXT NOT NULL DEFAULT '';
-- Raised by every save; a form carries the revision it was loaded at.
ALTER TABLE articles ADD COLUMN revision BIGINT NOT NULL DEFAULT 1;

-- The article list (status filter, newest change first) and its keyset paging.
CREATE INDEX articles_status_updated ON articles (status, updated_at, id);
CREATE INDEX articles_section_updated ON articles (section_id, updated_at, id);

-- One row per save, publish, unpublish, schedule, and an autosave snapshot at most every ten
-- minutes. `snapshot` is the editor's fields as typed (JSON). `live` marks versions readers
-- saw: they are kept for ever; of the others the last 50 are kept.
CREATE TABLE article_revisions (
    id          TEXT PRIMARY KEY,
    article_id  TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    revision    BIGINT NOT NULL,
    kind        TEXT NOT NULL,
    live        BIGINT NOT NULL DEFAULT 0,
    snapshot    TEXT NOT NULL,
    staff_id    TEXT,
    staff_label TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX article_revisions_article ON article_revisions (article_id, created_at, id);

-- Each staff member's unsaved work on an article: never the saved version.
CREATE TABLE article_autosaves (
    article_id    TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    staff_id      TEXT NOT NULL,
    base_revision BIGINT NOT NULL,
    snapshot      TEXT NOT NULL,
    saved_at      BIGINT NOT NULL,
    PRIMARY KEY (article_id, staff_id)
);

-- Who has an article open in the editor (refreshed by autosave and the heartbeat).
CREATE TABLE article_presence (
    article_id TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    staff_id   TEXT NOT NULL,
    label      TEXT NOT NULL,
    seen_at    BIGINT NOT NULL,
    PRIMARY KEY (article_id, staff_id)
);

-- Corrections and clarifications appended to published articles (kind: correction,
-- clarification, update).
CREATE TABLE article_corrections (
    id          TEXT PRIMARY KEY,
    article_id  TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,
    body        TEXT NOT NULL,
    staff_label TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX article_corrections_article ON article_corrections (article_id, created_at);
CREATE INDEX article_corrections_time ON article_corrections (created_at, id);

-- Preview links for people without an account: the URL carries the id and an HMAC of it
-- (src/newsroom/previews.rs); the row says until when, and whether it was revoked.
CREATE TABLE preview_links (
    id          TEXT PRIMARY KEY,
    article_id  TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    created_by  TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    revoked_at  BIGINT
);
CREATE INDEX preview_links_article ON preview_links (article_id, created_at);
