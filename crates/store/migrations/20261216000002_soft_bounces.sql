-- Soft bounces in a row per address (src/edition/bounces.rs): after N editions in a row
-- bounced softly (mailbox full, a 4xx reported later), the address is suppressed.
CREATE TABLE email_soft_bounces (
    -- readers.email_key / email_suppressions.email_key
    email_key       TEXT PRIMARY KEY,
    in_row          BIGINT NOT NULL,
    -- The edition the last soft bounce was for: a second report for it counts once.
    last_edition_id TEXT NOT NULL,
    updated_at      BIGINT NOT NULL
);
