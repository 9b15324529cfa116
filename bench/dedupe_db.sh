#!/usr/bin/env bash
# Duplicate detection over a database, as a user runs it: `kehu dedupe`.
#
#   bench/dedupe_db.sh [RECORDS] [postgres]      (default 1000000, SQLite)
#
# Generates RECORDS labelled customers (bench/gen_dupes.py, ~10% duplicates,
# with each row's kind as a store knows it), imports them all into a fresh
# database (`--policy create`: the import's own duplicate check would
# otherwise keep the copies out), then times `kehu dedupe --json` (read every
# customer, profile, block, score, cluster, write the review queue, print
# the clusters) and scores its clusters with bench/score_dupes.py against
# the truth of the rows that were imported. Beside it, the baseline: the
# same records scanned straight from the CSV file by the engine alone
# (kehu-bench-dedupe), in the same script.
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-1000000}"
BACKEND="${2:-sqlite}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/kehu-bench-target}"
cargo build --release -q -p kehu -p kehu-bench
KEHU="$CARGO_TARGET_DIR/release/kehu"
work="$(mktemp -d /var/tmp/kehu-dedupe.XXXXXX)"
pgdb="kehu_bench_dedupe_$$"
cleanup() {
    rm -rf "$work"
    if [ "$BACKEND" = postgres ]; then
        psql -q -h 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS $pgdb" >/dev/null 2>&1 || true
    fi
}
trap cleanup EXIT
if [ "$BACKEND" = postgres ]; then
    psql -q -h 127.0.0.1 -U postgres -c "CREATE DATABASE $pgdb" >/dev/null
    DB="postgres://postgres@127.0.0.1:5432/$pgdb"
else
    DB="sqlite://$work/dedupe.db"
fi
export KEHU_LANG=en

echo "== generating $N records" >&2
python3 bench/gen_dupes.py "$N" "$work/records.csv" "$work/truth.csv" --kind-column 2>/dev/null

echo "== importing them (kehu import --policy create)" >&2
"$KEHU" import "$work/records.csv" --policy create --quiet --json --errors "$work/rejected.csv" \
    --database "$DB" > "$work/import.json"
python3 bench/imported_truth.py "$work/truth.csv" "$work/rejected.csv" "$work/truth_in.csv"
python3 - "$work" <<'PY'
import json, sys
report = json.load(open(f"{sys.argv[1]}/import.json"))
print(f"   imported {report['created']:,} of {report['rows']:,} rows "
      f"({report['rejected']:,} rejected by the entry standards) in {report['seconds']:.0f} s", file=sys.stderr)
PY

echo "== kehu dedupe" >&2
/usr/bin/time -f "%e %M" -o "$work/dedupe.time" "$KEHU" dedupe --json --quiet --database "$DB" \
    > "$work/clusters.jsonl" 2> "$work/dedupe.log"
read -r dedupe_s dedupe_kb < "$work/dedupe.time"
tail -n1 "$work/dedupe.log" >&2
python3 bench/score_dupes.py "$work/clusters.jsonl" "$work/truth_in.csv" > "$work/score.md"

echo "== baseline: the engine alone over the CSV file" >&2
/usr/bin/time -f "%e %M" -o "$work/engine.time" "$CARGO_TARGET_DIR/release/kehu-bench-dedupe" \
    "$work/records.csv" "$work/truth.csv" > "$work/engine.md"
read -r engine_s engine_kb < "$work/engine.time"

f1() { awk -F'|' -v k=" $2 " '$2 == k { gsub(/ /, "", $8); print $8 }' "$1"; }
echo
echo "Duplicate scan of $N generated records, $BACKEND ($(nproc) cores)"
echo
echo "| path | seconds | peak RSS MB | F1 all | F1 zh | F1 en |"
echo "|---|--:|--:|--:|--:|--:|"
echo "| kehu dedupe (database → review queue) | $dedupe_s | $((dedupe_kb / 1024)) | $(f1 "$work/score.md" all) | $(f1 "$work/score.md" zh) | $(f1 "$work/score.md" en) |"
echo "| baseline: engine over the CSV | $engine_s | $((engine_kb / 1024)) | $(f1 "$work/engine.md" all) | $(f1 "$work/engine.md" zh) | $(f1 "$work/engine.md" en) |"
echo
echo "kehu dedupe's clusters scored:"
cat "$work/score.md"
