-- Personal-data rights (PIPL art. 44–47; GDPR art. 15, 17, 20): the log of
-- data-subject exports and erasures, and how long soft-deleted records are
-- kept before they are erased for good. The PostgreSQL schema mirrors this.

-- One row per request. It names the subject by type and id only, and
-- counts what was exported or erased: never the erased values themselves,
-- so the log does not undo the erasure it records.
CREATE TABLE privacy_requests (
    id            INTEGER PRIMARY KEY,
    kind          TEXT NOT NULL CHECK (kind IN ('export', 'erasure')),
    subject_type  TEXT NOT NULL CHECK (subject_type IN ('customer', 'contact', 'lead')),
    subject_id    INTEGER NOT NULL,
    -- NULL for erasures the retention rule made.
    actor_id      INTEGER REFERENCES users (id),
    reason        TEXT NOT NULL DEFAULT 'request' CHECK (reason IN ('request', 'retention')),
    status        TEXT NOT NULL CHECK (status IN ('done', 'refused')),
    -- A stable code when refused (e.g. import_running), never data.
    refusal       TEXT,
    -- JSON object: section or table → rows exported or erased.
    counts        TEXT NOT NULL DEFAULT '{}',
    at            INTEGER NOT NULL
);
CREATE INDEX privacy_requests_at ON privacy_requests (at, id);
CREATE INDEX privacy_requests_subject ON privacy_requests (subject_type, subject_id);

-- One row: days a soft-deleted record is kept before the daily maintenance
-- erases it (NULL: kept until someone erases it).
CREATE TABLE privacy_settings (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    retention_days  INTEGER CHECK (retention_days > 0),
    updated_by      INTEGER REFERENCES users (id),
    updated_at      INTEGER NOT NULL
);
INSERT INTO privacy_settings (id, retention_days, updated_at) VALUES (1, NULL, 0);

-- When a record's personal data was erased: it is kept (orders and
-- payments still point at it) but never erased twice or restored.
ALTER TABLE customers ADD COLUMN erased_at INTEGER;
ALTER TABLE contacts ADD COLUMN erased_at INTEGER;
ALTER TABLE leads ADD COLUMN erased_at INTEGER;
-- The retention sweep looks for soft-deleted records not yet erased.
CREATE INDEX customers_deleted_unerased ON customers (deleted_at)
    WHERE deleted_at IS NOT NULL AND erased_at IS NULL;
CREATE INDEX leads_deleted_unerased ON leads (deleted_at)
    WHERE deleted_at IS NOT NULL AND erased_at IS NULL;
