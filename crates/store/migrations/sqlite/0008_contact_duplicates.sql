-- Duplicate contacts: the same person entered twice as a contact of one
-- customer, found by the same scan, reviewed in the same queue, merged
-- and undone like customers (SQLite; the PostgreSQL file of the same name mirrors it).

ALTER TABLE duplicate_clusters ADD COLUMN entity TEXT NOT NULL DEFAULT 'customer'
    CHECK (entity IN ('customer', 'contact'));
DROP INDEX duplicate_clusters_queue;
CREATE INDEX duplicate_clusters_queue ON duplicate_clusters (entity, status, score);

CREATE TABLE contact_duplicate_members (
    cluster_id  INTEGER NOT NULL REFERENCES duplicate_clusters (id) ON DELETE CASCADE,
    contact_id  INTEGER NOT NULL REFERENCES contacts (id),
    PRIMARY KEY (cluster_id, contact_id)
);
CREATE INDEX contact_duplicate_members_contact ON contact_duplicate_members (contact_id);

-- One merge of contacts: the survivor's fields before (as history writes
-- them), its version right after, the merged contacts (to the bin) and the
-- follow-ups moved from them.
CREATE TABLE contact_merges (
    id                INTEGER PRIMARY KEY,
    survivor_id       INTEGER NOT NULL REFERENCES contacts (id),
    survivor_changes  TEXT NOT NULL DEFAULT '[]',
    survivor_version  INTEGER NOT NULL,
    actor_id          INTEGER REFERENCES users (id),
    created_at        INTEGER NOT NULL,
    undone_at         INTEGER,
    undone_by         INTEGER REFERENCES users (id)
);
CREATE INDEX contact_merges_survivor ON contact_merges (survivor_id, id);

CREATE TABLE contact_merge_members (
    merge_id    INTEGER NOT NULL REFERENCES contact_merges (id),
    contact_id  INTEGER NOT NULL REFERENCES contacts (id),
    PRIMARY KEY (merge_id, contact_id)
);

CREATE TABLE contact_merge_moves (
    merge_id        INTEGER NOT NULL REFERENCES contact_merges (id),
    interaction_id  INTEGER NOT NULL REFERENCES interactions (id),
    from_id         INTEGER NOT NULL REFERENCES contacts (id),
    PRIMARY KEY (merge_id, interaction_id)
);

ALTER TABLE duplicate_clusters ADD COLUMN contact_merge_id INTEGER REFERENCES contact_merges (id);

-- Contacts a person said are two people: never proposed again.
CREATE TABLE contact_not_duplicates (
    a_id        INTEGER NOT NULL REFERENCES contacts (id),
    b_id        INTEGER NOT NULL REFERENCES contacts (id),
    actor_id    INTEGER REFERENCES users (id),
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (a_id, b_id),
    CHECK (a_id < b_id)
);
