-- The mobile numbers a user who sees numbers masked has put in import files
-- (previews included) in the last 24 hours, as a short hash, under the
-- masked form they would see (`139****2222`). More than a few numbers of
-- one masked form within a day is someone trying the hidden digits, one
-- file at a time: the import that would pass the bound is refused. Older
-- rows are deleted as new ones come, so the table holds at most a day.
CREATE TABLE masked_tries (
    user_id  INTEGER NOT NULL,
    masked   TEXT NOT NULL,
    key      TEXT NOT NULL,
    at       INTEGER NOT NULL,
    PRIMARY KEY (user_id, masked, key)
) WITHOUT ROWID;
CREATE INDEX masked_tries_at ON masked_tries (at);
