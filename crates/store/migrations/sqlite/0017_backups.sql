-- Backups and restores (issue 15): one row per attempt, so an
-- administrator sees when the last backup ran, what it holds and whether
-- it verified; and the retention an administrator sets for the daily
-- backups of `kehu serve` (SQLite; the PostgreSQL file of the same name
-- mirrors it).

CREATE TABLE backups (
    id           INTEGER PRIMARY KEY,
    -- A backup written, or a restore read from a file.
    kind         TEXT NOT NULL CHECK (kind IN ('backup', 'restore')),
    -- What started it: `kehu backup`/`kehu restore` or the daily loop of
    -- `kehu serve`.
    origin       TEXT NOT NULL CHECK (origin IN ('cli', 'daily')),
    -- Who: the operating-system user of the command, or the server's host.
    started_by   TEXT NOT NULL,
    started_at   INTEGER NOT NULL,
    finished_at  INTEGER,
    file         TEXT NOT NULL,
    size_bytes   INTEGER,
    status       TEXT NOT NULL CHECK (status IN ('running', 'ok', 'failed')),
    -- Rows per table in the copy, as JSON; checked against the database.
    counts       TEXT,
    -- Why it failed, or what the check found.
    message      TEXT,
    -- When retention removed the file.
    removed_at   INTEGER
);

-- The daily claim and the Settings page read the newest first.
CREATE INDEX backups_started ON backups (started_at);

-- One row (id 1); absent means the defaults.
CREATE TABLE backup_settings (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    daily       BOOLEAN NOT NULL,
    keep_days   INTEGER NOT NULL CHECK (keep_days BETWEEN 1 AND 3650),
    keep_count  INTEGER NOT NULL CHECK (keep_count BETWEEN 1 AND 1000),
    updated_by  INTEGER REFERENCES users (id),
    updated_at  INTEGER NOT NULL
);
