-- Opportunities (商机) on pipelines of stages, each stage with a default
-- win probability; the time an opportunity spent in each stage; orders
-- made from an opportunity (SQLite; the PostgreSQL file of the same name
-- mirrors it).

CREATE TABLE pipelines (
    id          INTEGER PRIMARY KEY,
    -- The pipeline kehu seeded carries a key and is named in the reader's
    -- language; pipelines an administrator adds or renames carry a name.
    key         TEXT,
    name        TEXT CHECK (name <> ''),
    -- New opportunities go to the default pipeline unless told otherwise.
    is_default  BOOLEAN NOT NULL DEFAULT FALSE,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    CONSTRAINT pipelines_name_key UNIQUE (name),
    CHECK (key IS NOT NULL OR name IS NOT NULL)
);

CREATE TABLE pipeline_stages (
    id           INTEGER PRIMARY KEY,
    pipeline_id  INTEGER NOT NULL REFERENCES pipelines (id),
    position     INTEGER NOT NULL,
    -- Stages kehu seeded carry a key and are named in the reader's
    -- language; stages an administrator adds or renames carry a name.
    key          TEXT,
    name         TEXT,
    -- Percent, 0 to 100: the default for opportunities entering the stage.
    probability  INTEGER NOT NULL CHECK (probability BETWEEN 0 AND 100),
    -- open stages are worked; a won or lost stage closes the opportunity.
    outcome      TEXT NOT NULL DEFAULT 'open' CHECK (outcome IN ('open', 'won', 'lost')),
    -- Stages are retired, not deleted: history points at them.
    active       BOOLEAN NOT NULL DEFAULT TRUE,
    CHECK (key IS NOT NULL OR name IS NOT NULL)
);
CREATE INDEX pipeline_stages_pipeline ON pipeline_stages (pipeline_id, position);

INSERT INTO pipelines (key, is_default, created_at, updated_at)
    VALUES ('sales', TRUE, 0, 0);
INSERT INTO pipeline_stages (pipeline_id, position, key, probability, outcome) VALUES
    ((SELECT id FROM pipelines WHERE key = 'sales'), 1, 'qualify', 10, 'open'),
    ((SELECT id FROM pipelines WHERE key = 'sales'), 2, 'needs', 25, 'open'),
    ((SELECT id FROM pipelines WHERE key = 'sales'), 3, 'proposal', 50, 'open'),
    ((SELECT id FROM pipelines WHERE key = 'sales'), 4, 'negotiation', 75, 'open'),
    ((SELECT id FROM pipelines WHERE key = 'sales'), 5, 'won', 100, 'won'),
    ((SELECT id FROM pipelines WHERE key = 'sales'), 6, 'lost', 0, 'lost');

CREATE TABLE opportunities (
    id              INTEGER PRIMARY KEY,
    customer_id     INTEGER NOT NULL REFERENCES customers (id),
    name            TEXT NOT NULL CHECK (name <> ''),
    -- An exact decimal and its currency, "120000.00 CNY".
    amount          TEXT NOT NULL,
    expected_close  TEXT,
    owner_id        INTEGER REFERENCES users (id),
    team_id         INTEGER REFERENCES teams (id),
    pipeline_id     INTEGER NOT NULL REFERENCES pipelines (id),
    stage_id        INTEGER NOT NULL REFERENCES pipeline_stages (id),
    -- Percent; the stage's default unless someone set it for this one.
    probability     INTEGER NOT NULL CHECK (probability BETWEEN 0 AND 100),
    status          TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'won', 'lost')),
    lost_reason     TEXT,
    closed_at       INTEGER,
    stage_entered_at INTEGER NOT NULL,
    source          TEXT,
    notes           TEXT,
    version         INTEGER NOT NULL DEFAULT 1,
    created_at      INTEGER NOT NULL,
    created_by      INTEGER REFERENCES users (id),
    updated_at      INTEGER NOT NULL,
    updated_by      INTEGER REFERENCES users (id),
    deleted_at      INTEGER
);
CREATE INDEX opportunities_customer ON opportunities (customer_id, id);
CREATE INDEX opportunities_stage ON opportunities (pipeline_id, stage_id, id);
CREATE INDEX opportunities_owner ON opportunities (owner_id, id);
CREATE INDEX opportunities_team ON opportunities (team_id, id);
CREATE INDEX opportunities_close ON opportunities (status, expected_close);

-- The products an opportunity is for, priced as order lines are.
CREATE TABLE opportunity_lines (
    id              INTEGER PRIMARY KEY,
    opportunity_id  INTEGER NOT NULL REFERENCES opportunities (id) ON DELETE CASCADE,
    position        INTEGER NOT NULL,
    product_id      INTEGER REFERENCES products (id),
    name            TEXT NOT NULL CHECK (name <> ''),
    unit            TEXT,
    quantity        TEXT NOT NULL,
    unit_price      TEXT NOT NULL,
    discount        TEXT,
    total           TEXT NOT NULL,
    UNIQUE (opportunity_id, position)
);

-- Each stay of an opportunity in a stage: entered, left (NULL while it is
-- there), by whom it was moved in.
CREATE TABLE opportunity_stages (
    id              INTEGER PRIMARY KEY,
    opportunity_id  INTEGER NOT NULL REFERENCES opportunities (id) ON DELETE CASCADE,
    stage_id        INTEGER NOT NULL REFERENCES pipeline_stages (id),
    entered_at      INTEGER NOT NULL,
    left_at         INTEGER,
    moved_by        INTEGER REFERENCES users (id)
);
CREATE INDEX opportunity_stages_opportunity ON opportunity_stages (opportunity_id, id);

ALTER TABLE orders ADD COLUMN opportunity_id INTEGER REFERENCES opportunities (id);
CREATE INDEX orders_opportunity ON orders (opportunity_id) WHERE opportunity_id IS NOT NULL;
