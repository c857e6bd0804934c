"""Claims in trade news, found and checked against the store.

:func:`extract` finds each quantitative trade claim in English text, deterministically and offline, by
the structure of its sentence (``_extract``): which number belongs to which metric, reporter, partner,
product group and period, in lists, "respectively", parentheses and defining clauses; periods as a
reader resolves them from the text's date. Numbers, currencies and scales are read by one linear
tokeniser (``_text``), so no input makes extraction slow.

:func:`check` recomputes each claim from every figure the store holds for it (``_verify``): the
reporter's own customs figures first, then IMF DOTS, then the partner's declaration; bilateral
balances; tariffs from the tariff rules (statutory layers summed) beside the trade-weighted rate. A
verdict is ``consistent``, ``inconsistent`` or ``not checkable``; a yuan basis, a revised base or a
partner's declaration is a reason given with the figure, and "not checkable" names what is missing.

:func:`evaluate` scores extraction and verdicts on a corpus of real sentences from published pages
(``data/claims/real_sentences.csv``), split once into a development part and a held-out part.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

import pandas as pd

from tradeflux._results import Result, jsonable
from tradeflux.errors import InputError
from tradeflux.reference.countries import CountryTable

__all__ = ["MAX_CHARS", "Check", "Claim", "ClaimReport", "check", "corpus", "evaluate", "extract"]

MAX_CHARS = 10 * 1024 * 1024


@dataclass
class Claim:
    """One quantitative claim. Money in base units of ``currency``; percentages in percent.

    ``period`` is ``YYYY``, ``YYYY-MM`` or ``YYYY-MM/YYYY-MM`` (months of one year); ``year`` its year.
    ``product`` is a product group id (``high_tech``, ``new_three``, ``soybeans`` ...) or None for all goods.
    """

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
    period: str | None = None
    product: str | None = None
    unit: str | None = None  # a currency code, pct or pp
    conversion: bool = False  # the same figure as the claim before it, in another currency


@dataclass
class Check:
    """A claim beside the figure recomputed for it."""

    claim: Claim
    verdict: str  # consistent | inconsistent | not checkable
    found: float | None = None
    basis: str = ""
    reasons: list[str] = field(default_factory=list)
    also: list[str] = field(default_factory=list)  # other figures for the same fact, for the reader


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
                "product": c.claim.product,
                "period": c.claim.period,
                "year": c.claim.year,
                "kind": c.claim.kind,
                "value": c.claim.value,
                "currency": c.claim.currency,
                "found": c.found,
                "tolerance": c.claim.tolerance,
                "verdict": c.verdict,
                "basis": c.basis,
                "reasons": "; ".join(c.reasons),
                "also": "; ".join(c.also),
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
        return f"{value:+.1f}{' pp' if claim.unit == 'pp' else '%'}"
    return f"{value:.1f}%"


def _validate(text: str) -> None:
    if not text.strip():
        raise InputError("the text is empty")
    if len(text) > MAX_CHARS:
        raise InputError(f"the text is {len(text):,} characters; at most {MAX_CHARS:,} are read")
    if "\x00" in text:
        raise InputError("the input is binary, not text")
    letters = sum(ch.isascii() and ch.isalpha() for ch in text)
    if letters < 0.5 * sum(ch.isalpha() for ch in text):
        raise InputError("the text is not in English (claims are read in English only)")


def text_date(text: str, today: dt.date | pd.Timestamp | None) -> dt.date | None:
    """The text's date: ``today`` when given, else a dateline in its first lines ("January 14, 2026",
    "2026-01-14", "14 Jan 2026"), else None."""
    if today is not None:
        return pd.Timestamp(today).date()
    from tradeflux.analysis.claims._text import dateline

    return dateline(text[:400])


def extract(
    text: str,
    countries: CountryTable,
    *,
    today: dt.date | pd.Timestamp | None = None,
    subject: str | None = None,
) -> list[Claim]:
    """Every quantitative trade claim in ``text`` (several per sentence where it makes several).

    ``today``: the text's date (periods such as "last year" are resolved from it); without it, a dateline
    in the text, else the current date. ``subject``: the reporting country a text is about when a
    sentence does not name one ("Exports to the United States fell 20%").
    """
    from tradeflux.analysis.claims._extract import Reader

    _validate(text)
    date = text_date(text, today) or dt.date.today()
    reader = Reader(countries, date, subject, text)
    claims = []
    for f in reader.read(text):
        money = f.unit not in ("pct", "pp")
        claims.append(
            Claim(
                text=text[f.first : f.end],
                start=f.first,
                end=f.end,
                sentence=text[f.sentence_start : f.sentence_end].strip(),
                metric=f.metric,
                reporter=f.reporter,
                partner=f.partner,
                year=f.period.year if f.period else None,
                kind=f.kind,
                value=f.value,
                currency=f.unit if money else None,
                direction=f.direction,
                approx=f.approx,
                bound=f.bound,
                record=f.record,
                tolerance=f.tolerance,
                period=f.period.label if f.period else None,
                product=f.product,
                unit=f.unit,
                conversion=f.conversion,
            )
        )
    return claims


def check(text: str, store, *, today: dt.date | pd.Timestamp | None = None, subject: str | None = None) -> ClaimReport:
    """Find the claims of ``text`` and check each against the store (see the module docstring)."""
    from tradeflux.analysis.claims._verify import Verifier

    claims = extract(text, store.countries, today=today, subject=subject)
    verifier = Verifier(store)
    try:
        checks = [verifier.verify(c) for c in claims]
    finally:
        verifier.close()
    notes = [
        f"{len(claims)} claims found; each is checked against every figure the store holds for it: the "
        "reporter's customs figures, then IMF DOTS, then the partner's declaration"
    ]
    return ClaimReport(text, checks, notes)


def corpus():
    """The real sentences with their hand labels (see :func:`evaluate`)."""
    from tradeflux.analysis.claims._corpus import load

    return load()


def evaluate(countries: CountryTable, store=None) -> dict:
    """Precision and recall of :func:`extract` on the development and held-out parts of the corpus of real
    sentences; with a store, also the accuracy of verdicts on the claims whose verdict was checked by hand."""
    from tradeflux.analysis.claims._corpus import score

    return score(countries, store)
