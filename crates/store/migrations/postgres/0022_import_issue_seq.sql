-- The cells of kept import rows are sealed, and sweeps bring them under a
-- new key in batches walked by a single increasing key: import issues are
-- keyed by (batch_id, row_number), so they get one. SQLite walks them by
-- rowid and needs no change.
ALTER TABLE import_issues ADD COLUMN seq BIGSERIAL;
CREATE UNIQUE INDEX import_issues_seq ON import_issues (seq);
