-- kehu foundation schema (SQLite). The PostgreSQL schema in ../postgres
-- mirrors this one column for column; keep them in step.
--
-- Times are INTEGER milliseconds since the Unix epoch in both backends, so
-- ordering, cursors and arithmetic behave identically everywhere.
-- Rows are soft-deleted (deleted_at) so a deletion can be undone.

CREATE TABLE teams (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    CONSTRAINT teams_name_key UNIQUE (name)
);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    -- Stored lower-cased: sign-in names are not case-sensitive.
    email         TEXT NOT NULL,
    name          TEXT,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'manager', 'sales', 'service', 'marketing', 'viewer')),
    team_id       INTEGER REFERENCES teams (id),
    -- argon2id PHC string; NULL means the user cannot sign in with a password.
    password_hash TEXT,
    active        BOOLEAN NOT NULL DEFAULT TRUE,
    lang          TEXT CHECK (lang IN ('zh-CN', 'en')),
    version       INTEGER NOT NULL DEFAULT 1,
    created_at    INTEGER NOT NULL,
    created_by    INTEGER,
    updated_at    INTEGER NOT NULL,
    updated_by    INTEGER,
    -- Users are deactivated, not deleted; the column keeps the shared
    -- record-writing code uniform.
    deleted_at    INTEGER,
    CONSTRAINT users_email_key UNIQUE (email)
);

-- Browser sessions live in the database so any kehu process can serve any
-- request. Only a hash of the cookie value is kept.
CREATE TABLE sessions (
    token_hash   TEXT PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id),
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id),
    name         TEXT NOT NULL,
    token_hash   TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked_at   INTEGER,
    CONSTRAINT api_tokens_hash_key UNIQUE (token_hash)
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

-- Failed sign-ins, counted per address over a sliding window.
CREATE TABLE login_failures (
    id     INTEGER PRIMARY KEY,
    email  TEXT NOT NULL,
    at     INTEGER NOT NULL
);
CREATE INDEX login_failures_email_at ON login_failures (email, at);
CREATE INDEX login_failures_at ON login_failures (at);

CREATE TABLE customers (
    id            INTEGER PRIMARY KEY,
    kind          TEXT NOT NULL DEFAULT 'individual' CHECK (kind IN ('company', 'individual')),
    name          TEXT NOT NULL CHECK (name <> ''),
    company       TEXT,
    title         TEXT,
    -- Entry-standard columns hold the normalised form (13812345678,
    -- 010-12345678-123, +4420…, lower-cased email domain).
    mobile        TEXT,
    phone         TEXT,
    email         TEXT,
    uscc          TEXT,
    province      TEXT,
    city          TEXT,
    district      TEXT,
    address       TEXT,
    postal_code   TEXT,
    industry      TEXT,
    company_size  TEXT,
    website       TEXT,
    stage         TEXT NOT NULL DEFAULT 'lead' CHECK (stage IN ('lead', 'prospect', 'customer', 'loyal', 'churned')),
    source        TEXT,
    value_tier    TEXT CHECK (value_tier IN ('high', 'medium', 'low')),
    notes         TEXT,
    -- NULL owner: the record is in the shared pool (公海).
    owner_id      INTEGER REFERENCES users (id),
    team_id       INTEGER REFERENCES teams (id),
    -- Admin-defined fields, a JSON object of normalised values.
    custom        TEXT NOT NULL DEFAULT '{}',
    -- Derived keys: pinyin for sorting Chinese names, the company's core
    -- name for matching (北京某某科技有限公司 → 某某科技).
    sort_key      TEXT NOT NULL DEFAULT '',
    company_core  TEXT,
    -- Sensitive identifiers are stored encrypted (AES-256-GCM) and found by
    -- a keyed hash; the key never lives in the database.
    resident_id_cipher BLOB,
    resident_id_index  TEXT,
    verified_at   INTEGER,
    verified_by   INTEGER REFERENCES users (id),
    version       INTEGER NOT NULL DEFAULT 1,
    created_at    INTEGER NOT NULL,
    created_by    INTEGER REFERENCES users (id),
    updated_at    INTEGER NOT NULL,
    updated_by    INTEGER REFERENCES users (id),
    deleted_at    INTEGER,
    deleted_by    INTEGER REFERENCES users (id)
);
-- List views sort by (updated_at, id) and page with a cursor on it; each
-- visibility scope gets its own ordered index so no page scans the table.
-- Low-cardinality filters (stage, province, source) have no index of their
-- own: walking the ordered index finds a page of matches within a few
-- thousand rows, and every index slows every write.
CREATE INDEX customers_updated ON customers (updated_at, id) WHERE deleted_at IS NULL;
CREATE INDEX customers_created ON customers (created_at, id) WHERE deleted_at IS NULL;
CREATE INDEX customers_owner_updated ON customers (owner_id, updated_at, id) WHERE deleted_at IS NULL;
CREATE INDEX customers_team_updated ON customers (team_id, updated_at, id) WHERE deleted_at IS NULL;
CREATE INDEX customers_sort_key ON customers (sort_key, id) WHERE deleted_at IS NULL;
CREATE INDEX customers_mobile ON customers (mobile) WHERE deleted_at IS NULL;
CREATE INDEX customers_email ON customers (lower(email)) WHERE deleted_at IS NULL;
CREATE INDEX customers_uscc ON customers (uscc) WHERE deleted_at IS NULL;
CREATE INDEX customers_company_core ON customers (company_core) WHERE deleted_at IS NULL;
CREATE INDEX customers_resident_id ON customers (resident_id_index) WHERE resident_id_index IS NOT NULL;

-- Search keys: the name, its pinyin readings and initials, company core,
-- email, and every suffix of each phone number's digits (so any fragment is
-- a prefix of some key). A search is a prefix range scan on
-- customer_search_term, which covers the query.
CREATE TABLE customer_search (
    term         TEXT NOT NULL,
    customer_id  INTEGER NOT NULL REFERENCES customers (id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX customer_search_term ON customer_search (term, customer_id);
CREATE INDEX customer_search_customer ON customer_search (customer_id, term);

CREATE TABLE tags (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    color       TEXT,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    CONSTRAINT tags_name_key UNIQUE (name)
);

CREATE TABLE customer_tags (
    customer_id  INTEGER NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    tag_id       INTEGER NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    PRIMARY KEY (customer_id, tag_id)
) WITHOUT ROWID;
CREATE INDEX customer_tags_tag ON customer_tags (tag_id, customer_id);

CREATE TABLE contacts (
    id           INTEGER PRIMARY KEY,
    customer_id  INTEGER NOT NULL REFERENCES customers (id),
    name         TEXT NOT NULL CHECK (name <> ''),
    title        TEXT,
    mobile       TEXT,
    phone        TEXT,
    email        TEXT,
    notes        TEXT,
    is_primary   BOOLEAN NOT NULL DEFAULT FALSE,
    version      INTEGER NOT NULL DEFAULT 1,
    created_at   INTEGER NOT NULL,
    created_by   INTEGER REFERENCES users (id),
    updated_at   INTEGER NOT NULL,
    updated_by   INTEGER REFERENCES users (id),
    deleted_at   INTEGER
);
CREATE INDEX contacts_customer ON contacts (customer_id, id) WHERE deleted_at IS NULL;
CREATE INDEX contacts_mobile ON contacts (mobile) WHERE deleted_at IS NULL;

CREATE TABLE interactions (
    id            INTEGER PRIMARY KEY,
    customer_id   INTEGER NOT NULL REFERENCES customers (id),
    contact_id    INTEGER REFERENCES contacts (id),
    channel       TEXT NOT NULL CHECK (channel IN ('call', 'visit', 'meeting', 'email', 'message', 'note')),
    content       TEXT NOT NULL,
    occurred_at   INTEGER NOT NULL,
    next_step     TEXT,
    next_step_at  INTEGER,
    version       INTEGER NOT NULL DEFAULT 1,
    created_at    INTEGER NOT NULL,
    created_by    INTEGER REFERENCES users (id),
    updated_at    INTEGER NOT NULL,
    updated_by    INTEGER REFERENCES users (id),
    deleted_at    INTEGER
);
CREATE INDEX interactions_customer ON interactions (customer_id, occurred_at) WHERE deleted_at IS NULL;

CREATE TABLE tasks (
    id              INTEGER PRIMARY KEY,
    customer_id     INTEGER REFERENCES customers (id),
    interaction_id  INTEGER REFERENCES interactions (id),
    title           TEXT NOT NULL CHECK (title <> ''),
    notes           TEXT,
    due_at          INTEGER NOT NULL,
    remind_at       INTEGER,
    assignee_id     INTEGER REFERENCES users (id),
    status          TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done', 'cancelled')),
    completed_at    INTEGER,
    version         INTEGER NOT NULL DEFAULT 1,
    created_at      INTEGER NOT NULL,
    created_by      INTEGER REFERENCES users (id),
    updated_at      INTEGER NOT NULL,
    updated_by      INTEGER REFERENCES users (id),
    deleted_at      INTEGER
);
CREATE INDEX tasks_assignee_due ON tasks (assignee_id, status, due_at) WHERE deleted_at IS NULL;
CREATE INDEX tasks_customer ON tasks (customer_id, due_at) WHERE deleted_at IS NULL;
CREATE INDEX tasks_interaction ON tasks (interaction_id) WHERE interaction_id IS NOT NULL;

CREATE TABLE field_defs (
    id          INTEGER PRIMARY KEY,
    entity      TEXT NOT NULL CHECK (entity IN ('customer')),
    key         TEXT NOT NULL,
    label_zh    TEXT NOT NULL,
    label_en    TEXT NOT NULL,
    -- JSON: {"type": "select", "options": [...]} and the rules object.
    kind        TEXT NOT NULL,
    rules       TEXT NOT NULL DEFAULT '{}',
    sensitive   BOOLEAN NOT NULL DEFAULT FALSE,
    position    INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    CONSTRAINT field_defs_key UNIQUE (entity, key)
);

-- Indexes a bulk load into an empty database set aside (dropped, to be
-- built in one sorted pass at the end). Anything listed here after a crash
-- is rebuilt at the next start.
CREATE TABLE suspended_indexes (
    name  TEXT PRIMARY KEY,
    sql   TEXT NOT NULL
);

-- Field-level history: one row per changed field, written in the same
-- transaction as the change.
CREATE TABLE history (
    id          INTEGER PRIMARY KEY,
    entity      TEXT NOT NULL,
    entity_id   INTEGER NOT NULL,
    field       TEXT NOT NULL,
    old_value   TEXT,
    new_value   TEXT,
    source      TEXT NOT NULL CHECK (source IN ('ui', 'api', 'import', 'rule', 'merge')),
    actor_id    INTEGER REFERENCES users (id),
    at          INTEGER NOT NULL
);
CREATE INDEX history_entity ON history (entity, entity_id, id);
