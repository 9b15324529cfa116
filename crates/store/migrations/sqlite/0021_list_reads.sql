-- Paging through the customer list is the other way personal data leaves
-- kehu: a script walking every page copies the database as surely as an
-- export. Rows shown in list pages are counted per user and minute, and a
-- user who has paged through more than an administrator's hourly limit is
-- refused until the hour has passed. The PostgreSQL file of the same name
-- mirrors this one.

ALTER TABLE export_settings ADD COLUMN list_rows_per_hour INTEGER NOT NULL DEFAULT 20000
    CHECK (list_rows_per_hour > 0);

-- Rows listed by a user in one minute (minutes since 1970). Kept a day.
CREATE TABLE list_reads (
    user_id  INTEGER NOT NULL,
    minute   INTEGER NOT NULL,
    rows     INTEGER NOT NULL,
    PRIMARY KEY (user_id, minute)
) WITHOUT ROWID;
CREATE INDEX list_reads_minute ON list_reads (minute);
