-- Admin API keys (src/api_keys.rs): made by an admin in the newsroom, shown once, stored as
-- an HMAC (`TokenHasher`) of the token, recognised by their visible prefix. A key acts with
-- its role, never more than its creator's current one; a revoked key stays listed.
CREATE TABLE api_keys (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    prefix       TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    role         TEXT NOT NULL,
    created_by   TEXT NOT NULL REFERENCES staff (id),
    created_at   BIGINT NOT NULL,
    last_used_at BIGINT,
    revoked_at   BIGINT
);
CREATE INDEX api_keys_by_created ON api_keys (created_at);
