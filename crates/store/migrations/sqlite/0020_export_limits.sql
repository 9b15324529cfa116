-- Exports and downloads of personal data (the customer list, rejected
-- rows of an import, quality reports and re-validation lists) are counted
-- per user from the access log, and refused beyond an administrator's
-- hourly limits: thirty full exports in a second is a copy of the
-- database leaving, not work. The PostgreSQL file of the same name
-- mirrors this one.

-- One row at most: the limits an administrator set. No row means the
-- built-in defaults.
CREATE TABLE export_settings (
    id             INTEGER PRIMARY KEY CHECK (id = 1),
    per_hour       INTEGER NOT NULL CHECK (per_hour > 0),
    rows_per_hour  INTEGER NOT NULL CHECK (rows_per_hour > 0),
    updated_by     INTEGER REFERENCES users (id),
    updated_at     INTEGER NOT NULL
);

-- The access log learns 'export_refused' (an export the limits refused)
-- and 'privacy' (a data-subject request). SQLite cannot change a CHECK
-- constraint in place, so the table is rebuilt as in 0015.
CREATE TABLE access_log_new (
    id          INTEGER PRIMARY KEY,
    actor_id    INTEGER REFERENCES users (id),
    action      TEXT NOT NULL CHECK (action IN ('export', 'export_refused', 'lookup', 'lookup_refused', 'privacy')),
    entity      TEXT NOT NULL,
    filter      TEXT NOT NULL DEFAULT '',
    format      TEXT,
    row_count   INTEGER NOT NULL DEFAULT 0,
    at          INTEGER NOT NULL
);
INSERT INTO access_log_new (id, actor_id, action, entity, filter, format, row_count, at)
    SELECT id, actor_id, action, entity, filter, format, row_count, at FROM access_log;
DROP TABLE access_log;
ALTER TABLE access_log_new RENAME TO access_log;
CREATE INDEX access_log_at ON access_log (at);
CREATE INDEX access_log_actor ON access_log (actor_id, at);
