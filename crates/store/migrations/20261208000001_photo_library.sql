-- The photo library and responsive variants (src/photos/).

-- A library photo is a `photos` row with no article (role 'library'); attaching it to an
-- article copies it as the article's 'lead' row with `source_id` naming the library row, and
-- edits to the library photo reach every copy. `credit` stays the displayed text; the
-- photographer and agency are kept apart so that "AP Photo/Jane Doe" can be rebuilt or
-- searched. The focal point is in thousandths of the width and height (500, 500: the
-- centre); a crop is "x,y,width,height" in pixels of the oriented original, or NULL (the
-- crop is then taken around the focal point).
ALTER TABLE photos ADD COLUMN source_id TEXT;
ALTER TABLE photos ADD COLUMN photographer TEXT NOT NULL DEFAULT '';
ALTER TABLE photos ADD COLUMN agency TEXT NOT NULL DEFAULT '';
ALTER TABLE photos ADD COLUMN licence TEXT NOT NULL DEFAULT '';
ALTER TABLE photos ADD COLUMN decorative BIGINT NOT NULL DEFAULT 0;
ALTER TABLE photos ADD COLUMN focal_x BIGINT NOT NULL DEFAULT 500;
ALTER TABLE photos ADD COLUMN focal_y BIGINT NOT NULL DEFAULT 500;
ALTER TABLE photos ADD COLUMN crop_16x9 TEXT;
ALTER TABLE photos ADD COLUMN crop_4x3 TEXT;
ALTER TABLE photos ADD COLUMN crop_1x1 TEXT;
-- The SHA-256 of the uploaded bytes (hex): the same file uploaded twice is one library photo.
ALTER TABLE photos ADD COLUMN content_hash TEXT;
ALTER TABLE photos ADD COLUMN original_format TEXT NOT NULL DEFAULT '';
ALTER TABLE photos ADD COLUMN original_bytes BIGINT NOT NULL DEFAULT 0;
-- What the file's embedded EXIF/IPTC said, kept beside what the editor typed.
ALTER TABLE photos ADD COLUMN embedded_caption TEXT NOT NULL DEFAULT '';
ALTER TABLE photos ADD COLUMN embedded_credit TEXT NOT NULL DEFAULT '';
ALTER TABLE photos ADD COLUMN embedded_copyright TEXT NOT NULL DEFAULT '';
ALTER TABLE photos ADD COLUMN uploaded_by TEXT;
ALTER TABLE photos ADD COLUMN updated_at BIGINT NOT NULL DEFAULT 0;

CREATE UNIQUE INDEX photos_library_hash ON photos (content_hash) WHERE article_id IS NULL;
CREATE INDEX photos_source ON photos (source_id);
CREATE INDEX photos_library_recent ON photos (role, created_at);

-- The resized copies of an original (`original` is the photos row's `file`, so copies of one
-- library photo and re-imports of one file share them). `aspect` is '' for the full frame or
-- '16:9', '4:3', '1:1', '1.91:1'; `crop` the rectangle it was cut from ('' for the full
-- frame), so that a changed crop makes new variants instead of reusing the old ones. `key` is
-- the variant's name in the media store (content-addressed).
CREATE TABLE photo_variants (
    original   TEXT NOT NULL,
    aspect     TEXT NOT NULL,
    crop       TEXT NOT NULL,
    width      BIGINT NOT NULL,
    height     BIGINT NOT NULL,
    format     TEXT NOT NULL,
    media_key  TEXT NOT NULL,
    bytes      BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (original, aspect, crop, width, format)
);

-- Media kept in the database (MASTHEAD_MEDIA_STORE=database, for several nodes): each node
-- keeps a disk cache of what it served.
CREATE TABLE media_blobs (
    media_key  TEXT PRIMARY KEY,
    data       BYTEA NOT NULL,
    bytes      BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
