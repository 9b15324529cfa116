#!/usr/bin/env python3
"""The truth of the rows an import took in: TRUTH.csv without the rows the
import rejected.

Usage:

    python3 bench/imported_truth.py TRUTH.csv ISSUES.csv OUT.csv

ISSUES.csv is what `kehu import --errors` wrote (KEHU_LANG=en): each row's
own cells, its row number and the problem. Rows imported with warnings are
listed there too ("imported without these values …") and stay in the
truth; only rows refused whole are left out. The external id is each
row's first cell, in both files.
"""
import csv
import sys

WARNED = "imported without these values"


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    truth, issues, out = sys.argv[1:]
    rejected = set()
    try:
        with open(issues, encoding="utf-8-sig", newline="") as f:
            rows = csv.reader(f)
            next(rows, None)
            rejected = {row[0] for row in rows if row and not row[-1].startswith(WARNED)}
    except FileNotFoundError:
        pass
    with open(truth, encoding="utf-8", newline="") as src, \
            open(out, "w", encoding="utf-8", newline="") as dst:
        rows = csv.reader(src)
        w = csv.writer(dst, lineterminator="\n")
        w.writerow(next(rows))
        w.writerows(r for r in rows if r[0] not in rejected)


if __name__ == "__main__":
    main()
