-- Encryption at rest (issue 15). Values of custom fields marked sensitive
-- stay in customers.custom and in history, but sealed (AES-256-GCM, text
-- "enc:v1:<key id>:…"); webhook secrets are sealed in place. The keys live
-- outside the database; this schema only names them by their fingerprint.

-- Blind indexes: an HMAC of each sensitive value under a key derived from
-- the master key, so a value can be found (lookups, unique rules,
-- duplicates) without decrypting anything. One per customer and field; the
-- key id says which key made it, so a rotation can redo it.
CREATE TABLE customer_blind_index (
    customer_id  BIGINT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    field        TEXT NOT NULL,
    key_id       TEXT NOT NULL,
    hash         TEXT NOT NULL,
    PRIMARY KEY (customer_id, field)
);
CREATE INDEX customer_blind_index_hash ON customer_blind_index (field, hash);

-- Every key that has sealed something here, by fingerprint. A key not
-- retired must be among the keys kehu starts with, or kehu refuses to
-- start; a key is retired when a rotation finds nothing sealed with it.
CREATE TABLE encryption_keys (
    id          TEXT PRIMARY KEY,
    added_at    BIGINT NOT NULL,
    retired_at  BIGINT
);

-- Sweeps that seal clear text and reseal old keys, one per table, in
-- batches: after_id is the last row a committed batch finished, so an
-- interrupted sweep goes on from there. key_id and fields say what the
-- finished sweep achieved: all values of those fields under that key.
CREATE TABLE encryption_sweeps (
    name         TEXT PRIMARY KEY,
    key_id       TEXT NOT NULL,
    fields       TEXT NOT NULL,
    after_id     BIGINT NOT NULL DEFAULT 0,
    finished_at  BIGINT
);
