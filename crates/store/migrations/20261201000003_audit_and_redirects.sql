-- Every staff action, newest first (src/audit.rs). `actor_label` is kept as written at the time
-- (the staff member's address, an API key's name, "cli"), so that the entry still says who
-- even after the staff member or key is gone. `before_json`/`after_json` hold the changed
-- values for settings and roles; other actions leave them empty.
CREATE TABLE audit_log (
    id          TEXT PRIMARY KEY,
    at          BIGINT NOT NULL,
    actor_kind  TEXT NOT NULL,
    actor_id    TEXT,
    actor_label TEXT NOT NULL,
    action      TEXT NOT NULL,
    target_kind TEXT NOT NULL,
    target_id   TEXT,
    summary     TEXT NOT NULL DEFAULT '',
    before_json TEXT,
    after_json  TEXT
);
CREATE INDEX audit_log_at ON audit_log (at, id);
CREATE INDEX audit_log_target ON audit_log (target_kind, target_id, at);

-- Old reader-facing paths that moved (a renamed section or tag, a published article's changed
-- slug), answered with a permanent redirect (src/redirects.rs). Chains are collapsed on write,
-- so every row points at a current path.
CREATE TABLE redirects (
    from_path  TEXT PRIMARY KEY,
    to_path    TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX redirects_to ON redirects (to_path);
