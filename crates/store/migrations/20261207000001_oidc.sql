-- Sign-in with OpenID Connect providers (src/identities.rs).

-- A sign-in started with a provider: the hash of its `state`, the browser it is bound to (the
-- hash of its binding cookie), the PKCE verifier and nonce to check the answer with. Lives ten
-- minutes and is deleted when the callback uses it (so a state works once).
CREATE TABLE oidc_flows (
    state_hash      TEXT PRIMARY KEY,
    provider        TEXT NOT NULL,
    bind_hash       TEXT NOT NULL,
    pkce_verifier   TEXT NOT NULL,
    nonce           TEXT NOT NULL,
    return_to       TEXT NOT NULL,
    wall_article_id TEXT,
    expires_at      BIGINT NOT NULL,
    created_at      BIGINT NOT NULL
);
CREATE INDEX oidc_flows_expires ON oidc_flows (expires_at);

-- A provider's account linked to a reader: keyed by who vouches (issuer) and for whom
-- (subject), never by email address.
CREATE TABLE identities (
    issuer       TEXT NOT NULL,
    subject      TEXT NOT NULL,
    reader_id    TEXT NOT NULL REFERENCES readers (id) ON DELETE CASCADE,
    provider     TEXT NOT NULL,
    email        TEXT,
    created_at   BIGINT NOT NULL,
    last_used_at BIGINT NOT NULL,
    PRIMARY KEY (issuer, subject)
);
CREATE INDEX identities_reader ON identities (reader_id);

-- A first sign-in with a provider waiting for the reader's consent on the confirmation page:
-- keyed by the hash of a cookie of the browser that signed in; lives fifteen minutes.
CREATE TABLE oidc_pending (
    id_hash         TEXT PRIMARY KEY,
    issuer          TEXT NOT NULL,
    subject         TEXT NOT NULL,
    provider        TEXT NOT NULL,
    email           TEXT NOT NULL,
    return_to       TEXT NOT NULL,
    wall_article_id TEXT,
    expires_at      BIGINT NOT NULL,
    created_at      BIGINT NOT NULL
);
CREATE INDEX oidc_pending_expires ON oidc_pending (expires_at);
