"""The manifest: what the store holds, one entry per ingested file, and which files a vintage sees.

``manifest.json`` is replaced atomically; a file not named in it is not part of the store.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd

from tradeflux import schema
from tradeflux._io import atomic_write_text
from tradeflux._results import Result
from tradeflux.errors import InputError, NotFound, StoreError

__all__ = ["FORMAT", "MANIFEST", "IngestResult", "Manifest", "TableCount"]

MANIFEST = "manifest.json"
# Version of what readers write. An entry of an older version is read again on the next ingest,
# even if its file is unchanged (2: indicators in base units, money's unit is its currency; 3: valuations
# as measured, the US imports in DOTS at customs value and FOB importers' declarations in the Comtrade mirror;
# 4: each data file's SHA-256 in the manifest, so a damaged file is read again).
FORMAT = 4


@dataclass
class TableCount:
    staged: int = 0
    loaded: int = 0
    quarantined: int = 0
    files: list[dict] = field(default_factory=list)  # {"path", "year"}
    periods: list[str] = field(default_factory=list)  # [first, last]
    constants: dict = field(default_factory=dict)  # columns equal on every row: kept here, not in the files


@dataclass
class IngestResult(Result):
    """What one ingest did. ``status`` is ``loaded``, ``unchanged`` (same file and vintage) or ``replaced``."""

    id: str
    source: str
    dataset: str
    vintage: str
    file: str
    sha256: str
    status: str
    lines_read: int
    counts: dict[str, TableCount]  # by table; "tables" in the manifest
    quarantine_file: str | None = None
    quarantine_sha256: str | None = None
    ingested_at: str = ""
    format: int = 1

    @property
    def staged(self) -> int:
        return sum(t.staged for t in self.counts.values())

    @property
    def loaded(self) -> int:
        return sum(t.loaded for t in self.counts.values())

    @property
    def quarantined(self) -> int:
        return sum(t.quarantined for t in self.counts.values())

    @property
    def notes(self) -> list[str]:
        return [f"{self.file}: {self.loaded:,} rows loaded, {self.quarantined:,} quarantined ({self.status})"]

    def tables(self) -> dict[str, pd.DataFrame]:
        return {
            "tables": pd.DataFrame(
                [
                    {"table": k, "staged": v.staged, "loaded": v.loaded, "quarantined": v.quarantined}
                    for k, v in self.counts.items()
                ]
            )
        }

    def to_dict(self) -> dict:
        out = asdict(self)
        out["tables"] = out.pop("counts")
        out.update(staged=self.staged, loaded=self.loaded, quarantined=self.quarantined)
        return out

    @classmethod
    def from_dict(cls, data: dict) -> IngestResult:
        data = {k: v for k, v in data.items() if k not in ("staged", "loaded", "quarantined")}
        data["counts"] = {k: TableCount(**v) for k, v in data.pop("tables").items()}
        return cls(**data)


class Manifest:
    """The entries of a store's ``manifest.json``."""

    def __init__(self, root: Path):
        self.root = root
        self.path = root / MANIFEST

    @property
    def entries(self) -> list[IngestResult]:
        if not self.path.exists():
            orphans = [p for t in (*schema.TABLES, "quarantine") for p in (self.root / t).glob("**/*.parquet")]
            if orphans:  # an empty answer here would be wrong, and the next ingest would delete them
                raise StoreError(
                    f"{self.path} is missing, yet {self.root} holds {len(orphans):,} data files "
                    f"(such as {orphans[0].relative_to(self.root)}): restore the manifest, or move the store "
                    "folder aside and ingest again"
                )
            return []
        try:
            with self.path.open(encoding="utf-8") as handle:
                return [IngestResult.from_dict(e) for e in json.load(handle)["entries"]]
        except (ValueError, KeyError, TypeError) as exc:
            raise StoreError(
                f"{self.path} is damaged ({type(exc).__name__}: {exc}); move the store folder aside and ingest again "
                "to rebuild it from the source files"
            ) from None

    def save(self, entries: Sequence[IngestResult]) -> None:
        atomic_write_text(
            self.path,
            json.dumps({"version": 1, "entries": [e.to_dict() for e in entries]}, indent=1, sort_keys=True),
        )

    def files(
        self, table: str, vintage: str = "latest", by_request: frozenset[tuple[str, str]] = frozenset()
    ) -> list[Path]:
        """Parquet files of ``table`` visible at ``vintage`` ("latest", "all" or an ISO date).

        With "latest", for each source, dataset and year the newest vintage that covers that year wins.
        A date selects, for each source, dataset and year, the newest vintage on or before it. For the
        ``(source, dataset)`` pairs in ``by_request`` (answers fetched request by request), the newest answer to
        each request wins instead: the request is the file name up to its first dot; of two answers with the
        same vintage, the one committed later.
        """
        check_vintage(vintage)
        if table not in schema.TABLES:
            raise NotFound(f"unknown table {table!r}; tables: {', '.join(schema.TABLES)}")
        rows = [
            (e.source, e.dataset, f.get("year"), e.vintage, f["path"], e.file, order)
            for order, e in enumerate(self.entries)  # in the order they were committed
            for t, c in e.counts.items()
            if t == table
            for f in c.files
        ]
        if vintage != "all":
            if vintage != "latest":
                rows = [r for r in rows if r[3] <= vintage]

            def key(r: tuple) -> tuple:
                if (r[0], r[1]) in by_request:
                    return (r[0], r[1], r[2], Path(r[5]).name.split(".")[0])
                return (r[0], r[1], r[2])

            def rank(r: tuple) -> tuple:
                return (r[3], r[6]) if (r[0], r[1]) in by_request else (r[3],)

            best: dict[tuple, tuple] = {}
            for r in rows:
                best[key(r)] = max(rank(r), best.get(key(r), rank(r)))
            rows = [r for r in rows if rank(r) == best[key(r)]]
        return [self.root / r[4] for r in rows]


def check_vintage(vintage: str) -> str:
    """``latest``, ``all`` or an ISO date; anything else is refused."""
    if vintage in ("latest", "all"):
        return vintage
    if not is_iso_date(vintage):
        raise InputError(f"--vintage must be latest, all or a date YYYY-MM-DD, not {vintage!r}")
    return vintage


def is_iso_date(text: object) -> bool:
    """``YYYY-MM-DD`` and a real day: vintages are compared as text, so "20240101" or "2024-W01-1" (which
    Python's date parser also takes) would sort wrongly."""
    if not isinstance(text, str) or re.fullmatch(r"\d{4}-\d{2}-\d{2}", text) is None:
        return False
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _json_value(value: object) -> object:
    return value if value is None or isinstance(value, (bool, int, float, str, dict)) else str(value)
