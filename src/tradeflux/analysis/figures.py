"""Figures: one number a report states, with its unit, status, basis and the source rows behind it.

A figure is ``reported`` (an official figure as published, with its citation), ``computed`` (from
flows in the store) or ``derived`` (arithmetic on other figures, with the formula in its note).
Values are in base units: USD (not bn), percent, or percentage points.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd

from tradeflux._format import money

__all__ = ["STATUSES", "Figure", "Source", "sources_of"]

STATUSES = ("reported", "computed", "derived")


@dataclass
class Source:
    """Where a figure comes from: a file of a source's dataset, its lines, its vintage.

    ``kind`` says whether it is the primary publication or a secondary reprint of it.
    """

    source: str
    dataset: str
    file: str
    lines: list[int]
    vintage: str
    url: str | None = None
    kind: str = ""


@dataclass
class Figure:
    """One stated number. ``unit`` is a currency code (the value in base units), ``percent`` or ``points``."""

    id: str
    label: str
    value: float | None
    unit: str
    status: str
    basis: str
    sources: list[Source] = field(default_factory=list)
    note: str = ""

    def formatted(self) -> str:
        """The value as a report prints it (money in bn or tn, with its unit)."""
        if self.value is None or (isinstance(self.value, float) and math.isnan(self.value)):
            return "n/a"
        if self.unit == "percent":
            return f"{self.value:+.1f}%" if "share" not in self.id else f"{self.value:.1f}%"
        if self.unit == "points":
            return f"{self.value:+.2f} pts"
        return money(self.value, self.unit)


def sources_of(rows: pd.DataFrame) -> list[Source]:
    """The :class:`Source` entries of the store rows behind a figure (grouped by file and vintage)."""
    out = []
    if rows.empty:
        return out
    for (source, dataset, file, vintage), grp in rows.groupby(["source", "dataset", "file", "vintage"], dropna=False):
        url = None
        if "source_url" in grp.columns:
            urls = grp.source_url.dropna().unique()
            url = urls[0] if len(urls) else None
        kind = ""
        if "source_kind" in grp.columns:
            kinds = grp.source_kind.dropna().unique()
            kind = kinds[0] if len(kinds) else ""
        out.append(
            Source(source, dataset, str(file), sorted(int(x) for x in grp.line.dropna()), str(vintage), url, kind)
        )
    return out
