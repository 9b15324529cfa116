-- Rows imported without their invalid secondary values are kept as
-- 'warned'; batches count them. Mirrors the SQLite file of the same name.

ALTER TABLE import_batches ADD COLUMN warned BIGINT NOT NULL DEFAULT 0;
ALTER TABLE import_issues DROP CONSTRAINT import_issues_outcome_check;
ALTER TABLE import_issues ADD CONSTRAINT import_issues_outcome_check
    CHECK (outcome IN ('rejected', 'skipped', 'warned'));
