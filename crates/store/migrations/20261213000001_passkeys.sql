-- Passkeys (WebAuthn) of staff members (src/passkeys.rs). The credential id is unique across
-- the site (WebAuthn Level 2, §7.1 step 22); the public key is the COSE_Key the authenticator
-- sent, base64url. `sign_count` is the last signature counter seen (§7.2 step 21).
CREATE TABLE staff_passkeys (
    id TEXT PRIMARY KEY,
    staff_id TEXT NOT NULL REFERENCES staff (id),
    credential_id TEXT NOT NULL UNIQUE,
    public_key TEXT NOT NULL,
    alg BIGINT NOT NULL,
    sign_count BIGINT NOT NULL,
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT
);
CREATE INDEX staff_passkeys_staff ON staff_passkeys (staff_id);

-- Challenges issued to browsers: stored as the keyed hash of the challenge, bound to the
-- browser's binding cookie (its hash), single use (deleted when spent) and expiring. A
-- registration challenge names the staff member it was issued to.
CREATE TABLE passkey_challenges (
    challenge_hash TEXT PRIMARY KEY,
    purpose TEXT NOT NULL,
    bind_hash TEXT NOT NULL,
    staff_id TEXT,
    expires_at BIGINT NOT NULL
);
CREATE INDEX passkey_challenges_bind ON passkey_challenges (bind_hash);
CREATE INDEX passkey_challenges_expiry ON passkey_challenges (expires_at);
