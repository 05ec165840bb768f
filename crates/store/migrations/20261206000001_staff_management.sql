-- Staff management (src/staff.rs): a deactivated staff member keeps their row (the audit log
-- and bylines still name them) but signs in as a reader only, and their staff sessions end at
-- once. `invited_at`/`invited_by` record an invitation from the newsroom.
ALTER TABLE staff ADD COLUMN deactivated_at BIGINT;
ALTER TABLE staff ADD COLUMN invited_at BIGINT;
ALTER TABLE staff ADD COLUMN invited_by TEXT;
