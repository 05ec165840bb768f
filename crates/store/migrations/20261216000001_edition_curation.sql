-- The editor's curation of a Daily Edition before it is sent (src/edition/curation.rs): the
-- introduction and the stories dropped, pinned and reordered, per edition date. Read by every
-- composition of that date; once the edition is sent its content is fixed in `editions`.

CREATE TABLE edition_curations (
    -- YYYY-MM-DD, as editions.edition_date (an edition may not exist yet).
    edition_date TEXT PRIMARY KEY,
    intro        TEXT NOT NULL,
    -- core::edition::curation::Curation's lists as JSON: {"order": [...], "dropped": [...],
    -- "pinned": [...]} (article IDs).
    stories      TEXT NOT NULL,
    updated_by   TEXT NOT NULL,
    updated_at   BIGINT NOT NULL
);
