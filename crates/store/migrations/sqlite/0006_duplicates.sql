-- Duplicates over the data already held: merges that can be undone, pairs
-- marked as not duplicates, merge rules and the review queue (SQLite).
-- The PostgreSQL file of the same name mirrors this one.

-- A merged record is kept (in the bin) and points at the record it was
-- merged into: its id, old links and history still lead somewhere.
ALTER TABLE customers ADD COLUMN merged_into INTEGER REFERENCES customers (id);
CREATE INDEX customers_merged_into ON customers (merged_into) WHERE merged_into IS NOT NULL;

-- Rules under which duplicates are merged without a person reviewing them
-- (e.g. same mobile and same name), run by hand or daily.
CREATE TABLE merge_rules (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL CHECK (name <> ''),
    -- JSON array of reason codes a pair must all have (same_mobile, ...).
    require      TEXT NOT NULL DEFAULT '[]',
    min_score    REAL NOT NULL CHECK (min_score > 0 AND min_score <= 1),
    enabled      BOOLEAN NOT NULL DEFAULT TRUE,
    schedule     TEXT NOT NULL DEFAULT 'manual' CHECK (schedule IN ('manual', 'daily')),
    last_run_at  INTEGER,
    created_by   INTEGER REFERENCES users (id),
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    CONSTRAINT merge_rules_name_key UNIQUE (name)
);

-- One merge: records folded into a survivor. Everything needed to undo it
-- is here: the survivor's fields from before (as history writes them), its
-- version right after (a later change makes undo ask first), the merged
-- records, and what was moved from them.
CREATE TABLE merges (
    id                INTEGER PRIMARY KEY,
    survivor_id       INTEGER NOT NULL REFERENCES customers (id),
    source            TEXT NOT NULL CHECK (source IN ('manual', 'rule')),
    rule_id           INTEGER REFERENCES merge_rules (id),
    score             REAL,
    -- JSON array of reason codes of the pair or cluster.
    reasons           TEXT NOT NULL DEFAULT '[]',
    -- JSON array of [field, value before] of each survivor field changed.
    survivor_changes  TEXT NOT NULL DEFAULT '[]',
    survivor_version  INTEGER NOT NULL,
    actor_id          INTEGER REFERENCES users (id),
    created_at        INTEGER NOT NULL,
    undone_at         INTEGER,
    undone_by         INTEGER REFERENCES users (id)
);
CREATE INDEX merges_survivor ON merges (survivor_id, id);
CREATE INDEX merges_created ON merges (created_at, id);

CREATE TABLE merge_members (
    merge_id     INTEGER NOT NULL REFERENCES merges (id),
    customer_id  INTEGER NOT NULL REFERENCES customers (id),
    PRIMARY KEY (merge_id, customer_id)
);
CREATE INDEX merge_members_customer ON merge_members (customer_id);

-- Records attached to a merged customer (contacts, interactions, tasks,
-- tags) that the merge moved to the survivor; undo moves them back.
CREATE TABLE merge_moves (
    merge_id   INTEGER NOT NULL REFERENCES merges (id),
    entity     TEXT NOT NULL,
    entity_id  INTEGER NOT NULL,
    from_id    INTEGER NOT NULL REFERENCES customers (id),
    PRIMARY KEY (merge_id, entity, entity_id)
);

-- Pairs a person said are not duplicates: never proposed again.
CREATE TABLE not_duplicates (
    a_id        INTEGER NOT NULL REFERENCES customers (id),
    b_id        INTEGER NOT NULL REFERENCES customers (id),
    actor_id    INTEGER REFERENCES users (id),
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (a_id, b_id),
    CHECK (a_id < b_id)
);

-- Scans for duplicates over the data already held, and the review queue
-- each leaves: clusters of records with the scored pairs that joined them.
CREATE TABLE dedupe_runs (
    id           INTEGER PRIMARY KEY,
    actor_id     INTEGER REFERENCES users (id),
    threshold    REAL NOT NULL,
    records      INTEGER NOT NULL DEFAULT 0,
    pairs        INTEGER NOT NULL DEFAULT 0,
    clusters     INTEGER NOT NULL DEFAULT 0,
    auto_merged  INTEGER NOT NULL DEFAULT 0,
    started_at   INTEGER NOT NULL,
    finished_at  INTEGER
);

CREATE TABLE duplicate_clusters (
    id         INTEGER PRIMARY KEY,
    run_id     INTEGER NOT NULL REFERENCES dedupe_runs (id),
    status     TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'merged', 'dismissed')),
    score      REAL NOT NULL,
    size       INTEGER NOT NULL,
    merge_id   INTEGER REFERENCES merges (id)
);
CREATE INDEX duplicate_clusters_queue ON duplicate_clusters (run_id, status, score);

CREATE TABLE duplicate_members (
    cluster_id   INTEGER NOT NULL REFERENCES duplicate_clusters (id) ON DELETE CASCADE,
    customer_id  INTEGER NOT NULL REFERENCES customers (id),
    PRIMARY KEY (cluster_id, customer_id)
);
CREATE INDEX duplicate_members_customer ON duplicate_members (customer_id);

CREATE TABLE duplicate_pairs (
    cluster_id  INTEGER NOT NULL REFERENCES duplicate_clusters (id) ON DELETE CASCADE,
    a_id        INTEGER NOT NULL,
    b_id        INTEGER NOT NULL,
    score       REAL NOT NULL,
    -- JSON array of reason codes.
    reasons     TEXT NOT NULL,
    -- Related (a branch and its head office), not the same record.
    related     BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (cluster_id, a_id, b_id)
);
