-- Uploaded files are kept sealed on disk, each under a key of its own. A
-- row here says who uploaded the file (nobody else may use it), when, the
-- name the user knows it by, its format and content hash, and its key,
-- sealed under the vault's key: rotating the vault's key reaches uploads
-- too, and a key is not retired while an upload needs it. Rows replace the
-- JSON files kept beside uploads before, which held no key.
CREATE TABLE uploads (
    id           INTEGER PRIMARY KEY,
    token        TEXT NOT NULL UNIQUE,
    owner        INTEGER NOT NULL,
    name         TEXT NOT NULL,
    format       TEXT NOT NULL,
    sha256       TEXT NOT NULL,
    file_key     TEXT NOT NULL,
    received_at  INTEGER NOT NULL
);
CREATE INDEX uploads_received ON uploads (received_at);
