#!/usr/bin/env python3
"""Households beside FEBRL 4: what a duplicate scan must not join.

FEBRL's corruptions (a given name replaced, a birth date replaced) make a
copy look like another member of the household, and FEBRL has no
households, so a scan can gain recall there by joining relatives without
the score showing it. This script adds to FEBRL 4 (4a and 4b) one member of
the household of each original record, in turn:

- spouse: another given name, the same family name and house, born up to
  eight years apart (or the date unknown, one in five);
- child: another given name, born 20 to 40 years later;
- sibling: a given name a letter apart at its end or start (Louis and
  Louise, Mason and Jason, when the data set has such a name), born 2 to
  6 years apart;
- twin: another given name, the same birth date;
- junior: the same name, born 20 to 40 years later (a son named after his
  father).

Given names come from the originals, never from corrupted copies; a
relative born another year is born on another day and month too.

Usage:

    python3 bench/febrl_households.py make FEBRL_DIR OUT_DIR
        writes OUT_DIR/house.csv and OUT_DIR/house_truth.csv
    python3 bench/febrl_households.py score CLUSTERS.jsonl TRUTH.csv
        prints, per kind, how many of the members TRUTH.csv lists (the
        imported ones) `kehu dedupe --json` put in a cluster with a record
        of their relative: each one a false link
"""
import csv
import json
import os
import random
import sys
from collections import Counter

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from febrl_prepare import HEADER, entity_of, rows_of  # noqa: E402

KINDS = ["spouse", "child", "sibling", "twin", "junior"]


def sibling_names(a, b):
    """A letter added, dropped or changed at the end (Paul/Paula,
    Marie/Maria), or another first letter (Mason/Jason)."""
    if a == b or min(len(a), len(b)) < 3:
        return False
    short, long_ = sorted((a, b), key=len)
    if len(long_) == len(short) + 1:
        return long_.startswith(short)
    return len(a) == len(b) and (a[:-1] == b[:-1] or a[1:] == b[1:])


def born_apart(dob, years, rng):
    """Born `years` later (earlier if negative) on a day of its own: two
    people of one household share a birthday one time in 365."""
    if len(dob) != 8 or not dob.isdigit():
        return ""
    return f"{int(dob[:4]) + years}{rng.randint(1, 12):02}{rng.randint(1, 28):02}"


def member(row, kind, given, by_end, rng):
    m = dict(row)
    g = row["given_name"]
    others = [x for x in rng.sample(given, 3) if x != g]
    if kind == "sibling":
        if not by_end.get(g):
            return None
        m["given_name"] = rng.choice(by_end[g])
        m["date_of_birth"] = born_apart(row["date_of_birth"], rng.choice([-6, -4, -3, -2, 2, 3, 5]), rng)
    elif kind == "junior":
        m["date_of_birth"] = born_apart(row["date_of_birth"], rng.randint(20, 40), rng)
    else:
        m["given_name"] = others[0]
        if kind == "spouse":
            m["date_of_birth"] = (born_apart(row["date_of_birth"], rng.randint(-8, 8), rng)
                                  if rng.random() < 0.8 else "")
        elif kind == "child":
            m["date_of_birth"] = born_apart(row["date_of_birth"], rng.randint(20, 40), rng)
    return m


def make(src, out):
    rng = random.Random(7)
    rows = [r for f in ("dataset4a.csv", "dataset4b.csv") for r in rows_of(os.path.join(src, f))]
    originals = [r for r in rows if r["rec_id"].endswith("-org")]
    given = sorted({r["given_name"] for r in originals if len(r["given_name"]) > 2})
    by_end = {}
    for a in given:
        for b in given:
            if sibling_names(a, b):
                by_end.setdefault(a, []).append(b)
    counts = Counter()
    with open(os.path.join(out, "house.csv"), "w", encoding="utf-8", newline="") as r, \
            open(os.path.join(out, "house_truth.csv"), "w", encoding="utf-8", newline="") as t:
        records, truth = csv.writer(r, lineterminator="\n"), csv.writer(t, lineterminator="\n")
        records.writerow(HEADER)
        truth.writerow(["external_id", "entity", "lang"])

        def put(rec_id, row, entity):
            name = " ".join(p for p in (row["given_name"], row["surname"]) if p)
            street = " ".join(p for p in (row["street_number"], row["address_1"]) if p)
            address = ", ".join(p for p in (street, row["address_2"]) if p)
            records.writerow([rec_id, name, address, row["suburb"], row["state"],
                              row["postcode"], row["date_of_birth"], "AU"])
            truth.writerow([rec_id, entity, "en"])

        turn = 0
        for row in rows:
            put(row["rec_id"], row, entity_of(row["rec_id"]))
            if row["rec_id"].endswith("-org") and row["given_name"] and row["surname"]:
                kind = KINDS[turn % len(KINDS)]
                turn += 1
                m = member(row, kind, given, by_end, rng)
                if m is not None:
                    rec_id = f"h-{kind}-{entity_of(row['rec_id'])}"
                    put(rec_id, m, rec_id)
                    counts[kind] += 1
    print("households: " + ", ".join(f"{counts[k]} {k}" for k in KINDS), file=sys.stderr)


def score(path):
    linked = Counter()
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            cluster = json.loads(line)
            if cluster.get("related"):
                continue
            ids = [i for i in cluster.get("external_ids", []) if i]
            relatives = {entity_of(i) for i in ids if i.startswith("rec-")}
            for i in ids:
                if i.startswith("h-"):
                    _, kind, entity = i.split("-", 2)
                    if entity in relatives:
                        linked[kind] += 1
    return linked


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "make":
        make(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 4 and sys.argv[1] == "score":
        linked = score(sys.argv[2])
        members = Counter()
        with open(sys.argv[3], encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f):
                if row["external_id"].startswith("h-"):
                    members[row["external_id"].split("-")[1]] += 1
        print("| household member | members | joined to their relative |")
        print("|---|--:|--:|")
        for k in KINDS:
            n = members[k]
            share = f"{linked[k] / n:.1%}" if n else "-"
            print(f"| {k} | {n} | {linked[k]} ({share}) |")
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
