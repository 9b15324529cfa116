-- A row whose only problems are invalid secondary values (a second phone,
-- a website, a postal code, an owner this instance does not have) is
-- imported without them and kept as 'warned', with what was dropped and
-- why. Batches count such rows. SQLite cannot change a CHECK constraint in
-- place, so import_issues is rebuilt (as access_log was in 0015). The
-- PostgreSQL file of the same name mirrors this one.

ALTER TABLE import_batches ADD COLUMN warned INTEGER NOT NULL DEFAULT 0;

CREATE TABLE import_issues_new (
    batch_id           INTEGER NOT NULL REFERENCES import_batches (id) ON DELETE CASCADE,
    row_number         INTEGER NOT NULL,
    outcome            TEXT NOT NULL CHECK (outcome IN ('rejected', 'skipped', 'warned')),
    -- JSON array of the row's cells as read (sealed, see 0022).
    cells              TEXT NOT NULL,
    -- JSON array of {"field", "code", "message_zh", "message_en"}.
    reasons            TEXT NOT NULL DEFAULT '[]',
    match_customer_id  INTEGER,
    match_row          INTEGER,
    PRIMARY KEY (batch_id, row_number)
);
INSERT INTO import_issues_new (batch_id, row_number, outcome, cells, reasons, match_customer_id, match_row)
    SELECT batch_id, row_number, outcome, cells, reasons, match_customer_id, match_row FROM import_issues;
DROP TABLE import_issues;
ALTER TABLE import_issues_new RENAME TO import_issues;
-- The sweep of import issues walks rowids, which the copy renumbered.
DELETE FROM encryption_sweeps WHERE name = 'import_issues';
