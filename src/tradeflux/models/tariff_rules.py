"""US tariffs on every partner from a rules table: the duty each HTS10 line pays on a date, and averages.

A :class:`RuleTable` holds rules read from data (``tradeflux.scenarios.inputs.load_rules``); each
rule names its partners, dates (both inclusive), the lines it selects and how it acts:

``replace``
    sets the rate of every line of the partner (a country-wide base);
``overwrite``
    sets the rate of the selected lines (0 is an exemption);
``add``
    adds to the rate of the selected lines (stacked actions).

On a date every active rule applies, in ascending ``order``, each overwriting or adding to what the
earlier ones left: rules do not lapse when a later one starts. A :class:`Selection` says which lines a
rule touches: code prefixes of any length (an 8-digit code covers every HTS10 line that begins with
it), or whole 10-digit codes, restricted by chapter conditions, minus excluded prefixes. Rates are
percent, the additional duty only (MFN and pre-2025 duties are in the 2024 calculated duty). A
partner's effective add-on tariff is the import-weighted mean over its HTS10 lines.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from tradeflux._results import Result, jsonable
from tradeflux.errors import InputError
from tradeflux.models.tariffs import as_date

__all__ = ["MODES", "Rule", "RuleTable", "Selection", "match_prefixes"]

MODES = ("replace", "overwrite", "add")


def match_prefixes(codes: pd.Series, prefixes: frozenset[str]) -> np.ndarray:
    """True where a code begins with one of ``prefixes`` (of any lengths)."""
    out = np.zeros(len(codes), bool)
    for n in sorted({len(p) for p in prefixes}):
        wanted = {p for p in prefixes if len(p) == n}
        out |= codes.str[:n].isin(wanted).to_numpy()
    return out


@dataclass(frozen=True)
class Selection:
    """The lines a rule touches.

    ``prefixes``: code prefixes (None = every line); ``exact``: 10-digit codes matched whole (used for
    lists matched as ``hts8 + '00'``); ``chapters_in``/``chapters_out``: 2-digit chapters the line must
    or must not be in; ``exclude``: pairs of prefix sets, lines matching the first and not the second
    are taken out (``SEC232_ALL_EXCEPT_METALS_ANNEX_II``: Section 232 lines unless Annex II removed them);
    ``nothing``: no line at all.
    """

    prefixes: frozenset[str] | None = None
    exact: frozenset[str] = frozenset()
    chapters_in: frozenset[str] = frozenset()
    chapters_out: frozenset[str] = frozenset()
    exclude: tuple[tuple[frozenset[str], frozenset[str]], ...] = ()
    nothing: bool = False

    def mask(self, codes: pd.Series) -> np.ndarray:
        if self.nothing:
            return np.zeros(len(codes), bool)
        if self.prefixes is None and not self.exact:
            hit = np.ones(len(codes), bool)
        else:
            hit = np.zeros(len(codes), bool)
            if self.prefixes:
                hit |= match_prefixes(codes, self.prefixes)
            if self.exact:
                hit |= codes.isin(self.exact).to_numpy()
        chapter = codes.str[:2]
        if self.chapters_in:
            hit &= chapter.isin(self.chapters_in).to_numpy()
        if self.chapters_out:
            hit &= ~chapter.isin(self.chapters_out).to_numpy()
        for taken, unless in self.exclude:
            out = match_prefixes(codes, taken)
            if unless:
                out &= ~match_prefixes(codes, unless)
            hit &= ~out
        return hit


@dataclass(frozen=True)
class Rule:
    """One rule of the table: who, when (inclusive), which lines, what rate, how it acts."""

    id: str
    order: int
    start: dt.date
    end: dt.date | None
    partners: frozenset[str] | None  # None: every partner of the table
    except_partners: frozenset[str]
    selection: Selection
    rate_pct: float
    mode: str
    basis: str = ""
    reference: str = ""
    note: str = ""

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise InputError(f"rule {self.id}: mode must be one of {', '.join(MODES)}, not {self.mode!r}")
        if not np.isfinite(self.rate_pct):
            raise InputError(f"rule {self.id}: rate_pct must be a finite number")
        if self.end is not None and self.end < self.start:
            raise InputError(f"rule {self.id}: ends ({self.end}) before it starts ({self.start})")

    def active(self, partner: str, day: dt.date) -> bool:
        if not (self.start <= day and (self.end is None or day <= self.end)):
            return False
        if self.partners is not None and partner not in self.partners:
            return False
        return partner not in self.except_partners


@dataclass
class PartnerRates(Result):
    """A partner's effective add-on tariff at each date, and the rules that set it."""

    partner: str
    table: pd.DataFrame
    notes: list[str] = field(default_factory=list)

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"rates": self.table}

    def to_dict(self) -> dict:
        return {"partner": self.partner, "table": jsonable(self.table), "notes": self.notes}


@dataclass
class RuleTable:
    """Rules for the partners of one importer (the US), with the import weights they are averaged on."""

    rules: list[Rule]
    partners: tuple[str, ...]
    source: str = ""
    _masks: dict = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.rules = sorted(self.rules, key=lambda r: r.order)

    def _mask(self, rule: Rule, partner: str, codes: pd.Series) -> np.ndarray:
        key = (rule.id, partner, len(codes))
        if key not in self._masks:
            self._masks[key] = rule.selection.mask(codes)
        return self._masks[key]

    def active(self, partner: str, day: dt.date | str) -> list[Rule]:
        """The rules in force for ``partner`` on ``day``, in the order they apply."""
        day = as_date(day)
        return [r for r in self.rules if r.active(partner, day)]

    def rates(self, partner: str, codes: Sequence[str] | pd.Series, day: dt.date | str) -> np.ndarray:
        """The additional duty (percent) on each HTS10 line of ``partner`` on ``day``."""
        series = codes if isinstance(codes, pd.Series) else pd.Series(list(codes), dtype=str)
        series = series.astype(str).reset_index(drop=True)
        rate = np.zeros(len(series))
        for rule in self.active(partner, day):
            if rule.mode == "replace":
                rate[:] = rule.rate_pct
                continue
            hit = self._mask(rule, partner, series)
            if rule.mode == "overwrite":
                rate[hit] = rule.rate_pct
            else:
                rate[hit] += rule.rate_pct
        return rate

    def average(self, partner: str, lines: pd.DataFrame, day: dt.date | str) -> float:
        """Import-weighted mean add-on tariff (percent) over ``lines`` (``hts10``, ``imports_usd``)."""
        weights = lines["imports_usd"].to_numpy(float)
        total = weights.sum()
        if total <= 0:
            raise InputError(f"{partner}: no 2024 imports to weight the average with")
        return float((self.rates(partner, lines["hts10"], day) * weights).sum() / total)

    def change_dates(self, partner: str | None = None) -> list[dt.date]:
        """Every date a rule starts or the day after one ends (for ``partner``, or any partner)."""
        days = set()
        for rule in self.rules:
            if partner is not None and not (
                (rule.partners is None or partner in rule.partners) and partner not in rule.except_partners
            ):
                continue
            days.add(rule.start)
            if rule.end is not None:
                days.add(rule.end + dt.timedelta(days=1))
        return sorted(days)

    def timeline(self, partner: str, lines: pd.DataFrame, days: Sequence[dt.date | str] | None = None) -> PartnerRates:
        """The partner's average add-on at every change date (or at ``days``)."""
        days = [as_date(d) for d in days] if days is not None else self.change_dates(partner)
        rows = [
            {
                "date": d.isoformat(),
                "trade_weighted_pct": self.average(partner, lines, d),
                "rules": ", ".join(r.id for r in self.active(partner, d)),
            }
            for d in days
        ]
        return PartnerRates(partner, pd.DataFrame(rows), [f"rules from {self.source}" if self.source else "rules"])
