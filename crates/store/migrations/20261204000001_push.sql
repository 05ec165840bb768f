-- Web Push (src/push.rs): browsers' subscriptions and their topics, breaking-news alerts and
-- their progress, the chunks of a fan-out that have finished, and receipts from service
-- workers. Portable SQL, like every migration.

-- endpoint, p256dh and auth are as the browser gave them (base64url keys). reader_id is set
-- when a signed-in reader subscribed (their data export lists it; deleting the account deletes
-- it). failures counts refusals (4xx other than 404/410/413) since the last delivery.
CREATE TABLE push_subscriptions (
    id           TEXT PRIMARY KEY,
    endpoint     TEXT NOT NULL,
    p256dh       TEXT NOT NULL,
    auth         TEXT NOT NULL,
    reader_id    TEXT REFERENCES readers (id) ON DELETE CASCADE,
    failures     BIGINT NOT NULL DEFAULT 0,
    created_at   BIGINT NOT NULL,
    last_used_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX push_subscriptions_endpoint ON push_subscriptions (endpoint);
CREATE INDEX push_subscriptions_reader ON push_subscriptions (reader_id);
CREATE INDEX push_subscriptions_last_used ON push_subscriptions (last_used_at);

-- A fan-out walks one topic's subscribers in id order (the primary key is that index).
CREATE TABLE push_topics (
    topic           TEXT NOT NULL,
    subscription_id TEXT NOT NULL REFERENCES push_subscriptions (id) ON DELETE CASCADE,
    PRIMARY KEY (topic, subscription_id)
);
CREATE INDEX push_topics_subscription ON push_topics (subscription_id);

-- One send of a story to a topic. round is 0 for the first send of that story to that topic
-- and counts resends: the unique index makes "once per topic unless resent on purpose" hold
-- for two editors pressing the button at once. split_cursor is the last subscriber the split
-- has handed to a chunk; open_jobs counts chunk jobs (and their retries) not yet finished.
CREATE TABLE push_alerts (
    id            TEXT PRIMARY KEY,
    article_id    TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    topic         TEXT NOT NULL,
    round         BIGINT NOT NULL,
    payload       TEXT NOT NULL,
    sent_by       TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    audience      BIGINT NOT NULL,
    split_cursor  TEXT NOT NULL DEFAULT '',
    split_done    BIGINT NOT NULL DEFAULT 0,
    chunks        BIGINT NOT NULL DEFAULT 0,
    open_jobs     BIGINT NOT NULL DEFAULT 0,
    sent          BIGINT NOT NULL DEFAULT 0,
    expired       BIGINT NOT NULL DEFAULT 0,
    failed        BIGINT NOT NULL DEFAULT 0,
    retried       BIGINT NOT NULL DEFAULT 0,
    received      BIGINT NOT NULL DEFAULT 0,
    clicked       BIGINT NOT NULL DEFAULT 0,
    first_sent_at BIGINT,
    finished_at   BIGINT
);
CREATE UNIQUE INDEX push_alerts_story ON push_alerts (article_id, topic, round);
CREATE INDEX push_alerts_created ON push_alerts (created_at);

-- A chunk (or a retry of part of one) run again after a crash finds its row here and counts
-- nothing twice.
CREATE TABLE push_chunks_done (
    alert_id TEXT NOT NULL REFERENCES push_alerts (id) ON DELETE CASCADE,
    chunk    TEXT NOT NULL,
    PRIMARY KEY (alert_id, chunk)
);

-- Delivery and click times reported by service workers (anonymous): the delay from the
-- editor's confirmation to the browser. Kept for at most RECEIPT_SAMPLE per alert and kind.
CREATE TABLE push_receipts (
    alert_id TEXT NOT NULL REFERENCES push_alerts (id) ON DELETE CASCADE,
    kind     TEXT NOT NULL,
    delay_ms BIGINT NOT NULL,
    at       BIGINT NOT NULL
);
CREATE INDEX push_receipts_alert ON push_receipts (alert_id, kind, delay_ms);
