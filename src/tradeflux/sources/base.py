"""What a reader is, and the helpers readers share.

A *source* (``imf-dots``) has *datasets* (``bilateral``), each one kind of file found by a
pattern in the data directory. A dataset's reader registers the file's rows in a DuckDB
connection (:meth:`ReadContext.load_csv`) and returns one SQL select per canonical table it
feeds, in the staged form of :mod:`tradeflux.schema`. Readers never write: the store validates,
quarantines and writes what they stage.
"""

from __future__ import annotations

import csv
import datetime as dt
import fnmatch
import gzip
import re
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from tradeflux import _sql as sql
from tradeflux._sql import literal
from tradeflux.errors import FormatError, InputError, NotFound
from tradeflux.reference import countries as _countries
from tradeflux.reference.countries import CountryTable
from tradeflux.schema import literal_columns, staged_select

__all__ = [
    "AREA_TYPE",
    "CHINA_TO_WORLD",
    "Dataset",
    "ReadContext",
    "Reader",
    "Source",
    "Staged",
    "sql_str",
    "union",
]


T = TypeVar("T")

# The SQL type (an ENUM of the known country codes) the ingest connection defines: a reader that casts
# a country column to it (``TRY_CAST(x AS _area)``, NULL when unknown) spares validation a lookup per row.
AREA_TYPE = "_area"

# Staged flow columns of China's own totals with the world (GACC tables, the Comtrade mirror extract).
CHINA_TO_WORLD = {"reporter": "'CHN'", "reporter_code": "'China'", "partner": "'WLD'", "partner_code": "'World'"}


@dataclass(frozen=True)
class Staged:
    """A select of staged rows for one canonical table.

    ``literals``: staged columns that are the same SQL literal on every row (set by :meth:`of`);
    the store checks them once and keeps the canonical columns they make constant out of the files.
    ``unique_keys``: the reader has proven that no two of these rows share the table's key (BACI's
    sorted files), or a future of that proof (:meth:`ReadContext.in_background`); the store then
    skips its duplicate check. ``checked``: fields whose canonical rules the reader applied itself,
    once per distinct value (:func:`~tradeflux.schema.field_check_sql`).
    """

    table: str
    sql: str
    literals: Mapping[str, str] | None = None
    unique_keys: bool | Future[bool] = False
    checked: tuple[str, ...] = ()

    @property
    def proven_unique(self) -> bool:
        """Whether the reader proved its keys unique (waits for a proof still running)."""
        return self.unique_keys.result() if isinstance(self.unique_keys, Future) else self.unique_keys

    @classmethod
    def of(
        cls,
        table: str,
        exprs: dict[str, str],
        frm: str,
        *,
        line: str = "_line",
        where: str | None = None,
        unique_keys: bool | Future[bool] = False,
        checked: tuple[str, ...] = (),
    ) -> Staged:
        """Stage ``exprs`` (staged column -> SQL expression, the rest defaulted) over ``frm``."""
        sql = f"SELECT {staged_select(table, exprs, line)} FROM {frm}" + (f" WHERE {where}" if where else "")
        return cls(table, sql, literal_columns(table, exprs), unique_keys, checked)


@dataclass
class ReadContext:
    """What a reader gets: a connection to register rows in, and the reference data."""

    con: duckdb.DuckDBPyConnection
    countries: CountryTable
    lines_read: int = 0
    notes: list[str] = field(default_factory=list)
    _n: int = 0
    _tables: dict[str, pa.Table] = field(default_factory=dict)

    def name(self, stem: str) -> str:
        self._n += 1
        return f"_{stem}_{self._n}"

    def load_csv(
        self,
        path: Path,
        required: Sequence[str],
        *,
        stem: str = "raw",
        delimiter: str = ",",
        skip_rows: int = 0,
        count_lines: bool = True,
        types: dict[str, pa.DataType] | None = None,
    ) -> str:
        """Read a CSV (optionally gzip-compressed) with every column as text; register it.

        ``types`` asks for some columns as numbers: the fast path for large clean files. If any value
        does not convert, the whole file is read as text instead, so the bad rows reach validation.
        Adds ``_line``, the line number in the file (header = line ``skip_rows + 1``). Raises
        :class:`FormatError` naming the file when required columns are missing.
        """
        text = _all_text(path, delimiter, skip_rows)
        # the file's newlines, counted while pyarrow parses (which releases the GIL): they tell
        # whether records follow the header line by line
        counting = _BACKGROUND.submit(_newlines, path)
        attempts = [({**text, **{k: v for k, v in types.items() if k in text}}, False)] if types else []
        attempts += [(text, False), (text, True)]
        for column_types, multiline in attempts:
            try:
                table = pacsv.read_csv(
                    path,
                    read_options=pacsv.ReadOptions(skip_rows=skip_rows, block_size=1 << 24),
                    parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=multiline),
                    convert_options=pacsv.ConvertOptions(
                        column_types=column_types,
                        strings_can_be_null=False,
                        quoted_strings_can_be_null=False,
                    ),
                )
                break
            except pa.ArrowInvalid as exc:
                message = str(exc).lower()
                if column_types is not text and "conversion" in message:
                    continue  # a value is not a number: read everything as text
                if not multiline and "expected" in message and "columns" in message:
                    continue  # perhaps a quoted value spans lines: read again allowing that
                raise FormatError(f"{path}: not a readable CSV file ({exc})") from None
            except (UnicodeDecodeError, OSError, EOFError, zlib.error) as exc:
                raise FormatError(f"{path}: not a readable CSV file ({exc})") from None
        try:
            newlines = counting.result()
        except (OSError, EOFError, zlib.error) as exc:
            raise FormatError(f"{path}: not a readable CSV file ({exc})") from None
        lines = _record_lines(path, delimiter, skip_rows, table.num_rows, newlines)
        return self.register(
            table, path, required, stem=stem, first_line=skip_rows + 2, count_lines=count_lines, lines=lines
        )

    def register(
        self,
        table: pa.Table | pd.DataFrame,
        path: Path,
        required: Sequence[str],
        *,
        stem: str = "raw",
        first_line: int = 2,
        count_lines: bool = True,
        lines: pa.Array | None = None,
    ) -> str:
        """Register rows under a fresh name with a ``_line`` column (``lines``, or consecutive from
        ``first_line``); check required columns."""
        if isinstance(table, pd.DataFrame):
            table = pa.Table.from_pandas(table, preserve_index=False)
        columns = [c.lstrip("\ufeff") for c in table.column_names]
        table = table.rename_columns(columns)
        twice = [c for c in required if columns.count(c) > 1]
        if twice:
            where = [str(i + 1) for i, c in enumerate(columns) if c == twice[0]]
            raise FormatError(
                f"{path}: the header names {twice[0]!r} more than once (columns {', '.join(where)}); "
                "rename the one not to be read"
            )
        missing = [c for c in required if c not in columns]
        if missing:
            raise FormatError(
                f"{path}: expected columns {', '.join(required)}; missing {', '.join(missing)} "
                f"(found: {', '.join(columns) or 'none'})"
            )
        if lines is None:
            lines = pa.array(np.arange(first_line, first_line + table.num_rows, dtype=np.int64))
        table = table.append_column("_line", lines)
        name = self.name(stem)
        self.con.register(name, table)
        self._tables[name] = table
        if count_lines:
            self.lines_read += table.num_rows
        return name

    def in_background(self, fn: Callable[..., T], *args) -> Future[T]:
        """Run ``fn(*args)`` in a thread while the engine works (for numpy or pyarrow work)."""
        return _BACKGROUND.submit(fn, *args)

    def arrow(self, name: str) -> pa.Table:
        """The Arrow table registered under ``name`` (by :meth:`register` or :meth:`load_csv`)."""
        return self._tables[name]

    def register_map(self, mapping: dict[str, str | None], stem: str = "map") -> str:
        """Register a two-column lookup table ``(key, code)``."""
        frame = pd.DataFrame({"key": list(mapping), "code": list(mapping.values())}, dtype="string")
        name = self.name(stem)
        self.con.register(name, frame)
        return name

    def country_map(self, names: Iterable[str | None], *, aggregates: Iterable[str] = ()) -> str:
        """Register a lookup from names (or codes) to ISO3; aggregates get ``WLD``/``AGG:`` codes."""
        aggregates = {a.strip().lower() for a in aggregates}
        mapping: dict[str, str | None] = {}
        for name in {n for n in names if n}:
            if name.strip().lower() in aggregates:
                mapping[name] = _countries.aggregate_code(name)
            else:
                mapping[name] = self.countries.match(name)
        return self.register_map(mapping, "countries")

    def distinct(self, relation: str, column: str) -> list[str]:
        rows = self.con.execute(f"SELECT DISTINCT {sql.identifier(column)} FROM {relation}").fetchall()
        return [r[0] for r in rows if r[0] is not None]


def _all_text(path: Path, delimiter: str, skip_rows: int) -> dict[str, pa.DataType]:
    """Column types that read every column of the file's header as text."""
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rt", encoding="utf-8-sig", newline="") as handle:
            for _ in range(skip_rows):
                handle.readline()
            header = next(csv.reader(handle, delimiter=delimiter), [])
    except (OSError, EOFError, UnicodeDecodeError, zlib.error, csv.Error) as exc:
        kind = "gzip-compressed CSV" if path.suffix == ".gz" else "CSV"
        raise FormatError(f"{path}: not a readable {kind} file ({type(exc).__name__}: {exc})") from None
    return {name: pa.string() for name in header}


# Work that runs beside the engine (numpy and pyarrow release the GIL): newline counts, key checks.
_BACKGROUND = ThreadPoolExecutor(max_workers=2, thread_name_prefix="tradeflux-read")


def _newlines(path: Path) -> int:
    opener = gzip.open if path.suffix == ".gz" else open
    count = 0
    with opener(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 22), b""):
            count += int(np.count_nonzero(np.frombuffer(block, np.uint8) == 10))  # 3x bytes.count
    return count


def _record_lines(path: Path, delimiter: str, skip_rows: int, records: int, newlines: int) -> pa.Array | None:
    """The line on which each record starts, when that is not simply header + 1, + 2, ...: after blank
    lines, or when a quoted value spans lines. None when the records follow the header line by line."""
    if newlines <= skip_rows + 1 + records:
        return None
    opener = gzip.open if path.suffix == ".gz" else open
    starts = []
    with opener(path, "rt", encoding="utf-8-sig", newline="") as handle:
        for _ in range(skip_rows):
            handle.readline()
        reader = csv.reader(handle, delimiter=delimiter)
        next(reader, None)
        previous = reader.line_num
        for row in reader:
            if row:  # a blank line is no record (pyarrow skips it too)
                starts.append(skip_rows + previous + 1)
            previous = reader.line_num
    return pa.array(starts, pa.int64()) if len(starts) == records else None


Reader = Callable[[ReadContext, Path], list[Staged]]


@dataclass(frozen=True)
class Dataset:
    """One kind of file of a source: where to find it and how to read it."""

    name: str
    pattern: str
    reader: Reader
    description: str = ""
    vintage: str | None = None  # overrides the source's declared vintage
    # what a newer vintage supersedes: "year" (every file's rows of that year: datasets released whole) or
    # "request" (the rows of files named for the same request, ``<request>.<anything>``: answers fetched one
    # request at a time, where one importer's new answer must not hide another's)
    supersedes: str = "year"

    def __post_init__(self) -> None:
        if self.supersedes not in ("year", "request"):
            raise ValueError(f"dataset {self.name}: supersedes must be 'year' or 'request', not {self.supersedes!r}")

    def find(self, data_dir: Path) -> list[Path]:
        """The dataset's files in ``data_dir``. A file found there that is a link to a file outside it is refused
        (its error messages would show lines of whatever it points to); name such a file with ``--file``."""
        folder, _, glob = self.pattern.rpartition("/")
        base = data_dir / folder if folder else data_dir
        if not base.is_dir():
            return []
        found = sorted(p for p in base.iterdir() if fnmatch.fnmatch(p.name, glob))
        home = data_dir.resolve()
        for path in found:
            target = path.resolve()
            if not target.is_relative_to(home):
                raise InputError(
                    f"{path}: a link to {target}, outside the data directory {home}; copy the file into the data "
                    "directory, or ingest it by name with --file"
                )
        return found

    def matches(self, path: Path) -> bool:
        return fnmatch.fnmatch(path.name, self.pattern.rpartition("/")[2])


@dataclass(frozen=True)
class Source:
    """A publisher's data as one source: its datasets, licence note and vintage rule."""

    id: str
    title: str
    datasets: tuple[Dataset, ...]
    vintage: str | None = None
    vintage_note: str = ""
    licence: str = ""

    def vintage_for(self, path: Path, dataset: Dataset | None = None) -> str:
        """The release date of the data in ``path``: from the file name (BACI's ``_V202501``), declared
        by the dataset or source, or else the file's modification date."""
        found = re.search(r"_V(\d{4})(\d{2})", path.name)
        if found:
            return f"{found.group(1)}-{found.group(2)}-01"
        if dataset is not None and dataset.vintage:
            return dataset.vintage
        if self.vintage:
            return self.vintage
        return dt.date.fromtimestamp(path.stat().st_mtime).isoformat()

    def dataset(self, name: str) -> Dataset:
        for ds in self.datasets:
            if ds.name == name:
                return ds
        known = ", ".join(d.name for d in self.datasets)
        raise NotFound(f"source {self.id!r} has no dataset {name!r} (datasets: {known})")


sql_str = literal  # a SQL string literal


def union(selects: Iterable[str]) -> str:
    return "\nUNION ALL\n".join(f"({s})" for s in selects)
