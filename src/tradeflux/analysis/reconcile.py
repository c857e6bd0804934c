"""Every source's figure for one pair's trade in one year, side by side, and why they differ.

For ``reporter`` and ``partner`` in ``year``, both directions: the reporter's exports against the
partner's imports from it, and the reporter's imports against the partner's exports to it. Each
side lists every source that holds the figure (the reporter's own declarations, the partner's
declarations, and mirror rows stored under the reporter), marks the canonical one, and the gap
between the two canonical figures comes with its possible causes, chosen by its sign and size.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from tradeflux._results import Result, jsonable
from tradeflux.analysis import metrics, queries
from tradeflux.analysis.canonical import canonical

__all__ = ["Reconciliation", "reconcile"]

_COLUMNS = ["direction", "side", "declared_by", "source", "dataset", "value", "valuation", "canonical", "why"]


@dataclass
class Reconciliation(Result):
    """The two sides of a pair's trade in a year, every source shown, and the gaps between canonical figures."""

    reporter: str
    partner: str
    year: int
    figures: pd.DataFrame
    gaps: pd.DataFrame
    notes: list[str] = field(default_factory=list)

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"figures": self.figures, "gaps": self.gaps}

    def to_dict(self) -> dict:
        return {
            "reporter": self.reporter,
            "partner": self.partner,
            "year": self.year,
            "figures": jsonable(self.figures),
            "gaps": jsonable(self.gaps),
            "notes": self.notes,
        }


def _rows(con, reporter: str, partner: str, year: int) -> pd.DataFrame:
    rows = canonical(
        con,
        all_sources=True,
        reporter=[reporter, partner],
        partner=[reporter, partner],
        classification="TOTAL",
        year=year,
    )
    return rows[(rows.period_kind == "year") & (rows.currency == "USD") & (rows.reporter != rows.partner)]


def _implied(con, reporter: str, partner: str, year: int) -> list[dict]:
    """The reporter's figure for ``year`` as implied by its next release (value and y/y rate, both USD): China's
    2024 exports to the US are 420.05 bn / (1 - 20%) = 525.06 bn by the 2025 release. Not canonical: the gap
    uses it only where the store holds no canonical figure of the reporter's own for that year."""
    rows = queries.implied_previous(con, reporter, ["exports", "imports"], partner=partner)
    out = []
    for r in rows[rows.year == year].itertuples():
        direction = {"export": "exports", "import": "imports"}.get(r.flow)
        if direction is None:
            continue
        out.append(
            {
                "direction": direction,
                "side": f"{reporter}'s {direction}",
                "declared_by": reporter,
                "source": r.source,
                "dataset": f"implied by the {year + 1} release",
                "value": float(r.implied),
                "valuation": "FOB" if r.flow == "export" else "CIF",
                "canonical": False,
                "why": f"{year + 1} value / (1 {float(r.yoy_pct):+.1f}%): the reporter's own figure for {year}",
            }
        )
    return out


def reconcile(con, reporter: str, partner: str, year: int) -> Reconciliation:
    """Every source's USD figure for ``reporter``'s trade with ``partner`` in ``year``, both directions."""
    rows = _rows(con, reporter, partner, year)
    out = []
    for flow, direction, partner_flow in (("export", "exports", "import"), ("import", "imports", "export")):
        own = rows[(rows.reporter == reporter) & (rows.flow == flow)]
        theirs = rows[(rows.reporter == partner) & (rows.flow == partner_flow)]
        for frame in (own, theirs):
            for r in frame.itertuples(index=False):
                declared_by = r.declarant if isinstance(r.declarant, str) else r.reporter
                # a side is named by who declares the figure, not by where a source files it
                side = f"{reporter}'s {direction}" if declared_by == reporter else f"{partner}'s {partner_flow}s"
                out.append(
                    {
                        "direction": direction,
                        "side": side,
                        "declared_by": declared_by,
                        "source": r.source,
                        "dataset": r.dataset,
                        "value": r.value,
                        "valuation": r.valuation,
                        "canonical": bool(r.canonical),
                        "why": r.why,
                    }
                )
    out += _implied(con, reporter, partner, year)
    figures = pd.DataFrame(out, columns=_COLUMNS)
    gaps, notes = [], []
    for direction in ("exports", "imports"):
        sub = figures[figures.direction == direction]
        mine = sub[sub.declared_by == reporter].sort_values("canonical", ascending=False, kind="stable")
        other = sub[sub.declared_by == partner].sort_values("canonical", ascending=False, kind="stable")
        if mine.empty or other.empty:
            notes.append(f"{direction}: only one side's figure is in the store; no gap")
            continue
        a, b = float(mine.value.iloc[0]), float(other.value.iloc[0])
        pct = (b / a - 1) * 100 if a else float("nan")
        a_val, b_val = mine.valuation.iloc[0], other.valuation.iloc[0]
        gaps.append(
            {
                "direction": direction,
                "reporter_figure": a,
                "reporter_source": f"{mine.source.iloc[0]}/{mine.dataset.iloc[0]}",
                "reporter_valuation": a_val,
                "partner_figure": b,
                "partner_source": f"{other.source.iloc[0]}/{other.dataset.iloc[0]}",
                "partner_valuation": b_val,
                "gap": b - a,
                "gap_pct": pct,
                "possible_causes": "; ".join(metrics.mirror_causes(direction, pct, a_val, b_val)),
            }
        )
    if figures.empty:
        notes.append(f"the store has no USD figure for {reporter} and {partner} in {year}")
    notes.append("causes are possibilities chosen by the gap's sign and size, not findings")
    return Reconciliation(reporter, partner, year, figures, pd.DataFrame(gaps), notes)
