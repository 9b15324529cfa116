-- Whole-value lookups (查号): a full mobile number or email address searched
-- by a user who sees such values masked on some of the records they may
-- see. A lookup tells whether a guessed value belongs to a record, so
-- guessing the hidden digits of 139****2222 is made slow, capped and
-- visible: counted per user in the database (so every kehu process on one
-- database shares the count), refused beyond the administrator's limits,
-- and written to the access log. The SQLite file of the same name mirrors
-- this one.

-- One row at most: the limits an administrator set. No row means the
-- built-in defaults.
CREATE TABLE lookup_settings (
    id              BIGINT PRIMARY KEY CHECK (id = 1),
    per_minute      BIGINT NOT NULL CHECK (per_minute > 0),
    per_day         BIGINT NOT NULL CHECK (per_day > 0),
    -- More lookups than this in an hour shows a user to administrators.
    burst_per_hour  BIGINT NOT NULL CHECK (burst_per_hour > 0),
    updated_by      BIGINT REFERENCES users (id),
    updated_at      BIGINT NOT NULL
);

-- The values each user looked up in the last 24 hours (as a short hash)
-- and when: the limits count these rows, a minute's and a day's. The same
-- value again within the day (the entry form checks the whole form at
-- every keystroke, an export reads its list in chunks) tells nothing new
-- and is not counted twice. Older rows are deleted as new ones come, so
-- the table holds at most a day's lookups.
CREATE TABLE lookup_keys (
    user_id  BIGINT NOT NULL,
    key      TEXT NOT NULL,
    at       BIGINT NOT NULL,
    PRIMARY KEY (user_id, key)
);
CREATE INDEX lookup_keys_user_at ON lookup_keys (user_id, at);
CREATE INDEX lookup_keys_at ON lookup_keys (at);

-- The access log learns two actions: 'lookup' (a whole value looked up)
-- and 'lookup_refused' (one refused by the limits).
ALTER TABLE access_log DROP CONSTRAINT access_log_action_check;
ALTER TABLE access_log ADD CONSTRAINT access_log_action_check
    CHECK (action IN ('export', 'lookup', 'lookup_refused'));
