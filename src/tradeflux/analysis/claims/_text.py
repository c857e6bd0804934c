"""Text into what a claim is made of: tokens, sentences, quantities, places, periods.

Everything here runs in time linear in the text: one tokenising regular expression without nested
repetition, and lookups in dictionaries; a sentence is cut after :data:`MAX_TOKENS` tokens, so no
later step that looks around a number can grow with the length of a pathological sentence.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from tradeflux.analysis.claims import _lexicon as lex

MAX_TOKENS = 400
_BASE_WORDS = frozenset({"than", "compared", "versus", "vs", "against", "since"})

_TOKEN = re.compile(
    r"(?P<num>\d+,\d{1,2}(?=\s?%)|\d{1,3}(?:,\d{3})+(?:\.\d+)?(?!\d)|\d+(?:\.\d+)?)"
    r"|(?P<cur>US\$|U\.S\.\$|HK\$|NT\$|NZ\$|[RCAS]\$|\$|€|£|¥|₹|₩)"
    r"|(?P<abbr>(?:[A-Za-z]\.){2,})"
    r"|(?P<poss>['’]s\b)"
    r"|(?P<word>[^\W\d_](?:[^\W\d_]|['’´\-&])*)"
    r"|(?P<punct>[%(),;:—–−+\-\"“”‘’\[\]!?./])"
)


@dataclass(slots=True)
class Token:
    text: str
    low: str  # lower case, possessive 's dropped
    start: int
    end: int
    kind: str  # num | cur | abbr | word | punct
    possessive: bool = False


def tokens(text: str, offset: int = 0) -> list[Token]:
    out = []
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup
        raw = m.group(0)
        low = raw.lower()
        possessive = False
        if kind == "poss":
            if out:
                out[-1].possessive = True  # "2019's 0.5 per cent gain"
            continue
        if kind == "word":
            low = low.replace("’", "'").replace("´", "'")
            if low.endswith("'s"):
                low, possessive = low[:-2], True
            elif low.endswith("'"):
                low, possessive = low[:-1], True
            low = low.strip("-")
            if not low:
                continue
        out.append(Token(raw, low, offset + m.start(), offset + m.end(), kind, possessive))
    return out


def sentences(text: str) -> list[list[Token]]:
    """The text's sentences as token lists: a line break, or a full stop, question or exclamation mark
    before a capital, a digit or a quote ends one (not after an abbreviation such as "Jan." or "U.S.")."""
    out: list[list[Token]] = []
    pos = 0
    for line in text.split("\n"):
        toks = tokens(line, pos)
        pos += len(line) + 1
        current: list[Token] = []
        for i, tok in enumerate(toks):
            current.append(tok)
            if tok.text in ".!?" and i + 1 < len(toks):
                nxt, prev = toks[i + 1], toks[i - 1] if i else None
                starts = nxt.text[:1].isupper() or nxt.kind in ("num", "cur") or nxt.text in '"“‘('
                abbreviation = (
                    prev is not None
                    and prev.end == tok.start
                    and (prev.low in lex.ABBREVIATIONS or (prev.kind == "word" and len(prev.text) == 1))
                )
                if starts and not abbreviation:
                    out.append(current)
                    current = []
            if len(current) >= MAX_TOKENS:
                out.append(current)
                current = []
        if current:
            out.append(current)
    return [s for s in out if any(t.kind in ("word", "num") for t in s)]


_INDEXES: dict[int, tuple[object, dict[str, list[tuple[str, ...]]]]] = {}


def _index(phrases) -> dict[str, list[tuple[str, ...]]]:
    """Phrases by their first word, longest first (built once per phrase table)."""
    cached = _INDEXES.get(id(phrases))
    if cached is not None and cached[0] is phrases:
        return cached[1]
    index: dict[str, list[tuple[str, ...]]] = {}
    for phrase in phrases:
        words = tuple(phrase.split(" "))
        index.setdefault(words[0], []).append(words)
    for options in index.values():
        options.sort(key=len, reverse=True)
    _INDEXES[id(phrases)] = (phrases, index)
    return index


def phrase_at(toks: list[Token], i: int, phrases, longest: int = 5) -> tuple[str, int] | None:
    """The longest of ``phrases`` (lower-case, space separated) starting at token ``i``: (phrase, n tokens)."""
    options = _index(phrases).get(toks[i].low)
    if not options:
        return None
    for words in options:
        n = len(words)
        if n > longest or i + n > len(toks):
            continue
        if all(toks[i + k].low == words[k] and toks[i + k].kind != "num" for k in range(n)):
            return " ".join(words), n
    return None


def words_before(toks: list[Token], i: int, n: int = 3) -> str:
    """Up to ``n`` lower-case words before token ``i`` (articles skipped), as one string."""
    out: list[str] = []
    j = i - 1
    while j >= 0 and len(out) < n:
        t = toks[j]
        if t.kind == "punct" and t.text not in "-":
            break
        if t.low not in ("the", "a", "an"):
            out.append(t.low)
        j -= 1
    return " ".join(reversed(out))


def ends_with(text: str, options) -> str | None:
    for option in sorted(options, key=len, reverse=True):
        if text == option or text.endswith(" " + option):
            return option
    return None


# ---- quantities ------------------------------------------------------------------------------------
@dataclass(slots=True)
class Quantity:
    first: int  # token index of the quantity's first token (a sign or the number)
    last: int  # token index of its last token
    number: int  # token index of the number
    value: float  # in base units (money) or percent
    unit: str  # an ISO 4217 code, "pct" or "pp"
    step: float  # the place of the last digit written, in the value's units
    sign: int = 0  # -1 or +1 where written ("(-10%)", "+21%"), else 0
    bare_dollar: bool = False  # written with "$" alone: whose dollar depends on who reports


def _step(number: str, scale: float) -> float:
    """The place of the last digit written: 0.1 for "1.2 trillion" (in trillions), 1 for "20%"."""
    digits = number.replace(",", "")
    if "." in digits:
        return 10.0 ** -len(digits.split(".")[1]) * scale
    return scale


def quantities(toks: list[Token], yen: str = "JPY") -> list[Quantity]:
    """Money amounts and percentages in a sentence (years and bare counts are not quantities)."""
    out = []
    n = len(toks)
    for i, tok in enumerate(toks):
        spelled = (
            tok.kind == "word"
            and tok.low in lex.NUMBER_WORDS
            and i + 1 < n
            and (
                toks[i + 1].low in ("percent", "pct")
                or toks[i + 1].text == "%"
                or (toks[i + 1].low == "per" and i + 2 < n and toks[i + 2].low == "cent")
            )
        )
        fraction = _fraction(toks, i)
        if fraction is not None:
            out.append(fraction)
            continue
        if tok.kind != "num" and not spelled:
            continue
        first, j = i, i + 1
        grouped = (  # "€1 741.9 bn": thousands grouped by a space
            j + 1 < n
            and len(tok.text) <= 3
            and tok.text.isdigit()
            and toks[j].kind == "num"
            and toks[j].start == tok.end + 1
            and len(toks[j].text.split(".")[0]) == 3
            and "," not in toks[j].text
            and phrase_at(toks, j + 1, lex.SCALES, 2) is not None
            and i > 0
            and toks[i - 1].kind == "cur"
        )
        if grouped:
            j += 1
        currency = None
        if i > 0:
            prev = toks[i - 1]
            sign = (
                prev.low
                if prev.kind == "cur"
                else (prev.low if prev.low in lex.CURRENCY_SIGNS and prev.kind == "word" else None)
            )
            if sign is not None and prev.end >= tok.start - 1:
                currency = yen if sign == "¥" else lex.CURRENCY_SIGNS.get(sign)
                first = i - 1
                if i > 1 and toks[i - 2].low in ("us", "u.s.") and sign == "$":
                    first = i - 2
        if j + 1 < n and toks[j].text in ("-", "–") and toks[j + 1].kind == "num":
            continue  # a range "$400-450 billion": neither end is a claim
        scale = 1.0
        if j + 1 < n and toks[j].text == "-" and toks[j + 1].low in lex.SCALES and toks[j].start == tok.end:
            j += 1  # "a $2.79-billion deficit"
        hit = phrase_at(toks, j, lex.SCALES, 2) if j < n else None
        if hit:
            scale, j = lex.SCALES[hit[0]], j + hit[1]
        unit = None
        if j < n:
            cur = phrase_at(toks, j, lex.CURRENCY_WORDS, 3)
            pct = (
                toks[j].text == "%"
                or toks[j].low in ("percent", "pct", "pc")
                or (toks[j].low == "per" and j + 1 < n and toks[j + 1].low == "cent")
            )
            points = phrase_at(toks, j, lex.POINT_WORDS, 2)
            if points and (points[0] != "points" or not currency):
                unit, j = "pp", j + points[1]
            elif pct:
                unit, j = "pct", j + (2 if toks[j].low == "per" else 1)
            elif cur and not (cur[0] == "real" and not currency):
                currency, j = currency or lex.CURRENCY_WORDS[cur[0]], j + cur[1]
        if unit is None and currency is not None:
            unit = currency
        if unit is None:
            continue
        try:
            decimal_comma = re.fullmatch(r"\d+,\d{1,2}", tok.text) is not None  # "-42,2%"
            number = (
                lex.NUMBER_WORDS[tok.low] if spelled else float(tok.text.replace(",", "." if decimal_comma else ""))
            )
            if grouped:
                number = number * 1000 + float(toks[i + 1].text)
        except ValueError:
            continue
        if unit in ("pct", "pp"):
            sign = 0
            if i > 0 and toks[i - 1].text in ("-", "–", "−", "+") and toks[i - 1].end == tok.start:
                if i > 1 and toks[i - 2].kind == "num":
                    continue  # a range "10-15%"
                sign, first = (1 if toks[i - 1].text == "+" else -1), i - 1
            out.append(Quantity(first, j - 1, i, number, unit, 1.0 if spelled else _step(tok.text, 1.0), sign))
        else:
            bare = first == i - 1 and toks[i - 1].text == "$"
            step = scale if spelled else _step(toks[i + 1].text if grouped else tok.text, scale)
            sign = 0
            minus = first > 0 and toks[first - 1].text in ("-", "−") and toks[first - 1].end == toks[first].start
            if minus and not (first > 1 and toks[first - 2].kind == "num"):
                sign, first = -1, first - 1  # "-$50 billion"
            out.append(Quantity(first, j - 1, i, number * scale, unit, step, sign, bare_dollar=bare))
    return out


_FRACTION_VERBS = frozenset(
    {"surge", "rise", "increase", "jump", "drop", "fall", "decline", "plunge", "slump", "growth", "gain"}
)


def _fraction(toks: list[Token], i: int) -> Quantity | None:
    """ "cut ... by more than a fifth", "a one-fifth surge": a fraction written in words, as percent."""
    tok = toks[i]
    if tok.kind != "word" or tok.low not in lex.FRACTIONS:
        return None
    first = i - 1 if i > 0 and toks[i - 1].low in ("a", "one") and "-" not in tok.low else i
    if first == i and tok.low in ("fifth", "third", "quarter"):
        return None  # "fifth" alone is an ordinal
    before = [t.low for t in toks[max(0, first - 3) : first]]
    after = toks[i + 1].low if i + 1 < len(toks) else ""
    if "by" not in before and after not in _FRACTION_VERBS:
        return None
    return Quantity(first, i, i, lex.FRACTIONS[tok.low], "pct", 5.0)


def is_year(tok: Token) -> bool:
    return tok.kind == "num" and len(tok.text) == 4 and tok.text.isdigit() and 1950 <= int(tok.text) <= 2100


# ---- periods ---------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Period:
    """A period a figure refers to: a year, a month, a span of months of one year, or a fiscal year that
    ends in the next one (``end_year``: April 2022 to March 2023)."""

    year: int
    first_month: int = 1
    last_month: int = 12
    end_year: int | None = None

    @property
    def label(self) -> str:
        if self.end_year is not None and self.end_year != self.year:
            return f"{self.year}-{self.first_month:02d}/{self.end_year}-{self.last_month:02d}"
        if (self.first_month, self.last_month) == (1, 12):
            return str(self.year)
        if self.first_month == self.last_month:
            return f"{self.year}-{self.first_month:02d}"
        return f"{self.year}-{self.first_month:02d}/{self.year}-{self.last_month:02d}"

    @property
    def annual(self) -> bool:
        return (self.first_month, self.last_month) == (1, 12) and self.end_year in (None, self.year)

    def earlier(self, years: int = 1) -> Period:
        """The same months ``years`` before."""
        end = None if self.end_year is None else self.end_year - years
        return Period(self.year - years, self.first_month, self.last_month, end)

    @classmethod
    def parse(cls, label: str) -> Period:
        m = re.fullmatch(r"(\d{4})(?:-(\d{2})(?:/(\d{4})-(\d{2}))?|-Q([1-4])|-H([12]))?", label.strip())
        if m is None:
            raise ValueError(f"not a period: {label!r}")
        year = int(m.group(1))
        if m.group(5):
            q = int(m.group(5))
            return cls(year, 3 * q - 2, 3 * q)
        if m.group(6):
            h = int(m.group(6))
            return cls(year, 6 * h - 5, 6 * h)
        if m.group(2):
            first = int(m.group(2))
            end = int(m.group(3)) if m.group(3) else year
            return cls(year, first, int(m.group(4) or first), end if end != year else None)
        return cls(year)


@dataclass(slots=True)
class PeriodMention:
    first: int
    last: int
    period: Period | None  # None: a base of comparison ("from the previous year")
    bound_to_next: bool = False  # "November's 5.9%": the period of the quantity that follows
    year_before: bool = False  # "a year earlier", "the previous year": a figure of the year before the frame's
    month_before: bool = False  # "a 7.9% decline in the previous month": the month before the frame's


def _month_year(month: int, date: dt.date | None, context: int | None) -> int:
    """The year of a month named without one: the latest such month up to the text's date."""
    if date is not None:
        return date.year if month <= date.month else date.year - 1
    return context or dt.date.today().year


def periods(toks: list[Token], date: dt.date | None, context: int | None) -> list[PeriodMention]:
    """The period expressions of a sentence, with their token spans."""
    out: list[PeriodMention] = []
    n = len(toks)
    i = 0
    default_year = context if context is not None else (date.year if date else None)
    while i < n:
        t = toks[i]
        before = words_before(toks, i, 3)
        near = before.split()[-3:]
        base = ends_with(before, lex.BASE_BEFORE) is not None or any(
            w in _BASE_WORDS and not any(v in lex.FRACTIONS or v[:1].isdigit() for v in near[k + 1 :])
            for k, w in enumerate(near)
        )  # "than last year", not "by more than a fifth last year"
        # "the previous year", "a year earlier", "a year ago", "year-earlier"
        if t.low in ("previous", "prior") and i + 1 < n and toks[i + 1].low in ("year", "year's", "month"):
            month = toks[i + 1].low == "month"
            out.append(PeriodMention(i, i + 1, None, year_before=not month, month_before=month and not base))
            i += 2
            continue
        if t.low == "year" and i + 1 < n and toks[i + 1].low in ("earlier", "ago", "before"):
            out.append(PeriodMention(i, i + 1, None, year_before=True))
            i += 2
            continue
        if t.low in ("last", "this", "past") and i + 1 < n and toks[i + 1].low in ("year", "month"):
            if date is not None:
                if toks[i + 1].low == "year":
                    year = date.year - 1 if t.low in ("last", "past") else date.year
                    period = Period(year)
                else:
                    month = date.month - 1 if t.low == "last" else date.month
                    year = date.year if month >= 1 else date.year - 1
                    month = month if month >= 1 else 12
                    period = Period(year, month, month)
                same = ends_with(before, ("same period", "same month", "same quarter")) is not None
                out.append(
                    PeriodMention(
                        i,
                        i + 1,
                        None if base else period,
                        toks[i + 1].possessive,
                        year_before=same and toks[i + 1].low == "year" and t.low != "this",  # "same period last year"
                    )
                )
            i += 2
            continue
        if t.low in ("first", "second", "third", "fourth") and i + 1 < n:
            nxt = toks[i + 1]
            span = None
            k = ("first", "second", "third", "fourth").index(t.low) + 1
            if nxt.low in ("half", "semester") and k <= 2:
                span, last = (6 * k - 5, 6 * k), i + 1
            elif nxt.low == "quarter":
                span, last = (3 * k - 2, 3 * k), i + 1
            elif t.low == "first" and nxt.low in lex.ORDINALS and i + 2 < n and toks[i + 2].low == "months":
                span, last = (1, lex.ORDINALS[nxt.low]), i + 2
            elif t.low == "first" and nxt.low.endswith("-month") and nxt.low[:-6] in lex.ORDINALS:
                span, last = (1, lex.ORDINALS[nxt.low[:-6]]), i + 1
            if span is not None:
                stated = _year_after(toks, last)
                year = (
                    stated
                    or _relative_year_after(toks, last, date)
                    or (_month_year(span[1], date, default_year) if date else default_year)
                )
                end = _year_index(toks, last) if stated else last
                if year:
                    out.append(PeriodMention(i, end, None if base else Period(year, *span)))
                i = end + 1
                continue
        fiscal = _fiscal(toks, i)
        if fiscal is not None:  # "FY 2022-23", "the 2017/18 fiscal year ending in March"
            last, period = fiscal
            out.append(PeriodMention(i, last, None if base else period))
            i = last + 1
            continue
        months_to = _months_to(toks, i)
        if months_to is not None:  # "in the six months to June 2021"
            end, span = months_to
            stated = _year_after(toks, end)
            year = stated or (_month_year(span[1], date, default_year) if date else default_year)
            last = _year_index(toks, end) if stated else end
            if year:
                out.append(PeriodMention(i, last, None if base else Period(year, *span)))
            i = last + 1
            continue
        if t.low in ("h", "q") and t.text.isupper() and i + 1 < n and toks[i + 1].text in ("1", "2", "3", "4"):
            k = int(toks[i + 1].text)  # "Q3 2024", "H1"
            if t.low == "q" or k <= 2:
                span = (6 * k - 5, 6 * k) if t.low == "h" else (3 * k - 2, 3 * k)
                stated = _year_after(toks, i + 1)
                year = stated or (_month_year(span[1], date, default_year) if date else default_year)
                end = _year_index(toks, i + 1) if stated else i + 1
                if year:
                    out.append(PeriodMention(i, end, Period(year, *span)))
                i = end + 1
                continue
        if t.low in ("year-to-date", "ytd") or (
            t.low == "so" and i + 2 < n and toks[i + 1].low == "far" and toks[i + 2].low == "this"
        ):
            if date is not None:
                last_month = max(date.month - 1, 1)
                out.append(PeriodMention(i, i, Period(date.year, 1, last_month)))
            i += 1
            continue
        month = _month(t)
        if month is not None and (
            (i + 1 < n and toks[i + 1].kind == "num" and len(toks[i + 1].text) <= 2)
            or (i + 2 < n and toks[i + 1].text == "." and toks[i + 2].kind == "num" and len(toks[i + 2].text) <= 2)
            or (i > 0 and toks[i - 1].low in ("early", "late", "mid", "mid-", "end", "on"))
        ):
            i += 1  # "August 1", "in early September": a date, not the period of a figure
            continue
        if month is not None:
            # "January-November", "January to November", "Jan-Nov"
            end_month, last = month, i
            if "-" in t.low:
                parts = t.low.split("-")
                if len(parts) == 2 and parts[0] in lex.MONTHS and parts[1] in lex.MONTHS:
                    month, end_month = lex.MONTHS[parts[0]], lex.MONTHS[parts[1]]
            elif i + 2 < n and toks[i + 1].text in ("-", "–", "to", "through", "and") and _month(toks[i + 2]):
                end_month, last = _month(toks[i + 2]), i + 2
                if before.endswith("from"):
                    base = False  # "trade from January to May 2018": a span, not a base
            year = _year_after(toks, last)
            if year is not None:
                last += 1 if toks[last + 1].kind == "num" else 2
            year = year or _month_year(end_month, date, default_year)
            bound = toks[last].possessive
            if year:
                out.append(
                    PeriodMention(i, last, None if base and not bound else Period(year, month, end_month), bound)
                )
            i = last + 1
            continue
        if is_year(t) and not _is_quantity_number(toks, i):
            year = int(t.text)
            nxt = toks[i + 1].low if i + 1 < n else ""
            if nxt in ("percent", "%"):
                i += 1
                continue
            bound = t.possessive or (i + 1 < n and toks[i + 1].text in ("'s", "’s"))
            # "from 2016 to 2018": the later year is the period
            out.append(PeriodMention(i, i, None if base and not bound else Period(year), bound))
            i += 1
            continue
        i += 1
    return out


_FISCAL_WORDS = frozenset({"fy", "fiscal", "financial"})


def _fiscal(toks: list[Token], i: int) -> tuple[int, Period] | None:
    """A fiscal year: "FY 2022-23", "2017/18 fiscal year ending in March" (years written as a pair; April to
    March unless the text names the last month), "the financial year ended March 2023"."""
    n = len(toks)
    t = toks[i]
    if (
        t.low in ("fiscal", "financial")
        and i + 3 < n
        and toks[i + 1].low == "year"
        and toks[i + 2].low in ("ended", "ending")
    ):
        k = i + 3 + (toks[i + 3].low == "in")
        month = _month(toks[k]) if k < n else None
        end_year = _year_after(toks, k) if month else None
        if month and end_year:
            start = month % 12 + 1
            return _year_index(toks, k), Period(end_year - 1 if month < 12 else end_year, start, month, end_year)
        return None
    if not is_year(t) or i + 2 >= n or toks[i + 1].text not in ("-", "/", "–") or toks[i + 2].kind != "num":
        return None
    year, second = int(t.text), toks[i + 2].text
    if not (second.isdigit() and int(second) in ((year + 1) % 100, year + 1)):
        return None
    near = {w.low for w in toks[max(0, i - 3) : i]} | {w.low for w in toks[i + 3 : i + 6]}
    if not near & _FISCAL_WORDS:
        return None
    last, month = i + 2, 3
    k = last + 1
    while k < n and k - last <= 4 and toks[k].low in ("fiscal", "financial", "year", "ending", "ended", "in"):
        k += 1
    if k < n and k > last + 1 and _month(toks[k]) is not None and toks[k - 1].low in ("ending", "ended", "in"):
        last, month = k, _month(toks[k])
    return last, Period(year if month < 12 else year + 1, month % 12 + 1, month, year + 1)


def _months_to(toks: list[Token], i: int) -> tuple[int, tuple[int, int]] | None:
    """ "six months to June", "three months through September": (index of the month, (first, last month))."""
    if i + 3 >= len(toks) or toks[i + 1].low != "months" or toks[i + 2].low not in ("to", "through", "ending", "ended"):
        return None
    count = lex.NUMBER_WORDS.get(toks[i].low) or (int(toks[i].text) if toks[i].text.isdigit() else None)
    month = _month(toks[i + 3])
    if not count or month is None or count > month:
        return None
    return i + 3, (month - int(count) + 1, month)


def _month(tok: Token) -> int | None:
    key = tok.low.rstrip(".")
    if "-" in key:
        head = key.split("-")[0]
        return lex.MONTHS.get(head) if head in lex.MONTHS and tok.text[:1].isupper() else None
    if key not in lex.MONTHS or not tok.text[:1].isupper():
        return None
    return lex.MONTHS[key]


def _year_after(toks: list[Token], i: int) -> int | None:
    """A year right after token ``i`` ("November 2025", "first half of 2019", "Q1 2024")."""
    for j in (i + 1, i + 2):
        if j < len(toks) and is_year(toks[j]) and (j == i + 1 or toks[i + 1].low in ("of", ",", "in")):
            return int(toks[j].text)
    return None


def _year_index(toks: list[Token], i: int) -> int:
    """The index of the year that :func:`_year_after` read after token ``i``."""
    return i + 1 if is_year(toks[i + 1]) else i + 2


def _relative_year_after(toks: list[Token], i: int, date: dt.date | None) -> int | None:
    """ "first half of this year", "first five months of the year", "of last year"."""
    words = [t.low for t in toks[i + 1 : i + 4]]
    if date is None or not words or words[0] != "of":
        return None
    if words[1:3] in (["this", "year"], ["the", "year"]):
        return date.year
    if words[1:3] == ["last", "year"]:
        return date.year - 1
    return None


def _is_quantity_number(toks: list[Token], i: int) -> bool:
    nxt = toks[i + 1] if i + 1 < len(toks) else None
    prev = toks[i - 1] if i else None
    return (prev is not None and prev.kind == "cur") or (
        nxt is not None and (nxt.low in lex.SCALES or nxt.text == "%" or nxt.low in lex.CURRENCY_WORDS)
    )


_DATELINE = re.compile(
    r"\b(?:(?P<iso>(?:19|20)\d\d-[01]\d-[0-3]\d)"
    r"|(?P<m1>[A-Z][a-z]{2,8})\.? (?P<d1>[0-3]?\d),? (?P<y1>(?:19|20)\d\d)"
    r"|(?P<d2>[0-3]?\d) (?P<m2>[A-Z][a-z]{2,8})\.?,? (?P<y2>(?:19|20)\d\d))\b"
)


def dateline(head: str) -> dt.date | None:
    """A date written near the start of a text: "January 14, 2026", "14 Jan 2026" or "2026-01-14"."""
    for m in _DATELINE.finditer(head):
        try:
            if m.group("iso"):
                return dt.date.fromisoformat(m.group("iso"))
            month = m.group("m1") or m.group("m2")
            day = int(m.group("d1") or m.group("d2"))
            year = int(m.group("y1") or m.group("y2"))
            key = month.lower()
            if key in lex.MONTHS:
                return dt.date(year, lex.MONTHS[key], day)
        except ValueError:
            continue
    return None
