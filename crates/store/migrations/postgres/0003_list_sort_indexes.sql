-- A list narrowed to one owner or one team and sorted by name or by
-- creation walks its own index instead of sorting every record of that
-- owner (143 ms for an owner with 67,000 customers: bench/pages.sh).
CREATE INDEX customers_owner_sort ON customers (owner_id, sort_key, id) WHERE deleted_at IS NULL;
CREATE INDEX customers_owner_created ON customers (owner_id, created_at, id) WHERE deleted_at IS NULL;
CREATE INDEX customers_team_sort ON customers (team_id, sort_key, id) WHERE deleted_at IS NULL;
CREATE INDEX customers_team_created ON customers (team_id, created_at, id) WHERE deleted_at IS NULL;
