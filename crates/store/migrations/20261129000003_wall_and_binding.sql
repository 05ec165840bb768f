-- The registration wall (crates/web/src/wall/): what the newsroom learns from it.

-- A sign-in request made from the wall remembers the article that showed it, so that a
-- completed sign-up is attributed to that article.
ALTER TABLE sign_in_requests ADD COLUMN wall_article_id TEXT;

-- Counts per article and UTC day, added to by every node (flushed from memory every few
-- seconds, so a page view never waits for a write).
CREATE TABLE wall_stats (
    day                   TEXT NOT NULL,
    article_id            TEXT NOT NULL,
    impressions           BIGINT NOT NULL DEFAULT 0,
    registrations_started BIGINT NOT NULL DEFAULT 0,
    signups               BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (day, article_id)
);

-- Staff sign-in links only work in the browser that asked for them: the hash of that
-- browser's binding cookie (crates/store/src/sign_in.rs).
ALTER TABLE sign_in_requests ADD COLUMN bind_hash TEXT;

-- Old rate-limit windows are deleted by range when a new key appears; without this index that
-- was a scan of the whole table on every first hit.
CREATE INDEX rate_limits_window ON rate_limits (window_start);
