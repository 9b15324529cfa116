#!/usr/bin/env python3
"""Pairwise precision, recall and F1 of predicted duplicate clusters against
the truth written by bench/gen_dupes.py.

Usage:

    python3 bench/score_dupes.py CLUSTERS.jsonl TRUTH.csv

CLUSTERS.jsonl has one JSON object per line with a key "external_ids" (a
list of strings), one object per predicted cluster, as `kehu dedupe --json`
prints; other keys and blank lines are ignored, records in no cluster are
singletons. Clusters with "related": true (branches of one company, not
duplicates) are skipped. TRUTH.csv has the header external_id,entity,lang.

A pair is two records; it is true when both share an entity and predicted
when both are in one cluster. Precision = correct / predicted pairs, recall
= correct / true pairs, F1 their harmonic mean. The table has one line for
all pairs and one per language, where a pair counts under a language when
both records are in it (pairs across languages count under "all" only).
Pairs are counted per entity and per cluster with n*(n-1)/2, never listed,
so a million records score in seconds.
"""
import csv
import json
import sys
from array import array
from collections import Counter


def pairs(n):
    return n * (n - 1) // 2


def read_truth(path):
    """ids -> record number; per record the entity number and lang number."""
    index, entity, lang = {}, array("l"), array("b")
    entities, langs = {}, {}
    with open(path, encoding="utf-8-sig", newline="") as f:
        rows = csv.reader(f)
        header = next(rows, None)
        if header is None or [h.strip() for h in header[:3]] != ["external_id", "entity", "lang"]:
            sys.exit(f"{path}: the header must be external_id,entity,lang")
        for line, row in enumerate(rows, 2):
            if not row:
                continue
            rid, ent, lg = row[0], row[1], row[2]
            if rid in index:
                sys.exit(f"{path}:{line}: {rid} appears twice")
            index[rid] = len(entity)
            entity.append(entities.setdefault(ent, len(entities)))
            lang.append(langs.setdefault(lg, len(langs)))
    return index, entity, lang, [name for name, _ in sorted(langs.items(), key=lambda kv: kv[1])]


def true_pairs(entity, lang, n_langs):
    """All true pairs, and those within each language."""
    per_entity = Counter(entity)
    per_entity_lang = Counter(zip(entity, lang))
    by_lang = [0] * n_langs
    for (_, lg), n in per_entity_lang.items():
        by_lang[lg] += pairs(n)
    return sum(pairs(n) for n in per_entity.values()), by_lang


def score(clusters_path, index, entity, lang, n_langs):
    predicted, correct = 0, 0
    predicted_lang, correct_lang = [0] * n_langs, [0] * n_langs
    seen = bytearray(len(entity))
    stats = Counter()
    with open(clusters_path, encoding="utf-8") as f:
        for line_no, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as err:
                sys.exit(f"{clusters_path}:{line_no}: not JSON: {err}")
            if isinstance(obj, dict) and obj.get("related") is True:
                stats["related clusters skipped"] += 1
                continue
            ids = obj.get("external_ids") if isinstance(obj, dict) else None
            if ids is None:
                stats["lines without external_ids"] += 1
                continue
            members = []
            for rid in ids:
                i = index.get(str(rid))
                if i is None:
                    stats["ids not in the truth"] += 1
                elif seen[i]:
                    stats["ids in more than one cluster (or twice in one)"] += 1
                else:
                    seen[i] = 1
                    members.append(i)
            stats["clusters"] += 1
            stats["records in clusters"] += len(members)
            predicted += pairs(len(members))
            correct += sum(pairs(n) for n in Counter(entity[i] for i in members).values())
            for lg, n in Counter(lang[i] for i in members).items():
                predicted_lang[lg] += pairs(n)
            for (_, lg), n in Counter((entity[i], lang[i]) for i in members).items():
                correct_lang[lg] += pairs(n)
    return predicted, correct, predicted_lang, correct_lang, stats


def ratios(true, predicted, correct):
    """None where a ratio is undefined (no predicted or no true pairs)."""
    precision = correct / predicted if predicted else None
    recall = correct / true if true else None
    if precision is None or recall is None:
        f1 = 0.0 if precision == 0 or recall == 0 else None
    else:
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def shown(x):
    return "n/a" if x is None else f"{x:.4f}"


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: score_dupes.py CLUSTERS.jsonl TRUTH.csv")
    clusters_path, truth_path = sys.argv[1:]
    index, entity, lang, lang_names = read_truth(truth_path)
    true_all, true_lang = true_pairs(entity, lang, len(lang_names))
    predicted, correct, predicted_lang, correct_lang, stats = score(clusters_path, index, entity, lang,
                                                                   len(lang_names))
    lines = [("all", true_all, predicted, correct)]
    lines += [(name, true_lang[i], predicted_lang[i], correct_lang[i]) for i, name in enumerate(lang_names)]
    print(f"{len(entity):,} records, {stats['clusters']:,} clusters holding {stats['records in clusters']:,} of them")
    for what in ("related clusters skipped", "lines without external_ids", "ids not in the truth",
                 "ids in more than one cluster (or twice in one)"):
        if stats[what]:
            print(f"warning: {stats[what]:,} {what}")
    print()
    print("| pairs | true | predicted | correct | precision | recall | F1 |")
    print("|---|--:|--:|--:|--:|--:|--:|")
    for name, true, pred, corr in lines:
        p, r, f1 = ratios(true, pred, corr)
        print(f"| {name} | {true:,} | {pred:,} | {corr:,} | {shown(p)} | {shown(r)} | {shown(f1)} |")


if __name__ == "__main__":
    main()
