-- Duplicate detection looks for the same text from the same reader within minutes: with the
-- body hash in the index that is one probe, not a walk over the reader's recent comments.
-- Lookups by reader alone (account export, deletion) use the same index's first column.
DROP INDEX comments_reader;
CREATE INDEX comments_reader_text ON comments (reader_id, body_hash, created_at);
