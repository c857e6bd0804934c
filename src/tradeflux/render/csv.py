"""CSV text for people's spreadsheets: a text cell that a spreadsheet would run as a formula is neutralised."""

from __future__ import annotations

import re

import pandas as pd

__all__ = ["csv_text"]

# a cell starting with one of these is a formula in Excel, LibreOffice and Google Sheets ("=HYPERLINK(...)")
_FORMULA = re.compile(r"^[=+\-@\t\r]")
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


def _safe(cell: object) -> object:
    if isinstance(cell, str) and _FORMULA.match(cell) and not _NUMBER.match(cell):
        return "'" + cell  # shown as text, never run
    return cell


def csv_text(frame: pd.DataFrame, *, index: bool = False) -> str:
    """``frame`` as CSV text; text cells that begin like a formula (=, +, -, @) get a leading apostrophe."""
    safe = frame.copy()
    for column in safe.columns:
        if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column]):
            safe[column] = safe[column].map(_safe)
    if index and safe.index.dtype == object:
        safe.index = safe.index.map(_safe)
    return safe.to_csv(index=index)
