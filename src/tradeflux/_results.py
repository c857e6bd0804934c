"""The one shape every result object has: ``to_dict()`` (JSON-safe), ``tables()`` (named frames), ``notes``.

:func:`jsonable` turns what results hold (dataclasses, frames, arrays, NumPy scalars, dates, paths,
NaN) into plain JSON values; the command line and the web API encode through it, so both print the
same thing for the same result.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["Result", "jsonable"]


def jsonable(value: Any) -> Any:
    """``value`` as JSON values only: NaN and infinities become None, frames lists of records."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, int):
        return value
    if isinstance(value, np.generic):
        return jsonable(value.item())
    if value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, Result):
        return value.to_dict()
    if isinstance(value, pd.DataFrame):
        keys = [str(k) for k in value.columns]
        columns = [_column(value.iloc[:, i]) for i in range(value.shape[1])]
        return [dict(zip(keys, row, strict=True)) for row in zip(*columns, strict=True)] if keys else [{}] * len(value)
    if isinstance(value, pd.Series):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, np.ndarray):
        return [jsonable(v) for v in value.tolist()]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [jsonable(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (dt.date, dt.datetime, pd.Timestamp)):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    return str(value)


def _column(series: pd.Series) -> list:
    """One column's cells as JSON values, a column at a time (a page of rows is thousands of cells)."""
    if pd.api.types.is_bool_dtype(series.dtype) and not series.hasnans:
        return series.astype(bool).tolist()
    if pd.api.types.is_integer_dtype(series.dtype) and not series.hasnans:
        return series.astype("int64").tolist()
    if pd.api.types.is_float_dtype(series.dtype):
        values = series.to_numpy(dtype="float64", na_value=np.nan)
        return [v if math.isfinite(v) else None for v in values.tolist()]
    if pd.api.types.is_string_dtype(series.dtype) and series.map(type).isin((str, type(None))).all():
        return series.tolist()
    return [jsonable(v) for v in series.tolist()]


class Result:
    """Mixin for result objects.

    ``to_dict`` defaults to the dataclass fields made JSON-safe, ``tables`` to no tables; each
    result also has ``notes`` (a list of sentences: assumptions, caveats, what was left out).
    """

    def to_dict(self) -> dict:
        """Everything the result holds, as JSON-safe values."""
        fields = dataclasses.fields(self) if dataclasses.is_dataclass(self) else ()
        return {f.name: jsonable(getattr(self, f.name)) for f in fields if not f.name.startswith("_")}

    def tables(self) -> dict[str, pd.DataFrame]:
        """The result's tables by name (what the CLI prints and the writers save as CSV)."""
        return {}
