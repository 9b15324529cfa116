-- Import, export and batch update (SQLite). The PostgreSQL file of the
-- same name mirrors this one.

-- The id a record has in another system (a sync source, a purchased list):
-- importing the same file twice finds each row's record again by it.
ALTER TABLE customers ADD COLUMN external_id TEXT;
CREATE UNIQUE INDEX customers_external_id ON customers (external_id)
    WHERE deleted_at IS NULL AND external_id IS NOT NULL;

-- Which import or batch update wrote a history row: undo reads a batch's
-- rows back to remove what it created and restore what it changed.
ALTER TABLE history ADD COLUMN batch_id INTEGER;
CREATE INDEX history_batch ON history (batch_id, entity_id) WHERE batch_id IS NOT NULL;

-- An import (or batch update) is a batch, written in chunks, each chunk in
-- one transaction together with `rows_done`, so a batch stopped half-way is
-- resumed after its last committed row and no row is written twice.
CREATE TABLE import_batches (
    id            INTEGER PRIMARY KEY,
    kind          TEXT NOT NULL CHECK (kind IN ('import', 'update')),
    status        TEXT NOT NULL CHECK (status IN ('running', 'done', 'undoing', 'undone')),
    file_name     TEXT NOT NULL DEFAULT '',
    -- Where the file is kept while the batch may still be resumed.
    file_path     TEXT,
    file_sha256   TEXT,
    -- JSON: mapping, duplicate policy, sheet.
    options       TEXT NOT NULL DEFAULT '{}',
    actor_id      INTEGER REFERENCES users (id),
    -- Data rows read and committed, in file order: the resume point.
    rows_done     INTEGER NOT NULL DEFAULT 0,
    created       INTEGER NOT NULL DEFAULT 0,
    updated       INTEGER NOT NULL DEFAULT 0,
    unchanged     INTEGER NOT NULL DEFAULT 0,
    skipped       INTEGER NOT NULL DEFAULT 0,
    rejected      INTEGER NOT NULL DEFAULT 0,
    -- A token of the process writing the batch. Resuming takes the batch
    -- over with a new token; a chunk commits only under the current one
    -- and at the expected `rows_done`, so no row is ever written twice.
    runner        TEXT NOT NULL DEFAULT '',
    -- Set by the writing process after every chunk: a running batch whose
    -- heartbeat stopped was interrupted.
    heartbeat_at  INTEGER NOT NULL,
    created_at    INTEGER NOT NULL,
    finished_at   INTEGER,
    undone_at     INTEGER,
    undone_by     INTEGER REFERENCES users (id)
);
CREATE INDEX import_batches_file ON import_batches (file_sha256, status);
CREATE INDEX import_batches_actor ON import_batches (actor_id, id);

-- Rows of a batch that were not written (rejected) or matched a record
-- already there (duplicate), with the original cells, so they can be
-- downloaded, fixed and imported again.
CREATE TABLE import_issues (
    batch_id           INTEGER NOT NULL REFERENCES import_batches (id) ON DELETE CASCADE,
    row_number         INTEGER NOT NULL,
    outcome            TEXT NOT NULL CHECK (outcome IN ('rejected', 'skipped')),
    -- JSON array of the row's cells as read.
    cells              TEXT NOT NULL,
    -- JSON array of {"field", "code", "params"}.
    reasons            TEXT NOT NULL DEFAULT '[]',
    match_customer_id  INTEGER,
    match_row          INTEGER,
    PRIMARY KEY (batch_id, row_number)
);

-- A column mapping saved under a name, for the next file of the same shape.
CREATE TABLE import_templates (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL CHECK (name <> ''),
    -- JSON object: column header -> field key.
    mapping     TEXT NOT NULL,
    created_by  INTEGER REFERENCES users (id),
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    CONSTRAINT import_templates_name_key UNIQUE (name)
);

-- Who read personal data out of kehu in bulk: every export, with its
-- filter and row count.
CREATE TABLE access_log (
    id          INTEGER PRIMARY KEY,
    actor_id    INTEGER REFERENCES users (id),
    action      TEXT NOT NULL CHECK (action IN ('export')),
    entity      TEXT NOT NULL,
    filter      TEXT NOT NULL DEFAULT '',
    format      TEXT,
    row_count   INTEGER NOT NULL DEFAULT 0,
    at          INTEGER NOT NULL
);
CREATE INDEX access_log_at ON access_log (at);
CREATE INDEX access_log_actor ON access_log (actor_id, at);
