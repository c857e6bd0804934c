"""Tariff schedules as data: layered measures, the rate in force on a date, and trade-weighted averages.

A :class:`Layer` is one measure: who imposes it on whom, on which products (HS/HTS code prefixes,
with exclusions), from when to when (inclusive), at what additional ad valorem rate, and how it
stacks:

``base``
    the country-wide rate for all goods; the latest base layer in force replaces earlier ones
    (e.g. the IEEPA fentanyl and reciprocal duties on China folded into one number).
``override``
    a product list whose rate *replaces* the base for the goods it covers (Section 232 goods pay
    the 232 rate only; Annex II goods keep only the fentanyl part). Where overrides overlap, the
    one with the larger ``order`` wins.
``add``
    a rate added on top of whatever else applies.

Rates are percent. Product lists can be read from files in the data directory (``Layer.products``
holds the resolved prefixes). Averages weight each product line by a trade value (e.g. 2024 US
imports by HTS10) and report the simple average too.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from tradeflux.errors import InputError

__all__ = ["COMPARISON_NOTES", "MODES", "Layer", "Schedule", "as_date", "compare_published", "layer_from_item"]


MODES = ("base", "override", "add")


@dataclass(frozen=True)
class Layer:
    id: str
    measure: str
    imposing: str
    target: str
    start: dt.date
    rate_pct: float
    mode: Literal["base", "override", "add"] = "base"
    end: dt.date | None = None
    products: tuple[str, ...] | None = None  # code prefixes; None = all goods
    exclude: tuple[str, ...] = ()
    order: int = 0
    authority: str = ""
    reference: str = ""
    note: str = ""

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise InputError(f"layer {self.id}: mode must be one of {', '.join(MODES)}, not {self.mode!r}")
        if self.end is not None and self.end < self.start:
            raise InputError(f"layer {self.id}: ends ({self.end}) before it starts ({self.start})")

    def in_force(self, day: dt.date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)

    def covers(self, codes: np.ndarray) -> np.ndarray:
        """Which product codes (strings) the layer covers."""
        codes = np.asarray(codes, dtype=str)
        hit = np.ones(len(codes), dtype=bool) if self.products is None else _prefix_match(codes, self.products)
        if self.exclude:
            hit &= ~_prefix_match(codes, self.exclude)
        return hit


def _prefix_match(codes: np.ndarray, prefixes: Iterable[str]) -> np.ndarray:
    by_length: dict[int, set[str]] = {}
    for p in prefixes:
        by_length.setdefault(len(p), set()).add(p)
    hit = np.zeros(len(codes), dtype=bool)
    for length, group in by_length.items():
        hit |= np.isin(np.char.ljust(codes, length).astype(f"<U{length}"), list(group)) & (
            np.char.str_len(codes) >= length
        )
    return hit


@dataclass
class Schedule:
    """A set of layers; rates for any importer, exporter, products and date."""

    layers: list[Layer] = field(default_factory=list)
    source: str = ""

    def applicable(self, importer: str, exporter: str, day: dt.date) -> list[Layer]:
        return [
            layer
            for layer in self.layers
            if layer.imposing == importer and layer.target in (exporter, "*") and layer.in_force(day)
        ]

    def rates(self, importer: str, exporter: str, products: Sequence[str], day: dt.date | str) -> np.ndarray:
        """The additional rate in force (percent) on each product line."""
        day = as_date(day)
        codes = np.asarray(products, dtype=str)
        layers = self.applicable(importer, exporter, day)
        bases = [layer for layer in layers if layer.mode == "base"]
        rate = np.zeros(len(codes))
        if bases:
            latest = max(bases, key=lambda layer: (layer.start, layer.order))
            rate = np.where(latest.covers(codes), latest.rate_pct, 0.0)
        best_order = np.full(len(codes), -np.inf)
        for layer in sorted(
            (layer for layer in layers if layer.mode == "override"), key=lambda layer: (layer.order, layer.start)
        ):
            hit = layer.covers(codes) & (layer.order >= best_order)
            rate = np.where(hit, layer.rate_pct, rate)
            best_order = np.where(hit, layer.order, best_order)
        for layer in layers:
            if layer.mode == "add":
                rate = rate + np.where(layer.covers(codes), layer.rate_pct, 0.0)
        return rate

    def active(self, importer: str, exporter: str, product: str, day: dt.date | str) -> list[Layer]:
        """The layers in force on ``day`` that cover ``product``."""
        return [layer for layer in self.applicable(importer, exporter, as_date(day)) if layer.covers([product])[0]]

    def rate(self, importer: str, exporter: str, product: str, day: dt.date | str) -> float:
        return float(self.rates(importer, exporter, [product], day)[0])

    def average(self, importer: str, exporter: str, day: dt.date | str, weights: pd.DataFrame) -> dict:
        """Trade-weighted and simple average additional rate, from ``weights`` (columns product, value)."""
        rates = self.rates(importer, exporter, weights["product"].astype(str).to_numpy(), day)
        value = weights["value"].to_numpy(float)
        return {
            "date": as_date(day).isoformat(),
            "trade_weighted_pct": float((rates * value).sum() / value.sum()) if value.sum() else float("nan"),
            "simple_pct": float(rates.mean()) if len(rates) else float("nan"),
            "lines": len(rates),
            "share_of_trade_affected_pct": float(value[rates > 0].sum() / value.sum() * 100)
            if value.sum()
            else float("nan"),
        }

    def average_over(
        self, importer: str, exporter: str, start: dt.date | str, end: dt.date | str, weights: pd.DataFrame
    ) -> dict:
        """Day-weighted mean of the daily averages from ``start`` to ``end`` inclusive (rates are step functions)."""
        start, end = as_date(start), as_date(end)
        if end < start:
            raise InputError(f"the range ends ({end}) before it starts ({start})")
        cuts = [
            start,
            *(d for d in self.change_dates(importer, exporter) if start < d <= end),
            end + dt.timedelta(days=1),
        ]
        spans = [(a, (b - a).days) for a, b in itertools.pairwise(cuts)]
        rows = [(self.average(importer, exporter, a, weights), days) for a, days in spans]
        total = sum(days for _, days in rows)
        return {
            "start": start.isoformat(),
            "end": end.isoformat(),
            "days": total,
            "trade_weighted_pct": sum(r["trade_weighted_pct"] * days for r, days in rows) / total,
            "simple_pct": sum(r["simple_pct"] * days for r, days in rows) / total,
            "lines": rows[0][0]["lines"],
        }

    def change_dates(self, importer: str, exporter: str) -> list[dt.date]:
        days = set()
        for layer in self.layers:
            if layer.imposing == importer and layer.target in (exporter, "*"):
                days.add(layer.start)
                if layer.end is not None:
                    days.add(layer.end + dt.timedelta(days=1))
        return sorted(days)

    def timeline(
        self, importer: str, exporter: str, weights: pd.DataFrame, days: Iterable[dt.date] | None = None
    ) -> pd.DataFrame:
        """Averages at every date a layer starts or ends (or at ``days``)."""
        days = list(days) if days is not None else self.change_dates(importer, exporter)
        return pd.DataFrame([self.average(importer, exporter, d, weights) for d in days])


def as_date(day: dt.date | str) -> dt.date:
    """A date from a ``datetime.date`` or an ISO string."""
    if isinstance(day, dt.date):
        return day
    try:
        return dt.date.fromisoformat(str(day))
    except ValueError as exc:
        raise InputError(f"{day!r} is not a date ({exc}): give YYYY-MM-DD") from None


def layer_from_item(where: str, item: dict, products: Sequence[str] | None, exclude: Sequence[str]) -> Layer:
    """A :class:`Layer` from one TOML table or CSV row (``item``), its product list already resolved.

    ``where`` names the file and layer for error messages.
    """
    try:
        return Layer(
            id=item["id"],
            measure=item["measure"],
            imposing=item["imposing"],
            target=item["target"],
            start=as_date(item["start"]),
            end=as_date(item["end"]) if item.get("end") else None,
            rate_pct=float(item["rate_pct"]),
            mode=item.get("mode", "base"),
            products=tuple(products) if products is not None else None,
            exclude=tuple(exclude),
            order=int(item.get("order", 0)),
            authority=item.get("authority", ""),
            reference=item.get("reference", ""),
            note=item.get("note", ""),
        )
    except KeyError as exc:
        raise InputError(f"{where}: missing field {exc}") from None
    except ValueError as exc:
        raise InputError(f"{where}: {exc}") from None


COMPARISON_NOTES = (
    "The gap to PIIE splits in two: before 2025, duties collected in 2024 (duty / imports, 10.9%) against PIIE's "
    "statutory average of 20.8% on 20 Jan 2025 (exclusions, de minimis, drawback and zones lower the collected "
    "rate): gap_collected_vs_statutory_pp; and the 2025 add-on against PIIE's rise since then: gap_addon_pp, "
    "which mixes weights, legal versus engine dates and scope and cannot be split further without PIIE's data.",
    "tradeflux and tradewartracker compute the 2025 add-on layer only, on 2024 HTS10 import weights; "
    "'with 2024 duties' adds the 2024 applied rate (calculated duty / imports: MFN, Section 301, pre-2025 232).",
    "PIIE's averages include every layer, use their own weights and the legal dates; their chart data are not "
    "public, so the gap cannot be attributed line by line.",
    "After 11 April 2025 the electronics and Annex II carve-outs take about a fifth of 2024 imports out of the "
    "reciprocal tariff: the 145% headline never applied to all goods.",
    "From 14 October 2025 the engine's timber lists are missing here (about 0.04 points).",
    "From 20 February 2026 the tracker adds 2026 measures (Section 122 and others) that these layers do not hold.",
)


def compare_published(
    schedule: Schedule,
    weights: pd.DataFrame,
    tracker: pd.DataFrame,
    piie: pd.DataFrame,
    applied_2024_pct: float,
    *,
    importer: str = "USA",
    exporter: str = "CHN",
) -> pd.DataFrame:
    """The schedule's averages beside published ones, at every published date.

    ``tracker``: ``date, effective_tariff_pct`` (tradewartracker's add-on layer); ``piie``:
    ``date, rate_pct`` (PIIE's trade-weighted averages, all layers). Differences are shown, not hidden.
    """
    dates = sorted(set(tracker.date.astype(str)) | set(piie.date.astype(str)))
    dates = [d for d in dates if d >= "2025-01-01"]  # the 2025-2026 measures; earlier PIIE levels set the baseline
    before = piie[piie.date.astype(str) < "2025-02-04"].sort_values("date")
    piie_before = float(before.rate_pct.astype(float).iloc[-1]) if len(before) else None
    rows = []
    for day in dates:
        ours = schedule.average(importer, exporter, day, weights)["trade_weighted_pct"]
        t = tracker.loc[tracker.date.astype(str) == day, "effective_tariff_pct"]
        p = piie.loc[piie.date.astype(str) == day, "rate_pct"]
        row = {
            "date": day,
            "tradeflux_addon_pct": ours,
            "tradewartracker_addon_pct": float(t.iloc[0]) if len(t) else None,
            "tradeflux_with_2024_duties_pct": ours + applied_2024_pct,
            "piie_pct": float(p.iloc[0]) if len(p) else None,
        }
        row["diff_vs_tracker_pp"] = (
            None if row["tradewartracker_addon_pct"] is None else ours - row["tradewartracker_addon_pct"]
        )
        row["diff_vs_piie_pp"] = (
            None if row["piie_pct"] is None else row["tradeflux_with_2024_duties_pct"] - row["piie_pct"]
        )
        # the gap to PIIE in two parts: the level before 2025 (duties collected against PIIE's statutory
        # average), and the 2025 add-on (weights, dates and scope, not separable without PIIE's data)
        measurable = piie_before is not None and row["piie_pct"] is not None
        row["gap_collected_vs_statutory_pp"] = applied_2024_pct - piie_before if measurable else None
        row["gap_addon_pp"] = ours - (row["piie_pct"] - piie_before) if measurable else None
        rows.append(row)
    return pd.DataFrame(rows)
