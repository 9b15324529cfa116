-- What the browser pages need beyond the foundation (SQLite). The
-- PostgreSQL file of the same name mirrors this one.

-- Saved views (保存的视图): a named customer-list filter with its columns
-- and sort, kept per user and optionally shared with everyone. `query` is
-- the list's URL query string (q=zs&stage=lead&sort=-created_at), checked
-- by the same parser as the list itself; `columns` is a JSON array.
CREATE TABLE saved_views (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id),
    name        TEXT NOT NULL CHECK (name <> ''),
    shared      BOOLEAN NOT NULL DEFAULT FALSE,
    query       TEXT NOT NULL DEFAULT '',
    columns     TEXT NOT NULL DEFAULT '[]',
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    CONSTRAINT saved_views_user_name_key UNIQUE (user_id, name)
);
-- The list a user picks from: their own views and everyone's shared ones.
CREATE INDEX saved_views_shared ON saved_views (shared) WHERE shared;
