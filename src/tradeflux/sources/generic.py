"""A reader for any CSV, Parquet or Stata ``.dta`` file, driven by a column mapping.

The mapping names, for each staged column of the canonical table, either a column of the file
(``{"reporter": "exporter"}``) or a constant (``{"currency": "=USD"}``, a leading ``=``). Country
columns given as names rather than codes are matched with ``"reporter": "~Country Name"`` (a
leading ``~``). A mapping file is TOML::

    table = "flows"
    [columns]
    period_raw = "year"
    reporter = "exporter"
    partner = "~importer_name"
    flow = "=export"
    value_raw = "trade"
    value_scale = "=1e6"
"""

from __future__ import annotations

import math
import re
import struct
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from tradeflux import _sql as sql
from tradeflux._io import read_toml
from tradeflux.errors import InputError
from tradeflux.schema import PLAIN_NUMBER, STAGED_DEFAULTS
from tradeflux.sources.base import Dataset, FormatError, ReadContext, Source, Staged, sql_str

__all__ = ["Mapping", "read_mapped", "source_for"]


_COUNTRY_COLUMNS = {"reporter", "partner", "declarant", "imposing", "target"}


# what a row of each table cannot do without
REQUIRED = {
    "flows": ("period_raw", "reporter", "partner", "flow", "value_raw"),
    "indicators": ("period_raw", "reporter", "metric"),
    "tariffs": ("date_from_raw", "imposing", "target", "measure", "rate_raw"),
}


@dataclass(frozen=True)
class Mapping:
    table: str
    columns: dict[str, str]
    delimiter: str = ","

    @classmethod
    def from_file(cls, path: str | Path) -> Mapping:
        path = Path(path)
        data = read_toml(path, what="a valid TOML mapping", error=FormatError)
        if not isinstance(data.get("columns"), dict):
            raise FormatError(f'{path}: a mapping needs a [columns] table (target = "a column of the file")')
        return cls(data.get("table", "flows"), dict(data["columns"]), data.get("delimiter", ","))

    def __post_init__(self) -> None:
        if not isinstance(self.table, str) or self.table not in STAGED_DEFAULTS:
            raise InputError(f"unknown table {self.table!r}; tables: {', '.join(STAGED_DEFAULTS)}")
        if not isinstance(self.delimiter, str) or len(self.delimiter) != 1 or self.delimiter in '"\r\n':
            raise InputError(f"mapping: delimiter must be one character such as ',' or ';', not {self.delimiter!r}")
        for target, spec in self.columns.items():
            if not isinstance(spec, str) or not spec.strip("=~"):
                raise InputError(f"mapping: column {target!r} must name a column of the file, '=constant' or '~name'")
        missing = [t for t in REQUIRED[self.table] if t not in self.columns]
        if missing:
            raise InputError(
                f"mapping: a {self.table} mapping needs {', '.join(REQUIRED[self.table])}; missing: {', '.join(missing)}"
            )
        scale = self.columns.get("value_scale", "=1")
        if not scale.startswith("="):
            raise InputError(
                f"mapping: value_scale must be a constant such as =1e6 (one scale per file), not {scale!r}"
            )
        if scale.startswith("="):
            try:
                factor = float(scale[1:])
            except ValueError:
                factor = float("nan")
            if not (math.isfinite(factor) and factor > 0) or not re.fullmatch(PLAIN_NUMBER, scale[1:].strip()):
                raise InputError(f"mapping: value_scale must be a positive number such as =1e6, not {scale!r}")
        unknown = set(self.columns) - set(STAGED_DEFAULTS[self.table])
        if unknown:
            raise InputError(
                f"mapping names columns that {self.table} does not stage: {sorted(unknown)}; staged columns: {', '.join(STAGED_DEFAULTS[self.table])}"
            )


def read_mapped(ctx: ReadContext, path: Path, mapping: Mapping) -> list[Staged]:
    source_columns = sorted({v.lstrip("~") for v in mapping.columns.values() if not v.startswith("=")})
    suffix = "".join(path.suffixes[-2:]).lower()
    if suffix.endswith(".parquet"):
        try:
            table = pq.read_table(path)
        except (OSError, ValueError) as exc:
            raise FormatError(f"{path}: not a readable Parquet file ({type(exc).__name__}: {exc})") from None
        frame = table.to_pandas().astype("string")
        raw = ctx.register(frame, path, source_columns, first_line=1)
    elif suffix.endswith(".dta"):
        try:
            frame = pd.read_stata(path, convert_categoricals=False).astype("string")
        except (ValueError, struct.error, OSError, EOFError, UnicodeDecodeError) as exc:
            raise FormatError(f"{path}: not a readable Stata .dta file ({type(exc).__name__}: {exc})") from None
        raw = ctx.register(frame, path, source_columns, first_line=1)
    else:
        raw = ctx.load_csv(path, source_columns, delimiter=mapping.delimiter)
    exprs: dict[str, str] = {}
    joins = []
    unmatched: list[tuple[str, str, str]] = []  # (condition, target) for names that match no country
    for target, spec in mapping.columns.items():
        if spec.startswith("="):
            value = spec[1:]
            exprs[target] = repr(float(value)) if target == "value_scale" else sql_str(value)
        elif spec.startswith("~"):
            column = spec[1:]
            if target not in _COUNTRY_COLUMNS:
                raise InputError(f"name matching (~) is for country columns only, not {target!r}")
            lookup = ctx.country_map(ctx.distinct(raw, column))
            alias = f"m_{target}"
            joins.append(f"LEFT JOIN {lookup} {alias} ON r.{sql.identifier(column)} = {alias}.key")
            exprs[target] = f"{alias}.code"
            if f"{target}_code" in STAGED_DEFAULTS[mapping.table]:
                exprs.setdefault(f"{target}_code", f"r.{sql.identifier(column)}")
            unmatched.append(
                (f"{alias}.code IS NULL AND coalesce(r.{sql.identifier(column)}, '') <> ''", target, column)
            )
        else:
            exprs[target] = f"r.{sql.identifier(spec)}"
    if unmatched:
        exprs["_reason"] = (
            "CASE "
            + " ".join(
                f"WHEN {cond} THEN 'unknown country name ' || quote(r.{sql.identifier(col)})"
                for cond, _, col in unmatched
            )
            + " END"
        )
        exprs["_field"] = "CASE " + " ".join(f"WHEN {cond} THEN '{target}'" for cond, target, _ in unmatched) + " END"
    return [Staged.of(mapping.table, exprs, f"{raw} r {' '.join(joins)}", line="r._line")]


def source_for(mapping: Mapping, name: str = "file", *, vintage: str | None = None) -> Source:
    """A one-dataset source that reads files with ``mapping``."""
    return Source(
        id=name,
        title=f"files read with a column mapping ({name})",
        vintage=vintage,
        datasets=(Dataset("mapped", "*", lambda ctx, path: read_mapped(ctx, path, mapping)),),
    )
