-- Data quality (核对): the administrator's completeness rules, the
-- verification tasks of stale records, re-validations after a rule
-- changed, and the kept runs of the audit report (SQLite). The PostgreSQL
-- file of the same name mirrors this one.

-- One row at most: the rules as JSON (kehu_core::quality::QualityRules).
-- No row means the built-in defaults.
CREATE TABLE quality_settings (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    rules       TEXT NOT NULL,
    updated_by  INTEGER REFERENCES users (id),
    updated_at  INTEGER NOT NULL
);

-- Why kehu made a task: 'verify' for the check of a stale record. The
-- sweep gives a record a verification task only when it has no open one
-- (sweeps are serialised, so running twice creates nothing new). Not a
-- unique index: a merge moves the merged record's open tasks to the
-- survivor, which may then hold two until it is verified.
ALTER TABLE tasks ADD COLUMN purpose TEXT CHECK (purpose IN ('verify'));
CREATE INDEX tasks_open_verification ON tasks (customer_id)
    WHERE purpose = 'verify' AND status = 'open' AND deleted_at IS NULL;

-- After a rule changed, the records that now break it: listed for the
-- administrator, never changed.
CREATE TABLE revalidations (
    id          INTEGER PRIMARY KEY,
    -- 'quality_rules' or 'field:KEY' (a custom field's rules).
    cause       TEXT NOT NULL,
    actor_id    INTEGER REFERENCES users (id),
    checked     INTEGER NOT NULL DEFAULT 0,
    failing     INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL
);
CREATE INDEX revalidations_created ON revalidations (created_at, id);

CREATE TABLE revalidation_failures (
    revalidation_id  INTEGER NOT NULL REFERENCES revalidations (id) ON DELETE CASCADE,
    entity           TEXT NOT NULL CHECK (entity IN ('customer', 'contact')),
    record_id        INTEGER NOT NULL,
    -- The rule's fields (mobile|phone) or custom.KEY.
    field            TEXT NOT NULL,
    code             TEXT NOT NULL,
    PRIMARY KEY (revalidation_id, entity, record_id, field)
);

-- Each run of the audit report (核对报告), kept so the trend shows. The
-- headline figures have columns; the whole report is kept as JSON.
CREATE TABLE check_runs (
    id          INTEGER PRIMARY KEY,
    actor_id    INTEGER REFERENCES users (id),
    -- 'all' (an administrator's view) or 'team' (a manager's: team_id).
    scope       TEXT NOT NULL CHECK (scope IN ('all', 'team')),
    team_id     INTEGER REFERENCES teams (id),
    customers   INTEGER NOT NULL,
    invalid     INTEGER NOT NULL,
    incomplete  INTEGER NOT NULL,
    stale       INTEGER NOT NULL,
    duplicates  INTEGER NOT NULL,
    average_score INTEGER NOT NULL,
    report      TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);
CREATE INDEX check_runs_scope ON check_runs (scope, team_id, id);
