#!/usr/bin/env python3
"""Labelled synthetic customers with realistic duplicates, for the
duplicate-detection benchmark (issue 5).

Usage:

    python3 bench/gen_dupes.py ROWS RECORDS.csv TRUTH.csv [--seed N] [--en-share 0.3] [--dup-share 0.1]

RECORDS.csv (UTF-8, no BOM) has the header
    external_id,name,mobile,email,company,title,province,city,address,uscc
and its rows in shuffled order, so the copies of a customer are not
adjacent and the ids (R0000001, ...) say nothing about who is who.
TRUTH.csv has the header external_id,entity,lang: rows that share an entity
are the same real person or company, lang is zh or en. A JSON summary
(rows, entities, duplicate rows, how often each corruption was applied)
goes to standard error. The same arguments give the same files; a million
rows take about a minute and 1 GB. Score a clustering with
bench/score_dupes.py. The word lists are in dupes_words.py, how values are
written in dupes_values.py, rendering and corruptions in dupes_corrupt.py.

What is in it. People (about 80% of the entities; most with a company and a
title, the rest individual customers with a home address) and companies
(name = the company's name, a landline, a generic email, an address and, in
mainland China, a unified social credit code with a valid check character);
about 70% Chinese and 30% English-language, the latter in the UK, the US or
living in China. What makes it hard is what is not a duplicate: common names
(张伟, 王芳, John Smith) recur across many distinct people, colleagues share a
company, its address, sometimes its switchboard number or generic mailbox
and now and then a surname, and companies with the same trade name exist in
other cities (within one city, or one US state or the UK, a trade name in
an industry belongs to one company, as registration rules have it).

Duplicates. About dup-share of the rows are extra copies of a customer
(most have one copy, some two, a few three or more). 2% of the copies are
verbatim; the others are the customer's clean row put through one to five
of: typos (a look-alike Chinese
character; a transposed, dropped, doubled or neighbouring Latin letter),
homophones (a same-sound character, Smyth for Smith), English nicknames,
Chinese names written in pinyin, swapped or upper-cased English names,
notes in the name field, blanked fields, phone and email format variants, a
new phone or email, company suffix and region variants, address and region
variants, full-width characters, traditional characters, a new title and
credit-code spelling. Clean rows vary too: some write their phone numbers
in another of the usual formats. Every value stays valid: phones and credit codes in
forms kehu's parsers accept, emails well-formed.

The fairness rule: a copy must stay recognisable by a person comparing it
with the customer's clean row, so at least two identifying clues survive.
The name is never blanked and takes at most one lossy edit (typo,
homophone, nickname, pinyin); format changes to it (order, case, width,
traditional characters, a note) do not count as lossy. If the name took a
lossy edit, at least one strong identifier must survive unchanged up to
format: the customer's own mobile, own email, or credit code. Otherwise at
least one further clue must survive: a strong identifier, or the company,
the address, or a number or mailbox shared with colleagues. Blanked fields
and replaced numbers or emails are given back, strong ones first, until the
rule holds; if the customer has no strong identifier the lossy name edit is
dropped. Every customer has at least one clue besides its name, and no two
distinct people with the same name work for the same company.
"""
import argparse
import itertools
import json
import random
import sys
import time
from collections import Counter

import dupes_words as W
from dupes_corrupt import Corruptor, clean_view, csv_line, render
from dupes_values import (
    COUNTRY, COUNTRY_SHARE, EN_FEMALE, EN_MAIL, EN_MALE, EN_SURNAME, MOBILE_PREFIX, PLACES, PY, ZH_FORM,
    ZH_GIVEN_ONE, ZH_LEGAL, ZH_MAIL, ZH_PLACES_BY_CITY, ZH_SURNAME, Company, Entity, Pick, en_company_name,
    natural_phone_style, org_code, uscc_check, zh_company_name,
)

EN_FORM_GROUP = Pick([(0, 80), (1, 10), (2, 10)])  # Ltd / PLC / LLP; Inc. / LLC / Corp.
EXTRA_COPIES = Pick([(1, 80), (2, 14), (3, 4), (4, 1.5), (5, 0.5)])
MEAN_EXTRA = sum(k * w for k, w in zip(EXTRA_COPIES.items, [80, 14, 4, 1.5, 0.5])) / 100


class Generator:
    def __init__(self, rng, rows, en_share, dup_share):
        self.rng = rng
        self.en_share = en_share
        self.used_phones = set()
        self.used_emails = set()
        self.used_companies = set()
        self.used_cores = set()  # (trade name + industry, city or country or state)
        self.used_domains = set()
        self.used_uscc = set()
        self.names_at = set()  # (company idx, name): no namesakes among colleagues
        self.company_count = 0
        entities = rows * (1 - dup_share)
        # Half again as many companies as company records: some are only
        # known through their people.
        zh_records = entities * (1 - en_share) * 0.2
        self.pools = {"zh": [self.new_company("zh") for _ in range(int(zh_records * 1.5) + 5)]}
        for country, share in COUNTRY_SHARE.items():
            n = int(entities * en_share * 0.2 * share * 1.5) + 5
            self.pools[country] = [self.new_company(country) for _ in range(n)]
        # The pools are in random order: the records are taken from their ends.
        self.records = {k: [c for c in pool if rng.random() < 2 / 3] for k, pool in self.pools.items()}
        self.office_sharers = 0

    # ------------------------------------------------------------ values

    def unique(self, used, make):
        while True:
            v = make()
            if v not in used:
                used.add(v)
                return v

    def cn_mobile(self):
        rng = self.rng
        return ("cn", self.unique(self.used_phones, lambda: MOBILE_PREFIX(rng) + f"{rng.randrange(10**8):08d}"))

    def uk_mobile(self):
        rng = self.rng
        return ("uk", self.unique(self.used_phones, lambda: f"7{rng.randrange(1, 10)}{rng.randrange(10**8):08d}"))

    def us_phone(self, place):
        rng = self.rng
        areas = place.area if place.country == "US" else ["212", "415", "646", "312", "617"]
        return ("us", self.unique(self.used_phones, lambda: f"{rng.choice(areas)}{rng.randrange(200, 1000)}"
                                                            f"{rng.randrange(10**4):04d}"))

    def landline(self, place):
        rng = self.rng
        if place.country == "UK":
            a = place.area
            n = 10 - len(a)
            return ("ukl", a, self.unique(self.used_phones, lambda: self.local_number(n)))
        if place.country == "US":
            return self.us_phone(place)
        a = place.area
        n = 8 if len(a) == 3 or rng.random() < 0.7 else 7
        return ("cnl", a, self.unique(self.used_phones, lambda: self.local_number(n)))

    def local_number(self, n):
        return f"{self.rng.randrange(2, 9)}{self.rng.randrange(10**(n - 1)):0{n - 1}d}"

    def own_phone(self, place):
        """A person's own number, as the place they live suggests."""
        if place.country == "UK":
            return self.uk_mobile()
        if place.country == "US":
            return self.us_phone(place)
        if place.country == "CN-en" and self.rng.random() < 0.15:
            return self.uk_mobile() if self.rng.random() < 0.5 else self.us_phone(place)
        return self.cn_mobile()

    def email(self, local_parts, domain):
        """The first free address among the local parts; digits if all are taken."""
        rng = self.rng
        for local in local_parts:
            e = f"{local}@{domain}"
            if e not in self.used_emails:
                self.used_emails.add(e)
                return e
        base = local_parts[0]
        return self.unique(self.used_emails, lambda: f"{base}{rng.randrange(1, 10000)}@{domain}")

    def zh_email(self, np, company):
        rng = self.rng
        s = "".join(PY[c] for c in np[0])
        g = "".join(PY[c] for c in np[1])
        si, gi = "".join(PY[c][0] for c in np[0]), "".join(PY[c][0] for c in np[1])
        if company is not None:
            return self.email(rng.choice([[s + g, s + gi], [f"{s}.{g}"], [g + "." + s], [s + gi, s + g]]),
                              company.domain)
        if rng.random() < 0.3:
            return self.unique(self.used_emails, lambda: f"{rng.randrange(10**5, 10**10)}@qq.com")
        year = rng.randrange(1965, 2003)
        locals_ = rng.choice([[s + g], [f"{s}.{g}"], [f"{s}{g}{year}"], [f"{si}{gi}{year % 100:02d}"],
                              [f"{s}_{g}"], [f"{g}{s}"], [f"{s}{g}{rng.randrange(1, 1000)}"]])
        return self.email(locals_, ZH_MAIL(rng))

    def en_email(self, np, company):
        rng = self.rng
        f = np[0].lower()
        last = np[1].lower().replace("'", "").replace(" ", "")
        if company is not None:
            return self.email(rng.choice([[f"{f}.{last}"], [f"{f[0]}{last}", f"{f}.{last}"], [f"{f}{last[0]}", f],
                                          [f"{f}_{last}"]]), company.domain)
        year = rng.randrange(1960, 2003)
        return self.email(rng.choice([[f"{f}.{last}"], [f"{f}{last}"], [f"{f[0]}{last}"], [f"{last}.{f}"],
                                      [f"{f}.{last}{year % 100:02d}"], [f"{f}{last}{year}"], [f"{last}{f[0]}"]]),
                          EN_MAIL(rng))

    def person_email(self, e, company):
        return (self.zh_email if e.lang == "zh" else self.en_email)(e.np, company)

    # ------------------------------------------------------------ companies

    def new_company(self, where):
        rng = self.rng
        c = Company()
        c.idx = self.company_count
        self.company_count += 1
        c.surname = None
        if where == "zh":
            c.lang = "zh"
            c.place = PLACES["zh"](rng)
            for tries in itertools.count():
                c.brand = "".join(rng.sample(W.ZH_BRAND_CHARS, 2))
                c.trade, trade_en = rng.choice(W.ZH_TRADES)
                c.legal = ZH_LEGAL(rng)
                c.form = ZH_FORM(rng)
                if c.form == "prov" and c.place.zh.prov == c.place.zh.city:
                    c.form = "city"
                c.name = zh_company_name(c, c.brand, c.form)
                if self.claim_company(c, c.place.zh.city, tries):
                    break
            brand_py = "".join(PY[ch] for ch in c.brand)
            stem = brand_py + rng.choice(["", trade_en, "-" + trade_en, "group"])
            tld = rng.choice([".com", ".com.cn", ".cn", ".net"])
        else:
            c.lang = "en"
            c.place = PLACES[where](rng)
            c.forms = W.EN_FORMS[where][0 if where == "CN" else EN_FORM_GROUP(rng)]
            for tries in itertools.count():
                c.brand = self.en_brand()
                c.trade = rng.choice(W.EN_TRADES)
                c.name = en_company_name(c, c.brand, "canonical")
                if self.claim_company(c, c.place.state if where == "US" else c.place.city if where == "CN" else "UK",
                                      tries):
                    break
            stem = c.brand.lower().replace(" & ", "").replace(" ", "").replace("'", "") + rng.choice(["", c.trade.lower(), "-" + c.trade.lower()])
            tld = rng.choice({"UK": [".co.uk", ".com"], "US": [".com", ".io", ".net"],
                              "CN": [".com.cn", ".com", ".cn"]}[where])
        c.domain = self.company_domain(stem, tld)
        r = rng.random()
        c.phone = self.landline(c.place) if r < 0.80 else self.own_phone(c.place) if r < 0.88 else None
        c.email = self.email([rng.choice(["info", "sales", "contact", "office", "service", "admin"])], c.domain) \
            if rng.random() < 0.55 else ""
        c.address = self.office_address(c.place)
        c.uscc = self.new_uscc(c.place) if c.place.zh is not None else ""
        return c

    def claim_company(self, c, area, tries):
        """A registered name is unique, and so is a trade name in its
        industry within a registration area (a city in China, a state in
        the US, the UK), or else a copy's suffix variant could name another
        company nearby. Same trade names in other areas are fine, and real.
        The second rule gives way if the name space runs out."""
        core = (c.brand + " " + c.trade, area)
        if c.name in self.used_companies or (core in self.used_cores and tries < 200):
            return False
        self.used_companies.add(c.name)
        self.used_cores.add(core)
        return True

    def en_brand(self):
        rng = self.rng
        r = rng.random()
        head, tail = rng.choice(W.EN_BRAND_HEADS), rng.choice(W.EN_BRAND_TAILS)
        if r < 0.4:
            return head + tail
        if r < 0.65:
            return rng.choice(W.EN_BRAND_WORDS)
        if r < 0.75:
            return f"{head} {tail.capitalize()}"
        if r < 0.85:
            return EN_SURNAME(rng)
        return f"{EN_SURNAME(rng)} & {EN_SURNAME(rng)}"

    def company_domain(self, stem, tld):
        d = stem + tld
        while d in self.used_domains:
            d = f"{stem}{self.rng.randrange(2, 100)}{tld}"
        self.used_domains.add(d)
        return d

    def new_uscc(self, place):
        rng = self.rng
        zh = place.zh
        dcode = place.dcode if place.country == "CN-zh" else rng.choice(zh.districts)[1]

        def make():
            first17 = "91" + zh.code + dcode + org_code(rng)
            return first17 + uscc_check(first17)

        return self.unique(self.used_uscc, make)

    # ------------------------------------------------------------ addresses

    def office_address(self, place):
        rng = self.rng
        num = int(rng.random() ** 2 * 600) + 1
        if place.country == "CN-zh":
            r = rng.random()
            if r < 0.55:
                extra = f"{rng.choice(W.ZH_BUILDINGS)}{rng.choice(W.ZH_BUILDING_KINDS)}{rng.randrange(2, 40)}层"
            elif r < 0.8:
                extra = f"{rng.randrange(1, 12)}栋{rng.randrange(1, 20)}{rng.randrange(1, 10):02d}室"
            else:
                extra = ""
            zh = place.zh
            return ("zh", zh.prov, zh.city, place.district, f"{rng.choice(W.ZH_STREETS)}{num}号", extra)
        return self.en_address(place, num, office=True)

    def home_address(self, place):
        rng = self.rng
        num = int(rng.random() ** 2 * 600) + 1
        if place.country == "CN-zh":
            zh = place.zh
            extra = (f"{rng.choice(W.ZH_COMMUNITIES)}{rng.randrange(1, 30)}栋{rng.randrange(1, 6)}单元"
                     f"{rng.randrange(1, 33)}{rng.randrange(1, 5):02d}室")
            return ("zh", zh.prov, zh.city, place.district, f"{rng.choice(W.ZH_STREETS)}{num}号", extra)
        return self.en_address(place, num, office=False)

    def en_address(self, place, num, office):
        rng = self.rng
        letters = "ABDEFGHJLNPQRSTUWXYZ"
        if place.country == "UK":
            unit = (rng.choice(["Unit", "Suite", "Floor"]) if office else "Flat") + f" {rng.randrange(1, 30)}" \
                if rng.random() < 0.5 else ""
            pc = f"{rng.choice(place.postcodes)} {rng.randrange(1, 10)}{rng.choice(letters)}{rng.choice(letters)}"
            return ("en", "UK", unit, f"{num} {rng.choice(W.UK_STREETS)}", "", place.city, "", pc)
        if place.country == "US":
            unit = (f"Suite {rng.randrange(1, 30) * 100}" if office else f"Apt {rng.randrange(1, 40)}") \
                if rng.random() < 0.5 else ""
            return ("en", "US", unit, f"{num * 10 + rng.randrange(10)} {rng.choice(W.US_STREETS)}", "", place.city,
                    place.state, f"{place.postcodes}{rng.randrange(100):02d}")
        unit = (f"Room {rng.randrange(2, 40)}{rng.randrange(1, 20):02d}" if office
                else f"Apt {rng.randrange(1, 30)}{rng.randrange(1, 6):02d}") if rng.random() < 0.7 else ""
        return ("en", "CN", unit, f"{num} {rng.choice(W.CN_STREETS_EN)}", place.district, place.city, "",
                place.postcodes)

    # ------------------------------------------------------------ entities

    def pick_company(self, pool):
        """Popular companies have many contacts, most have one or two."""
        return pool[int(len(pool) * self.rng.random() ** 1.6)]

    def zh_name(self):
        rng = self.rng
        s = ZH_SURNAME(rng)
        r = rng.random()
        if r < 0.28:
            g = ZH_GIVEN_ONE(rng)
        elif r < 0.45:
            g = rng.choice(W.ZH_GIVEN_TWO_COMMON)
        else:
            g = rng.choice(W.ZH_GIVEN_FIRST) + rng.choice(W.ZH_GIVEN_SECOND)
        return s, g

    def en_name(self):
        rng = self.rng
        return (EN_MALE if rng.random() < 0.5 else EN_FEMALE)(rng), EN_SURNAME(rng)

    def person(self, lang):
        rng = self.rng
        e = Entity()
        e.lang, e.kind, e.uscc = lang, "person", ""
        country = "zh" if lang == "zh" else COUNTRY(rng)
        business = rng.random() < 0.75
        company = None
        if business:
            if lang == "zh":
                pool = self.pools["CN"] if rng.random() < 0.05 else self.pools["zh"]
            else:
                pool = self.pools["zh"] if country == "CN" and rng.random() < 0.3 else self.pools[country]
            company = self.pick_company(pool)
        new_name = self.zh_name if lang == "zh" else self.en_name
        for _ in range(50):
            np = new_name()
            if company is None:
                break
            # Family firms: now and then a colleague shares a surname.
            if company.surname and company.lang == lang and rng.random() < 0.15:
                np = (company.surname, np[1]) if lang == "zh" else (np[0], company.surname)
            key = (company.idx, np)
            if key not in self.names_at:
                self.names_at.add(key)
                if company.surname is None and company.lang == lang:
                    company.surname = np[0] if lang == "zh" else np[1]
                break
        else:
            company = None
        e.np = np
        e.company = company
        if company is None:
            e.place = PLACES["zh" if lang == "zh" else country](rng)
        elif lang == "zh" and company.lang == "en":
            # A Chinese rep writes the region of a foreign firm's employee in Chinese.
            e.place = rng.choice(ZH_PLACES_BY_CITY[company.place.zh.city])
        else:
            e.place = company.place
        r = rng.random()
        if company is not None and r < 0.07 and company.phone:
            e.phone, e.phone_own = company.phone, False
            self.office_sharers += 1
        elif r < 0.93:
            e.phone, e.phone_own = self.own_phone(e.place), True
        else:
            e.phone, e.phone_own = None, False
        r = rng.random()
        e.email_own = True
        if company is not None:
            if r < 0.45:
                e.email = self.person_email(e, company)
            elif r < 0.72:
                e.email = self.person_email(e, None)
            elif r < 0.75 and company.email:
                e.email, e.email_own = company.email, False
            else:
                e.email = ""
        else:
            e.email = self.person_email(e, None) if r < (0.45 if lang == "zh" else 0.8) else ""
        if company is not None:
            e.title = rng.choice(W.ZH_TITLES if lang == "zh" else W.EN_TITLES) if rng.random() < 0.9 else ""
            e.address = company.address if rng.random() < 0.55 else None
        else:
            e.title = ""
            e.address = self.home_address(e.place) if rng.random() < 0.7 else None
        if not (e.phone or e.email or e.address or company):
            e.phone, e.phone_own = self.own_phone(e.place), True
        e.phone_style = natural_phone_style(rng, e.phone) if e.phone else 0
        return e

    def company_record(self, lang):
        rng = self.rng
        key = "zh" if lang == "zh" else COUNTRY(rng)
        records = self.records[key]
        if records:
            c = records.pop()
        else:
            c = self.new_company(key)
            self.pools[key].append(c)
        e = Entity()
        e.lang, e.kind, e.np, e.company, e.place, e.title = lang, "company", None, c, c.place, ""
        e.phone, e.phone_own = c.phone, True
        e.email, e.email_own = c.email, True
        e.address = c.address if rng.random() < 0.85 else None
        e.uscc = c.uscc if c.uscc and rng.random() < (0.75 if lang == "zh" else 0.6) else ""
        if not (e.phone or e.email or e.address or e.uscc):
            e.address = c.address
        e.phone_style = natural_phone_style(rng, e.phone) if e.phone else 0
        return e

    def entity(self):
        lang = "en" if self.rng.random() < self.en_share else "zh"
        return self.company_record(lang) if self.rng.random() < 0.2 else self.person(lang)


# ---------------------------------------------------------------- main

HEADER = "external_id,name,mobile,email,company,title,province,city,address,uscc\n"


def main():
    ap = argparse.ArgumentParser(description="Labelled synthetic customers with realistic duplicates.")
    ap.add_argument("rows", type=int)
    ap.add_argument("records")
    ap.add_argument("truth")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--en-share", type=float, default=0.3)
    ap.add_argument("--dup-share", type=float, default=0.1, help="share of rows that are extra copies")
    ap.add_argument("--kind-column", action="store_true",
                    help="add a last column kind (company or individual), as a store knows it")
    args = ap.parse_args()
    if args.rows < 1 or not 0 <= args.en_share <= 1 or not 0 <= args.dup_share < 0.9:
        ap.error("ROWS must be positive, --en-share in [0, 1] and --dup-share in [0, 0.9)")

    started = time.perf_counter()
    rng = random.Random(args.seed)
    gen = Generator(rng, args.rows, args.en_share, args.dup_share)
    corrupt = Corruptor(gen, rng)
    # Chance that an entity has copies, so that copies make up dup-share of the rows.
    p_dup = args.dup_share / (1 - args.dup_share) / MEAN_EXTRA

    rows = []  # (csv line without id, entity number, lang, kind)
    group_sizes = Counter()
    names = Counter()
    per = {lang: dict.fromkeys(("rows", "entities", "duplicate_rows", "person_entities", "company_entities"), 0)
           for lang in ("zh", "en")}
    n_entities = 0
    while len(rows) < args.rows:
        e = gen.entity()
        n_entities += 1
        kind = "company" if e.kind == "company" else "individual"
        rows.append((csv_line(render(e, clean_view(e))), n_entities, e.lang, kind))
        if e.kind == "person":
            names[(e.lang, "".join(e.np) if e.lang == "zh" else " ".join(e.np))] += 1
        size = 1
        if rng.random() < p_dup:
            for _ in range(min(EXTRA_COPIES(rng), args.rows - len(rows))):
                rows.append((csv_line(render(e, corrupt.copy(e))), n_entities, e.lang, kind))
                size += 1
        group_sizes[size] += 1
        stats = per[e.lang]
        stats["entities"] += 1
        stats["rows"] += size
        stats["duplicate_rows"] += size - 1
        stats[e.kind + "_entities"] += 1
    rng.shuffle(rows)

    width = max(7, len(str(args.rows)))
    ewidth = max(7, len(str(n_entities)))
    with open(args.records, "w", encoding="utf-8", newline="") as rec, \
            open(args.truth, "w", encoding="utf-8", newline="") as truth:
        rec.write(HEADER.replace("\n", ",kind\n") if args.kind_column else HEADER)
        truth.write("external_id,entity,lang\n")
        for i, (line, ent, lang, kind) in enumerate(rows, 1):
            rid = f"R{i:0{width}d}"
            rec.write(f"{rid},{line},{kind}\n" if args.kind_column else f"{rid},{line}\n")
            truth.write(f"{rid},E{ent:0{ewidth}d},{lang}\n")

    shared = [(n, k) for (lang, n), k in names.items() if k > 1]
    cores = Counter(c.brand + c.trade for pool in gen.pools.values() for c in pool)
    summary = {
        "rows": len(rows),
        "entities": n_entities,
        "duplicate_rows": len(rows) - n_entities,
        "entities_with_copies": n_entities - group_sizes[1],
        "rows_per_entity": {str(k): group_sizes[k] for k in sorted(group_sizes)},
        "by_lang": per,
        "corruptions": dict(counted for counted in corrupt.counts.most_common()),
        "exact_copies": corrupt.exact,
        "edits_undone_by_fairness_rule": corrupt.undone,
        "hard_negatives": {
            "people_sharing_their_name_with_another_person": sum(k for _, k in shared),
            "most_common_names": dict(sorted(shared, key=lambda nk: -nk[1])[:6]),
            "people_showing_their_company_switchboard": gen.office_sharers,
            "companies_sharing_their_trade_name_with_another": sum(k for k in cores.values() if k > 1),
        },
        "seed": args.seed,
        "seconds": round(time.perf_counter() - started, 1),
    }
    json.dump(summary, sys.stderr, ensure_ascii=False, indent=1)
    sys.stderr.write("\n")


if __name__ == "__main__":
    main()
