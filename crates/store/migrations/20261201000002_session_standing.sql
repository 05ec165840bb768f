-- A session's staff standing is fixed when it is opened: a session opened through the staff
-- sign-in rules (bound browser, short life) records it; any other session is a reader's, even
-- if its account's address later becomes a staff address (src/sessions.rs).
ALTER TABLE sessions ADD COLUMN staff BIGINT NOT NULL DEFAULT 0;

-- Raised whenever sessions are revoked (sign-out, sign-out everywhere, deletion, a change of
-- address); every node polls it and empties its session cache when it moves.
INSERT INTO site_state (key, value) VALUES ('sessions_epoch', 0);
