#!/usr/bin/env bash
# kehu's benchmarks. Prints a table of kehu beside a baseline run in the same
# script on the same machine, so the ratios survive a noisy machine.
#
#   bench/run.sh [CUSTOMERS]        (default 1000000)
#
# 1. `kehu demo` of CUSTOMERS customers into a fresh SQLite file (time, rows/s,
#    peak RSS), beside sqlite3 copying the very same rows into an empty copy
#    of the schema (INSERT … SELECT per table, indexes included).
# 2. Search p50/p99 (name, pinyin initials, mobile fragment, email) through
#    kehu's store, beside the same SQL in the sqlite3 shell.
# 3. GET /api/v1/customers/{id} throughput on loopback with wrk (random ids),
#    beside GET /healthz on the same server; and the idle server's RSS.
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-1000000}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/kehu-bench-target}"
for tool in wrk sqlite3; do
    command -v "$tool" >/dev/null || { apt-get update -qq && apt-get install -y -qq "$tool" >/dev/null; }
done
cargo build --release -q -p kehu -p kehu-bench
KEHU="$CARGO_TARGET_DIR/release/kehu"
work="$(mktemp -d /var/tmp/kehu-bench.XXXXXX)"
server=""
trap 'test -n "$server" && kill "$server" 2>/dev/null; rm -rf "$work"' EXIT
DB="$work/bench.db"

echo "== kehu demo --customers $N" >&2
/usr/bin/time -f "%e %M" -o "$work/demo.time" "$KEHU" demo --customers "$N" --quiet --database "sqlite://$DB" >&2
read -r demo_s demo_kb < "$work/demo.time"
echo "   $demo_s s, peak RSS $((demo_kb / 1024)) MB" >&2

echo "== sqlite3 copying the same rows" >&2
sqlite3 "$DB" "SELECT sql || ';' FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' \
    AND name <> '_sqlx_migrations' ORDER BY type DESC" | sqlite3 "$work/copy.db"
copy_sql="PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; ATTACH '$DB' AS src; BEGIN;"
for t in teams users customers customer_search tags customer_tags contacts interactions tasks history; do
    copy_sql+=" INSERT INTO main.$t SELECT * FROM src.$t;"
done
copy_sql+=" COMMIT;"
start=$(date +%s.%N)
sqlite3 "$work/copy.db" "$copy_sql" >/dev/null
copy_s=$(echo "$(date +%s.%N) - $start" | bc)
rows=$(sqlite3 "$DB" "SELECT (SELECT COUNT(*) FROM customers) + (SELECT COUNT(*) FROM customer_search) + \
    (SELECT COUNT(*) FROM customer_tags) + (SELECT COUNT(*) FROM contacts) + (SELECT COUNT(*) FROM interactions) + \
    (SELECT COUNT(*) FROM tasks) + (SELECT COUNT(*) FROM history)")
rm -f "$work"/copy.db*

echo "== search" >&2
search_table="$("$CARGO_TARGET_DIR/release/kehu-bench-search" "$DB")"

echo "== HTTP" >&2
printf 'bench-password-1\n' | "$KEHU" user add bench@example.com --role admin --password-stdin --database "sqlite://$DB" >/dev/null
TOKEN="$("$KEHU" token create bench@example.com --database "sqlite://$DB" | tail -n1)"
KEHU_LISTEN=127.0.0.1:18088 "$KEHU" serve --database "sqlite://$DB" >"$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 1 50); do curl -fs http://127.0.0.1:18088/healthz >/dev/null && break; sleep 0.2; done
sleep 2
idle_kb=$(ps -o rss= -p "$server" | tr -d ' ')
export KEHU_TOKEN="$TOKEN" KEHU_MAX_ID="$N"
get_rps=$(wrk -t2 -c32 -d10s -s bench/get.lua http://127.0.0.1:18088 | awk '/Requests\/sec/ {print $2}')
health_rps=$(wrk -t2 -c32 -d10s http://127.0.0.1:18088/healthz | awk '/Requests\/sec/ {print $2}')
busy_kb=$(ps -o rss= -p "$server" | tr -d ' ')

cat <<TABLE

Machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; $(date -u +%Y-%m-%d)

| load ($N customers) | kehu demo | sqlite3 copying the same rows |
|---|---:|---:|
| time | ${demo_s} s | $(printf '%.1f' "$copy_s") s |
| rows written (all tables) | $rows | $rows |
| rows/s | $(echo "$rows / $demo_s" | bc) | $(echo "$rows / $copy_s" | bc) |
| customers/s | $(echo "$N / $demo_s" | bc) | $(echo "$N / $copy_s" | bc) |
| peak RSS | $((demo_kb / 1024)) MB | |

$search_table

| HTTP on loopback (wrk -t2 -c32 -d10s, same 2 cores) | requests/s |
|---|---:|
| GET /api/v1/customers/{random id}, bearer token | $get_rps |
| baseline: GET /healthz (same server, SELECT 1) | $health_rps |

| server RSS | MB |
|---|---:|
| idle, after start | $((idle_kb / 1024)) |
| after the wrk runs | $((busy_kb / 1024)) |
TABLE
