-- Outgoing webhooks (to finance and logistics): the endpoints an
-- administrator registers, the hosts they may reach despite being private,
-- and an outbox of events with one delivery per endpoint and a log of every
-- attempt (SQLite; the PostgreSQL file of the same name mirrors it).
--
-- Events are written in the transaction of the change they report, so a
-- change that rolls back sends nothing; `kehu serve` sends them afterwards.
-- (0011 is kept for the opportunities migration.)

CREATE TABLE webhook_endpoints (
    id                 INTEGER PRIMARY KEY,
    -- http or https, as the WHATWG parser normalises it.
    url                TEXT NOT NULL,
    -- The events wanted, a JSON array of names: ["order.paid", "order.shipped"].
    events             TEXT NOT NULL,
    active             BOOLEAN NOT NULL DEFAULT TRUE,
    description        TEXT,
    -- The HMAC-SHA256 key deliveries are signed with. Kept as it is because
    -- kehu must sign with it (a hash would not do); shown to the
    -- administrator only when made, and never returned by the API again.
    secret             TEXT NOT NULL,
    secret_rotated_at  INTEGER NOT NULL,
    version            INTEGER NOT NULL DEFAULT 1,
    created_at         INTEGER NOT NULL,
    created_by         INTEGER REFERENCES users (id),
    updated_at         INTEGER NOT NULL,
    updated_by         INTEGER REFERENCES users (id)
);

-- Hosts webhooks may reach although they are (or resolve to) loopback,
-- private or otherwise non-public addresses: an ERP on the office network.
CREATE TABLE webhook_allowed_hosts (
    id          INTEGER PRIMARY KEY,
    -- Normalised like a URL's host: erp.example.cn, 10.0.0.5, [::1].
    host        TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    created_by  INTEGER REFERENCES users (id),
    CONSTRAINT webhook_allowed_hosts_host_key UNIQUE (host)
);

-- What happened, as every delivery of it sends it: the exact request body
-- {"id", "event", "occurred_at", "data"}, so retries and replays send the
-- same bytes. Receivers may tell events and deliveries apart by id, so
-- neither id is ever handed out twice (AUTOINCREMENT).
CREATE TABLE webhook_events (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    event        TEXT NOT NULL,
    payload      TEXT NOT NULL,
    occurred_at  INTEGER NOT NULL
);

-- One event for one endpoint. Pending until a 2xx answer (delivered) or
-- until the retries run out (failed). A process that sends one first leases
-- it (lease_until, lease_token), so several kehu processes on one database
-- never send the same delivery at once.
CREATE TABLE webhook_deliveries (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id         INTEGER NOT NULL REFERENCES webhook_events (id),
    endpoint_id      INTEGER NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    status           TEXT NOT NULL DEFAULT 'pending'
                     CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    -- When it is due; NULL once delivered or failed.
    next_attempt_at  INTEGER,
    lease_until      INTEGER,
    lease_token      TEXT,
    -- The delivery an administrator asked to send again.
    replay_of        INTEGER REFERENCES webhook_deliveries (id) ON DELETE SET NULL,
    created_at       INTEGER NOT NULL,
    finished_at      INTEGER
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at)
    WHERE status = 'pending';
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, id);
CREATE INDEX webhook_deliveries_event ON webhook_deliveries (event_id);

-- Every attempt: when, how long it took, and the receiver's status or why
-- no answer came (error_kind: refused_address, timeout, connect, request;
-- error: the detail).
CREATE TABLE webhook_attempts (
    id               INTEGER PRIMARY KEY,
    delivery_id      INTEGER NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    attempted_at     INTEGER NOT NULL,
    duration_ms      INTEGER NOT NULL,
    response_status  INTEGER,
    error_kind       TEXT,
    error            TEXT
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, id);
