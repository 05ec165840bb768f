-- Each node's search index catches up every second with the articles changed since its cursor
-- (`changed_index_rows`: updated_at, then id); with nothing new this is one index seek.
CREATE INDEX articles_updated ON articles (updated_at, id);
