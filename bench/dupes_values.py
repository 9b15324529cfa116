"""How the values in bench/gen_dupes.py's records are made and written:
weighted choices, character tables, places, phone formats, addresses,
credit codes and company names."""
import bisect
import itertools

import dupes_words as W

# ---------------------------------------------------------------- tables


class Pick:
    """A weighted choice that costs one random number and one bisection."""

    __slots__ = ("items", "cum", "total")

    def __init__(self, pairs):
        pairs = list(pairs)
        self.items = [p[0] for p in pairs]
        self.cum = list(itertools.accumulate(p[1] for p in pairs))
        self.total = self.cum[-1]

    def __call__(self, rng):
        return self.items[bisect.bisect_right(self.cum, rng.random() * self.total)]


def weighted(spec):
    return Pick((tok.rsplit(":", 1)[0], float(tok.rsplit(":", 1)[1])) for tok in spec.split())


def char_groups(spec):
    """Each character -> the other characters of every group it is in."""
    out = {}
    for group in spec.split():
        for c in group:
            alts = out.setdefault(c, [])
            alts.extend(x for x in group if x != c and x not in alts)
    return out


def pinyin_table(spec):
    out = {}
    toks = spec.split()
    for syllable, chars in zip(toks[0::2], toks[1::2]):
        for c in chars:
            out.setdefault(c, syllable)
    return out


PY = pinyin_table(W.PINYIN_GROUPS)
HOMOPHONES = char_groups(W.HOMOPHONE_GROUPS)
LOOKALIKES = char_groups(W.LOOKALIKE_GROUPS)
TRAD = str.maketrans(W.TRADITIONAL)
SOUNDALIKES = {}
for _g in W.EN_SOUNDALIKE_GROUPS:
    _names = _g.split()
    for _n in _names:
        SOUNDALIKES[_n] = [x for x in _names if x != _n]

ZH_SURNAME = Pick([(c, w) for w, cs in W.ZH_SURNAME_TIERS for c in cs] + [(s, 0.4) for s in W.ZH_COMPOUND_SURNAMES])
ZH_GIVEN_ONE = Pick([(c, 2) for c in W.ZH_GIVEN_ONE_COMMON] + [(c, 1) for c in W.ZH_GIVEN_ONE_OTHER])
EN_MALE, EN_FEMALE, EN_SURNAME = weighted(W.EN_FIRST_MALE), weighted(W.EN_FIRST_FEMALE), weighted(W.EN_SURNAMES)
MOBILE_PREFIX = weighted(W.CN_MOBILE_PREFIXES)
ZH_MAIL = Pick(W.ZH_EMAIL_DOMAINS)
EN_MAIL = Pick(W.EN_EMAIL_DOMAINS)
ZH_LEGAL = Pick(W.ZH_LEGAL_FORMS)
ZH_FORM = Pick([("city", 70), ("bracket", 12), ("prov", 10), ("none", 8)])
COUNTRY_SHARE = {"UK": 0.45, "US": 0.35, "CN": 0.20}  # where English-language customers are
COUNTRY = Pick(COUNTRY_SHARE.items())


def short_region(name):
    for suffix in ("壮族自治区", "自治区", "省", "市"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


class ZhCity:
    __slots__ = ("prov", "city", "prov_short", "city_short", "area", "code", "districts", "regions")

    def __init__(self, prov, city, area, code, districts):
        self.prov, self.city, self.area, self.code = prov, city, area, code
        self.prov_short, self.city_short = short_region(prov), short_region(city)
        self.districts = [(d[:-2], d[-2:]) for d in districts.split()]
        # Province and city columns as people fill them in; the first is canonical.
        self.regions = [(prov, city), (self.prov_short, self.city_short), ("", city), (prov, self.city_short)]


ZH_CITIES = [ZhCity(*c[:5]) for c in W.ZH_CITIES]
ZH_CITY_BY_NAME = {c.city: c for c in ZH_CITIES}


class Place:
    """Where a customer is: the region columns and what addresses, phones
    and credit codes there look like."""

    __slots__ = ("country", "regions", "zh", "city", "area", "postcodes", "state", "district", "dcode")

    def __init__(self, country, regions, zh=None, city="", area="", postcodes=(), state="", district="", dcode=""):
        self.country, self.regions, self.zh, self.city = country, regions, zh, city
        self.area, self.postcodes, self.state, self.district, self.dcode = area, postcodes, state, district, dcode


def zh_places():
    out = []
    for c, row in zip(ZH_CITIES, W.ZH_CITIES):
        for d, code in c.districts:
            place = Place("CN-zh", c.regions, zh=c, city=c.city, area=c.area, district=d, dcode=code)
            out.append((place, row[5] / len(c.districts)))
    return out


def uk_places():
    return [(Place("UK", [(nation, city), ("", city), ("UK", city)], city=city, area=area, postcodes=pcs.split()), w)
            for nation, city, area, pcs, w in W.UK_CITIES]


def us_places():
    return [(Place("US", [(state, city), (code, city), ("", city)], city=city, area=areas.split(), postcodes=zip3,
                   state=code), w)
            for state, code, city, areas, zip3, w in W.US_CITIES]


def cn_en_places():
    out = []
    for city, prov, postcode, zh_city, districts in W.CN_CITIES_EN:
        zh = ZH_CITY_BY_NAME[zh_city]
        for d in districts.split():
            regions = [(prov, city), (zh.prov, zh.city), ("China", city)]
            out.append((Place("CN-en", regions, zh=zh, city=city, area=zh.area, postcodes=postcode, district=d), 1))
    return out


PLACES = {"zh": Pick(zh_places()), "UK": Pick(uk_places()), "US": Pick(us_places()), "CN": Pick(cn_en_places())}
ZH_PLACES_BY_CITY = {}
for _p in PLACES["zh"].items:
    ZH_PLACES_BY_CITY.setdefault(_p.zh.city, []).append(_p)

FULLWIDTH = str.maketrans({c: chr(ord(c) + 0xFEE0) for c in
                           "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz()"})
BRACKETS_TO_HALF = str.maketrans({"（": "(", "）": ")"})
USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2]
KEYBOARD = ["qwertyuiop", "asdfghjkl", "zxcvbnm"]
NEIGHBOURS = {}
for _row_i, _row in enumerate(KEYBOARD):
    for _i, _c in enumerate(_row):
        NEIGHBOURS[_c] = _row[max(0, _i - 1):_i] + _row[_i + 1:_i + 2]


def uscc_check(first17):
    """GB 32100-2015: weighted sum of the character values modulo 31."""
    total = sum(USCC_CHARS.index(c) * w for c, w in zip(first17, USCC_WEIGHTS))
    return USCC_CHARS[(31 - total % 31) % 31]


def org_code(rng):
    """The organisation code inside a credit code, with its own GB 11714
    check character. Codes issued since 2015 start with MA."""
    if rng.random() < 0.3:
        body = "MA" + "".join(rng.choice(USCC_CHARS) for _ in range(6))
    else:
        body = f"{rng.randrange(10**7, 10**8)}"
    total = sum((int(c) if c.isdigit() else ord(c) - 55) * w for c, w in zip(body, ORG_WEIGHTS))
    check = 11 - total % 11
    return body + ("X" if check == 10 else "0" if check == 11 else str(check))


# ---------------------------------------------------------------- phones
# A phone is a tuple (kind, digits...); index 0 of each format list is how
# the number is usually written, the rest are variants people type.

PHONE_FORMATS = {
    "cn": [
        lambda d: d,
        lambda d: f"{d[:3]} {d[3:7]} {d[7:]}",
        lambda d: f"{d[:3]}-{d[3:7]}-{d[7:]}",
        lambda d: f"+86 {d[:3]} {d[3:7]} {d[7:]}",
        lambda d: f"+86{d}",
        lambda d: f"0086 {d}",
        lambda d: f"86-{d}",
        lambda d: f"(+86) {d[:3]}-{d[3:7]}-{d[7:]}",
        lambda d: d.translate(FULLWIDTH),
        lambda d: f"+86-{d[:3]}-{d[3:7]}-{d[7:]}",
    ],
    "cnl": [
        lambda a, n: f"{a}-{n}",
        lambda a, n: f"({a}){n}",
        lambda a, n: f"{a} {n[:4]} {n[4:]}",
        lambda a, n: f"{a}{n}",
        lambda a, n: f"+86 {a[1:]} {n}",
        lambda a, n: f"0086-{a[1:]}-{n}",
        lambda a, n: f"{a}-{n}".translate(FULLWIDTH),
    ],
    "uk": [
        lambda n: f"+44 {n[:4]} {n[4:]}",
        lambda n: f"+44{n}",
        lambda n: f"+44 (0){n[:4]} {n[4:]}",
        lambda n: f"0044 {n[:4]} {n[4:]}",
        lambda n: f"+44-{n[:4]}-{n[4:]}",
        lambda n: f"+44 {n[:4]} {n[4:7]} {n[7:]}",
    ],
    "ukl": [
        lambda a, n: f"+44 {a} {n[:len(n) // 2]} {n[len(n) // 2:]}",
        lambda a, n: f"+44{a}{n}",
        lambda a, n: f"+44 (0){a} {n}",
        lambda a, n: f"0044 {a} {n}",
    ],
    "us": [
        lambda n: f"+1 {n[:3]} {n[3:6]} {n[6:]}",
        lambda n: f"+1 ({n[:3]}) {n[3:6]}-{n[6:]}",
        lambda n: f"+1-{n[:3]}-{n[3:6]}-{n[6:]}",
        lambda n: f"+1{n}",
        lambda n: f"001 {n[:3]} {n[3:6]} {n[6:]}",
        lambda n: f"+1.{n[:3]}.{n[3:6]}.{n[6:]}",
    ],
}


def format_phone(p, style):
    return PHONE_FORMATS[p[0]][style](*p[1:])


def natural_phone_style(rng, p):
    """Most clean rows write a number the usual way, some another way."""
    return 0 if rng.random() < 0.85 else rng.randrange(1, len(PHONE_FORMATS[p[0]]))


# ---------------------------------------------------------------- addresses


def zh_address(a, style):
    _, prov, city, district, street, extra = a
    pre = "" if prov == city else prov
    if style == 0:
        return pre + city + district + street + extra
    if style == 1:
        return city + district + street + extra
    if style == 2:
        return (short_region(prov) if pre else "") + short_region(city) + district + street + extra
    if style == 3:
        return pre + city + district + street
    if style == 4:
        return district + street + extra
    return f"{pre}{city} {district} {street}{extra}"


def abbreviate(s):
    for long, short in W.EN_STREET_ABBREVIATIONS:
        s = s.replace(long, short)
    return s


def en_address(a, style):
    _, country, unit, line, district, city, state, postcode = a
    if style == 1:
        unit, line = abbreviate(unit), abbreviate(line)
    elif style == 2:
        unit = ""
    elif style == 3:
        postcode = ""
    if country == "US":
        tail = f"{city}, {state} {postcode}".strip()
        parts = [line, unit, tail]
    else:
        parts = [unit, line, district, f"{city} {postcode}".strip()]
    s = ", ".join(p for p in parts if p)
    return s.upper() if style == 4 else s


def render_address(a, style):
    return zh_address(a, style) if a[0] == "zh" else en_address(a, style)


ADDRESS_STYLES = {"zh": range(1, 6), "en": range(1, 5)}


# ---------------------------------------------------------------- records


class Company:
    __slots__ = ("idx", "lang", "place", "brand", "trade", "legal", "form", "forms", "name", "phone", "email",
                 "domain", "address", "uscc", "surname")


class Entity:
    __slots__ = ("lang", "kind", "np", "company", "phone", "phone_own", "phone_style", "email", "email_own",
                 "title", "place", "address", "uscc")


def zh_company_name(c, brand, form):
    """form is "canonical" (the registered name), another way of writing
    the region, or "plain_legal" (the canonical form with 有限公司)."""
    city, prov = c.place.zh.city_short, c.place.zh.prov_short
    core = brand + c.trade
    legal = "有限公司" if form == "plain_legal" else c.legal
    if form in ("canonical", "plain_legal"):
        form = c.form
    if form == "city":
        return city + core + legal
    if form == "bracket":
        return f"{core}（{city}）{legal}"
    if form == "prov":
        return prov + core + legal
    if form == "none":
        return core + legal
    if form == "short":
        return core
    if form == "short_co":
        return core + "公司"
    if form == "city_short":
        return city + core
    assert form == "city_shi", form
    return city + "市" + core + legal


def zh_company_variants(c):
    forms = ["city", "bracket", "prov", "none", "short", "short_co", "city_short", "city_shi"]
    if c.place.zh.prov == c.place.zh.city:
        forms.remove("prov")
    if c.legal != "有限公司":
        forms.append("plain_legal")
    return [f for f in forms if f != c.form]


def en_company_name(c, brand, form):
    """form is (index into the company's legal-form spellings, whether a
    mainland company keeps its city in brackets)."""
    if form == "canonical":
        form = (0, True)
    suffix = c.forms[form[0]]
    middle = f" ({c.place.city})" if c.place.country == "CN-en" and form[1] else ""
    return f"{brand} {c.trade}{middle} {suffix}".rstrip()


def en_company_variants(c):
    out = [(i, True) for i in range(1, len(c.forms))]
    if c.place.country == "CN-en":
        out += [(i, False) for i in range(len(c.forms))]
    return out


def company_name(c, brand, form):
    return zh_company_name(c, brand, form) if c.lang == "zh" else en_company_name(c, brand, form)


def company_variants(c):
    return zh_company_variants(c) if c.lang == "zh" else en_company_variants(c)
