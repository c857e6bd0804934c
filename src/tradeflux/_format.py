"""Numbers for people: money in bn or tn, percentages and points with their sign, never scientific notation.

One set of rules for the terminal and the HTML pages. A column's unit is read from its name:
``*_pct`` percent, ``*_pp`` percentage points, ``share*`` a share in percent; money columns are
named in :data:`MONEY` or end in ``_usd``, and are in base units (USD) unless said otherwise.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["MONEY", "cell", "money", "number", "possessive"]

MONEY = frozenset(
    {
        "value",
        "base_value",
        "exports",
        "imports",
        "balance",
        "trade",
        "reported",
        "mirror",
        "gap",
        "imports_after",
        "trade_creation",
        "trade_diversion",
        "total_effect",
        "revenue_before",
        "revenue_after",
        "consumer_surplus",
        "welfare_usd",
        "floored",
        "last_value",
        "base_forecast",
        "forecast",
        "lo80",
        "hi80",
        "lo95",
        "hi95",
        "baseline",
        "baseline_lo80",
        "baseline_hi80",
        "model_effect",
        "scenario_value",
    }
)


def _missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def money(value: float | None, unit: str = "") -> str:
    """``1.189e12`` as ``1,189.0 bn``; ``2.3e13`` as ``23.0 tn``; below a billion in mn."""
    if _missing(value):
        return "n/a"
    suffix = f" {unit}" if unit else ""
    if value == 0:
        return f"0{suffix}"
    size = abs(value)
    if size >= 1e13:
        return f"{value / 1e12:,.2f} tn{suffix}"
    if size >= 1e9:
        return f"{value / 1e9:,.1f} bn{suffix}"
    if size >= 1e6:
        return f"{value / 1e6:,.1f} mn{suffix}"
    return f"{value:,.0f}{suffix}"


def possessive(name: str) -> str:
    """``China's``, ``the United States'``: a name ending in s takes the apostrophe alone."""
    return f"{name}'" if name.endswith("s") else f"{name}'s"


def number(value: float) -> str:
    """A plain number without scientific notation: six significant digits, thousands separated."""
    if _missing(value):
        return ""
    if value == 0:
        return "0"
    if abs(value) >= 1e6:
        return f"{value:,.0f}"
    text = np.format_float_positional(value, precision=6, unique=False, fractional=False, trim="-")
    if text in ("-0", "-0."):
        return "0"
    whole, _, frac = text.partition(".")
    sign = "-" if whole.startswith("-") else ""
    whole = f"{int(whole.lstrip('-') or 0):,}"
    return f"{sign}{whole}.{frac}" if frac else f"{sign}{whole}"


def cell(column: str, value: Any) -> str:
    """``value`` of ``column`` as a table shows it."""
    if _missing(value):
        return ""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    name = column.lower()
    if name in ("year", "line", "month") or name.endswith(("_year", "_line")):
        return str(int(value)) if float(value).is_integer() else str(value)
    if name.endswith("_pp"):
        return f"{value:+.2f} pp" if abs(value) >= 0.005 else "0.00 pp"
    if name.startswith(("share", "coverage", "covered")) or name.endswith(("share_pct", "coverage_pct")):
        return f"{value:.1f}%"
    if name.endswith("_pct") or name == "pct":
        return f"{value:+.1f}%" if abs(value) >= 0.05 else "0.0%"
    if name in MONEY or name.endswith("_usd"):
        return money(float(value))
    if isinstance(value, int):
        return f"{value:,}"
    return number(float(value))
