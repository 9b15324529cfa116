-- Exports and downloads of personal data (the customer list, rejected
-- rows of an import, quality reports and re-validation lists) are counted
-- per user from the access log, and refused beyond an administrator's
-- hourly limits. Mirrors the SQLite file of the same name.

CREATE TABLE export_settings (
    id             BIGINT PRIMARY KEY CHECK (id = 1),
    per_hour       BIGINT NOT NULL CHECK (per_hour > 0),
    rows_per_hour  BIGINT NOT NULL CHECK (rows_per_hour > 0),
    updated_by     BIGINT REFERENCES users (id),
    updated_at     BIGINT NOT NULL
);

-- 'export_refused': an export the limits refused; 'privacy': a
-- data-subject request.
ALTER TABLE access_log DROP CONSTRAINT access_log_action_check;
ALTER TABLE access_log ADD CONSTRAINT access_log_action_check
    CHECK (action IN ('export', 'export_refused', 'lookup', 'lookup_refused', 'privacy'));
