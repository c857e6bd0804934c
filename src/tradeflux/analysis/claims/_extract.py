"""Claims from sentences, by structure: each number is read with the metric, places, product, period and
direction of its own frame.

A frame starts at a trade word (``exports``, ``surplus``, ``tariffs`` ...) and runs over the numbers
that follow it until another trade word or a clause that opens with "while", "but", "whereas" or a
semicolon. Inside a frame each number takes the places, product and direction written between it and
the number before it, and keeps the rest from that number: "sent to Africa rose by 26.5%, to ASEAN by
14%" gives ASEAN 14% with the verb of the list; "exports to the US were $420 bn, down 20%" gives both
numbers the US. A money amount in parentheses or after "or" beside another is the same figure in
another currency ("(about 1.1 trillion euros)"). Trade words inside a clause that defines a word ("the
difference between what it exports and what it imports") do not start frames. A place after
"outside", "excluding" or "other than" is neither side of the flow.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
from dataclasses import dataclass, field

from tradeflux.analysis.claims import _lexicon as lex
from tradeflux.analysis.claims._text import (
    Period,
    PeriodMention,
    Quantity,
    Token,
    ends_with,
    periods,
    phrase_at,
    quantities,
    sentences,
    words_before,
)
from tradeflux.reference.countries import CountryTable

_NOT_TRADE_AFTER = frozenset(
    [
        "war",
        "wars",
        "tensions",
        "talks",
        "deal",
        "deals",
        "data",
        "ministry",
        "minister",
        "representative",
        "policy",
        "policies",
        "dispute",
        "disputes",
        "friction",
        "frictions",
        "barriers",
        "agreement",
        "agreements",
        "partner",
        "partners",
        "body",
        "figures",
        "statistics",
        "organization",
        "organisation",
        "truce",
        "negotiations",
        "negotiators",
        "relations",
        "relationship",
        "conflict",
        "fight",
        "battle",
        "chief",
        "envoy",
        "office",
        "team",
        "official",
        "officials",
        "rules",
        "route",
        "routes",
        "routes",
        "volumes",
    ]
)
_IDIOMS = (
    "according to",
    "regard to",
    "due to",
    "thanks to",
    "owing to",
    "related to",
    "relative to",
    "compared to",
    "similar to",
    "in addition to",
    "respect to",
)
_FLOW_WORDS = frozenset({"exports", "imports", "shipments", "trade", "surplus", "deficit", "exporters", "importers"})
_BREAKS = frozenset({"while", "whereas", "but", "although", "though", "meanwhile"})
_DEFINING = (
    ("difference", "between"),
    ("gap", "between"),
    ("what", "it"),
    ("what", "they"),
    ("what", "the"),
    ("representing", "exports"),
    ("representing", "imports"),
    ("exports", "minus"),
    ("imports", "minus"),
    ("i.e.", "exports"),
    ("amount", "by"),  # "the amount by which imports are greater than exports"
    ("value", "by"),
)
_SHARE_VERBS = (
    "accounted for",
    "accounting for",
    "accounts for",
    "made up",
    "making up",
    "makes up",
    "represented",
    "representing",
    "represents",
    "share of",
)


_PRODUCT_INDEX: dict[str, list[tuple[list[str], str]]] = {}
for _pid, _phrases in lex.PRODUCTS.items():
    for _ph in _phrases:
        _words = [t.low for toks in sentences(_ph.replace('"', "")) for t in toks]  # "food, feeds and ..."
        _PRODUCT_INDEX.setdefault(_words[0], []).append((_words, _pid))


@dataclass(slots=True)
class Place:
    first: int
    last: int
    code: str
    role: str  # subject | to | from | of | with | between_a | between_b | excluded


def _coordinated(toks: list[Token], a: Place, b: Place) -> bool:
    """Two places in one list: only commas, "and", "or", articles and a bracketed figure between them."""
    between = toks[a.last + 1 : b.first]
    if len(between) > 8:
        return False
    depth = 0
    for t in between:
        if t.text == "(":
            depth += 1
        elif t.text == ")":
            depth -= 1
        elif depth == 0 and t.low not in (",", "and", "or", "the", "as", "well"):
            return False
    return any(t.low in (",", "and", "or") for t in between)


def _owners(spans: list[PeriodMention], qs: list[Quantity], toks: list[Token]) -> list[int | None]:
    """The quantity each period mention belongs to: the nearest one within 8 tokens ("$845.0 billion in 2021
    to $945.3 billion in 2022"), one in another clause 6 tokens further, the one before it on a tie, the one
    after it for "November's 5.9%". Linear in the sentence: separators are counted once."""
    breaks = [0]
    for t in toks:
        breaks.append(breaks[-1] + (t.text in (",", ";", "—", "–")))

    def crosses(a: int, b: int) -> bool:  # a separator strictly between tokens a and b
        return b > a + 1 and breaks[b] - breaks[a + 1] > 0

    starts = [q.first for q in qs]
    out: list[int | None] = []
    for s in spans:
        best, dist = None, 10**9
        lo, hi = bisect.bisect_left(starts, s.first - 40), bisect.bisect_right(starts, s.last + 9)
        for k in range(max(lo - 1, 0), min(hi + 1, len(qs))):
            q = qs[k]
            if s.bound_to_next:
                d = q.first - s.last if q.first > s.last else 10**9
            elif q.last < s.first:
                d = s.first - q.last + (6 if crosses(q.last, s.first) else 0)
            else:
                d = q.first - s.last + 0.5 + (6 if crosses(s.last, q.first) else 0)
            if d < dist:
                best, dist = k, d
        out.append(best if dist <= 8 else None)
    return out


_APPOSITION_OPENERS = frozenset({"one", "which", "who", "a", "an", "the", "long", "once", "itself"})
_LEVEL_VERBS = frozenset({"reached", "stood", "totaled", "totalled", "hit", "was", "amounted", "came"})
_CHANGE_NOUNS = frozenset(
    {"surge", "rise", "increase", "jump", "drop", "fall", "decline", "plunge", "growth", "gain", "slump", "widening"}
)


_VOLUME_UNITS = frozenset(
    {"tons", "tonnes", "ton", "tonne", "barrels", "units", "vehicles", "containers", "teu", "teus"}
)


def _of_volume(toks: list[Token], q: Quantity) -> bool:
    """ "fell 7.8% to 88 million tons": the percent is that of a volume."""
    k = q.last + 1
    if k + 1 >= len(toks) or toks[k].low not in ("to", "from") or toks[k + 1].kind != "num":
        return False
    return any(t.low in _VOLUME_UNITS for t in toks[k + 2 : k + 5])


def _is_base(lows: list[str], q: Quantity) -> bool:
    """A figure of comparison: "from $43 billion", "compared with $50 billion", "versus 5%"."""
    k = q.first
    return (k > 0 and lows[k - 1] in ("from", "versus", "vs", "against")) or (
        k > 1 and lows[k - 2] in ("compared", "relative") and lows[k - 1] in ("with", "to")
    )


def _is_country(code: str) -> bool:
    return len(code) == 3 and code not in ("EUZ", "WLD")


def _after_balance(toks: list[Token], i: int) -> bool:
    """ "a surplus in trade in goods", "the deficit in the trade of goods": trade names the balance's field."""
    j = i - 1
    if j >= 0 and toks[j].low == "the":
        j -= 1
    return (
        j >= 1 and toks[j].low == "in" and toks[j - 1].low in ("surplus", "deficit", "balance", "surpluses", "deficits")
    )


def _forecast_after(lows: list[str], q: Quantity) -> bool:
    """ "a 4.2% decrease expected by economists": a forecast named after its figure."""
    tail = lows[q.last + 1 : q.last + 4]
    return (
        any(w in ("expected", "forecast", "predicted", "estimated") for w in tail)
        and "by" in lows[q.last + 1 : q.last + 5]
    )


def _noun_after(toks: list[Token], last: int) -> int:
    """Where a figure's noun is when it follows the figure: "20% exports" (last + 1), "a one-fifth surge
    in its trade surplus" (past the change and "in its")."""
    k = last + 1
    if k < len(toks) and toks[k].low in _CHANGE_NOUNS:
        k += 1
        while k < len(toks) and k - last <= 5 and toks[k].low in ("in", "its", "the", "of", "their", "trade"):
            k += 1
    return k


def _names_a_place(toks: list[Token], i: int, word: str) -> bool:
    """ "the trade surplus for the world's second largest economy": "economy" names the country of a
    trade figure, not a figure of its own."""
    if word not in ("economy", "economies"):
        return False
    before = [t.low for t in toks[max(0, i - 6) : i]]
    return any(w in ("for", "of", "from", "to", "with") for w in before) and not any(
        t.kind == "num" for t in toks[max(0, i - 6) : i]
    )


_OVERALL = frozenset({"total", "overall", "aggregate"})
_PREPOSITIONAL = ("to", "from", "with", "of", "for", "listed")


def _tight(toks: list[Token], a: int, b: int) -> bool:
    """Token b follows token a with at most a preposition and an article between."""
    return 0 < b - a <= 3 and all(t.low in ("to", "from", "with", "in", "the", "for") for t in toks[a + 1 : b])


def _products(toks: list[Token], lo: int, hi: int) -> list[str]:
    """The products named in toks[lo:hi], in order."""
    found: list[str] = []
    i = lo
    while i < hi:
        hit = None
        for words, pid in _PRODUCT_INDEX.get(toks[i].low, ()):
            if [t.low for t in toks[i : i + len(words)]] == words and (hit is None or len(words) > hit[1]):
                hit = (pid, len(words))
        if hit:
            found.append(hit[0])
            i += hit[1]
        else:
            i += 1
    return found


def _listed_metrics(toks: list[Token], anchors, lo: int, hi: int) -> list[tuple[int, str]]:
    """The trade metrics named in toks[lo:hi], "exports and imports" counted as two."""
    metrics: list[tuple[int, str]] = []
    for a in anchors:
        if lo <= a[0] < hi and a[1] is not None:
            pair = [toks[a[0]].low, toks[a[0] + 2].low if a[0] + 2 < len(toks) else ""]
            if a[1] == "total_trade" and toks[a[0] + 1].low == "and" and set(pair) <= {"exports", "imports"}:
                metrics += [(a[0], lex.METRIC_WORDS[pair[0]]), (a[0] + 2, lex.METRIC_WORDS[pair[1]])]
            else:
                metrics.append(a)
    return metrics


def _respectively(
    out: list[Found], toks: list[Token], anchors, places: list[Place], subject: str | None = None
) -> None:
    """ "exports and imports fell 11.8% and 9.9%, respectively": the i-th number goes with the i-th metric
    (or product, or place) of the list before the numbers. A sentence may hold several such lists ("imports
    and total trade grew by 3.9% and 0.4%, while exports and the surplus contracted by 2.5% and 37.7%")."""
    if len(out) < 2:
        return
    index = {t.start: i for i, t in enumerate(toks)}
    firsts = [index[f.first] for f in out]
    # runs of figures with no trade word between them, each with the metrics named before it
    runs: list[list[int]] = [[0]]
    for k in range(1, len(out)):
        if _listed_metrics(toks, anchors, firsts[k - 1], firsts[k]):
            runs.append([k])
        else:
            runs[-1].append(k)
    assigned = False
    for r, run in enumerate(runs):
        if len(run) < 2:
            continue
        lo = firsts[runs[r - 1][-1]] + 1 if r else 0
        listed = _listed_metrics(toks, anchors, lo, firsts[run[0]])[-len(run) :]
        if len(listed) == len(run) and all(listed[j + 1][0] - listed[j][0] <= 6 for j in range(len(run) - 1)):
            for k, (_, metric) in zip(run, listed, strict=True):
                if out[k].metric != "share":  # "accounted for 12.8% and 14.2% of the world's total"
                    out[k].metric = metric
            assigned = True
    if assigned:
        return
    k = len(out)
    first_tok = min(firsts)
    products = _products(toks, 0, first_tok)
    if len(products) == k and len(set(products)) == k:
        for f, product in zip(out, products, strict=True):
            f.product = product  # "exports of electric vehicles, 3D printers and robots jumped 13%, 33% and 45%"
        return
    listed_places = [p for p in places if p.last < first_tok and p.role not in ("excluded", "institution")]
    if len(listed_places) >= k:
        codes = {p.code for p in listed_places[-k:]}
        for f, p in zip(out, listed_places[-k:], strict=True):
            f.partner = p.code
            if f.reporter in codes:  # "my country's exports to ASEAN, Latin America and Africa"
                f.reporter = subject
        return
    # "that with Latin America and Africa grew 6.5 percent and 18 percent to CNY3.93 trillion and CNY2.49
    # trillion, respectively": each group of figures after a list of places follows the list's order
    for r in range(len(firsts) - 1, -1, -1):
        lo = firsts[r - 1] + 1 if r else 0
        listed = [p for p in places if lo <= p.first < firsts[r] and p.role not in ("excluded", "institution")]
        if len(listed) >= 2:
            tail = out[r:]
            m = len(listed)
            if len(tail) % m == 0:
                codes = {p.code for p in listed}
                for j, f in enumerate(tail):
                    f.partner = listed[j % m].code
                    if f.reporter in codes:
                        f.reporter = subject
            return


@dataclass(slots=True)
class Frame:
    """What a number inherits from the number before it in the same frame."""

    metric: str
    reporter: str | None
    partner: str | None
    product: str | None
    period: Period | None
    direction: str | None
    anchor: int


@dataclass
class Found:
    """One claim as read from the text (before verification)."""

    first: int  # character offsets of the quantity
    end: int
    sentence_start: int
    sentence_end: int
    metric: str
    reporter: str | None
    partner: str | None
    product: str | None
    period: Period | None
    kind: str
    value: float
    unit: str
    direction: str | None
    approx: bool
    bound: str | None
    record: bool
    tolerance: float
    conversion: bool = False
    notes: list[str] = field(default_factory=list)


class Reader:
    """Reads a text's claims; holds what carries over from sentence to sentence (subject, period)."""

    def __init__(self, countries: CountryTable, date: dt.date | None, subject: str | None, text: str):
        self.countries = countries
        self.date = date
        self.subject = subject
        self.others: list[str] = []  # every place named so far, latest last
        self.context: Period | None = None
        if date is not None:
            self.context = Period(date.year - 1 if date.month <= 2 else date.year)
        low = text.lower()
        self.yen = "CNY" if ("yuan" in low or "renminbi" in low or "china" in low) else "JPY"
        self._names: dict[str, str | None] = {}
        self.last_metric: str | None = None
        self.last_tariff: tuple[str | None, str | None] | None = None
        self.recent: Period | None = None  # the last period a sentence named

    # ---- places -----------------------------------------------------------------------------------
    def _name(self, phrase: str) -> str | None:
        if phrase not in self._names:
            self._names[phrase] = self.countries.match(phrase)
        return self._names[phrase]

    def places(self, toks: list[Token]) -> list[Place]:
        out: list[Place] = []
        i, n = 0, len(toks)
        while i < n:
            t = toks[i]
            if t.kind not in ("word", "abbr"):
                i += 1
                continue
            code, size = None, 0
            hit = phrase_at(toks, i, lex.GROUP_WORDS, 5) or phrase_at(toks, i, lex.DEMONYMS, 3)
            if hit and (t.text[:1].isupper() or hit[0] in ("euro area", "eurozone", "euro zone")):
                key, size = hit
                if key in ("us", "u.s") and t.text not in ("US", "U.S"):
                    hit = None
                else:
                    code = lex.GROUP_WORDS.get(key) or lex.DEMONYMS[key]
            if t.text[:1].isupper():
                for k in range(min(5, n - i), size, -1):
                    words = toks[i : i + k]
                    if any(w.kind not in ("word", "abbr") for w in words) or not words[-1].text[:1].isupper():
                        continue
                    if words[-1].possessive and k > 1 and any(w.possessive for w in words[:-1]):
                        continue
                    phrase = " ".join(w.low for w in words)
                    if phrase in lex.NOT_PLACES or phrase in lex.MONTHS:
                        continue
                    found = self._name(phrase)
                    if found and found != "WLD":
                        code, size = ("EU27" if found == "EUU" else found), k
                        break
            if code is None and "-" in t.low and t.text[:1].isupper():
                pair = [self._place_word(w) for w in t.low.split("-")]
                war = [w.low for w in toks[i + 1 : i + 3]]
                if war[:1] in (["war"], ["tensions"], ["dispute"], ["conflict"]) or war == ["trade", "war"]:
                    pair = []  # "the US-China trade war": not the sides of a figure
                if len(pair) == 2 and all(pair) and pair[0] != pair[1]:
                    # "China-Africa trade", "US-China trade": the two sides of one trade
                    out.append(Place(i, i, pair[0], "between_a"))
                    out.append(Place(i, i, pair[1], "between_b"))
                    i += 1
                    continue
            noun = (
                1
                if i + 1 < n and toks[i + 1].low == "country"
                else 2
                if i + 2 < n and toks[i + 2].low == "country"
                else 0
            )
            if code is None and t.low == "the" and noun and i > 0 and toks[i - 1].low in ("from", "to", "with"):
                named = [p.code for p in out if _is_country(p.code)] or [c for c in self.others if _is_country(c)]
                if named:  # "imports from the country", "to the Asian country": the country named last
                    out.append(Place(i, i + noun, named[-1], self._role(toks, i, i + noun)))
                i += noun + 1
                continue
            if (
                code is None
                and t.low == "world"
                and ends_with(words_before(toks, i, 3), ("with", "to", "from", "rest of"))
            ):
                rest = i >= 3 and toks[i - 3].low == "rest"
                out.append(
                    Place(i, i, "WLD", self._role(toks, i - 3 if rest else i, i))
                )  # "with the (rest of the) world"
                i += 1
                continue
            if code is None:
                inst = phrase_at(toks, i, lex.INSTITUTIONS, 5)
                if inst and t.text[:1].isupper():
                    out.append(Place(i, i + inst[1] - 1, lex.INSTITUTIONS[inst[0]], "institution"))
                    i += inst[1]
                    continue
                i += 1
                continue
            out.append(Place(i, i + size - 1, code, self._role(toks, i, i + size - 1)))
            i += size
        for a, b in itertools.pairwise(out):
            if a.role == "between_a":
                b.role = "between_b"
            elif b.role == "subject" and a.role not in ("institution", "excluded") and _coordinated(toks, a, b):
                b.role = a.role  # "from Canada (-10%), the EU (-11%)": the list keeps its preposition
        return out

    def _place_word(self, word: str) -> str | None:
        """The economy one word names ("china", "us", "africa"), or None."""
        code = lex.GROUP_WORDS.get(word) or lex.DEMONYMS.get(word)
        if code is None and word not in lex.NOT_PLACES:
            found = self._name(word)
            code = None if found in (None, "WLD") else ("EU27" if found == "EUU" else found)
        return code

    @staticmethod
    def _role(toks: list[Token], i: int, last: int | None = None) -> str:
        after = toks[last + 1 : last + 3] if last is not None else []
        if after and (
            after[0].low.startswith("bound")
            or (after[0].text == "-" and len(after) > 1 and after[1].low.startswith("bound"))
        ):
            return "to"  # "U.S.-bound shipments"
        if len(after) > 1 and after[0].text == "(" and (after[1].kind == "num" or after[1].text in "+-−"):
            return "listed"  # "the Philippines (-45.5%), India (-37.9%)": partners listed with their figures
        before = words_before(toks, i, 3)
        if ends_with(before, lex.EXCLUDING):
            return "excluded"
        if ends_with(before, ("between",)):
            return "between_a"
        if ends_with(before, _IDIOMS):
            return "subject"  # "according to the U.S. Commerce Department", "with regard to Germany's"
        nxt = [t.low for t in toks[(last if last is not None else i) + 1 : (last if last is not None else i) + 4]]
        if ends_with(before, ("for", "of")) and any(w in _FLOW_WORDS for w in nxt[:3]):
            return "subject"  # "a decline of 53% for U.S. agricultural exports"
        if ends_with(before, ("for",)):
            return "for"
        if ends_with(before, lex.TOWARD):
            return "to"
        if ends_with(before, ("from",)):
            return "from"
        if ends_with(before, ("of",)):
            return "of"
        if ends_with(before, lex.WITH):
            return "with"
        return "subject"

    # ---- anchors ----------------------------------------------------------------------------------
    def anchors(self, toks: list[Token], masked: set[int] | None = None) -> list[tuple[int, str | None]]:
        """Trade words (index, metric) and other words (index, None), defining clauses left out."""
        masked = self._defining(toks) if masked is None else masked
        out: list[tuple[int, str | None]] = []
        i, n = 0, len(toks)
        while i < n:
            t = toks[i]
            if t.kind not in ("word", "abbr"):
                i += 1
                continue
            hit = phrase_at(toks, i, lex.METRIC_WORDS, 5)
            other = phrase_at(toks, i, lex.OTHER_WORDS, 3)
            if other and (not hit or other[1] >= hit[1]) and not _names_a_place(toks, i, other[0]):
                out.append((i, None))
                i += other[1]
                continue
            if hit:
                metric = lex.METRIC_WORDS[hit[0]]
                ahead = [t.low for t in toks[i + hit[1] : i + hit[1] + 4]]
                if "services" in ahead and "goods" not in ahead:
                    out.append((i, None))  # "a £5.6bn surplus in trade in services": not merchandise
                elif i not in masked:
                    out.append((i, metric))
                i += hit[1]
                continue
            if t.low == "trade" and i not in masked and not _after_balance(toks, i):
                nxt = toks[i + 1].low if i + 1 < n else ""
                if nxt not in _NOT_TRADE_AFTER and nxt not in lex.METRIC_WORDS:
                    out.append((i, "total_trade"))
            i += 1
        return out

    @staticmethod
    def _defining(toks: list[Token]) -> set[int]:
        masked: set[int] = set()
        for i in range(1, len(toks) - 1):
            # "China's surplus, the value of goods it sold abroad versus its imports, reached ..."
            if toks[i].text in (",", "—", "–") and toks[i - 1].low in ("surplus", "deficit", "balance", "gap"):
                j = i + 1
                while j < len(toks) and j - i <= 25 and toks[j].text not in (",", ";", ")", "—", "–"):
                    j += 1
                inside = {t.low for t in toks[i + 1 : j]}
                if inside & {"versus", "minus", "than", "between", "difference"} or (
                    inside & {"exports", "export"} and inside & {"imports", "import"}
                ):  # "Germany's trade surplus–the balance of exports and imports of goods–totaled ..."
                    masked.update(range(i + 1, j))
        for i, t in enumerate(toks):
            # "China's surplus with the US, one of the irritants that prompted Trump to hike tariffs, widened":
            # an apposition without a figure, closed by a comma and the verb of the figure
            if t.text != "," or i + 1 >= len(toks) or toks[i + 1].low not in _APPOSITION_OPENERS:
                continue
            j = i + 1
            while j < len(toks) and j - i <= 25 and toks[j].text not in (",", ";", "(", ")", "—", "–", "."):
                j += 1
            if (
                j + 1 < len(toks)
                and toks[j].text == ","
                and not any(k.kind == "num" for k in toks[i + 1 : j])
                and (toks[j + 1].low in lex.UP or toks[j + 1].low in lex.DOWN or toks[j + 1].low in _LEVEL_VERBS)
            ):
                masked.update(range(i + 1, j))
        for i in range(len(toks) - 1):
            if (toks[i].low, toks[i + 1].low) in _DEFINING:
                j = i
                while (j < len(toks) and toks[j].text not in (",", ")", ";", "—", "–", ".")) or j == i:
                    masked.add(j)
                    j += 1
                    if j - i > 25:
                        break
        return masked

    # ---- sentences --------------------------------------------------------------------------------
    def read(self, text: str) -> list[Found]:
        out: list[Found] = []
        for toks in sentences(text):
            out.extend(self.sentence(toks))
        return out

    def sentence(self, toks: list[Token]) -> list[Found]:
        qs = quantities(toks, self.yen)
        masked = self._defining(toks)
        places = [p for p in self.places(toks) if p.first not in masked]
        anchors = self.anchors(toks, masked)
        spans = periods(toks, self.date, self.context.year if self.context else None)
        out: list[Found] = []
        frame: Frame | None = None
        prev: Quantity | None = None
        prev_found: Found | None = None
        prev_found_q: Quantity | None = None
        lows = [t.low for t in toks]
        sentence_subject = next((p.code for p in places if p.role == "subject"), None) or next(
            (p.code for p in places if p.role == "institution"), None
        )
        owners = _owners(spans, qs, toks)
        conditional_end = -1
        if lows and lows[0] in ("if", "unless", "should"):
            conditional_end = next((k for k, t in enumerate(toks) if t.text == ","), len(toks))
        trade_anchors = [a for a in anchors if a[1] is not None]
        for qi, q in enumerate(qs):
            start = prev.last + 1 if prev else 0
            nxt_first = qs[qi + 1].first if qi + 1 < len(qs) else len(toks)
            conversion = (
                prev is not None
                and prev_found is not None
                and prev_found_q is prev
                and q.unit not in ("pct", "pp")
                and prev.unit not in ("pct", "pp")
                and q.unit != prev.unit
                and all(
                    t.text in "("
                    or t.low
                    in (
                        "or",
                        "about",
                        "around",
                        "roughly",
                        "approximately",
                        "some",
                        "nearly",
                        "almost",
                        "equivalent",
                        "to",
                    )
                    for t in toks[start : q.first]
                )
            )
            if conversion:
                found = self._like(prev_found, q, toks, conversion=True)
                out.append(found)
                prev = q
                continue
            new_anchor = [a for a in anchors if start <= a[0] < q.first]
            broke = any(lows[k] in _BREAKS or toks[k].text == ";" for k in range(start, q.first))
            governing = new_anchor[-1] if new_anchor else None
            post = [a for a in anchors if q.last < a[0] <= _noun_after(toks, q.last) and a[1] is not None]
            if post and (not new_anchor or (q.last + 1 < len(toks) and lows[q.last + 1] in _CHANGE_NOUNS)):
                governing = post[0]  # "a 16% increase in exports": the figure's noun follows it
            if governing is None and frame is None:
                before = [a for a in anchors if a[0] < q.first]
                governing = before[-1] if before else None
                if governing is None:
                    after = [a for a in anchors if q.last < a[0] < nxt_first]
                    governing = after[0] if after else None
                if governing is None and self.last_metric and not any(a[1] is None for a in anchors):
                    governing = (start, self.last_metric)
            if governing is not None and governing[1] is None:
                prev, frame = q, None
                continue  # GDP, debt, prices ...: not a trade figure
            if governing is None and (frame is None or (broke and not self._new_subject(toks, places, start, q))):
                prev = q
                continue
            fresh = governing is not None or frame is None
            metric = governing[1] if governing is not None else frame.metric
            if q.unit in ("pct", "pp") and metric != "tariff":
                near = [
                    a
                    for a in anchors
                    if a[1] == "tariff"
                    and q.first - 16 <= a[0] < q.first
                    and not any(lows[k] in _BREAKS or toks[k].text in (";", ",") for k in range(a[0], q.first))
                    and (governing is None or any(lows[k] in ("on", "against") for k in range(a[0], governing[0])))
                ]
                if near:  # "duties on Chinese imports to 145%": the rate of the tariff, not the imports
                    governing, metric = near[-1], "tariff"
            anchor = governing[0] if governing is not None else frame.anchor
            lo = min(start, anchor) if fresh and not new_anchor else start
            # a forecast or a plan is not a claim of fact
            window = range(max(lo, min(anchor, q.first) - 4), q.first)
            cut = max((k for k in window if lows[k] in ("and", "while", "but") or toks[k].text == ","), default=None)
            if (
                any(lows[k] in lex.MODAL and toks[k].text != "May" for k in window if cut is None or k > cut)
                or (q.last < conditional_end)
                or _forecast_after(lows, q)
            ):  # "If Trump decides on tariffs of 25%"
                prev = q
                continue
            if q.unit in ("pct", "pp") and _of_volume(toks, q):
                prev = q
                continue  # "fell 7.8% to 88 million tons": a change in volume
            if any(a[1] is None and q.last < a[0] <= q.last + 2 for a in anchors):
                prev = q
                continue
            local = [p for p in places if lo <= p.first < q.first and p.role not in ("excluded", "institution")]
            # "22% from Taiwan, 17% from South Korea": a place right after a figure is that figure's;
            # "exported $136.6 billion to the US and imported $13.1 billion": so is one before a new verb
            own_after = any(
                _tight(toks, q.last, p.first) for p in places if p.first > q.last and p.role in _PREPOSITIONAL
            )
            if prev_found is not None and prev is not None:
                cut = new_anchor[-1][0] if new_anchor else None
                local = [
                    p
                    for p in local
                    if not (
                        p.role in _PREPOSITIONAL
                        and ((own_after and _tight(toks, prev.last, p.first)) or (cut is not None and p.first < cut))
                    )
                ]
            after = [
                p
                for p in places
                if q.last < p.first < nxt_first
                and p.role not in ("excluded", "institution")
                and not any(lows[k] in _BREAKS or toks[k].text == ";" for k in range(q.last, p.first))
            ]
            reporter, partner = self._sides(metric, local, after if fresh or own_after else [], toks, q, anchor)
            pair = [p.code for p in local + after if p.role in ("between_a", "between_b")]
            if len(pair) >= 2 and (reporter, partner) == (pair[0], pair[1]):
                source = next((p.code for p in places if p.role == "institution"), None)
                speaker = source if source in pair else self.subject
                if speaker == partner:  # "trade between Russia and China ..., Chinese customs data showed"
                    reporter, partner = partner, reporter
            if not fresh:
                if reporter is not None and partner is None and reporter == frame.partner:
                    partner = frame.reporter  # "China raises tariffs on US goods ... after Trump's 145% levy"
                reporter = reporter or frame.reporter
                partner = partner or frame.partner
            if reporter is None:
                reporter = sentence_subject if sentence_subject != partner else None
                if reporter is None and prev_found is not None and prev_found.reporter != partner:
                    reporter = prev_found.reporter  # "China-Africa trade rose 14.4%, with exports to Africa ..."
                reporter = reporter or self.subject
            if reporter is None and lex.OWN_CURRENCY.get(q.unit) != partner:
                reporter = lex.OWN_CURRENCY.get(q.unit)
            product = (
                self._product(toks, lo, q.first)
                or self._product_after(toks, q, nxt_first)
                or (frame.product if not fresh else None)
            )
            direction = self._direction(toks, lo, q)
            if direction is None and not fresh:
                direction = frame.direction
            owned = [spans[k] for k, owner in enumerate(owners) if owner == qi and spans[k].period]
            nearest = min(owned, key=lambda m: min(abs(m.first - q.last), abs(q.first - m.last)), default=None)
            period = nearest.period if nearest else None
            if period is None and not fresh and frame.period is not None:
                period = frame.period
            if period is None:
                opening = [
                    s.period
                    for s in spans
                    if s.period is not None
                    and (not qs or s.last < qs[0].first)
                    and (not anchors or s.first < anchors[0][0] or s.first == 0 or lows[s.first - 1] == "in")
                ]
                free = [spans[k].period for k, owner in enumerate(owners) if owner is None and spans[k].period]
                stated_spans = [
                    m
                    for k, m in enumerate(spans)
                    if m.period is not None and not (m.bound_to_next and owners[k] not in (None, qi))
                ]  # "2021's explosive 29.9% gain" is that figure's year only
                closest = min(
                    stated_spans, key=lambda m: min(abs(m.first - q.last), abs(q.first - m.last)), default=None
                )
                stated = [closest.period] if closest is not None else []
                in_force = (
                    Period(self.date.year, self.date.month, self.date.month)
                    if metric == "tariff" and self.date
                    else None
                )  # "maintains 25% tariffs": in force in the text's month
                period = (opening or free or stated or [None])[-1] or self.recent or in_force or self.context
            if self.date is not None and period is not None and period.year > self.date.year:
                prev = q
                continue  # "USD 500 billion by 2023" in a 2012 text: a target, not a fact
            tail = lows[q.last + 1 : q.last + 10]  # past a conversion "($270 billion)"
            than = [k for k in range(len(tail) - 1) if tail[k : k + 2] == ["more", "than"]]
            if metric == "exports" and than and any(w in ("imported", "imports") for w in tail[than[0] :]):
                metric = "balance"  # "exported goods worth 253 billion euros more than it imported"
            kind, value, tolerance = self._kind(metric, q, toks, direction, lo)
            if kind is None:
                prev = q
                continue
            earlier = [s for k, s in enumerate(spans) if owners[k] == qi and s.year_before]
            month_before = any(owners[k] == qi and s.month_before for k, s in enumerate(spans))
            if month_before and not owned and period is not None and period.first_month == period.last_month:
                month = period.first_month - 1  # "followed a 7.9% decline in the previous month"
                period = Period(period.year, month, month) if month else Period(period.year - 1, 12, 12)
            to_level = lows[q.first - 1] == "to" and q.first > 1 and lows[q.first - 2] not in ("compared", "relative")
            if kind == "level" and earlier and not owned and period is not None and not to_level:
                # "up from $823 billion a year earlier": the figure of the year before
                period = period.earlier()
            if kind == "share":
                metric = "share"
                reporter, partner = self._share_sides(toks, q, places, reporter, partner)
            if metric == "tariff":
                reporter, partner = self._tariff_sides(reporter, partner, local + after, places, q)
                named_partner = any(p.code == partner for p in local + after)
                if not named_partner and any(w in _OVERALL for w in lows[max(0, anchor - 5) : anchor + 1]):
                    partner = None  # "the total U.S. average effective tariff rate": on all imports
                owner = next((p for p in places if p.last == q.first - 1 and toks[p.last].possessive), None)
                if owner is not None and owner.code != reporter:  # "after Trump's 145% levy"
                    reporter, partner = owner.code, (reporter if reporter != owner.code else partner)
            if reporter == partner or partner == "WLD":
                partner = None
            if metric == "balance" and kind == "level":
                word = lows[anchor] if anchor < len(lows) else ""
                gap = word == "gap" or lows[anchor : anchor + 2] == ["trade", "gap"]
                deficit = (
                    word.startswith("deficit")
                    or gap
                    or "deficit" in lows[lo : q.first]
                    or "deficit" in lows[q.last + 1 : q.last + 3]  # "a $50 billion deficit"
                    or q.sign < 0  # "-$50 billion"
                )
                if deficit and word not in ("surplus", "surpluses") and "surplus" not in lows[anchor : q.first]:
                    value = -abs(value)
            approx = self._approx(toks, q)
            bound = self._bound(toks, q)
            if value < 0 and kind in ("level", "change"):
                # "fell more than 10%" is a change below -10%; "a deficit of more than $850 billion" a
                # balance below -850 billion
                bound = {"above": "below", "below": "above"}.get(bound)
            if approx:
                tolerance *= 2  # "about 1.2 trillion": looser than its last digit
            record = any(lows[k] in lex.RECORD for k in range(max(0, anchor - 6), min(len(toks), q.last + 3)))
            unit = q.unit
            if q.bare_dollar and reporter in lex.OWN_DOLLARS:
                unit = lex.OWN_DOLLARS[reporter]
            found = Found(
                toks[q.first].start,
                toks[q.last].end,
                toks[0].start,
                toks[-1].end,
                metric,
                reporter,
                partner,
                product,
                period,
                kind,
                value,
                unit,
                direction,
                approx,
                bound,
                record,
                tolerance,
            )
            out.append(found)
            if metric == "tariff":
                self.last_tariff = (reporter, partner)
            frame = Frame(
                metric if metric != "share" else frame.metric if frame else metric,
                reporter,
                partner,
                product,
                period,
                direction,
                anchor,
            )
            prev, prev_found, prev_found_q = q, found, q
        if "respectively" in lows:
            _respectively(out, toks, anchors, places, self.subject)
        out.extend(self._multiples(toks, anchors, places, spans))
        # what carries to the next sentence
        explicit = [s.period for s in spans if s.period is not None and s.period.annual and not s.bound_to_next]
        if explicit:
            self.context = explicit[-1]
        based = {k for k, q in enumerate(qs) if _is_base(lows, q)}
        stated = [s.period for k, s in enumerate(spans) if s.period is not None and owners[k] not in based]
        if stated:
            self.recent = stated[-1]  # "... to RM17.3 billion from RM16.9 billion in October 2018": not October 2018
        if trade_anchors:
            self.last_metric = trade_anchors[-1][1]
        reporters = [f.reporter for f in out if f.reporter]
        if reporters:
            self.subject = reporters[-1]
        elif sentence_subject and (trade_anchors or self.subject is None):
            self.subject = sentence_subject  # "In 2025, China surpassed this milestone ...": who it is about
        self.others.extend(p.code for p in places if p.role != "excluded")
        return out

    def _new_subject(self, toks, places, lo: int, q: Quantity) -> bool:
        """After "while" or "but", a product, a place, a pronoun or a verb of change goes on with the frame's
        metric ("..., but they fell 4.8% in 2015")."""
        return (
            self._product(toks, lo, q.first) is not None
            or any(lo <= p.first < q.first and p.role not in ("excluded", "institution") for p in places)
            or any(
                t.low in lex.UP or t.low in lex.DOWN or t.low in ("they", "it", "those", "these")
                for t in toks[lo : q.first]
            )
        )

    def _tariff_sides(self, reporter, partner, named: list[Place], places: list[Place], q: Quantity):
        """The imposing and the targeted economy: as written, else as the text's last tariff, else the
        economy named last besides the other side."""
        source = next((p.code for p in places if p.role == "institution" and p.first < q.first), None)
        if reporter is None and source is not None and partner != source:
            return source, partner  # "President Donald Trump ... doubled tariffs on imported steel"
        explicit_reporter = any(p.code == reporter for p in named)
        if not explicit_reporter and partner is None and self.last_tariff:
            return self.last_tariff
        earlier = self.others + [p.code for p in places if p.first < q.first and p.role != "excluded"]
        if partner is None:
            partner = self.last_tariff[1] if self.last_tariff else (self.subject if self.subject != reporter else None)
        if not explicit_reporter or reporter == partner:
            if self.last_tariff and self.last_tariff[1] == partner:
                reporter = self.last_tariff[0]
            else:
                reporter = next((c for c in reversed(earlier) if c != partner), None)
        return reporter, partner

    # ---- the parts of a frame ---------------------------------------------------------------------
    @staticmethod
    def _sides(metric: str, local: list[Place], after: list[Place], toks, q: Quantity, anchor: int):
        reporter = partner = None

        def side(p: Place) -> str:
            if p.role == "between_a":
                return "reporter"
            if p.role == "between_b":
                return "partner"
            if p.role == "subject":
                # "Chinese goods", "Chinese steel": the goods' origin, the partner of an importer or a tariff
                nxt = toks[p.last + 1].low if p.last + 1 < len(toks) else ""
                adjective = toks[p.first].low in lex.DEMONYMS and toks[p.first].low not in lex.GOVERNMENT_WORDS
                if metric == "tariff" and adjective and not toks[p.last].possessive:
                    return "partner"  # "slaps Chinese electric cars with tariffs of up to 38%"
                if metric in ("tariff", "imports") and nxt in (
                    "goods",
                    "products",
                    "imports",
                    "steel",
                    "cars",
                    "exports",
                    "made",
                    "shipments",
                    "aluminum",
                ):
                    before = words_before(toks, p.first, 2)
                    if ends_with(before, ("on", "of", "against", "from", "for")) or metric == "tariff":
                        return "partner" if metric == "tariff" and p.first > anchor else "reporter"
                return "reporter"
            if p.role in ("from", "of"):
                return "reporter" if metric == "exports" else "partner"
            if p.role == "to":
                return "reporter" if metric == "imports" else "partner"
            if p.role == "listed":
                return "partner"
            if p.role == "for":  # "the trade deficit for the U.S."
                return "reporter" if metric in ("balance", "total_trade") else "partner"
            return "partner"

        for p in reversed(local):
            s = side(p)
            if s == "partner" and partner is None:
                partner = p.code
            elif s == "reporter" and reporter is None:
                reporter = p.code
        if partner is None:
            for p in after:
                if side(p) == "partner" or p.role in ("with", "to", "from", "of"):
                    partner = p.code
                    break
        return reporter, partner

    @staticmethod
    def _share_sides(toks, q: Quantity, places: list[Place], reporter, partner):
        """ "X accounted for 14.7% of Y's exports": Y reports, X is the partner."""
        owner = next((p for p in places if q.last < p.first <= q.last + 3 and p.role == "of"), None)
        if owner is not None:
            holder = [p for p in places if p.last < q.first and p.code != owner.code and p.role != "excluded"]
            return owner.code, (holder[-1].code if holder else partner if partner != owner.code else None)
        return reporter, partner

    @staticmethod
    def _product(toks, lo: int, hi: int) -> str | None:
        found = _products(toks, lo, hi)
        if {"electric_vehicles", "lithium_batteries", "solar"} <= set(found) or (
            len({"electric_vehicles", "lithium_batteries", "solar"} & set(found)) >= 2
        ):
            return "new_three"
        return found[-1] if found else None

    @classmethod
    def _product_after(cls, toks, q: Quantity, hi: int) -> str | None:
        """A product named just after its amount: "$9.1 billion of U.S. farm produce", "$12.4 billion in
        soybeans", "$147.4 billion worth of food, feeds and beverages"."""
        k = q.last + 1
        if k < len(toks) and toks[k].low == "worth":
            k += 1
        if k >= len(toks) or toks[k].low not in ("of", "in"):
            return None
        return cls._product(toks, k + 1, min(hi, k + 6))

    @staticmethod
    def _direction(toks, lo: int, q: Quantity) -> str | None:
        for k in range(q.first - 1, lo - 1, -1):
            low = toks[k].low
            if low in lex.UP or low in lex.DOWN:
                if k + 1 < len(toks) and toks[k + 1].low in lex.NOT_DIRECTION_AFTER:
                    continue
                return "up" if low in lex.UP else "down"
            if low == "negative":
                return "down"
        for k in range(q.last + 1, min(q.last + 4, len(toks))):
            low = toks[k].low
            if low in lex.UP or low in lex.DOWN:
                return "up" if low in lex.UP else "down"
            if toks[k].kind == "num" or toks[k].text in (",", ";"):
                break
        return None

    @staticmethod
    def _kind(metric: str, q: Quantity, toks, direction: str | None, lo: int):
        lows = [t.low for t in toks]
        if q.unit in ("pct", "pp"):
            after = " ".join(lows[q.last + 1 : q.last + 5])
            if any(after.startswith("of " + w) or after.startswith("of the " + w) for w in lex.SHARE_OF_OTHER):
                return None, 0.0, 0.0
            if metric == "tariff":  # "an increase of 15.4 percentage points" in a tariff rate is a change
                return ("change" if q.unit == "pp" else "rate"), q.value, q.step / 2
            before = " ".join(lows[max(lo, q.first - 6) : q.first])
            of_trade = after.startswith("of ") and any(
                w in lows[q.last + 1 : q.last + 6]
                for w in ("exports", "imports", "trade", "shipments", "total", "sales")
            )
            verb = " ".join(lows[max(lo, q.first - 3) : q.first])
            if metric == "share" or of_trade or any(v in verb for v in _SHARE_VERBS) or "share" in lows[lo : q.first]:
                return "share", q.value, q.step / 2
            if q.sign:
                return "change", q.sign * q.value, q.step / 2
            value = -abs(q.value) if direction == "down" else q.value
            return "change", value, q.step / 2
        if metric in ("tariff", "share"):
            return None, 0.0, 0.0  # "tariffs on $200 billion of goods": the trade covered, not a rate
        before = words_before(toks, q.first, 2)
        last_word = before.split()[-1] if before else ""
        then = lows[q.last + 1] if q.last + 1 < len(lows) else ""
        revised = len(before.split()) > 1 and before.split()[-2] == "revised"
        if (last_word in ("up", "down") and not revised) or (
            (last_word in lex.UP or last_word in lex.DOWN)
            and (then in ("to", "from", "(", "over", "compared") or lows[q.last + 1 : q.last + 3] == [",", "or"])
        ):
            return None, 0.0, 0.0  # "down $10.9 billion from the previous year": a change in money
        if ends_with(before, ("by", "of")) and any(
            lows[k] in lex.UP or lows[k] in lex.DOWN for k in range(max(lo, q.first - 4), q.first)
        ):
            return None, 0.0, 0.0  # "rose by $50 billion": a change in money, not a level
        return "level", q.value, q.step / 2

    @staticmethod
    def _approx(toks, q: Quantity) -> bool:
        return ends_with(words_before(toks, q.first, 3), lex.APPROX) is not None

    @staticmethod
    def _bound(toks, q: Quantity) -> str | None:
        before = words_before(toks, q.first, 3)
        if ends_with(before, lex.ABOVE):
            return "above"
        if ends_with(before, lex.BELOW):
            return "below"
        return None

    def _like(self, found: Found, q: Quantity, toks, *, conversion: bool) -> Found:
        value = q.value if found.value >= 0 else -q.value
        approx = self._approx(toks, q) or any(t.low in lex.APPROX for t in toks[max(0, q.first - 3) : q.first])
        tolerance = q.step / 2 * (2 if approx else 1)
        return Found(
            toks[q.first].start,
            toks[q.last].end,
            found.sentence_start,
            found.sentence_end,
            found.metric,
            found.reporter,
            found.partner,
            found.product,
            found.period,
            found.kind,
            value,
            q.unit,
            found.direction,
            approx,
            None,
            found.record,
            tolerance,
            conversion,
            [f"the same figure in {q.unit}" if conversion else ""],
        )

    def _multiples(self, toks, anchors, places, spans) -> list[Found]:
        out = []
        for i, t in enumerate(toks):
            if t.low not in ("doubled", "halved", "tripled"):
                continue
            before = [a for a in anchors if a[0] < i]
            if not before or before[-1][1] in (None, "tariff", "share"):
                continue
            metric = before[-1][1]
            local = [p for p in places if p.first < i and p.role != "excluded"]
            reporter, partner = self._sides(metric, local, [], toks, Quantity(i, i, i, 0, "pct", 1), before[-1][0])
            explicit = [s.period for s in spans if s.period is not None]
            period = explicit[-1] if explicit else self.context
            value = {"doubled": 100.0, "halved": -50.0, "tripled": 200.0}[t.low]
            out.append(
                Found(
                    t.start,
                    t.end,
                    toks[0].start,
                    toks[-1].end,
                    metric,
                    reporter or self.subject,
                    partner,
                    self._product(toks, 0, i),
                    period,
                    "change",
                    value,
                    "pct",
                    None,
                    True,
                    None,
                    False,
                    5.0,
                )
            )
        return out


def headline_subject(headline: str, countries: CountryTable) -> str | None:
    """The country a headline is about: its first place that is not a partner ("China's trade surplus
    hits record" -> CHN), else None."""
    reader = Reader(countries, None, None, headline)
    for toks in sentences(headline):
        for place in reader.places(toks):
            circumstance = place.first > 0 and toks[place.first - 1].low in (
                "after",
                "despite",
                "amid",
                "before",
                "since",
            )
            if place.role in ("subject", "institution", "of", "for") and not circumstance:
                return place.code
    return None
