-- Orders (订单) with their lines, payments (回款) and shipment, and the
-- purchase figures of each customer that paid orders keep up to date
-- (SQLite; the PostgreSQL file of the same name mirrors it).
--
-- Money is an exact decimal and its currency in TEXT ("1200.50 CNY"),
-- quantities exact decimals in TEXT: never floating point.

CREATE TABLE orders (
    id            INTEGER PRIMARY KEY,
    customer_id   INTEGER NOT NULL REFERENCES customers (id),
    -- Visibility follows the owner and team, as for customers.
    owner_id      INTEGER REFERENCES users (id),
    team_id       INTEGER REFERENCES teams (id),
    status        TEXT NOT NULL DEFAULT 'draft' CHECK (status IN
                  ('draft', 'confirmed', 'paid', 'shipped', 'delivered', 'completed',
                   'cancelled', 'refunded')),
    currency      TEXT NOT NULL,
    -- The sum of the lines' totals, and of the payments received.
    total         TEXT NOT NULL,
    paid          TEXT NOT NULL,
    -- The number another system (ERP, shop) knows the order by.
    external_ref  TEXT,
    ordered_on    TEXT,
    notes         TEXT,
    carrier       TEXT,
    tracking_no   TEXT,
    -- Why it was cancelled or refunded.
    reason        TEXT,
    confirmed_at  INTEGER,
    paid_at       INTEGER,
    shipped_at    INTEGER,
    delivered_at  INTEGER,
    completed_at  INTEGER,
    cancelled_at  INTEGER,
    refunded_at   INTEGER,
    version       INTEGER NOT NULL DEFAULT 1,
    created_at    INTEGER NOT NULL,
    created_by    INTEGER REFERENCES users (id),
    updated_at    INTEGER NOT NULL,
    updated_by    INTEGER REFERENCES users (id),
    deleted_at    INTEGER
);
CREATE INDEX orders_customer ON orders (customer_id, created_at);
CREATE INDEX orders_created ON orders (created_at, id);
CREATE INDEX orders_owner_created ON orders (owner_id, created_at, id);
CREATE INDEX orders_team_created ON orders (team_id, created_at, id);

CREATE TABLE order_lines (
    id            INTEGER PRIMARY KEY,
    order_id      INTEGER NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    position      INTEGER NOT NULL,
    -- The catalogue's product, when the line is one; its name, unit and
    -- price are copied so the order keeps what was sold.
    product_id    INTEGER REFERENCES products (id),
    name          TEXT NOT NULL CHECK (name <> ''),
    unit          TEXT,
    quantity      TEXT NOT NULL,
    unit_price    TEXT NOT NULL,
    -- {"kind": "percent" | "amount", "value": "10"}, or NULL.
    discount      TEXT,
    total         TEXT NOT NULL,
    UNIQUE (order_id, position)
);

CREATE TABLE payments (
    id            INTEGER PRIMARY KEY,
    order_id      INTEGER NOT NULL REFERENCES orders (id),
    amount        TEXT NOT NULL,
    method        TEXT NOT NULL CHECK (method IN
                  ('bank_transfer', 'alipay', 'wechat_pay', 'cash', 'card', 'cheque', 'other')),
    paid_on       TEXT NOT NULL,
    reference     TEXT,
    created_at    INTEGER NOT NULL,
    created_by    INTEGER REFERENCES users (id)
);
CREATE INDEX payments_order ON payments (order_id, id);

-- What a customer has bought: recomputed from its paid orders in the
-- transaction that pays, refunds or moves one. No row: nothing bought.
CREATE TABLE customer_figures (
    customer_id        INTEGER PRIMARY KEY REFERENCES customers (id),
    purchase_count     INTEGER NOT NULL,
    -- {"CNY": "1200.50"}: one sum per currency bought in.
    total_spend        TEXT NOT NULL,
    first_purchase_at  INTEGER,
    last_purchase_at   INTEGER,
    updated_at         INTEGER NOT NULL
);
