"""The store: hive-partitioned Parquet files as the system of record, DuckDB as the engine over them.

Layout under the store directory::

    manifest.json                       what is loaded: one entry per ingested file
    flows/source=S/classification=C/year=Y/<entry>-<n>.parquet
    indicators/source=S/year=Y/<entry>-<n>.parquet
    tariffs/source=S/year=Y/<entry>-<n>.parquet
    quarantine/<entry>.parquet          rejected rows with file, line, field and reason

Guarantees:

* Every staged row is either loaded or quarantined: ``staged = loaded + quarantined``.
* Ingesting the same file (same bytes, same vintage) twice changes nothing.
* A newer vintage of a source's dataset supersedes older ones, year by year, for queries
  (``vintage="latest"``); older vintages stay on disk and are read with ``vintage="all"`` or a date.
* Files are written to a staging folder and moved into place before the manifest, which is
  replaced atomically, names them: an interrupted ingest leaves the store as it was (files not in
  the manifest are ignored and removed by the next ingest).

Queries are plain SQL over views named after the tables; the SQL kept here sticks to the subset
DuckDB and Spark SQL share.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import os
import shutil
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from tradeflux import schema, settings
from tradeflux._io import atomic_write_text
from tradeflux._results import Result
from tradeflux.errors import InputError, NotFound
from tradeflux.reference import countries as _countries
from tradeflux.sources import SOURCES, find_source
from tradeflux.sources.base import Dataset, FormatError, ReadContext, Source
from tradeflux.sources.gacc import embedded_headlines

MANIFEST = "manifest.json"
Progress = Callable[[str], None]


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
    ingested_at: str = ""

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


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class Store:
    """A tradeflux store in a directory. Create with :func:`open`."""

    def __init__(self, root: Path, *, data_dir: Path | None = None):
        self.root = root
        self.data_dir = data_dir if data_dir is not None else settings.data_dir()
        self.root.mkdir(parents=True, exist_ok=True)
        self.countries = _countries.load(self.data_dir)

    # ---- manifest -----------------------------------------------------------------------------
    @property
    def entries(self) -> list[IngestResult]:
        path = self.root / MANIFEST
        if not path.exists():
            return []
        with path.open(encoding="utf-8") as handle:
            return [IngestResult.from_dict(e) for e in json.load(handle)["entries"]]

    def _save(self, entries: Sequence[IngestResult]) -> None:
        atomic_write_text(
            self.root / MANIFEST,
            json.dumps({"version": 1, "entries": [e.to_dict() for e in entries]}, indent=1, sort_keys=True),
        )

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

        Raises :class:`FormatError` (naming the file) if the file is not in the dataset's format.
        """
        src = find_source(source) if isinstance(source, str) else source
        file = Path(path)
        if not file.exists():
            raise FileNotFoundError(f"{file}: no such file")
        ds = src.dataset(dataset) if dataset else next((d for d in src.datasets if d.matches(file)), None)
        if ds is None:
            names = ", ".join(f"{d.name} ({d.pattern.rpartition('/')[2]})" for d in src.datasets)
            raise FormatError(
                f"{file}: not a file of source {src.id!r}; its datasets are {names}; name one with dataset="
            )
        vintage = vintage or src.vintage_for(file, ds)
        try:
            dt.date.fromisoformat(vintage)
        except ValueError:
            raise InputError(f"vintage must be an ISO date (YYYY-MM-DD), got {vintage!r}") from None
        say = progress or (lambda _msg: None)
        sha = _sha256(file)
        entries = self.entries
        for entry in entries:
            if (entry.source, entry.dataset, entry.vintage, entry.sha256) == (src.id, ds.name, vintage, sha):
                say(f"{src.id}/{ds.name}: {file.name} already loaded (vintage {vintage}), nothing to do")
                return dataclasses.replace(entry, status="unchanged")
        self._collect_garbage(entries)

        entry_id = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]
        staging = self.root / ".staging" / entry_id
        staging.mkdir(parents=True)
        replaced: list[IngestResult] = []
        try:
            result = self._stage_and_write(src, ds.name, ds.reader, file, vintage, sha, entry_id, staging, say)
            replaced = [
                e
                for e in entries
                if (e.source, e.dataset, e.vintage, Path(e.file).name) == (src.id, ds.name, vintage, file.name)
            ]
            if replaced:
                result.status = "replaced"
            self._save([e for e in entries if e not in replaced] + [result])
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        for old in replaced:
            self._delete_files(old)
        return result

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

    def ingest_all(
        self,
        sources: Iterable[str] | None = None,
        *,
        progress: Progress | None = None,
        on_file: Callable[[Source, Path], None] | None = None,
    ) -> list[IngestResult]:
        """Ingest every file of :meth:`plan`."""
        results = []
        for src, ds, path in self.plan(sources):
            results.append(self.ingest(src, path, dataset=ds.name, progress=progress))
            if on_file:
                on_file(src, path)
        return results

    def _stage_and_write(
        self,
        src: Source,
        dataset: str,
        reader,
        file: Path,
        vintage: str,
        sha: str,
        entry_id: str,
        staging: Path,
        say: Progress,
    ) -> IngestResult:
        con = duckdb.connect()
        try:
            con.execute("SET preserve_insertion_order = false")
            con.execute("SET enable_progress_bar = false")
            # quote(x): a value as it appears in a quarantine reason
            con.execute("CREATE MACRO quote(x) AS chr(39) || coalesce(CAST(x AS VARCHAR), '') || chr(39)")
            con.register("_areas", pd.DataFrame({"code": sorted(self.countries.countries)}))
            ctx = ReadContext(con, self.countries)
            say(f"{src.id}/{dataset}: reading {file.name}")
            staged = reader(ctx, file)
            by_table: dict[str, list] = {}
            for st in staged:
                by_table.setdefault(st.table, []).append(st)
            tables: dict[str, TableCount] = {}
            quarantine_parts = []
            for table, parts in by_table.items():
                say(f"{src.id}/{dataset}: checking and writing {table}")
                count, qname = self._write_table(con, table, parts, src, dataset, vintage, file, entry_id, staging)
                tables[table] = count
                if qname:
                    quarantine_parts.append(qname)
            qfile = None
            total_q = sum(t.quarantined for t in tables.values())
            if total_q:
                qfile = f"quarantine/{entry_id}.parquet"
                (self.root / "quarantine").mkdir(exist_ok=True)
                tmp = staging / "quarantine.parquet"
                body = "\nUNION ALL BY NAME\n".join(f"SELECT * FROM {q}" for q in quarantine_parts)
                con.execute(f"COPY ({body}) TO '{tmp}' (FORMAT parquet)")
                os.replace(tmp, self.root / qfile)
            say(
                f"{src.id}/{dataset}: {file.name}: {sum(t.loaded for t in tables.values())} loaded, {total_q} quarantined"
            )
            return IngestResult(
                id=entry_id,
                source=src.id,
                dataset=dataset,
                vintage=vintage,
                file=str(file.resolve()),
                sha256=sha,
                status="loaded",
                lines_read=ctx.lines_read,
                counts=tables,
                quarantine_file=qfile,
                ingested_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            )
        finally:
            con.close()

    def _write_table(
        self,
        con: duckdb.DuckDBPyConnection,
        table: str,
        parts: list,
        src: Source,
        dataset: str,
        vintage: str,
        file: Path,
        entry_id: str,
        staging: Path,
    ) -> tuple[TableCount, str | None]:
        """Validate and write one table's staged rows; return the counts and the quarantine relation.

        One streaming pass writes every row, with its reason, to the staging folder. If no row is
        bad and no key repeats (the usual case), those files are moved into place as they are;
        otherwise the good rows are written again without the others.
        """
        spec = schema.TABLES[table]
        con.execute(f"CREATE TEMP VIEW _staged_{table} AS " + "\nUNION ALL\n".join(f"({p.sql})" for p in parts))
        types = {r[0]: r[1] for r in con.execute(f"DESCRIBE _staged_{table}").fetchall()}
        literals = _common_literals(parts)
        checked = schema.validate_sql(
            table,
            f"_staged_{table}",
            source=src.id,
            dataset=dataset,
            vintage=vintage,
            file=str(file.resolve()),
            types=types,
            literals=literals,
        )
        constant = [c for c in schema.constant_columns(table, literals) if c not in spec.partition_by]
        values = (
            con.execute(f"SELECT {', '.join(constant) or '1'} FROM ({checked}) LIMIT 1").fetchone()
            if constant
            else None
        )
        constants = dict(zip(constant, values, strict=True)) if values else {}
        if "declarant" in constants and literals.get("declarant", "").upper() == "NULL":
            constants["declarant"] = {"same_as": schema.ALIASES["declarant"]}
        stored = [c for c in spec.column_names if c not in schema.PER_FILE and c not in constants]
        partitions = ", ".join(spec.partition_by)
        first = staging / f"{table}-all"
        con.execute(
            f"COPY (SELECT {', '.join(stored)}, _reason, _field FROM ({checked})) TO '{first}' "
            f"(FORMAT parquet, COMPRESSION zstd, PARTITION_BY ({partitions}), FILENAME_PATTERN 'part-{{i}}')"
        )
        casts = ", ".join(
            f"CAST({_sql_value(constants[c.name]) if c.name in constants else c.name} AS {c.type}) AS {c.name}"
            for c in spec.columns
            if c.name not in schema.PER_FILE
        )
        con.execute(
            f"CREATE TEMP VIEW _all_{table} AS SELECT {casts}, _reason, _field "
            f"FROM read_parquet('{first}/**/*.parquet', hive_partitioning = true, union_by_name = true)"
        )
        count = TableCount(constants={k: _json_value(v) for k, v in constants.items()})
        count.staged, bad = con.execute(f"SELECT count(*), count(_reason) FROM _all_{table}").fetchone()
        dups = self._duplicates(con, table, spec)
        per_file = f"{_lit(src.id)} AS source, {_lit(dataset)} AS dataset, {_lit(vintage)} AS vintage, {_lit(str(file.resolve()))} AS file"
        qname = None
        if bad or dups:
            qname = f"_quarantine_{table}"
            listed = ", ".join(f"a.{c}" for c in stored if c != "source")
            rejected = f"SELECT {listed}, a._field AS field, a._reason AS reason FROM _all_{table} a WHERE a._reason IS NOT NULL"
            if dups:
                rejected += (
                    f"\nUNION ALL\nSELECT {listed}, 'key' AS field, d.reason FROM _all_{table} a "
                    f"JOIN {dups} d ON d.line IS NOT DISTINCT FROM a.line AND {_key_match(spec, 'd', 'a')} WHERE a._reason IS NULL"
                )
            con.execute(f"CREATE TEMP TABLE {qname} AS SELECT '{table}' AS table_name, {per_file}, * FROM ({rejected})")
            count.quarantined = con.execute(f"SELECT count(*) FROM {qname}").fetchone()[0]
            keep = "a._reason IS NULL"
            if dups:
                keep += f" AND NOT EXISTS (SELECT 1 FROM {dups} d WHERE d.line IS NOT DISTINCT FROM a.line AND {_key_match(spec, 'd', 'a')})"
            clean = staging / table
            con.execute(
                f"COPY (SELECT {', '.join('a.' + c for c in stored)} FROM _all_{table} a WHERE {keep}) TO '{clean}' "
                f"(FORMAT parquet, COMPRESSION zstd, PARTITION_BY ({partitions}), FILENAME_PATTERN 'part-{{i}}')"
            )
        else:
            clean = first
        count.loaded = count.staged - count.quarantined
        span_col = "date_from" if table == "tariffs" else "period"
        span = con.execute(
            f"SELECT min(CAST({span_col} AS VARCHAR)), max(CAST({span_col} AS VARCHAR)) FROM _all_{table} WHERE _reason IS NULL"
        ).fetchone()
        count.periods = [span[0], span[1]] if span[0] else []
        count.files = self._move_into_place(clean, table, entry_id)
        written = sum(pq_rows(self.root / f["path"]) for f in count.files)
        if written != count.loaded:  # the accounting must close, or nothing is committed
            raise RuntimeError(f"{file}: {table}: wrote {written} rows but accounted {count.loaded}")
        return count, qname

    def _duplicates(self, con: duckdb.DuckDBPyConnection, table: str, spec: schema.TableSpec) -> str | None:
        """Register the rows to quarantine as duplicates (line, key, reason); None if there are none.

        Same key and same values: the first line is kept and the others are quarantined as exact
        duplicates. Same key with different values: every line of the key is quarantined. Keys are
        first compared by hash (one integer, fast); only rows whose hash repeats are compared in full.
        """
        key = ", ".join(spec.key)
        rows = f"_all_{table}"
        con.execute(
            f"CREATE TEMP TABLE _duphash_{table} AS SELECT h FROM (SELECT hash({key}) AS h FROM {rows} WHERE _reason IS NULL) "
            "GROUP BY h HAVING count(*) > 1"
        )
        if not con.execute(f"SELECT count(*) FROM _duphash_{table}").fetchone()[0]:
            return None
        con.execute(
            f"CREATE TEMP TABLE _dupcand_{table} AS SELECT * FROM {rows} WHERE _reason IS NULL "
            f"AND hash({key}) IN (SELECT h FROM _duphash_{table})"
        )
        cmp_distinct = " OR ".join(
            f"count(DISTINCT {c}) > 1 OR (count({c}) > 0 AND count({c}) < count(*))" for c in spec.compared
        )
        con.execute(
            f"CREATE TEMP TABLE _dupkeys_{table} AS SELECT {key}, min(line) AS first_line, "
            f"string_agg(CAST(line AS VARCHAR), ', ' ORDER BY line) AS lines, ({cmp_distinct}) AS conflicting "
            f"FROM _dupcand_{table} GROUP BY {key} HAVING count(*) > 1"
        )
        if not con.execute(f"SELECT count(*) FROM _dupkeys_{table}").fetchone()[0]:
            return None  # hash collisions only
        name = f"_dups_{table}"
        con.execute(
            f"""CREATE TEMP TABLE {name} AS
            SELECT c.line, {", ".join("c." + k for k in spec.key)},
              CASE WHEN k.conflicting THEN 'duplicate key with different values (lines ' || k.lines || ')'
                   ELSE 'exact duplicate of line ' || k.first_line END AS reason
            FROM _dupcand_{table} c JOIN _dupkeys_{table} k ON {_key_match(spec, "k", "c")}
            WHERE k.conflicting OR c.line <> k.first_line"""
        )
        return name

    def _move_into_place(self, out: Path, table: str, entry_id: str) -> list[dict]:
        files = []
        if not out.exists():
            return files
        for n, part in enumerate(sorted(out.rglob("*.parquet"))):
            rel_dir = part.parent.relative_to(out)
            dest_dir = self.root / table / rel_dir
            dest_dir.mkdir(parents=True, exist_ok=True)
            dest = dest_dir / f"{entry_id}-{n}.parquet"
            os.replace(part, dest)
            year = next((p.split("=", 1)[1] for p in rel_dir.parts if p.startswith("year=")), None)
            files.append({"path": str(dest.relative_to(self.root)), "year": year})
        return files

    def _delete_files(self, entry: IngestResult) -> None:
        for count in entry.counts.values():
            for f in count.files:
                (self.root / f["path"]).unlink(missing_ok=True)
        if entry.quarantine_file:
            (self.root / entry.quarantine_file).unlink(missing_ok=True)

    def _collect_garbage(self, entries: Sequence[IngestResult]) -> None:
        """Remove what an interrupted ingest left: staging folders and files no entry names."""
        shutil.rmtree(self.root / ".staging", ignore_errors=True)
        known = {f["path"] for e in entries for t in e.counts.values() for f in t.files}
        known |= {e.quarantine_file for e in entries if e.quarantine_file}
        for folder in [*schema.TABLES, "quarantine"]:
            base = self.root / folder
            if base.exists():
                for part in base.rglob("*.parquet"):
                    if str(part.relative_to(self.root)) not in known:
                        part.unlink()

    # ---- reading ------------------------------------------------------------------------------
    def files(self, table: str, vintage: str = "latest") -> list[Path]:
        """Parquet files of ``table`` visible at ``vintage`` ("latest", "all" or an ISO date).

        With "latest", for each source, dataset and year the newest vintage that covers that year wins.
        A date selects, for each source, dataset and year, the newest vintage on or before it.
        """
        if table not in schema.TABLES:
            raise NotFound(f"unknown table {table!r}; tables: {', '.join(schema.TABLES)}")
        rows = [
            (e.source, e.dataset, f.get("year"), e.vintage, f["path"])
            for e in self.entries
            for t, c in e.counts.items()
            if t == table
            for f in c.files
        ]
        if vintage != "all":
            if vintage != "latest":
                rows = [r for r in rows if r[3] <= vintage]
            best: dict[tuple, str] = {}
            for s, d, y, v, _ in rows:
                best[(s, d, y)] = max(v, best.get((s, d, y), v))
            rows = [r for r in rows if r[3] == best[(r[0], r[1], r[2])]]
        return [self.root / r[4] for r in rows]

    def relation_sql(self, table: str, vintage: str = "latest") -> str:
        """SQL text selecting ``table`` (as canonical columns) at ``vintage``.

        Columns constant for an ingested file (dataset, vintage, file, and any column the reader
        staged as a literal) are not stored in its Parquet files; they are added back here from the manifest.
        """
        spec = schema.TABLES[table]
        visible = {str(f) for f in self.files(table, vintage)}
        parts = []
        for entry in self.entries:
            count = entry.counts.get(table)
            files = [
                str(self.root / f["path"])
                for f in (count.files if count else [])
                if str(self.root / f["path"]) in visible
            ]
            if not files:
                continue
            listing = ", ".join(_lit(f) for f in files)
            fixed = {"dataset": entry.dataset, "vintage": entry.vintage, "file": entry.file, **count.constants}
            cols = ", ".join(
                f"CAST({_sql_value(fixed[c.name]) if c.name in fixed else c.name} AS {c.type}) AS {c.name}"
                for c in spec.columns
            )
            parts.append(
                f"SELECT {cols} FROM read_parquet([{listing}], hive_partitioning = true, union_by_name = true)"
            )
        if not parts:
            cols = ", ".join(f"CAST(NULL AS {c.type}) AS {c.name}" for c in spec.columns)
            return f"SELECT {cols} WHERE false"
        return "\nUNION ALL\n".join(parts)

    def connect(self, vintage: str = "latest") -> duckdb.DuckDBPyConnection:
        """A DuckDB connection with a view per table (``flows``, ``indicators``, ``tariffs``, ``quarantine``)."""
        con = duckdb.connect()
        for table in schema.TABLES:
            con.execute(f"CREATE VIEW {table} AS {self.relation_sql(table, vintage)}")
        qfiles = [self.root / e.quarantine_file for e in self.entries if e.quarantine_file]
        if qfiles:
            listing = ", ".join("'" + str(f).replace("'", "''") + "'" for f in qfiles)
            con.execute(f"CREATE VIEW quarantine AS SELECT * FROM read_parquet([{listing}], union_by_name = true)")
        else:
            con.execute(
                "CREATE VIEW quarantine AS SELECT CAST(NULL AS VARCHAR) AS table_name, CAST(NULL AS VARCHAR) AS source, "
                "CAST(NULL AS VARCHAR) AS dataset, "
                "CAST(NULL AS VARCHAR) AS file, CAST(NULL AS BIGINT) AS line, CAST(NULL AS VARCHAR) AS field, "
                "CAST(NULL AS VARCHAR) AS reason WHERE false"
            )
        return con

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

    def quarantine(self, source: str | None = None) -> pd.DataFrame:
        con = self.connect()
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
        for e in self.entries:
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


def pq_rows(path: Path) -> int:
    import pyarrow.parquet as pq

    return pq.ParquetFile(path).metadata.num_rows


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _sql_value(value: object) -> str:
    """A Python value (from the manifest or a query) as a SQL literal; ``{"same_as": col}`` names a column."""
    if isinstance(value, dict):
        return str(value["same_as"])
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    return _lit(str(value))


def _json_value(value: object) -> object:
    return value if value is None or isinstance(value, (bool, int, float, str, dict)) else str(value)


def _common_literals(parts: list) -> dict[str, str]:
    """Staged literal columns shared, with the same value, by every part of a table."""
    if not parts or any(p.literals is None for p in parts):
        return {}
    first = dict(parts[0].literals)
    return {k: v for k, v in first.items() if all(p.literals.get(k) == v for p in parts[1:])}


def _key_match(spec: schema.TableSpec, a: str, b: str) -> str:
    return " AND ".join(f"{a}.{k} IS NOT DISTINCT FROM {b}.{k}" for k in spec.key)


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


def open(path: str | os.PathLike[str] | None = None, *, data_dir: str | os.PathLike[str] | None = None) -> Store:
    """Open (or create) the store at ``path`` (default: ``TRADEFLUX_STORE`` or ``.tradeflux/store``)."""
    return Store(settings.store_dir(path), data_dir=settings.data_dir(data_dir))


__all__ = ["FormatError", "IngestResult", "Store", "TableCount", "open"]
