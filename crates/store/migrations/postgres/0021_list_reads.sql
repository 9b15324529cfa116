-- Rows shown in customer list pages, counted per user and minute and
-- limited per hour like exports. Mirrors the SQLite file of the same name.

ALTER TABLE export_settings ADD COLUMN list_rows_per_hour BIGINT NOT NULL DEFAULT 20000
    CHECK (list_rows_per_hour > 0);

CREATE TABLE list_reads (
    user_id  BIGINT NOT NULL,
    minute   BIGINT NOT NULL,
    rows     BIGINT NOT NULL,
    PRIMARY KEY (user_id, minute)
);
CREATE INDEX list_reads_minute ON list_reads (minute);
