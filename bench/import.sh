#!/usr/bin/env bash
# The import benchmark. Prints kehu beside baselines run by this script on
# the same machine at the same time, so the ratios survive a noisy machine.
#
#   bench/import.sh [ROWS]          (default 1000000)
#
# 1. bench/gen_customers.py writes ROWS realistic Chinese customers as CSV
#    (~5% invalid rows, ~10% duplicates of earlier rows).
# 2. `kehu import` of that file, with every row parsed by the entry
#    standards and checked for duplicates, into a fresh SQLite database and
#    into a fresh PostgreSQL database: time, rows/s, peak RSS.
# 3. `kehu import undo` of each batch.
# 4. Baselines: the sqlite3 shell's `.import` of the same file into a bare
#    table, and PostgreSQL's COPY of it into a bare table (psql \copy).
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-1000000}"
PG="${KEHU_BENCH_PG:-postgres://postgres@127.0.0.1:5432}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/kehu-bench-target}"
command -v sqlite3 >/dev/null || { apt-get update -qq && apt-get install -y -qq sqlite3 >/dev/null; }
cargo build --release -q -p kehu
KEHU="$CARGO_TARGET_DIR/release/kehu"
work="$(mktemp -d /var/tmp/kehu-import-bench.XXXXXX)"
pgdb="kehu_import_bench_$$"
trap 'rm -rf "$work"; psql -q "$PG/postgres" -c "DROP DATABASE IF EXISTS $pgdb" >/dev/null 2>&1 || true' EXIT
CSV="$work/customers.csv"

echo "== generating $N customers" >&2
python3 bench/gen_customers.py "$N" "$CSV" 2>"$work/expected.json"
echo "   $(cat "$work/expected.json")" >&2

# Runs a command under /usr/bin/time; prints "seconds peak_kb".
timed() {
    local out="$1"; shift
    /usr/bin/time -f "%e %M" -o "$work/t" "$@" >"$out"
    cat "$work/t"
}

echo "== kehu import into SQLite" >&2
read -r sq_s sq_kb < <(timed "$work/sqlite.json" "$KEHU" import "$CSV" --json --database "sqlite://$work/kehu.db")
sq_batch=$(python3 -c "import json;print(json.load(open('$work/sqlite.json'))['batch_id'])")
echo "   $sq_s s, peak RSS $((sq_kb / 1024)) MB: $(cat "$work/sqlite.json" | cut -c1-200)" >&2
echo "== sqlite3 writing the rows kehu wrote into the same schema" >&2
# The floor of kehu's own schema: the customers, search keys and history
# rows of that import copied by the sqlite3 shell into empty tables in id
# order (the indexes a running import keeps, kept; the rest built at the
# end, as kehu does), with no parsing, validation or duplicate checks.
keep="'customers_mobile','customers_email','customers_uscc','customers_external_id','history_batch'"
tables="'customers','customer_search','history'"
{
    echo "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
    sqlite3 "$work/kehu.db" "SELECT sql || ';' FROM sqlite_master WHERE type = 'table' AND name IN ($tables)"
    sqlite3 "$work/kehu.db" "SELECT sql || ';' FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND name IN ($keep)"
    echo "ATTACH '$work/kehu.db' AS src; BEGIN;"
    echo "INSERT INTO customers SELECT * FROM src.customers ORDER BY id;"
    echo "INSERT INTO customer_search SELECT * FROM src.customer_search ORDER BY customer_id, term;"
    echo "INSERT INTO history SELECT * FROM src.history ORDER BY id;"
    echo "COMMIT; BEGIN;"
    sqlite3 "$work/kehu.db" "SELECT sql || ';' FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL \
        AND tbl_name IN ($tables) AND name NOT IN ($keep)"
    echo "COMMIT;"
} >"$work/floor.sql"
start=$(date +%s.%N)
sqlite3 "$work/floor.db" <"$work/floor.sql" >/dev/null
floor_s=$(printf "%.2f" "$(echo "$(date +%s.%N) - $start" | bc)")

echo "== kehu import undo (SQLite)" >&2
read -r squ_s squ_kb < <(timed "$work/undo.txt" "$KEHU" import undo "$sq_batch" --database "sqlite://$work/kehu.db")

echo "== sqlite3 .import into a bare table" >&2
start=$(date +%s.%N)
sqlite3 "$work/bare.db" "PRAGMA journal_mode=WAL;" ".mode csv" ".import $CSV bare" >/dev/null
base_sq_s=$(printf "%.2f" "$(echo "$(date +%s.%N) - $start" | bc)")

echo "== kehu import into PostgreSQL" >&2
psql -q "$PG/postgres" -c "CREATE DATABASE $pgdb" >/dev/null
read -r pg_s pg_kb < <(timed "$work/pg.json" "$KEHU" import "$CSV" --json --database "$PG/$pgdb")
pg_batch=$(python3 -c "import json;print(json.load(open('$work/pg.json'))['batch_id'])")
echo "   $pg_s s, peak RSS $((pg_kb / 1024)) MB" >&2
echo "== kehu import undo (PostgreSQL)" >&2
read -r pgu_s pgu_kb < <(timed "$work/undo-pg.txt" "$KEHU" import undo "$pg_batch" --database "$PG/$pgdb")

echo "== PostgreSQL COPY into a bare table" >&2
psql -q "$PG/$pgdb" -c "CREATE TABLE bare (name text, mobile text, email text, company text, title text, \
    province text, city text, source text, stage text, uscc text, notes text)" >/dev/null
start=$(date +%s.%N)
psql -q "$PG/$pgdb" -c "\\copy bare FROM '$CSV' WITH (FORMAT csv, HEADER true)" >/dev/null
base_pg_s=$(printf "%.2f" "$(echo "$(date +%s.%N) - $start" | bc)")

rate() { python3 -c "print(f'{$N / max($1, 0.001):,.0f}')"; }
counts() { python3 -c "import json;d=json.load(open('$1'));print(f\"{d['created']} / {d['skipped']} / {d['rejected']}\")"; }
echo
echo "| import of $N rows (CSV, $(($(stat -c %s "$CSV") / 1048576)) MB) | time s | rows/s | peak RSS MB | created / duplicates / rejected |"
echo "|---|---:|---:|---:|---|"
echo "| kehu import → SQLite (parse, validate, dedupe, index, history) | $sq_s | $(rate "$sq_s") | $((sq_kb / 1024)) | $(counts "$work/sqlite.json") |"
echo "| baseline: sqlite3 \`.import\` into a bare table | $base_sq_s | $(rate "$base_sq_s") | | |"
echo "| floor: sqlite3 writing kehu's rows (customers, search keys, history) into kehu's schema | $floor_s | $(rate "$floor_s") | | |"
echo "| kehu import → PostgreSQL | $pg_s | $(rate "$pg_s") | $((pg_kb / 1024)) | $(counts "$work/pg.json") |"
echo "| baseline: PostgreSQL \`COPY\` into a bare table | $base_pg_s | $(rate "$base_pg_s") | | |"
echo
echo "| undo of the whole batch | time s | peak RSS MB |"
echo "|---|---:|---:|"
echo "| SQLite | $squ_s | $((squ_kb / 1024)) |"
echo "| PostgreSQL | $pgu_s | $((pgu_kb / 1024)) |"
echo
echo "Generated: $(cat "$work/expected.json") (valid rows, invalid rows, duplicates of earlier rows)"
