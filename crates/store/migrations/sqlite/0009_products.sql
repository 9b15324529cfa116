-- The product catalogue (产品目录) that opportunities and orders are made
-- of (SQLite; the PostgreSQL file of the same name mirrors it).

CREATE TABLE products (
    id           INTEGER PRIMARY KEY,
    -- The code people and finance systems know it by (SKU, 物料编码).
    code         TEXT NOT NULL CHECK (code <> ''),
    name         TEXT NOT NULL CHECK (name <> ''),
    unit         TEXT,
    -- An exact decimal and its currency, "1200.50 CNY": money is never a
    -- floating-point number.
    price        TEXT NOT NULL,
    description  TEXT,
    active       BOOLEAN NOT NULL DEFAULT TRUE,
    version      INTEGER NOT NULL DEFAULT 1,
    created_at   INTEGER NOT NULL,
    created_by   INTEGER REFERENCES users (id),
    updated_at   INTEGER NOT NULL,
    updated_by   INTEGER REFERENCES users (id),
    -- Products are deactivated, not deleted; the column keeps the shared
    -- record-writing code uniform.
    deleted_at   INTEGER,
    CONSTRAINT products_code_key UNIQUE (code)
);
CREATE INDEX products_active_name ON products (active, name);
