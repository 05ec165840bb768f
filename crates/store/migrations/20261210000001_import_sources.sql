-- Articles brought in from another platform (`masthead import --from ghost|wordpress`,
-- src/imports.rs): which item of which source each one came from, and a hash of what the
-- import wrote, so that importing the same export again changes nothing and an item changed
-- in a newer export updates its article (matched by source id, whatever its slug became).
CREATE TABLE import_sources (
    source       TEXT NOT NULL,
    source_id    TEXT NOT NULL,
    article_id   TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    content_hash TEXT NOT NULL,
    imported_at  BIGINT NOT NULL,
    PRIMARY KEY (source, source_id)
);
CREATE INDEX import_sources_article ON import_sources (article_id);
