"""The store: hive-partitioned Parquet files as the system of record, queried through an engine.


Layout under the store directory::

    manifest.json                       what is loaded: one entry per ingested file
    flows/source=S/classification=C/year=Y/<entry>-<n>.parquet
    indicators/source=S/year=Y/<entry>-<n>.parquet
    tariffs/source=S/year=Y/<entry>-<n>.parquet
    quarantine/<entry>.parquet          rejected rows with file, line, field and reason
    dimensions/dim_*.parquet            countries, dated groups, HS products, baskets (for joins in any engine)
    derived/canonical_flows-<state>.parquet   the canonical rows of the latest vintage, one file per state
    derived/hs6_totals-<state>.parquet        totals summed from HS6 lines for sources without totals

Guarantees:

* Every staged row is either loaded or quarantined: ``staged = loaded + quarantined``.
* Ingesting the same file (same bytes, same vintage) twice changes nothing.
* A newer vintage of a source's dataset supersedes older ones, year by year, for queries
  (``vintage="latest"``); older vintages stay on disk and are read with ``vintage="all"`` or a date.
  Answers fetched request by request (``Dataset.supersedes == "request"``) supersede the earlier answers
  to the same request only.
* Files are written to a staging folder and moved into place before the manifest, which is
  replaced atomically, names them: an interrupted ingest leaves the store as it was (files not in
  the manifest are ignored and removed by the next ingest).
* The manifest holds each file's SHA-256: the next ingest reads the source of a damaged or missing
  file again; until then a query that meets it stops with one line naming the file.
* The canonical rows and the HS6 sums are written once per state of the store (:meth:`Store.derive`,
  run by ``tradeflux ingest``); where a file for the present state is missing, queries compute the
  same rows on the fly.

The package: :mod:`~tradeflux.store.manifest` (what is loaded, which files a vintage sees),
:mod:`~tradeflux.store.ingest` (one file read, validated and written), :mod:`~tradeflux.store.engines`
(the query engines over the files; DuckDB by default). :class:`Store` is the facade.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import os
import re
import shutil
import uuid
from collections.abc import Callable, Iterable, Sequence
from importlib import resources
from pathlib import Path

import pandas as pd

from tradeflux import schema, settings
from tradeflux._sql import literal
from tradeflux.errors import FormatError, InputError, NotFound, StoreBusy, StoreError, TradefluxError
from tradeflux.reference import countries as _countries
from tradeflux.sources import SOURCES, find_source
from tradeflux.sources.base import Dataset, Source
from tradeflux.sources.gacc import embedded_headlines
from tradeflux.store import canonical as _canonical
from tradeflux.store import dimensions, engines
from tradeflux.store import product_totals as _product_totals
from tradeflux.store.ingest import IngestJob, sha256
from tradeflux.store.lock import WriteLock
from tradeflux.store.manifest import FORMAT, MANIFEST, IngestResult, Manifest, TableCount, is_iso_date

Progress = Callable[[str], None]
# What Store.derive writes once per state of the store, as views of the same name
DERIVED = (_canonical.VIEW, _product_totals.VIEW)


class Store:
    """A tradeflux store in a directory. Create with :func:`open`."""

    def __init__(
        self,
        root: Path,
        *,
        data_dir: Path | None = None,
        engine: str | None = None,
        spark_master: str | None = None,
    ):
        self.root = root
        self.data_dir = data_dir if data_dir is not None else settings.data_dir()
        self.root.mkdir(parents=True, exist_ok=True)
        self.countries = _countries.load(self.data_dir)
        self.manifest = Manifest(root)
        self.engine = engines.get(
            settings.engine(engine),
            master=settings.spark_master(spark_master),
            store_url=settings.store_url(),
            local_root=root,
        )
        self.lock = WriteLock(root)
        self._state: tuple[object, str] | None = None  # (the manifest's stat, the state key of it)

    @property
    def entries(self) -> list[IngestResult]:
        """What the store holds: one entry per ingested file."""
        return self.manifest.entries

    # ---- ingest -------------------------------------------------------------------------------
    def ingest(
        self,
        source: Source | str,
        path: str | os.PathLike[str],
        *,
        dataset: str | None = None,
        vintage: str | None = None,
        progress: Progress | None = None,
    ) -> IngestResult:
        """Read one file of ``source`` into the store; return the row accounting.

        Raises :class:`FormatError` (naming the file) if the file is not in the dataset's format,
        :class:`StoreBusy` if another process is writing to the store.
        """
        with self.lock:
            return self._batch([(source, path, dataset, vintage)], progress)[0]

    def _resolve(self, source: Source | str, path, dataset: str | None) -> tuple[Source, Dataset, Path]:
        src = find_source(source) if isinstance(source, str) else source
        file = Path(path)
        if not file.is_file():
            raise NotFound(f"{file}: no such file")
        ds = src.dataset(dataset) if dataset else next((d for d in src.datasets if d.matches(file)), None)
        if ds is None:
            names = ", ".join(f"{d.name} ({d.pattern.rpartition('/')[2]})" for d in src.datasets)
            raise FormatError(
                f"{file}: not a file of source {src.id!r}; its datasets are {names}; name one with dataset="
            )
        return src, ds, file

    def _batch(self, items: list[tuple], progress: Progress | None, on_file=None) -> list[IngestResult]:
        """Ingest several files as one unit: each is read and checked in its staging folder, then one
        manifest commit names them all, then their files move into the partition tree. An error, or a
        kill, before the commit leaves the store as it was; after it, the next ingest finishes the moves."""
        say = progress or (lambda _msg: None)
        entries = self.manifest.entries
        self._collect_garbage(entries)
        results, new, replaced = [], [], []
        try:
            for source, path, dataset, vintage in items:
                src, ds, file = self._resolve(source, path, dataset)
                sha = sha256(file)
                known = [e for e in entries + new if (e.source, e.dataset, e.sha256) == (src.id, ds.name, sha)]
                vintage = vintage or (known[0].vintage if known else src.vintage_for(file, ds))
                if not is_iso_date(vintage):
                    raise InputError(f"vintage must be an ISO date (YYYY-MM-DD), got {vintage!r}")
                same = [e for e in known if e.vintage == vintage and e.format == FORMAT and self._complete(e)]
                if same:
                    say(f"{src.id}/{ds.name}: {file.name} already loaded (vintage {vintage}), nothing to do")
                    results.append(dataclasses.replace(same[0], status="unchanged"))
                else:
                    twin = next((e for e in entries if e.sha256 == sha and e.source != src.id), None)
                    if twin is not None:
                        raise InputError(
                            f"{file}: the same content as {twin.file} is already in the store as source "
                            f"{twin.source!r}; it is not loaded twice (its rows would be counted twice)"
                        )
                    entry_id = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]
                    staging = self.root / ".staging" / entry_id
                    staging.mkdir(parents=True)
                    result = IngestJob(
                        self.root, self.countries, src, ds, file, vintage, sha, entry_id, staging, say
                    ).run()
                    old = [
                        e
                        for e in entries
                        if (e.source, e.dataset, e.vintage, Path(e.file).name) == (src.id, ds.name, vintage, file.name)
                    ]
                    if old:
                        result.status = "replaced"
                    replaced += old
                    new.append(result)
                    results.append(result)
                if on_file:
                    on_file(src, file)
            if new:
                self.manifest.save([e for e in entries if e not in replaced] + new)  # the commit
        except BaseException:
            for result in new:
                shutil.rmtree(self.root / ".staging" / result.id, ignore_errors=True)
                if result.quarantine_file:
                    (self.root / result.quarantine_file).unlink(missing_ok=True)
            raise
        for result in new:
            self._move_in(result)
        for old in replaced:
            self._retire(old)
        dimensions.write(self.root, self.countries, self.data_dir)
        return results

    @property
    def state(self) -> str:
        """A key of what the store holds now (every entry, the reader format, the precedence table): it changes
        with every ingest that changes anything, so a page cursor or a derived file names the state it is of."""
        try:
            st = (self.root / MANIFEST).stat()
            stamp = (st.st_ino, st.st_mtime_ns, st.st_size)  # the manifest is replaced whole, never edited
        except FileNotFoundError:
            stamp = None
        if self._state is not None and self._state[0] == stamp:
            return self._state[1]
        key = hashlib.sha256()
        key.update(f"{FORMAT}\n".encode())
        key.update((resources.files("tradeflux") / "data" / "precedence.csv").read_bytes())
        for entry_id in sorted(e.id for e in self.entries):
            key.update(entry_id.encode())
        self._state = (stamp, key.hexdigest()[:16])
        return self._state[1]

    def canonical_file(self) -> Path:
        """Where the canonical rows of the store's present state are written (by :meth:`derive`)."""
        return self.derived_file(_canonical.VIEW)

    def derived_file(self, view: str) -> Path:
        """Where :meth:`derive` writes the view ``view`` (one of :data:`DERIVED`) of the store's present state."""
        return self.root / "derived" / f"{view}-{self.state}.parquet"

    def derive(self, progress: Progress | None = None) -> int | None:
        """Write the canonical rows of the latest vintage, once per state of the store (``tradeflux ingest`` does
        it after loading), so that reading a page of them costs what its rows cost; the number of rows written,
        or ``None`` if the present state's rows are already written. Until they are, queries rank the same rows
        on the fly. Its cost is one sort of the store's flows (several times loading them; DuckDB memory capped
        at 1 GB, spilling to disk): a library caller loading many files one by one derives once, at the end."""
        with self.lock:
            return self._derive(progress or (lambda _msg: None))

    def _derive(self, say: Progress) -> int | None:
        missing = [view for view in DERIVED if not self.derived_file(view).exists()]
        if not missing:
            return None
        (self.root / "derived").mkdir(exist_ok=True)
        trash = self.root / ".trash"
        for view in missing:
            for stale in (self.root / "derived").glob(f"{view}-*.parquet"):
                trash.mkdir(exist_ok=True)  # a reader may still have it open: emptied by the next ingest
                os.replace(stale, trash / stale.name)
        con = engines.DuckDBEngine().connect({"flows": self.file_groups("flows")}, [])
        spill = self.root / ".staging" / "derive"  # removed with the staging folder by the next ingest
        spill.mkdir(parents=True, exist_ok=True)
        con.execute(f"SET memory_limit = '1GB'; SET temp_directory = {literal(str(spill))}")
        rows = None
        try:
            for view in missing:
                target = self.derived_file(view)
                tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}")
                try:
                    if view == _canonical.VIEW:
                        rows = _canonical.materialize(con, str(tmp), scratch=str(spill / "unsorted.parquet"))
                        say(f"canonical rows: {rows:,} facts written to {target.relative_to(self.root)}")
                    else:
                        summed = _product_totals.materialize(con, str(tmp))
                        say(f"HS6 sums: {summed:,} country totals written to {target.relative_to(self.root)}")
                    os.replace(tmp, target)
                finally:
                    tmp.unlink(missing_ok=True)
        finally:
            con.close()
            shutil.rmtree(spill, ignore_errors=True)
        return rows

    def _move_in(self, entry: IngestResult) -> None:
        """Move a committed entry's files from its staging folder into the partition tree (idempotent)."""
        for count in entry.counts.values():
            for f in count.files:
                dest, staged = self.root / f["path"], self.root / f.get("staged", f["path"])
                if not dest.exists() and staged.exists():
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    os.replace(staged, dest)
        shutil.rmtree(self.root / ".staging" / entry.id, ignore_errors=True)

    def plan(self, sources: Iterable[str] | None = None) -> list[tuple[Source, Dataset, Path]]:
        """The files :meth:`ingest_all` would read: every dataset found in the data directory.

        The GACC 2025 headline table falls back to the copy embedded in the package, so a store
        always has real data.
        """
        wanted = set(sources) if sources else None
        if wanted:
            unknown = wanted - set(SOURCES)
            if unknown:
                raise NotFound(f"unknown sources: {', '.join(sorted(unknown))}; known: {', '.join(SOURCES)}")
        planned = []
        for src in SOURCES.values():
            if wanted is not None and src.id not in wanted:
                continue
            for ds in src.datasets:
                found = ds.find(self.data_dir)
                if not found and (src.id, ds.name) == ("gacc", "headlines"):
                    found = [embedded_headlines()]
                planned.extend((src, ds, path) for path in found)
        return planned

    def ingest_files(
        self, items: Sequence[tuple[Source | str, str | os.PathLike[str], str | None, str | None]]
    ) -> list[IngestResult]:
        """Ingest several files, ``(source, path, dataset, vintage)`` each, as one unit (one manifest commit):
        all of them are loaded or, on any error, none."""
        with self.lock:
            return self._batch(list(items), None)

    def ingest_all(
        self,
        sources: Iterable[str] | None = None,
        *,
        progress: Progress | None = None,
        on_file: Callable[[Source, Path], None] | None = None,
    ) -> list[IngestResult]:
        """Ingest every file of :meth:`plan`, as one unit (one manifest commit)."""
        with self.lock:
            items = [(src, path, ds.name, None) for src, ds, path in self.plan(sources)]
            return self._batch(items, progress, on_file)

    def _readable(self, entry: IngestResult, table: str, path: str) -> str:
        """A file of a committed entry: in the tree, or still in staging if its move has not happened."""
        if Path(path).exists():
            return path
        for f in entry.counts[table].files:
            if str(self.root / f["path"]) == path and f.get("staged"):
                staged = self.root / f["staged"]
                if staged.exists():
                    return str(staged)
        return path

    def _complete(self, entry: IngestResult) -> bool:
        """Every file the entry names is on disk as it was written (a deleted or damaged file makes the next
        ingest read its source again)."""
        files = [(f["path"], f.get("sha256")) for c in entry.counts.values() for f in c.files]
        if entry.quarantine_file:
            files.append((entry.quarantine_file, entry.quarantine_sha256))
        return all(
            (self.root / path).exists() and (digest is None or sha256(self.root / path) == digest)
            for path, digest in files
        )

    def _retire(self, entry: IngestResult) -> None:
        """Move a replaced entry's files out of the partition tree into ``.trash`` (emptied by the next
        ingest): other engines reading the tree see only what the manifest names, and a query that
        already opened one of them can finish reading it."""
        trash = self.root / ".trash"
        trash.mkdir(exist_ok=True)
        paths = [f["path"] for c in entry.counts.values() for f in c.files]
        if entry.quarantine_file:
            paths.append(entry.quarantine_file)
        for rel in paths:
            src = self.root / rel
            if src.exists():
                os.replace(src, trash / rel.replace("/", "__"))

    def _unnamed(self, entries: Sequence[IngestResult]) -> list[Path]:
        """Data files in the partition tree that no entry names (superseded, or left by a killed ingest)."""
        known = {f["path"] for e in entries for t in e.counts.values() for f in t.files}
        known |= {e.quarantine_file for e in entries if e.quarantine_file}
        return [
            part
            for folder in [*schema.TABLES, "quarantine"]
            if (self.root / folder).exists()
            for part in (self.root / folder).rglob("*.parquet")
            if str(part.relative_to(self.root)) not in known
        ]

    def _recover(self) -> None:
        """Finish an ingest killed after its commit, so that engines reading the partition tree see only what the
        manifest names: its files moved in, the files it superseded moved out (to ``.trash``, emptied by the next
        ingest, as a reader may still hold them). Done on opening a connection when no ingest runs; a store this
        process cannot write to is left for its next ingest."""
        entries = self.manifest.entries
        pending = [e for e in entries if (self.root / ".staging" / e.id).exists()]
        unnamed = self._unnamed(entries)
        if not pending and not unnamed:
            return
        try:
            with self.lock:
                entries = self.manifest.entries
                for entry in entries:
                    self._move_in(entry)
                trash = self.root / ".trash"
                for part in self._unnamed(entries):
                    trash.mkdir(exist_ok=True)
                    os.replace(part, trash / str(part.relative_to(self.root)).replace("/", "__"))
        except (StoreBusy, OSError):
            return

    def _collect_garbage(self, entries: Sequence[IngestResult]) -> None:
        """Remove what an interrupted ingest left: staging folders and files no entry names."""
        for entry in entries:  # committed, but killed before its files moved in: finish the move
            self._move_in(entry)
        shutil.rmtree(self.root / ".staging", ignore_errors=True)
        shutil.rmtree(self.root / ".trash", ignore_errors=True)
        for partial in (self.root / "derived").glob(".*"):  # a derived file killed while being written
            partial.unlink()
        for part in self._unnamed(entries):
            part.unlink()

    # ---- reading ------------------------------------------------------------------------------
    # ---- reading ------------------------------------------------------------------------------
    def files(self, table: str, vintage: str = "latest") -> list[Path]:
        """Parquet files of ``table`` visible at ``vintage`` ("latest", "all" or an ISO date)."""
        by_request = frozenset(
            (src.id, ds.name) for src in SOURCES.values() for ds in src.datasets if ds.supersedes == "request"
        )
        return self.manifest.files(table, vintage, by_request)

    def file_groups(self, table: str, vintage: str = "latest") -> list[engines.FileGroup]:
        """The files of ``table`` at ``vintage`` grouped by ingested file, with the columns constant per file
        (dataset, vintage, file, and any column the reader staged as a literal), which are not stored in the files."""
        visible = {str(f) for f in self.files(table, vintage)}
        groups = []
        for entry in self.entries:
            count = entry.counts.get(table)
            files = tuple(
                str(self.root / f["path"])
                for f in (count.files if count else [])
                if str(self.root / f["path"]) in visible
            )
            if files:
                files = tuple(self._readable(entry, table, f) for f in files)
                # with a store URL the engine reads a copy elsewhere: the local tree may hold only the manifest
                gone = [] if self.engine.store_url else [f for f in files if not Path(f).exists()]
                if gone:
                    raise StoreError(
                        f"{gone[0]}: a file of the store is missing ({Path(gone[0]).name} is missing, from "
                        f"{Path(entry.file).name}); run `tradeflux ingest` on that file again to repair the store"
                    )
                fixed = {"dataset": entry.dataset, "vintage": entry.vintage, "file": entry.file, **count.constants}
                groups.append(engines.FileGroup(files, fixed))
        return groups

    def _visible_entries(self, vintage: str) -> list[IngestResult]:
        """Entries seen at ``vintage``: those with a visible file, and, for files that loaded no row, the
        newest vintage of their source and dataset (so superseded vintages' quarantines are not listed)."""
        entries = self.entries
        if vintage == "all":
            return entries
        visible = {str(p) for table in schema.TABLES for p in self.files(table, vintage)}
        newest: dict[tuple, str] = {}
        for e in entries:
            if vintage == "latest" or e.vintage <= vintage:
                key = (e.source, e.dataset)
                newest[key] = max(e.vintage, newest.get(key, e.vintage))
        out = []
        for e in entries:
            paths = [str(self.root / f["path"]) for c in e.counts.values() for f in c.files]
            if any(p in visible for p in paths) or (not paths and newest.get((e.source, e.dataset)) == e.vintage):
                out.append(e)
        return out

    def relation_sql(self, table: str, vintage: str = "latest") -> str:
        """DuckDB SQL selecting ``table`` (as canonical columns) at ``vintage``."""
        return engines.DuckDBEngine.relation_sql(table, self.file_groups(table, vintage))

    def connect(self, vintage: str = "latest"):
        """A connection of the store's engine with a view per table (``flows``, ``indicators``, ``tariffs``,
        ``quarantine``)."""
        self._recover()
        tables = {table: self.file_groups(table, vintage) for table in schema.TABLES}
        quarantine = [self.root / e.quarantine_file for e in self._visible_entries(vintage) if e.quarantine_file]
        dims = {n: p for n in dimensions.DIMENSIONS if (p := self.root / "dimensions" / f"{n}.parquet").exists()}
        derived = {view: self.derived_file(view) for view in DERIVED} if vintage == "latest" else {}
        numbered = {view: path for view, path in derived.items() if path.exists()}
        return self.engine.connect(tables, quarantine, dims, numbered)

    def query(
        self,
        table: str = "flows",
        *,
        vintage: str = "latest",
        limit: int | None = None,
        order_by: Sequence[str] = (),
        **filters: object,
    ) -> pd.DataFrame:
        """Rows of ``table`` matching ``filters`` (column = value, or column in a list)."""
        spec = schema.TABLES[table]
        where, params = _where(spec, filters)
        sql = f"SELECT * FROM {table}{where}"
        if order_by:
            bad = [c for c in order_by if c.lstrip("-") not in spec.column_names]
            if bad:
                raise NotFound(f"cannot order by {bad}: not columns of {table}")
            sql += " ORDER BY " + ", ".join(
                f"{c.lstrip('-')} {'DESC' if c.startswith('-') else 'ASC'}" for c in order_by
            )
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        con = self.connect(vintage)
        try:
            return con.execute(sql, params).df()
        finally:
            con.close()

    def quarantine(self, source: str | None = None, vintage: str = "latest") -> pd.DataFrame:
        """Rejected rows with file, line, field and reason, of the entries seen at ``vintage``."""
        con = self.connect(vintage)
        try:
            sql = "SELECT table_name, source, dataset, file, line, field, reason FROM quarantine"
            if source:
                return con.execute(sql + " WHERE source = ? ORDER BY file, line", [source]).df()
            return con.execute(sql + " ORDER BY source, file, line").df()
        finally:
            con.close()

    def sources(self) -> pd.DataFrame:
        """One row per ingested file: source, dataset, vintage, rows read/loaded/quarantined, periods, current."""
        current_files = {str(p) for t in schema.TABLES for p in self.files(t)}
        rows = []
        for e in self.manifest.entries:
            files = [self.root / f["path"] for c in e.counts.values() for f in c.files]
            periods = [p for c in e.counts.values() for p in c.periods]
            rows.append(
                {
                    "source": e.source,
                    "dataset": e.dataset,
                    "vintage": e.vintage,
                    "file": Path(e.file).name,
                    "lines_read": e.lines_read,
                    "staged": e.staged,
                    "loaded": e.loaded,
                    "quarantined": e.quarantined,
                    "tables": ",".join(sorted(e.counts)),
                    "first_period": min(periods) if periods else None,
                    "last_period": max(periods) if periods else None,
                    "current": any(str(f) in current_files for f in files) if files else False,
                }
            )
        return pd.DataFrame(
            rows,
            columns=[
                "source",
                "dataset",
                "vintage",
                "file",
                "lines_read",
                "staged",
                "loaded",
                "quarantined",
                "tables",
                "first_period",
                "last_period",
                "current",
            ],
        )


def _where(spec: schema.TableSpec, filters: dict[str, object]) -> tuple[str, list]:
    clauses, params = [], []
    for column, wanted in filters.items():
        if wanted is None:
            continue
        if column not in spec.column_names:
            raise NotFound(f"cannot filter on {column!r}: not a column of {spec.name} ({', '.join(spec.column_names)})")
        if isinstance(wanted, (list, tuple, set, frozenset)):
            values = list(wanted)
            clauses.append(f"{column} IN ({', '.join('?' for _ in values)})")
            params.extend(values)
        else:
            clauses.append(f"{column} = ?")
            params.append(wanted)
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), params


_STORE_FILE = re.compile(r"""(/[^'"\s]+?\.parquet)""")


def read_error(exc: BaseException) -> StoreError | None:
    """An engine's failure to read one of the store's Parquet files, as the one line that says how to repair it
    (``None`` for any other error)."""
    if isinstance(exc, TradefluxError):
        return None
    found = _STORE_FILE.search(str(exc))
    if found is None:
        return None
    if not Path(found.group(1)).exists():
        return StoreError(
            f"{found.group(1)}: a file of the store is gone: an ingest replaced it while it was being read; "
            "run the command again"
        )
    first = re.sub(r"\s*'[^']*'", "", str(exc).splitlines()[0].split(":", 1)[-1]).strip()
    return StoreError(
        f"{found.group(1)}: a file of the store cannot be read ({first[:120]}); run `tradeflux ingest` to read "
        "its source file again (a damaged file is detected by its checksum and replaced)"
    )


def replaced_while_reading(exc: BaseException) -> bool:
    """Whether ``exc`` is an engine's failure on a store file that is gone: an ingest moved it in from staging or
    retired it while it was being read. Reading the store again sees it before or after that ingest."""
    gone = read_error(exc)
    return gone is not None and "an ingest replaced it while it was being read" in str(gone)


def open(
    path: str | os.PathLike[str] | None = None,
    *,
    data_dir: str | os.PathLike[str] | None = None,
    engine: str | None = None,
    spark_master: str | None = None,
) -> Store:
    """Open (or create) the store at ``path`` (default: ``TRADEFLUX_STORE`` or ``.tradeflux/store``),
    queried with ``engine`` (``duckdb``, the default, or ``spark``; ``TRADEFLUX_ENGINE``)."""
    return Store(
        settings.store_dir(path), data_dir=settings.data_dir(data_dir), engine=engine, spark_master=spark_master
    )


__all__ = [
    "MANIFEST",
    "FormatError",
    "IngestResult",
    "Store",
    "TableCount",
    "open",
    "read_error",
    "replaced_while_reading",
]
