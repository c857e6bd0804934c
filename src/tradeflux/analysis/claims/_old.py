"""Claims in trade news, found and checked against the store.

:func:`extract` finds each quantitative trade claim in English text, deterministically and offline:
quantities and currencies by quantulum3, the rest by rules specific to trade (the metric, who
reports, with whom, the year, whether a percentage is a change, a share or a tariff rate, "record",
"about", "more than", "doubled"). "This year" and "last year" are resolved from the text's date.
:func:`verify` recomputes each claim from the monitor's canonical figures and gives a verdict
(``consistent``, ``inconsistent``, ``not checkable``) with the value found, the tolerance used (the
claim's own rounding, doubled for "about") and the likely reasons for a difference: yuan versus
dollar basis, reporter versus mirror, headline versus effective tariff, group definitions,
preliminary versus revised figures.
"""

from __future__ import annotations

import math
import re
import warnings
from dataclasses import dataclass, field

import pandas as pd

from tradeflux._results import Result, jsonable
from tradeflux.errors import InputError
from tradeflux.reference.countries import CountryTable

__all__ = ["Check", "Claim", "ClaimReport", "check", "extract"]

MAX_CHARS = 10 * 1024 * 1024

METRICS = (
    ("tariff", r"tariffs?|dut(?:y|ies)|levies"),
    ("share", r"share"),
    ("balance", r"surplus|deficit|trade balance|balance"),
    ("total_trade", r"total trade|foreign trade|two-way trade|trade volume|trade between|trade with"),
    ("exports", r"exports?|exported|shipments?|outbound"),
    ("imports", r"imports?|imported|purchases|inbound"),
)
UP = r"rose|rise|rising|up|increased?|grew|growth|gained|jumped|surged|climbed|widened|expanded|higher|soared"
DOWN = r"fell|fall|falling|down|decreased?|declined?|dropped|slumped|plunged|shrank|narrowed|contracted|lower|slid|sank"
APPROX = r"about|around|nearly|almost|roughly|some|approximately|close to|an estimated"
ABOVE = r"more than|over|above|exceeding|at least"
BELOW = r"less than|under|below"
RECORD = r"record|all-time|largest|biggest|highest"
ADJECTIVES = {
    "chinese": "CHN",
    "china's": "CHN",
    "american": "USA",
    "u.s.": "USA",
    "u.s": "USA",
    "us": "USA",
    "america's": "USA",
    "vietnamese": "VNM",
    "german": "DEU",
    "germany's": "DEU",
    "japanese": "JPN",
    "brazilian": "BRA",
    "indian": "IND",
    "mexican": "MEX",
    "korean": "KOR",
    "european": "EUU",
}
CURRENCIES = {
    "dollar": "USD",
    "united states dollar": "USD",
    "chinese yuan": "CNY",
    "renminbi": "CNY",
    "yuan": "CNY",
    "euro": "EUR",
}
SCALES = {"trillion": 1e12, "billion": 1e9, "million": 1e6, "bn": 1e9, "tn": 1e12, "mn": 1e6}


@dataclass
class Claim:
    """One quantitative claim. Money in base units of ``currency``; percentages in percent."""

    text: str
    start: int
    end: int
    sentence: str
    metric: str | None
    reporter: str | None
    partner: str | None
    year: int | None
    kind: str  # level | change | share | rate
    value: float | None
    currency: str | None = None
    direction: str | None = None  # up | down
    approx: bool = False
    bound: str | None = None  # above | below
    record: bool = False
    tolerance: float = 0.0  # from the stated rounding, in the value's units


@dataclass
class Check:
    """A claim beside the figure recomputed for it."""

    claim: Claim
    verdict: str  # consistent | inconsistent | not checkable
    found: float | None = None
    basis: str = ""
    reasons: list[str] = field(default_factory=list)


@dataclass
class ClaimReport(Result):
    """Every claim of a text and its verdict."""

    text: str
    checks: list[Check]
    notes: list[str] = field(default_factory=list)

    def tables(self) -> dict[str, pd.DataFrame]:
        rows = [
            {
                "claim": c.claim.text,
                "stated": _shown(c.claim, c.claim.value),
                "recomputed": _shown(c.claim, c.found),
                "metric": c.claim.metric,
                "reporter": c.claim.reporter,
                "partner": c.claim.partner,
                "year": c.claim.year,
                "kind": c.claim.kind,
                "value": c.claim.value,
                "currency": c.claim.currency,
                "found": c.found,
                "tolerance": c.claim.tolerance,
                "verdict": c.verdict,
                "basis": c.basis,
                "reasons": "; ".join(c.reasons),
            }
            for c in self.checks
        ]
        return {"claims": pd.DataFrame(rows)}

    def to_dict(self) -> dict:
        return {"checks": jsonable(self.checks), "notes": self.notes}


def _shown(claim: Claim, value: float | None) -> str:
    """A claim's number as people read it: money in bn or tn with its currency, percentages with a sign."""
    from tradeflux._format import money

    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if claim.kind == "level":
        return money(value, claim.currency or "USD")
    if claim.kind == "change":
        return f"{value:+.1f}%"
    return f"{value:.1f}%"


# ---- extraction ------------------------------------------------------------------------------------
def _sentences(text: str) -> list[tuple[int, str]]:
    out, start = [], 0
    for m in re.finditer(r"(?<=[.!?])\s+(?=[A-Z\"'(])", text):
        out.append((start, text[start : m.start()]))
        start = m.end()
    out.append((start, text[start:]))
    return [(s, t) for s, t in out if t.strip()]


_STOP = {"the", "of", "to", "from", "and", "with", "in", "on", "for", "a", "an", "by", "at", "its", "their"}


def _mentions(sentence: str, countries: CountryTable) -> list[tuple[int, str]]:
    """Countries and groups named in a sentence, with their positions (longest names first)."""
    found: list[tuple[int, int, str]] = []
    words = list(re.finditer(r"[A-Za-z][A-Za-z.'\-]*", sentence))
    for n in (4, 3, 2, 1):
        for i in range(len(words) - n + 1):
            start, end = words[i].start(), words[i + n - 1].end()
            if any(s <= start < e or s < end <= e for s, e, _ in found):
                continue
            phrase = sentence[start:end]
            first, last = words[i].group(0).lower(), words[i + n - 1].group(0).lower()
            if first in _STOP or last in _STOP or not phrase[0].isupper():
                continue
            key = phrase.lower().rstrip(".")
            code = None
            if n == 1 and (phrase.lower() in ADJECTIVES or key in ADJECTIVES):
                if key == "us" and phrase != "US":
                    continue  # the pronoun, not the country
                code = ADJECTIVES.get(phrase.lower(), ADJECTIVES.get(key))
            else:
                name = re.sub(r"'s$", "", phrase)
                group = countries.group_id(name) if n <= 3 else None
                code = group or (countries.match(name) if len(name) > 2 or name.isupper() else None)
            if code:
                found.append((start, end, code))
    return sorted((s, c) for s, _, c in found)


def _doc_year(text: str, today: pd.Timestamp | None) -> int | None:
    import dateparser.search

    head = text[:300]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dates = dateparser.search.search_dates(head, languages=["en"], settings={"STRICT_PARSING": True})
    for _, when in dates or []:
        if 1990 <= when.year <= 2100:
            return when.year
    return today.year if today is not None else None


def _quantities(sentence: str):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # quantulum3 warns that its optional classifier is absent
        from quantulum3 import classifier, parser

        # The rule-based disambiguation, always: quantulum3 switches to its pickled scikit-learn
        # classifier whenever scikit-learn is importable (it comes with other packages), and that
        # pickle does not load in current scikit-learn; extraction must not depend on what else is installed.
        classifier.USE_CLF = False
        return parser.parse(sentence)


def _precision(surface: str) -> tuple[float, float]:
    """The scale a number was written in (1e12 for "1.2 trillion") and its last digit's place
    (0.1 for "1.2", 10 for "70": a round number is read as rounded to its last non-zero digit)."""
    number = re.search(r"\d[\d,]*(?:\.(\d+))?", surface)
    scale = next((v for k, v in SCALES.items() if re.search(rf"\b{k}\b", surface.lower())), 1.0)
    if number is None:
        return scale, 1.0
    if number.group(1):
        return scale, 10.0 ** -len(number.group(1))
    digits = number.group(0).replace(",", "")
    zeros = len(digits) - len(digits.rstrip("0")) if digits.strip("0") else 0
    return scale, 10.0 ** min(zeros, 2)


def extract(
    text: str, countries: CountryTable, *, today: pd.Timestamp | None = None, subject: str | None = None
) -> list[Claim]:
    """Every quantitative trade claim in ``text`` (several per sentence where it makes several).

    ``subject``: the reporting country a text is about when a sentence does not name one ("Exports to
    the United States fell 20%"); otherwise the last reporter named before.
    """
    if not text.strip():
        raise InputError("the text is empty")
    if len(text) > MAX_CHARS:
        raise InputError(f"the text is {len(text):,} characters; at most {MAX_CHARS:,} are read")
    if "\x00" in text:
        raise InputError("the input is binary, not text")
    letters = sum(ch.isascii() and ch.isalpha() for ch in text)
    if letters < 0.5 * sum(ch.isalpha() for ch in text):
        raise InputError("the text is not in English (claims are read in English only)")
    year_of_text = _doc_year(text, today)
    claims: list[Claim] = []
    context_year = year_of_text
    for offset, sentence in _sentences(text):
        lower = sentence.lower()
        mentions = _mentions(sentence, countries)
        partner_at = {
            p for p, _ in mentions if re.search(r"\b(to|from|with|and|into|on)\s+(the\s+)?$", lower[max(0, p - 12) : p])
        }
        reporters = [("EUU" if c == "EU27" else c) for p, c in mentions if p not in partner_at]  # the EU reports as one
        partners = [c for p, c in mentions if p in partner_at]
        partner_spans = [(p, c) for p, c in mentions if p in partner_at]
        if reporters:
            subject = reporters[0]
        years = [int(y) for y in re.findall(r"\b(19[6-9]\d|20[0-4]\d)\b", sentence)]
        if re.search(r"\bthis year\b", lower) and year_of_text:
            years.insert(0, year_of_text)
        if re.search(r"\blast year\b", lower) and year_of_text:
            years.insert(0, year_of_text - 1)
        year = years[0] if years else context_year
        context_year = year
        record = bool(re.search(rf"\b({RECORD})\b", lower))
        for q in _quantities(sentence):
            unit = q.unit.name.lower()
            if unit == "dimensionless" and re.fullmatch(r"(19|20)\d\d", q.surface.strip()):
                continue
            before = lower[: q.span[0]]
            metric = None
            best = -1
            for name, pattern in METRICS:
                for m in re.finditer(rf"\b({pattern})\b", lower):
                    if m.start() < q.span[0] and m.start() > best:
                        metric, best = name, m.start()
            if metric is None:
                for name, pattern in METRICS:
                    if re.search(rf"\b({pattern})\b", lower):
                        metric = name
                        break
            if metric is None:
                continue
            is_percent = unit in ("percentage", "per cent", "percent")
            if is_percent and re.search(rf"\b({METRICS[0][1]})\b", lower):
                metric = "tariff"  # "the tariff on imports reached 112%": a rate, whatever follows
            window = before[-60:]
            approx = bool(re.search(rf"\b({APPROX})\s*$", before[-25:].strip() + " ")) or bool(
                re.search(rf"\b({APPROX})\b", before[-20:])
            )
            bound = (
                "above"
                if re.search(rf"\b({ABOVE})\s*\$?$", before[-20:].strip())
                else ("below" if re.search(rf"\b({BELOW})\s*\$?$", before[-20:].strip()) else None)
            )
            scale, step = _precision(q.surface)
            direction = (
                "up" if re.search(rf"\b({UP})\b", window) else ("down" if re.search(rf"\b({DOWN})\b", window) else None)
            )
            if unit in ("percentage", "per cent", "percent"):
                value = float(q.value)
                if metric == "tariff":
                    kind = "rate"
                elif (
                    metric == "share"
                    or re.search(r"\bshare\b", before)
                    or re.search(r"\bof\b[^%]*\b(exports|imports|trade)\b", lower[q.span[1] : q.span[1] + 40])
                ):
                    kind, metric = "share", "share"
                else:
                    kind = "change"
                    if direction == "down":
                        value = -abs(value)
                currency = None
                tolerance = step / 2
            elif unit in CURRENCIES:
                value, kind, currency = float(q.value), "level", CURRENCIES[unit]
                if metric == "balance" and re.search(r"\bdeficits?\b", lower):
                    value = -abs(value)  # a deficit of 905 bn is a balance of -905 bn
                    bound = {"above": "below", "below": "above"}.get(bound)  # "more than 850 bn" of deficit
                tolerance = step * scale / 2
            else:
                continue
            if approx and step < 10:
                tolerance *= 2  # "about 1.2 trillion": looser than its last digit (a round "about 70" is already)
            # a partner counts for this quantity only within its clause ("..., while its surplus ...")
            anchor = best if best >= 0 else q.span[0]
            clause = max((m.end() for m in re.finditer(r",|;| while | but | whereas ", lower[:anchor])), default=0)
            before_q = [c for p, c in partner_spans if clause <= p < q.span[0]]
            after_q = [
                c
                for p, c in partner_spans
                if p > q.span[1] and not re.search(r",|;| while | but ", lower[q.span[1] : p])
            ]
            partner = before_q[-1] if before_q else (after_q[0] if after_q else None)
            reporter = reporters[0] if reporters else subject
            owner = re.search(r"\bshare of (?:the )?([A-Z][\w.]*(?: [A-Z]\w*)*)'s\b", sentence)
            if kind == "share" and owner:
                named = [c for p, c in mentions if p == owner.start(1)]
                if named:
                    others = [c for p, c in mentions if p != owner.start(1)]
                    reporter, partner = named[0], (others[0] if others else partner)
            if metric == "tariff" and reporter and partner is None and len(reporters) > 1:
                partner = reporters[1]
            claims.append(
                Claim(
                    q.surface,
                    offset + q.span[0],
                    offset + q.span[1],
                    sentence.strip(),
                    metric,
                    reporter,
                    partner,
                    year,
                    kind,
                    value,
                    currency,
                    direction,
                    approx,
                    bound,
                    record,
                    tolerance,
                )
            )
        for m in re.finditer(r"\b(doubled|halved|tripled)\b", lower):
            change = {"doubled": 100.0, "halved": -50.0, "tripled": 200.0}[m.group(1)]
            metric = next((n for n, p in METRICS if re.search(rf"\b({p})\b", lower)), None)
            if metric:
                claims.append(
                    Claim(
                        m.group(1),
                        offset + m.start(),
                        offset + m.end(),
                        sentence.strip(),
                        metric,
                        reporters[0] if reporters else subject,
                        partners[0] if partners else None,
                        year,
                        "change",
                        change,
                        tolerance=5.0,
                    )
                )
    return claims


# ---- verification ------------------------------------------------------------------------------------
def _group_code(table: CountryTable, code: str | None) -> tuple[str | None, bool]:
    if code is None:
        return None, False
    group = table.group_id(code) if not (len(code) == 3 and code.isupper() and code != "EUU") else None
    if code == "EUU":
        group = "EU27"
    return (group, True) if group else (code, False)


def _within(claim: Claim, found: float) -> bool:
    if claim.bound == "above":
        return found > claim.value
    if claim.bound == "below":
        return found < claim.value
    return abs(found - claim.value) <= claim.tolerance + 1e-9 * max(1.0, abs(found))


def check(text: str, store, *, today: pd.Timestamp | None = None, subject: str | None = None) -> ClaimReport:
    """Find the claims of ``text`` and check each against the store (see the module docstring)."""
    claims = extract(text, store.countries, today=today, subject=subject)
    reports: dict[tuple[str, int], object] = {}

    def report_for(country: str, year: int):
        from tradeflux.analysis import report

        key = (country, year)
        if key not in reports:
            reports[key] = report.build(store, country, year)
        return reports[key]

    checks = [_verify(c, store, report_for) for c in claims]
    notes = [f"{len(claims)} claims found; verdicts use the monitor's canonical figures (one source per fact)"]
    return ClaimReport(text, checks, notes)


def _verify(claim: Claim, store, report_for) -> Check:
    if claim.reporter is None or claim.year is None:
        return Check(claim, "not checkable", reasons=["no reporting country or year in the claim or the text"])
    if claim.metric == "tariff":
        return _verify_tariff(claim, store)
    try:
        rep = report_for(claim.reporter, claim.year)
    except Exception as exc:  # the store may not hold the country or year
        return Check(claim, "not checkable", reasons=[f"no report for {claim.reporter} {claim.year}: {exc}"])
    figures = {f.id: f for f in rep.figures}
    group, is_group = _group_code(store.countries, claim.partner)
    candidates: list[tuple[float, str, list[str]]] = []  # (value, basis, reasons if it is this one that matches)
    if claim.partner in (None, "WLD"):
        if claim.kind == "level":
            ids = {
                "balance": ["balance"],
                "exports": [f"exports_{(claim.currency or 'usd').lower()}", "exports"],
                "imports": [f"imports_{(claim.currency or 'usd').lower()}", "imports"],
            }.get(claim.metric, [])
            for fid in ids:
                if fid in figures and figures[fid].value is not None:
                    candidates.append((figures[fid].value, figures[fid].basis, []))
            series = rep.tables().get("balance_series")
            if claim.metric == "balance" and series is not None and claim.year in set(series.year):
                row = series[series.year == claim.year].iloc[0]
                candidates.append(
                    (
                        float(row.balance),
                        f"computed from {row.source}",
                        ["preliminary versus revised: the release's figure and the statistics computed later differ"],
                    )
                )
        elif claim.kind == "change":
            if (
                claim.metric == "balance"
                and "balance_growth" in figures
                and figures["balance_growth"].value is not None
            ):
                candidates.append((figures["balance_growth"].value, figures["balance_growth"].basis, []))
            for cur in ("usd", "cny"):
                fid = f"{claim.metric}_{cur}"
                if fid in figures and "y/y" in figures[fid].note:
                    pct = float(re.search(r"y/y ([+-][\d.]+)%", figures[fid].note).group(1))
                    candidates.append(
                        (
                            pct,
                            f"{cur.upper()} basis",
                            ["yuan versus dollar basis: the growth rate was computed in yuan"] if cur == "cny" else [],
                        )
                    )
            series = rep.tables().get("balance_series")
            if series is not None and claim.metric in ("exports", "balance") and claim.year in set(series.year):
                col = "exports_growth_pct" if claim.metric == "exports" else "balance_growth_pct"
                value = series.loc[series.year == claim.year, col].iloc[0]
                if not pd.isna(value):
                    candidates.append((float(value), "computed from flows, USD", []))
        elif claim.kind == "share" and "us_share_of_exports" in figures:
            candidates.append((figures["us_share_of_exports"].value, figures["us_share_of_exports"].basis, []))
    else:
        target = group if is_group else claim.partner
        growth = rep.tables().get("export_growth_by_partner")
        if claim.kind == "change" and claim.metric == "exports" and growth is not None and not growth.empty:
            slug = f"AGG:{target.lower().replace(' ', '-')}" if is_group else target
            names = {slug, "AGG:eu27" if target == "EU27" else slug, "AGG:latin-america" if target == "LATAM" else slug}
            rows = growth[growth.partner.isin(names)]
            for r in rows.itertuples():
                candidates.append((float(r.growth_pct), f"customs release, {r.basis} basis", []))
                if r.growth_pct_cny_derived is not None and not pd.isna(r.growth_pct_cny_derived):
                    candidates.append(
                        (
                            float(r.growth_pct_cny_derived),
                            "CNY basis (derived)",
                            ["yuan versus dollar basis: the growth rate was computed in yuan"],
                        )
                    )
        if claim.partner == "USA" and claim.metric == "exports" and claim.kind == "level":
            try:
                later = {f.id: f for f in report_for(claim.reporter, claim.year + 1).figures}
            except Exception:  # no next year in the store
                later = {}
            implied = later.get("exports_to_usa_prev_implied")
            if implied is not None:
                candidates.append(
                    (
                        implied.value,
                        f"implied by the {claim.year + 1} customs release",
                        [
                            "reporter versus mirror: the store's canonical figure for this year is the "
                            "partner's declaration; the reporter's own is implied by its next release"
                        ],
                    )
                )
        if claim.partner == "USA" and claim.metric in ("exports", "imports"):
            fid = {
                ("exports", "level"): "exports_to_usa",
                ("exports", "change"): "exports_to_usa_growth",
                ("imports", "level"): "imports_from_usa",
            }.get((claim.metric, claim.kind))
            if fid and fid in figures:
                candidates.append((figures[fid].value, figures[fid].basis, []))
        partners = rep.tables().get("partners")
        col = {"exports": "exports", "imports": "imports"}.get(claim.metric)
        if partners is not None and col and not is_group and rep.mirror_years and rep.mirror_years[1] == claim.year:
            hit = partners[partners.partner == claim.partner]
            if not hit.empty:
                r = hit.iloc[0]
                if claim.kind == "level" and not pd.isna(r[col]):
                    candidates.append((float(r[col]), str(r[f"{col}_basis"]), []))
                if claim.kind == "change" and not pd.isna(r[f"{col}_growth_pct"]):
                    candidates.append((float(r[f"{col}_growth_pct"]), str(r[f"{col}_basis"]), []))
        mirror = rep.tables().get("mirror")
        if mirror is not None and claim.kind == "level" and col and not is_group:
            hit = mirror[(mirror.partner == claim.partner) & (mirror.year == claim.year) & (mirror.direction == col)]
            for r in hit.itertuples():
                candidates.append((float(r.reported), f"reported by {claim.reporter} ({r.reported_source})", []))
                candidates.append(
                    (
                        float(r.partner_declared),
                        f"declared by {claim.partner} ({r.side_source})",
                        [
                            "reporter versus mirror: the figure is the partner's declaration (CIF imports or FOB exports)"
                        ],
                    )
                )
        groups = rep.tables().get("groups")
        if is_group and groups is not None and claim.kind == "change" and col:
            hit = groups[(groups.group == target) & (groups.flow == col[:-1])]
            for r in hit.itertuples():
                if not pd.isna(r.growth_pct):
                    candidates.append(
                        (
                            float(r.growth_pct),
                            f"computed over matched members ({r.years}), coverage {r.coverage_pct:.0f}%",
                            [],
                        )
                    )
        if is_group:
            base, last = claim.year - 1, claim.year
            now, then = set(store.countries.members(target, last)), set(store.countries.members(target, base))
            changed = ", ".join(sorted(now ^ then))
            if now != then:
                for i, (v, b, r) in enumerate(candidates):
                    candidates[i] = (v, b, [*r, f"group definitions: {target}'s membership changed ({changed})"])
            if partners is not None and col and claim.kind == "change" and rep.mirror_years == (base, last):
                both = partners[partners.partner.isin(now & then)].dropna(subset=[col, f"base_{col}"])
                if not both.empty and both[f"base_{col}"].sum() > 0:
                    pct = (both[col].sum() / both[f"base_{col}"].sum() - 1) * 100
                    why = (
                        [
                            f"group definitions: {target}'s membership changed ({changed}); this is the growth over "
                            f"the members of both years"
                        ]
                        if now != then
                        else []
                    )
                    candidates.append((float(pct), f"computed over {len(both)} members of both years", why))
    return _decide(claim, candidates)


def _decide(claim: Claim, candidates: list[tuple[float, str, list[str]]]) -> Check:
    candidates = [(v, b, r) for v, b, r in candidates if v is not None and not math.isnan(v)]
    if not candidates:
        return Check(claim, "not checkable", reasons=["no figure for this claim in the store"])
    for value, basis, reasons in candidates:
        if _within(claim, value):
            return Check(claim, "consistent", value, basis, reasons)
    value, basis, _ = candidates[0]
    near = max(5 * claim.tolerance, 0.05 * abs(claim.value or 0.0))
    reasons = list(dict.fromkeys(r for v, _, rs in candidates if abs(v - claim.value) <= near for r in rs))[:2]
    if claim.metric == "balance" and claim.kind == "level" and claim.value * value < 0:
        reasons.insert(
            0,
            "the sign differs: "
            + (
                "a surplus is claimed where the data show a deficit"
                if value < 0
                else "a deficit is claimed where the data show a surplus"
            ),
        )
    return Check(
        claim, "inconsistent", value, basis, [f"the canonical figure is {_shown(claim, value)} ({basis})", *reasons]
    )


def _verify_tariff(claim: Claim, store) -> Check:
    if claim.kind != "rate":
        return Check(claim, "not checkable", reasons=["only tariff rates (percent) are checked"])
    imposing, target = claim.reporter, claim.partner
    if (imposing == "CHN" and target == "USA") or target is None:
        imposing, target = ("USA", "CHN") if imposing in ("CHN", None) else (imposing, target)
    con = store.connect()
    try:
        rows = con.execute(
            "SELECT date_from, measure, rate_pct, rate_kind, dataset FROM tariffs WHERE imposing = ? AND target = ? "
            "AND year = ? AND dataset IN ('milestones', 'effective-by-country')",
            [imposing, target, claim.year],
        ).df()
    finally:
        con.close()
    if rows.empty:
        return Check(claim, "not checkable", reasons=[f"no {imposing} tariff on {target} in {claim.year} in the store"])
    effective = rows[rows.dataset == "effective-by-country"]
    statutory = rows[(rows.dataset == "milestones") & (rows.rate_kind == "additional")].sort_values("date_from")
    candidates = []
    if not effective.empty:
        peak = (
            float(effective.rate_pct.max())
            if claim.direction != "down"
            else float(effective.sort_values("date_from").rate_pct.iloc[-1])
        )
        candidates.append((peak, "effective add-on, trade-weighted (tradewartracker)", []))
    if not statutory.empty:
        fentanyl = statutory[statutory.measure.str.contains("fentanyl")]
        reciprocal = statutory[statutory.measure.str.contains("reciprocal")]
        headline = []
        for day in statutory.date_from:
            f = fentanyl[fentanyl.date_from <= day].rate_pct
            r = reciprocal[reciprocal.date_from <= day].rate_pct
            headline.append((f.iloc[-1] if len(f) else 0.0) + (r.iloc[-1] if len(r) else 0.0))
        value = max(headline) if claim.direction != "down" else headline[-1]
        candidates.append(
            (
                float(value),
                "headline statutory rate (fentanyl + reciprocal)",
                ["headline versus effective tariff: the statutory rate, not the trade-weighted one"],
            )
        )
    return _decide(claim, candidates)


# ---- the extraction corpus -------------------------------------------------------------------------
def corpus() -> pd.DataFrame:
    """The sentences written for the tests (wire and customs styles) with their expected claims."""
    from importlib import resources

    path = resources.files("tradeflux") / "data" / "claims_corpus.csv"
    with path.open(encoding="utf-8") as handle:
        frame = pd.read_csv(handle, dtype={"reporter": str, "partner": str, "currency": str})
    frame["text"] = frame.groupby("id").text.transform("first")
    return frame


def _same_partner(a, b) -> bool:
    norm = {"EUU": "EU27", "": None, "WLD": None}
    a = None if a is None or (isinstance(a, float) and math.isnan(a)) else norm.get(a, a)
    b = None if b is None or (isinstance(b, float) and math.isnan(b)) else norm.get(b, b)
    return a == b


def evaluate(countries: CountryTable) -> dict:
    """Precision and recall of :func:`extract` on :func:`corpus` (a claim matches on metric, kind,
    value, reporter, partner and year)."""
    frame = corpus()
    found_total = matched_found = 0
    expected_total, matched_expected = len(frame), 0
    misses: list[str] = []
    for _, rows in frame.groupby("id", sort=True):
        text = rows.text.iloc[0]
        got = extract(text, countries, today=pd.Timestamp("2026-01-14"), subject="CHN")  # the corpus is about China
        found_total += len(got)
        used: set[int] = set()
        for row in rows.itertuples():
            hit = next(
                (
                    i
                    for i, c in enumerate(got)
                    if i not in used
                    and c.metric == row.metric
                    and c.kind == row.kind
                    and c.value is not None
                    and math.isclose(c.value, float(row.value), rel_tol=1e-9, abs_tol=1e-9)
                    and c.reporter == row.reporter
                    and _same_partner(c.partner, row.partner)
                    and c.year == int(row.year)
                ),
                None,
            )
            if hit is None:
                misses.append(
                    f"{row.id}: expected {row.metric}/{row.kind} {row.value} {row.reporter}->{row.partner} {row.year}"
                )
            else:
                used.add(hit)
                matched_expected += 1
        matched_found += len(used)
    return {
        "sentences": int(frame.id.nunique()),
        "expected": expected_total,
        "extracted": found_total,
        "precision": matched_found / found_total if found_total else 0.0,
        "recall": matched_expected / expected_total if expected_total else 0.0,
        "misses": misses,
    }
