"""How bench/gen_dupes.py renders a record and corrupts a copy of it.

A view is what one row shows of an entity: the clean row's view has every
field the entity has; each corruption op edits a copy's view before it is
rendered. The fairness rule (see gen_dupes.py) is enforced by make_fair.
"""
from collections import Counter

import dupes_words as W
from dupes_values import (
    FULLWIDTH, BRACKETS_TO_HALF, HOMOPHONES, LOOKALIKES, NEIGHBOURS, PHONE_FORMATS, PY, SOUNDALIKES, TRAD, Pick,
    company_name, company_variants, format_phone, natural_phone_style, render_address, ADDRESS_STYLES,
)

OPS_PER_COPY = Pick([(1, 30), (2, 35), (3, 22), (4, 10), (5, 3)])
EXACT_SHARE = 0.02  # copies entered twice verbatim, as re-imports make

# ---------------------------------------------------------------- rendering


def clean_view(e):
    c = e.company
    return {
        "np": e.np, "roman": None, "order": 0, "case": 0, "pre": "", "suf": "", "space": "",
        "brand": c.brand if c else None, "co_form": "canonical", "co_case": 0,
        "trad": (), "width": (), "blank": (),
        "phone": e.phone, "phone_style": e.phone_style, "phone_alt": False,
        "email": e.email, "email_case": 0, "email_alt": False,
        "title": e.title, "region": 0, "addr_style": 0, "uscc_style": 0,
        "name_lossy": None, "co_lossy": None,
    }


def email_case(email, style):
    local, domain = email.split("@")
    if style == 1:
        return ".".join(p.capitalize() for p in local.split(".")) + "@" + domain
    if style == 2:
        return email.upper()
    if style == 3:
        return local + "@" + domain.upper()
    return local.capitalize() + "@" + domain


def uscc_spelling(code, style):
    if style == 1:
        return code.lower()
    if style == 2:
        return " ".join(code[i:i + 4] for i in range(0, 18, 4))
    if style == 3:
        return code.translate(FULLWIDTH)
    return code


def person_name(e, v):
    a, b = v["np"]
    if v["roman"]:
        name = v["roman"]
    elif e.lang == "zh":
        name = a + v["space"] + b
    else:
        order = v["order"]
        name = (f"{a} {b}", f"{b} {a}", f"{b}, {a}", f"{b.upper()} {a}", f"{b.upper()}, {a}")[order]
    if v["case"] == 1:
        name = name.upper()
    elif v["case"] == 2:
        name = name.lower()
    name = v["pre"] + name + v["suf"]
    if "name" in v["trad"]:
        name = name.translate(TRAD)
    if "name" in v["width"]:
        name = name.translate(FULLWIDTH)
    return name


def render_company(e, v, field):
    c = e.company
    name = company_name(c, v["brand"], v["co_form"])
    if v["co_case"] == 1:
        name = name.upper()
    elif v["co_case"] == 2:
        name = name.lower()
    if field in v["trad"]:
        name = name.translate(TRAD)
    if field in v["width"]:
        name = name.translate(BRACKETS_TO_HALF) if c.lang == "zh" else name.translate(FULLWIDTH)
    return name


def render(e, v):
    blank = v["blank"]
    if e.kind == "person":
        name = person_name(e, v)
        company = render_company(e, v, "company") if e.company and "company" not in blank else ""
    else:
        name = render_company(e, v, "name")
        company = ""
    phone = format_phone(v["phone"], v["phone_style"]) if v["phone"] and "mobile" not in blank else ""
    email = v["email"] if "email" not in blank else ""
    if email and v["email_case"]:
        email = email_case(email, v["email_case"])
    title = v["title"] if "title" not in blank else ""
    prov, city = e.place.regions[v["region"]] if "region" not in blank else ("", "")
    address = ""
    if e.address and "address" not in blank:
        address = render_address(e.address, v["addr_style"])
        if "address" in v["trad"]:
            address = address.translate(TRAD)
        if "address" in v["width"]:
            address = address.translate(FULLWIDTH)
    uscc = uscc_spelling(e.uscc, v["uscc_style"]) if e.uscc and "uscc" not in blank else ""
    return (name, phone, email, company, title, prov, city, address, uscc)


def csv_line(fields):
    return ",".join('"' + f.replace('"', '""') + '"' if ("," in f or '"' in f) else f for f in fields)


# ---------------------------------------------------------------- corruptions
# Each op edits a copy's view and returns the labels it applied (empty when
# it does not apply to this entity).


def swap_char(s, table, rng):
    spots = [i for i, c in enumerate(s) if c in table]
    if not spots:
        return None
    i = rng.choice(spots)
    return s[:i] + rng.choice(table[s[i]]) + s[i + 1:]


def latin_typo(word, rng):
    if len(word) < 4:
        return None
    i = rng.randrange(1, len(word) - 1)
    kind = rng.randrange(4)
    if kind == 0:
        out = word[:i] + word[i + 1] + word[i] + word[i + 2:]
    elif kind == 1:
        out = word[:i] + word[i + 1:]
    elif kind == 2:
        out = word[:i] + word[i] + word[i:]
    else:
        near = NEIGHBOURS.get(word[i].lower())
        if not near:
            return None
        out = word[:i] + rng.choice(near) + word[i + 1:]
    return out if out != word else None


def name_edit(e, v, rng, table_op):
    """Edits one part of a person's name; returns whether it did."""
    a, b = v["np"]
    if rng.random() < 0.5:
        new = table_op(b)
        if new:
            v["np"] = (a, new)
            return True
    new = table_op(a)
    if new:
        v["np"] = (new, b)
        return True
    new = table_op(b)
    if new:
        v["np"] = (a, new)
        return True
    return False


def brand_edit(e, v, rng, table_op):
    new = table_op(v["brand"])
    if new:
        v["brand"] = new
    return bool(new)


def lossy_op(label, zh_table, en_name_edit, en_brand_edit):
    """typo and homophone: on the name while it has no lossy edit, else (and
    for 30% of people anyway) on the company name."""

    def op(e, v, rng):
        def editor(lang, en_edit):
            if lang == "zh":
                return lambda s: swap_char(s, zh_table, rng)
            return en_edit and (lambda s: en_edit(s, rng))

        if e.kind == "company":
            fn = editor(e.company.lang, en_brand_edit)
            if not v["name_lossy"] and fn and brand_edit(e, v, rng, fn):
                v["name_lossy"] = label
                return [label]
            return []
        if e.company and "company" not in v["blank"] and not v["co_lossy"] and (
                v["name_lossy"] or rng.random() < 0.3):
            fn = editor(e.company.lang, en_brand_edit)
            if fn and brand_edit(e, v, rng, fn):
                v["co_lossy"] = label
                return [label]
            return []
        fn = editor(e.lang, en_name_edit)
        if not v["name_lossy"] and fn and name_edit(e, v, rng, fn):
            v["name_lossy"] = label
            return [label]
        return []

    return op


def en_soundalike(word, rng):
    alts = SOUNDALIKES.get(word)
    return rng.choice(alts) if alts else None


op_typo = lossy_op("typo", LOOKALIKES, latin_typo, latin_typo)
op_homophone = lossy_op("homophone", HOMOPHONES, en_soundalike, None)


def op_nickname(e, v, rng):
    if e.kind != "person" or e.lang != "en" or v["name_lossy"]:
        return []
    first, last = v["np"]
    if first not in W.EN_NICKNAMES:
        return []
    v["np"] = (rng.choice(W.EN_NICKNAMES[first]), last)
    v["name_lossy"] = "nickname"
    return ["nickname"]


def op_romanised(e, v, rng):
    if e.kind != "person" or e.lang != "zh" or v["name_lossy"]:
        return []
    s, g = v["np"]
    sp = "".join(PY[c] for c in s).capitalize()
    gp = "".join(PY[c] for c in g).capitalize()
    v["roman"] = rng.choice([f"{sp} {gp}", f"{gp} {sp}", f"{sp.upper()} {gp}", f"{sp}{gp}"])
    v["name_lossy"] = "romanised"
    return ["romanised"]


def op_swapped_name(e, v, rng):
    if e.kind != "person" or e.lang != "en":
        return []
    v["order"] = rng.randrange(1, 5)
    return ["swapped_name"]


def op_name_case(e, v, rng):
    if e.lang != "en":
        return []
    if e.kind == "person":
        v["case"] = rng.choice((1, 2))
    else:
        v["co_case"] = rng.choice((1, 2))
    return ["name_case"]


def op_name_note(e, v, rng):
    if e.kind != "person":
        return []
    if e.lang == "zh":
        if rng.random() < 0.3:
            v["space"] = rng.choice((" ", "\u3000"))
        else:
            v["suf"] = rng.choice(W.ZH_NAME_NOTES)
    elif rng.random() < 0.5:
        v["pre"] = rng.choice(W.EN_HONORIFICS)
    else:
        v["suf"] = rng.choice(W.EN_NAME_NOTES)
    return ["name_note"]


def op_traditional(e, v, rng):
    fields = []
    if e.lang == "zh" and not v["roman"]:
        fields.append("name")
    if e.kind == "person" and e.company and e.company.lang == "zh" and "company" not in v["blank"]:
        fields.append("company")
    if e.address and e.address[0] == "zh" and "address" not in v["blank"]:
        fields.append("address")
    if not fields:
        return []
    chosen = [f for f in fields if rng.random() < 0.6] or [rng.choice(fields)]
    v["trad"].update(chosen)
    return ["traditional"]


def op_width(e, v, rng):
    fields = []
    if e.kind == "person" and e.lang == "en":
        fields.append("name")
    field = "name" if e.kind == "company" else "company"
    c = e.company
    if c and (field == "name" or "company" not in v["blank"]):
        if c.lang == "en" or "（" in company_name(c, v["brand"], v["co_form"]):
            fields.append(field)
    if e.address and "address" not in v["blank"]:
        fields.append("address")
    if not fields:
        return []
    v["width"].add(rng.choice(fields))
    return ["width"]


MISSING_WEIGHTS = {"mobile": 3, "email": 3, "company": 2, "address": 3, "title": 1, "region": 1, "uscc": 2}


def present_fields(e, v):
    blank = v["blank"]
    have = {"mobile": v["phone"], "email": v["email"], "company": e.kind == "person" and e.company,
            "address": e.address, "title": v["title"], "region": True, "uscc": e.uscc}
    return [f for f in MISSING_WEIGHTS if have[f] and f not in blank]


def op_missing(e, v, rng):
    fields = present_fields(e, v)
    out = []
    for _ in range(1 if rng.random() < 0.7 else 2):
        if not fields:
            break
        f = Pick((f, MISSING_WEIGHTS[f]) for f in fields)(rng)
        fields.remove(f)
        v["blank"].add(f)
        out.append("missing_" + f)
    return out


def op_phone_format(e, v, rng):
    p = v["phone"]
    if not p or "mobile" in v["blank"] or v["phone_alt"]:
        return []
    n = len(PHONE_FORMATS[p[0]])
    v["phone_style"] = (v["phone_style"] + rng.randrange(1, n)) % n
    return ["phone_format"]


def op_email_case(e, v, rng):
    if not v["email"] or "email" in v["blank"]:
        return []
    v["email_case"] = rng.randrange(1, 5)
    if email_case(v["email"], v["email_case"]) == v["email"]:
        v["email_case"] = 3  # a mailbox of digits: upper-case the domain
    return ["email_case"]


def op_company_suffix(e, v, rng):
    c = e.company
    if not c or (e.kind == "person" and "company" in v["blank"]):
        return []
    v["co_form"] = rng.choice(company_variants(c))
    return ["company_suffix"]


def op_address_variant(e, v, rng):
    if not e.address or "address" in v["blank"]:
        return []
    v["addr_style"] = rng.choice(ADDRESS_STYLES["zh" if e.address[0] == "zh" else "en"])
    if render_address(e.address, v["addr_style"]) == render_address(e.address, 0):
        v["addr_style"] = 0
        return []
    return ["address_variant"]


def op_region_variant(e, v, rng):
    if "region" in v["blank"]:
        return []
    regions = e.place.regions
    v["region"] = rng.randrange(1, len(regions))
    if regions[v["region"]] == regions[0]:
        v["region"] = 0
        return []
    return ["region_variant"]


def op_title_change(e, v, rng):
    if e.kind != "person" or not v["title"] or "title" in v["blank"]:
        return []
    titles = W.ZH_TITLES if e.lang == "zh" else W.EN_TITLES
    v["title"] = rng.choice([t for t in titles if t != v["title"]])
    return ["title_change"]


def op_uscc_format(e, v, rng):
    if not e.uscc or "uscc" in v["blank"]:
        return []
    v["uscc_style"] = rng.randrange(1, 4)
    return ["uscc_format"]


def alternate_op(gen):
    def op_phone_alternate(e, v, rng):
        if e.kind != "person" or not e.phone_own or "mobile" in v["blank"]:
            return []
        v["phone"] = gen.own_phone(e.place)
        v["phone_style"] = natural_phone_style(rng, v["phone"])
        v["phone_alt"] = True
        return ["phone_alternate"]

    def op_email_alternate(e, v, rng):
        if e.kind != "person" or (v["email"] and not e.email_own) or "email" in v["blank"]:
            return []
        v["email"] = gen.person_email(e, None)
        v["email_case"] = 0
        v["email_alt"] = True
        return ["email_alternate"]

    return op_phone_alternate, op_email_alternate


# Op weights per language and kind of entity.
OP_WEIGHTS = {
    ("zh", "person"): "typo:10 homophone:12 romanised:2 name_note:4 traditional:5 width:4 missing:24 "
                      "phone_format:18 phone_alternate:2 email_case:5 email_alternate:2 company_suffix:14 "
                      "address_variant:7 region_variant:5 title_change:5",
    ("en", "person"): "typo:14 homophone:6 nickname:8 swapped_name:14 name_case:4 name_note:3 width:2 missing:24 "
                      "phone_format:16 phone_alternate:2 email_case:7 email_alternate:2 company_suffix:12 "
                      "address_variant:7 region_variant:4 title_change:5",
    ("zh", "company"): "typo:8 homophone:10 company_suffix:30 traditional:5 width:5 missing:22 phone_format:14 "
                       "email_case:3 address_variant:8 region_variant:5 uscc_format:4",
    ("en", "company"): "typo:12 company_suffix:30 name_case:5 width:2 missing:22 phone_format:14 email_case:5 "
                       "address_variant:8 region_variant:4 uscc_format:2",
}


def clues(e, v):
    """(strong, weak) identifying clues a copy still shows besides its name."""
    blank = v["blank"]
    strong = weak = 0
    if e.phone and "mobile" not in blank and not v["phone_alt"]:
        if e.phone_own:
            strong += 1
        else:
            weak += 1
    if e.email and "email" not in blank and not v["email_alt"]:
        if e.email_own:
            strong += 1
        else:
            weak += 1
    if e.uscc and "uscc" not in blank:
        strong += 1
    if e.kind == "person" and e.company and "company" not in blank:
        weak += 1
    if e.address and "address" not in blank:
        weak += 1
    return strong, weak


def is_fair(e, v):
    """The fairness rule: besides the name (never blank, at most one lossy
    edit), a strong identifier must survive when the name took a lossy edit,
    and some clue otherwise."""
    strong, weak = clues(e, v)
    return strong >= 1 if v["name_lossy"] else strong + weak >= 1


def restore(e, v, labels, field):
    """Gives a copy back the entity's value of a field; returns the edits undone."""
    undone = 0
    if field in v["blank"]:
        v["blank"].discard(field)
        labels.remove("missing_" + field)
        undone += 1
    if field == "mobile" and v["phone_alt"]:
        v["phone"], v["phone_style"], v["phone_alt"] = e.phone, e.phone_style, False
        labels.remove("phone_alternate")
        undone += 1
    if field == "email" and v["email_alt"]:
        v["email"], v["email_alt"] = e.email, False
        labels.remove("email_alternate")
        undone += 1
    return undone


def make_fair(e, v, labels, rng):
    """Gives back what the copy lost, strong identifiers first, until the
    fairness rule of gen_dupes.py's header holds; drops the lossy name edit
    when only that helps. Returns how many edits it undid."""
    strong = {"mobile": e.phone_own, "email": e.email_own, "uscc": True, "company": False, "address": False}
    order = sorted(strong, key=lambda f: (not strong[f], rng.random()))
    undone = 0
    for field in order:
        if is_fair(e, v):
            return undone
        if strong[field] or not v["name_lossy"]:
            undone += restore(e, v, labels, field)
    if not is_fair(e, v):
        labels.remove(v["name_lossy"])
        v["name_lossy"], v["np"], v["roman"] = None, e.np, None
        if e.kind == "company":
            v["brand"] = e.company.brand
        undone += 1
        for field in order:
            if is_fair(e, v):
                break
            undone += restore(e, v, labels, field)
    assert is_fair(e, v), "an entity without a clue besides its name"
    return undone


# Edits a blanked field hides: not counted as applied.
HIDDEN_BY = {"mobile": "phone_format", "email": "email_case", "address": "address_variant",
             "region": "region_variant", "title": "title_change", "uscc": "uscc_format"}


def drop_hidden(e, v, labels):
    if v["roman"] and v["trad"] == {"name"}:
        labels.remove("traditional")
    for field, label in HIDDEN_BY.items():
        if field in v["blank"] and label in labels:
            labels.remove(label)
    if e.kind == "person" and "company" in v["blank"]:
        if v["co_lossy"]:
            labels.remove(v["co_lossy"])
        if "company_suffix" in labels:
            labels.remove("company_suffix")


class Corruptor:
    def __init__(self, gen, rng):
        phone_alt, email_alt = alternate_op(gen)
        self.ops = {
            "typo": op_typo, "homophone": op_homophone, "nickname": op_nickname, "romanised": op_romanised,
            "swapped_name": op_swapped_name, "name_case": op_name_case, "name_note": op_name_note,
            "traditional": op_traditional, "width": op_width, "missing": op_missing,
            "phone_format": op_phone_format, "phone_alternate": phone_alt, "email_case": op_email_case,
            "email_alternate": email_alt, "company_suffix": op_company_suffix,
            "address_variant": op_address_variant, "region_variant": op_region_variant,
            "title_change": op_title_change, "uscc_format": op_uscc_format,
        }
        self.weights = {key: [(tok.split(":")[0], float(tok.split(":")[1])) for tok in spec.split()]
                        for key, spec in OP_WEIGHTS.items()}
        self.rng = rng
        self.counts = Counter()
        self.exact = 0
        self.undone = 0

    def pick_ops(self, key, k):
        """k distinct ops, weighted, without replacement."""
        pool = list(self.weights[key])
        out = []
        for _ in range(k):
            total = sum(w for _, w in pool)
            x = self.rng.random() * total
            for i, (name, w) in enumerate(pool):
                x -= w
                if x < 0 or i == len(pool) - 1:
                    out.append(name)
                    pool.pop(i)
                    break
        return out

    def copy(self, e):
        rng = self.rng
        if rng.random() < EXACT_SHARE:
            self.exact += 1
            return clean_view(e)
        for _ in range(10):  # until some op applies to this entity
            v = clean_view(e)
            v["trad"], v["width"], v["blank"] = set(), set(), set()
            labels = []
            for name in self.pick_ops((e.lang, e.kind), OPS_PER_COPY(rng)):
                labels += self.ops[name](e, v, rng)
            if labels:
                break
        self.undone += make_fair(e, v, labels, rng)
        drop_hidden(e, v, labels)
        if labels:
            self.counts.update(labels)
        else:
            self.exact += 1
        return v
