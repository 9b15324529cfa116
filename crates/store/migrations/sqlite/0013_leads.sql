-- Leads (线索) captured from web forms, the API and imports; the shared
-- pool (公海) rules of claiming and returning records; and what the
-- round robin remembers (SQLite; the PostgreSQL file of the same name
-- mirrors it).

CREATE TABLE leads (
    id              INTEGER PRIMARY KEY,
    name            TEXT NOT NULL CHECK (name <> ''),
    company         TEXT,
    title           TEXT,
    mobile          TEXT,
    phone           TEXT,
    email           TEXT,
    province        TEXT,
    city            TEXT,
    -- Where it came from (官网表单, 展会, …) and the campaign it answered.
    source          TEXT,
    campaign        TEXT,
    -- What the person wrote in the form.
    message         TEXT,
    status          TEXT NOT NULL DEFAULT 'new' CHECK (status IN
                    ('new', 'contacted', 'qualified', 'converted', 'disqualified')),
    disqualify_reason TEXT,
    -- NULL owner: the lead is in the shared pool.
    owner_id        INTEGER REFERENCES users (id),
    team_id         INTEGER REFERENCES teams (id),
    -- When its owner took it, and until when nobody's pool sweep takes it
    -- back.
    claimed_at      INTEGER,
    protected_until INTEGER,
    -- The last follow-up (or capture): the pool sweep counts from here.
    last_activity_at INTEGER NOT NULL,
    -- What the duplicate check found at capture.
    duplicate_lead_id     INTEGER REFERENCES leads (id),
    duplicate_customer_id INTEGER REFERENCES customers (id),
    -- What it became.
    customer_id     INTEGER REFERENCES customers (id),
    contact_id      INTEGER REFERENCES contacts (id),
    opportunity_id  INTEGER REFERENCES opportunities (id),
    converted_at    INTEGER,
    version         INTEGER NOT NULL DEFAULT 1,
    created_at      INTEGER NOT NULL,
    created_by      INTEGER REFERENCES users (id),
    updated_at      INTEGER NOT NULL,
    updated_by      INTEGER REFERENCES users (id),
    deleted_at      INTEGER
);
CREATE INDEX leads_owner ON leads (owner_id, id) WHERE deleted_at IS NULL;
CREATE INDEX leads_team ON leads (team_id, id) WHERE deleted_at IS NULL;
CREATE INDEX leads_mobile ON leads (mobile) WHERE deleted_at IS NULL;
CREATE INDEX leads_email ON leads (lower(email)) WHERE deleted_at IS NULL;
CREATE INDEX leads_activity ON leads (last_activity_at) WHERE deleted_at IS NULL AND owner_id IS NOT NULL;

-- A lead's follow-ups (跟进): what was said and the next step, which
-- becomes a task for whoever wrote it.
CREATE TABLE lead_followups (
    id            INTEGER PRIMARY KEY,
    lead_id       INTEGER NOT NULL REFERENCES leads (id),
    channel       TEXT NOT NULL CHECK (channel IN ('call', 'visit', 'meeting', 'email', 'message', 'note')),
    content       TEXT NOT NULL,
    occurred_at   INTEGER NOT NULL,
    next_step     TEXT,
    next_step_at  INTEGER,
    created_at    INTEGER NOT NULL,
    created_by    INTEGER REFERENCES users (id)
);
CREATE INDEX lead_followups_lead ON lead_followups (lead_id, occurred_at);
ALTER TABLE tasks ADD COLUMN lead_id INTEGER REFERENCES leads (id);

-- Public forms an administrator puts on the company website. `key` is the
-- unguessable part of the form's address.
CREATE TABLE lead_forms (
    id          INTEGER PRIMARY KEY,
    key         TEXT NOT NULL,
    name        TEXT NOT NULL CHECK (name <> ''),
    source      TEXT,
    campaign    TEXT,
    -- How captured leads get an owner: round_robin among the team's sales
    -- reps, by region (the rules below, then the pool), or the pool.
    assign      TEXT NOT NULL DEFAULT 'pool' CHECK (assign IN ('round_robin', 'region', 'pool')),
    team_id     INTEGER REFERENCES teams (id),
    active      BOOLEAN NOT NULL DEFAULT TRUE,
    created_at  INTEGER NOT NULL,
    CONSTRAINT lead_forms_key UNIQUE (key)
);

-- Submissions per address, to slow down spam: kept a day.
CREATE TABLE lead_form_hits (
    address  TEXT NOT NULL,
    at       INTEGER NOT NULL
);
CREATE INDEX lead_form_hits_address ON lead_form_hits (address, at);

-- Whose turn it is next in a team's round robin.
CREATE TABLE round_robin (
    team_id       INTEGER PRIMARY KEY REFERENCES teams (id),
    last_user_id  INTEGER REFERENCES users (id)
);

-- Leads from a province go to this user.
CREATE TABLE region_rules (
    province  TEXT PRIMARY KEY,
    user_id   INTEGER NOT NULL REFERENCES users (id)
);

-- The pool's rules, per team (the row without a team is the default):
-- how many records a rep may hold, how long a claim is protected, and
-- after how many days without a follow-up a record goes back (NULL: never).
CREATE TABLE pool_rules (
    id            INTEGER PRIMARY KEY,
    team_id       INTEGER REFERENCES teams (id),
    max_held      INTEGER CHECK (max_held > 0),
    protect_days  INTEGER NOT NULL DEFAULT 0 CHECK (protect_days >= 0),
    return_days   INTEGER CHECK (return_days > 0),
    CONSTRAINT pool_rules_team UNIQUE (team_id)
);
INSERT INTO pool_rules (team_id, max_held, protect_days, return_days) VALUES (NULL, NULL, 7, NULL);

ALTER TABLE customers ADD COLUMN claimed_at INTEGER;
ALTER TABLE customers ADD COLUMN protected_until INTEGER;
