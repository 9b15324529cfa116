#!/usr/bin/env bash
# The customer list page at scale: server time of GET /customers (HTML, the
# browser's page) beside GET /api/v1/customers (JSON) for the same filter on
# the same server, so the page's own cost shows as a ratio.
#
#   bench/pages.sh [CUSTOMERS]        (default 1000000)
#   KEHU_BENCH_DB=/path/to.db bench/pages.sh   (an existing demo database)
#
# Each row: 40 requests one after another with curl; p50 and p99 of the time
# to the first byte (the server's time plus loopback).
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-1000000}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/kehu-bench-target}"
cargo build --release -q -p kehu
KEHU="$CARGO_TARGET_DIR/release/kehu"
work="$(mktemp -d /var/tmp/kehu-pages.XXXXXX)"
server=""
trap 'test -n "$server" && kill "$server" 2>/dev/null; rm -rf "$work"' EXIT
FILE="${KEHU_BENCH_DB:-$work/bench.db}"
DB="sqlite://$FILE"
PORT=18089
B="http://127.0.0.1:$PORT"

if [ -z "${KEHU_BENCH_DB:-}" ]; then
    echo "== kehu demo --customers $N" >&2
    "$KEHU" demo --customers "$N" --quiet --database "$DB" >&2
fi
N=$(sqlite3 "$FILE" "SELECT COUNT(*) FROM customers")
"$KEHU" migrate --database "$DB" >&2
printf 'bench-password-1\n' | "$KEHU" user add pages@example.com --role admin --password-stdin --database "$DB" >/dev/null 2>&1 || true
TOKEN="$("$KEHU" token create pages@example.com --database "$DB" | tail -n1)"
KEHU_LISTEN=127.0.0.1:$PORT "$KEHU" serve --database "$DB" >"$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 1 50); do curl -fs "$B/healthz" >/dev/null && break; sleep 0.2; done
curl -fs -c "$work/jar" -o /dev/null -d "email=pages@example.com&password=bench-password-1" "$B/login"
# The benchmark pages far more than a person would in an hour: lift the
# list limit for it (the timings below are of the list, not the limit).
curl -fs -o /dev/null -X PATCH -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
    -d '{"list_rows_per_hour": 100000000}' "$B/api/v1/export-limits"
owner=$(sqlite3 "$FILE" "SELECT owner_id FROM customers WHERE owner_id IS NOT NULL LIMIT 1")
mobile=$(sqlite3 "$FILE" "SELECT substr(mobile, 4, 4) FROM customers WHERE mobile IS NOT NULL LIMIT 1 OFFSET 777")
cursor=$(curl -fs -H "Authorization: Bearer $TOKEN" "$B/api/v1/customers?limit=50" | sed 's/.*"next_cursor":"\([^"]*\)".*/\1/')

# p50 and p99 in milliseconds of 40 requests: url, then curl options.
timing() {
    local url="$1"; shift
    for _ in $(seq 1 40); do
        curl -fs -o /dev/null -w '%{time_starttransfer}\n' "$@" "$url"
    done | sort -n | awk '{ t[NR] = $1 * 1000 } END { printf "%.1f | %.1f", t[int(NR * 0.5)], t[int(NR * 0.99) + (NR * 0.99 > int(NR * 0.99))] }'
}

rows=(
    "first page (newest updated)|"
    "search: pinyin initials zw|q=zw"
    "search: name 王芳|q=%E7%8E%8B%E8%8A%B3"
    "search: 4 digits of a mobile|q=$mobile"
    "filter: stage + province|stage=customer&province=%E5%B9%BF%E4%B8%9C%E7%9C%81"
    "filter: one owner, sorted by name|owner_id=$owner&sort=name"
    "second page (cursor)|cursor=$cursor"
)
echo
echo "Machine: $(nproc) cores; $(date -u +%Y-%m-%d); $N customers (SQLite); 50 rows per page"
echo
echo "| list request | page p50 ms | page p99 ms | API p50 ms | API p99 ms |"
echo "|---|---:|---:|---:|---:|"
for row in "${rows[@]}"; do
    label="${row%%|*}"; query="${row#*|}"
    page=$(timing "$B/customers?$query" -b "$work/jar")
    api=$(timing "$B/api/v1/customers?$query" -H "Authorization: Bearer $TOKEN")
    echo "| $label | $page | $api |"
done
