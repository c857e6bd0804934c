"""Named read queries of the monitor: each takes a store connection and returns a frame.

Every query that returns flows returns canonical rows (:mod:`tradeflux.analysis.canonical`): one
value per fact, with the source that won and why.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from tradeflux.analysis.canonical import canonical
from tradeflux.store import product_totals as _product_totals

__all__ = [
    "GROUP_SLUGS",
    "annual_usd",
    "declared_by_partners",
    "implied_previous",
    "indicators",
    "own_flows",
    "product_totals",
    "world_totals_all",
]

# How the customs releases' indicators name the partner groups the report and the claims use.
GROUP_SLUGS = {
    "EU27": "AGG:eu27",
    "ASEAN": "AGG:asean",
    "AFRICA": "AGG:africa",
    "LATAM": "AGG:latin-america",
    "BRI": "AGG:belt-and-road-countries",
}


def annual_usd(frame: pd.DataFrame) -> pd.DataFrame:
    """The annual rows in USD of a flows frame."""
    return frame[(frame.period_kind == "year") & (frame.currency == "USD")].reset_index(drop=True)


def own_flows(con, country: str) -> pd.DataFrame:
    """The country's canonical annual totals (classification TOTAL, USD) with every partner, all years.

    Where the country's own figure is missing, the canonical row may be a partner's (``mirror``).
    """
    rows = annual_usd(canonical(con, reporter=country, classification="TOTAL"))
    if rows.empty or not (rows.partner == "WLD").any():
        summed = product_totals(con, country)
        if not summed.empty:
            summed = summed[summed.reporter == country].assign(
                precedence=85, tier="computed", reason="sum of HS6 products"
            )
            rows = pd.concat([rows, summed], ignore_index=True) if not rows.empty else summed
    return rows


def world_totals_all(con, country: str) -> pd.DataFrame:
    """Every source's annual USD totals of the country with the world (not only the canonical ones)."""
    rows = canonical(con, all_sources=True, reporter=country, partner="WLD", classification="TOTAL")
    return annual_usd(rows)


def declared_by_partners(con, country: str) -> pd.DataFrame:
    """What partners declare of their trade with ``country``: canonical rows with ``partner = country``
    from the partners' own statistics (not mirror rows), annual, USD."""
    rows = canonical(con, partner=country, classification="TOTAL")
    rows = annual_usd(rows)
    return rows[~rows.mirror.astype(bool)].reset_index(drop=True)


def product_totals(con, country: str) -> pd.DataFrame:
    """Country totals by partner and with the world summed from HS6 flows (for sources without totals)."""
    sql, params = _product_totals.for_country(con, country)
    return con.execute(sql, params).df()


def indicators(con, country: str) -> pd.DataFrame:
    """Officially reported figures about the country, as reported (money in base units)."""
    return con.execute("SELECT * FROM indicators WHERE reporter = ?", [country]).df()


def implied_previous(
    con, reporter: str, metrics: Sequence[str], *, partner: str | None = None, currency: str = "USD"
) -> pd.DataFrame:
    """The year before each published annual value, as its own y/y rate implies: ``value / (1 + yoy_pct/100)``
    (China's 2024 exports to the US: 420.05 bn / (1 - 20%) = 525.06 bn by the 2025 release). Rate and value
    in ``currency``. Columns ``partner, source, metric, flow, year`` (the year before), ``implied, value,
    yoy_pct``."""
    marks = ", ".join("?" for _ in metrics)
    sql = (
        "SELECT partner, source, metric, flow, year, value, yoy_pct FROM indicators WHERE reporter = ? "
        f"AND period_kind = 'year' AND metric IN ({marks}) AND currency = ? AND yoy_basis = ? "
        "AND value IS NOT NULL AND yoy_pct IS NOT NULL AND yoy_pct > -100"
    )
    params = [reporter, *metrics, currency, currency]
    if partner is not None:
        sql += " AND partner = ?"
        params.append(partner)
    rows = con.execute(sql, params).df()
    rows = rows.assign(year=rows.year.astype(int) - 1)
    return rows.assign(implied=rows.value / (1 + rows.yoy_pct / 100))
