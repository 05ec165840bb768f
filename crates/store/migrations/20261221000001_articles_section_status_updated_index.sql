-- The newsroom's article list filtered by section and status (`newsroom_articles`: "the drafts
-- in City"), newest change first, keyset-paged. Without it the list walked
-- `articles_section_updated` and read every row of the section to test its status: with 100k
-- articles, the drafts of one section (a few among ~17k rows) took over half a second on
-- SQLite (bench/newsroom.sh). With it, one index range in order, stopping at the page's end.
CREATE INDEX articles_section_status_updated ON articles (section_id, status, updated_at, id);
