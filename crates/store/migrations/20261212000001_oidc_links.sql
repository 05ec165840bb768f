-- Linking a provider to an existing account by email (src/identities/link.rs), and whether a
-- reader's address is known to work (src/identities/unlink.rs).

-- A provider's identity waiting to be linked to an existing account: the sign-in request it
-- belongs to carries the secret (a link token and code, stored as hashes), the browser binding,
-- the expiry and the single use; spending that request in the bound browser links the
-- identity. Deleted with its request.
CREATE TABLE oidc_links (
    request_id    TEXT PRIMARY KEY REFERENCES sign_in_requests (id) ON DELETE CASCADE,
    reader_id     TEXT NOT NULL REFERENCES readers (id) ON DELETE CASCADE,
    issuer        TEXT NOT NULL,
    subject       TEXT NOT NULL,
    provider      TEXT NOT NULL,
    provider_name TEXT NOT NULL,
    email         TEXT,
    created_at    BIGINT NOT NULL
);
CREATE INDEX oidc_links_reader ON oidc_links (reader_id);

-- When the account's address last received one of our links and the reader used it (a link
-- or code spent, a change of address confirmed). NULL: never, such as an account created
-- through a provider; its last provider cannot be unlinked until the address has been proven.
ALTER TABLE readers ADD COLUMN email_proven_at BIGINT;
-- Accounts made before this migration: every account without a provider was made by email.
UPDATE readers SET email_proven_at = COALESCE(last_sign_in_at, created_at)
    WHERE NOT EXISTS (SELECT 1 FROM identities i WHERE i.reader_id = readers.id)
       OR EXISTS (SELECT 1 FROM sign_in_requests s WHERE s.email_key = readers.email_key AND s.used_at IS NOT NULL);
