"""One ingest job: a file of a source's dataset read, validated, written as Parquet, with its accounting.

Rows are staged by the source's reader as SQL over the file, checked against the canonical schema
in one pass (bad rows keep their reason), de-duplicated by key, and written partitioned by
``schema`` order into a staging folder; :class:`IngestJob.run` then moves the files into the
partition tree. The store names them in its manifest only after every table's accounting closes
(``staged = loaded + quarantined``). DuckDB is the ingest engine.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from tradeflux import schema
from tradeflux._sql import literal
from tradeflux._sql import value as sql_value
from tradeflux.errors import StoreError
from tradeflux.reference.countries import CountryTable
from tradeflux.sources.base import AREA_TYPE, Dataset, ReadContext, Source
from tradeflux.store.manifest import FORMAT, IngestResult, TableCount, _json_value

__all__ = ["IngestJob", "sha256"]

Progress = Callable[[str], None]

# How the store writes Parquet: version 1 pages and encodings, which every engine reads. (Version 2
# writes 10M BACI rows a third faster, but Spark 3.5 cannot read its byte-stream-split floats.)
PARQUET = "FORMAT parquet, COMPRESSION zstd"


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass
class IngestJob:
    """Everything one ingest needs: where the store is, what to read, and under which entry id."""

    root: Path
    countries: CountryTable
    source: Source
    dataset: Dataset
    file: Path
    vintage: str
    sha256: str
    entry_id: str
    staging: Path
    say: Progress

    def run(self) -> IngestResult:
        """Read, validate and write the file's Parquet files to the staging folder, outside the
        partition tree; the store commits the entry, then moves them into place."""
        src, dataset, reader, file = self.source, self.dataset.name, self.dataset.reader, self.file
        vintage, sha, entry_id, staging, say = self.vintage, self.sha256, self.entry_id, self.staging, self.say
        con = duckdb.connect()
        try:
            con.execute("SET preserve_insertion_order = false")
            con.execute("SET enable_progress_bar = false")
            # quote(x): a value as it appears in a quarantine reason
            con.execute("CREATE MACRO quote(x) AS chr(39) || coalesce(CAST(x AS VARCHAR), '') || chr(39)")
            codes = ", ".join(literal(c) for c in sorted(self.countries.countries))
            con.execute(f"CREATE TYPE {AREA_TYPE} AS ENUM ({codes})")
            con.execute(
                f"CREATE TEMP TABLE _areas AS SELECT CAST(unnest(enum_range(NULL::{AREA_TYPE})) AS VARCHAR) AS code"
            )
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
                count, qname = self._write_table(con, table, parts)
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
                con.execute(f"COPY ({body}) TO {literal(str(tmp))} (FORMAT parquet)")
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
                quarantine_sha256=sha256(self.root / qfile) if qfile else None,
                ingested_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                format=FORMAT,
            )
        finally:
            con.close()

    def _write_table(self, con: duckdb.DuckDBPyConnection, table: str, parts: list) -> tuple[TableCount, str | None]:
        """Validate and write one table's staged rows; return the counts and the quarantine relation.

        One streaming pass writes every row, with its reason, to the staging folder. If no row is
        bad and no key repeats (the usual case), those files are moved into place as they are;
        otherwise the good rows are written again without the others.
        """
        src, dataset, vintage, file, entry_id, staging = (
            self.source,
            self.dataset.name,
            self.vintage,
            self.file,
            self.entry_id,
            self.staging,
        )
        spec = schema.TABLES[table]
        con.execute(f"CREATE TEMP VIEW _staged_{table} AS " + "\nUNION ALL\n".join(f"({p.sql})" for p in parts))
        area = con.execute(f"DESCRIBE SELECT NULL::{AREA_TYPE} AS x").fetchone()[1]
        types = {
            r[0]: schema.AREA if r[1] == area else r[1] for r in con.execute(f"DESCRIBE _staged_{table}").fetchall()
        }
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
            checked=set.intersection(*(set(p.checked) for p in parts)),
        )
        fixed = ["source", *schema.constant_columns(table, literals)]
        values = con.execute(f"SELECT {', '.join(fixed)} FROM ({checked}) LIMIT 1").fetchone()
        fixed_values = dict(zip(fixed, values, strict=True)) if values else {}
        constants = {c: v for c, v in fixed_values.items() if c not in spec.partition_by}
        if "declarant" in constants and literals.get("declarant", "").upper() == "NULL":
            constants["declarant"] = {"same_as": schema.ALIASES["declarant"]}
        stored = [c for c in spec.column_names if c not in schema.PER_FILE and c not in constants]
        first = staging / f"{table}-all"
        # None for a file without rows (no values above), so that no empty file is written
        folder = _partition_folder(spec, fixed_values)
        _write_parquet(con, [*stored, "_reason", "_field"], f"({checked})", first, spec, folder)
        casts = ", ".join(
            f"CAST({sql_value(constants[c.name]) if c.name in constants else c.name} AS {c.type}) AS {c.name}"
            for c in spec.columns
            if c.name not in schema.PER_FILE
        )
        written = (
            f"read_parquet({literal(str(first) + '/**/*.parquet')}, hive_partitioning = true, union_by_name = true)"
        )
        if not any(first.rglob("*.parquet")):  # no rows staged (a header-only file): an empty relation
            written = f"(SELECT {', '.join(stored)}, _reason, _field FROM ({checked}) WHERE false)"
        con.execute(f"CREATE TEMP VIEW _all_{table} AS SELECT {casts}, _reason, _field FROM {written}")
        count = TableCount(constants={k: _json_value(v) for k, v in constants.items()})
        count.staged, bad = con.execute(f"SELECT count(*), count(_reason) FROM _all_{table}").fetchone()
        proven = len(parts) == 1 and parts[0].proven_unique  # e.g. BACI's keys in increasing order
        dups = None if proven else self._duplicates(con, table, spec, constants)
        per_file = f"{literal(src.id)} AS source, {literal(dataset)} AS dataset, {literal(vintage)} AS vintage, {literal(str(file.resolve()))} AS file"
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
            kept = folder if count.staged > count.quarantined else None
            _write_parquet(con, stored, f"_all_{table} a WHERE {keep}", clean, spec, kept)
        else:
            clean = first
        count.loaded = count.staged - count.quarantined
        span_col = "date_from" if table == "tariffs" else "period"
        if span_col in fixed_values and count.loaded:
            span = (str(fixed_values[span_col]),) * 2
        else:
            span = con.execute(
                f"SELECT min(CAST({span_col} AS VARCHAR)), max(CAST({span_col} AS VARCHAR)) "
                f"FROM _all_{table} WHERE _reason IS NULL"
            ).fetchone()
        count.periods = [span[0], span[1]] if span[0] else []
        count.files = self._staged_files(clean, table, entry_id)
        written = sum(pq_rows(self.root / f["staged"]) for f in count.files)
        if written != count.loaded:  # the accounting must close, or nothing is committed
            raise StoreError(f"{file}: {table}: wrote {written} rows but accounted {count.loaded}")
        return count, qname

    def _duplicates(
        self, con: duckdb.DuckDBPyConnection, table: str, spec: schema.TableSpec, constants: dict
    ) -> str | None:
        """Register the rows to quarantine as duplicates (line, key, reason); None if there are none.

        Same key and same values: the first line is kept and the others are quarantined as exact
        duplicates. Same key with different values: every line of the key is quarantined. Keys are
        first compared by hash (one integer, fast) of the key columns that vary in the file: as many
        distinct hashes as rows settles it; otherwise only rows whose hash repeats are compared in full.
        """
        key = ", ".join(spec.key)
        rows = f"_all_{table}"
        varying = ", ".join(k for k in spec.key if k not in constants) or "1"
        rows_n, hashes_n = con.execute(
            f"SELECT count(*), count(DISTINCT hash({varying})) FROM {rows} WHERE _reason IS NULL"
        ).fetchone()
        if rows_n == hashes_n:  # every key hashes apart, so no key repeats (the usual case, and the cheap test)
            return None
        con.execute(
            f"CREATE TEMP TABLE _duphash_{table} AS SELECT h FROM (SELECT hash({varying}) AS h FROM {rows} "
            "WHERE _reason IS NULL) GROUP BY h HAVING count(*) > 1"
        )
        if not con.execute(f"SELECT count(*) FROM _duphash_{table}").fetchone()[0]:
            return None
        con.execute(
            f"CREATE TEMP TABLE _dupcand_{table} AS SELECT * FROM {rows} WHERE _reason IS NULL "
            f"AND hash({varying}) IN (SELECT h FROM _duphash_{table})"
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

    def _staged_files(self, out: Path, table: str, entry_id: str) -> list[dict]:
        """The table's Parquet files as the manifest will name them: ``path`` in the partition tree and
        ``staged`` where they wait, outside the tree, until the store commits the entry and moves them."""
        files = []
        if not out.exists():
            return files
        for n, part in enumerate(sorted(out.rglob("*.parquet"))):
            rel_dir = part.parent.relative_to(out)
            dest = self.root / table / rel_dir / f"{entry_id}-{n}.parquet"
            year = next((p.split("=", 1)[1] for p in rel_dir.parts if p.startswith("year=")), None)
            files.append(
                {
                    "path": str(dest.relative_to(self.root)),
                    "year": year,
                    "staged": str(part.relative_to(self.root)),
                    "sha256": sha256(part),
                }
            )
        return files


def pq_rows(path: Path) -> int:
    import pyarrow.parquet as pq

    return pq.ParquetFile(path).metadata.num_rows


def _write_parquet(
    con: duckdb.DuckDBPyConnection,
    columns: list[str],
    relation: str,
    dest: Path,
    spec: schema.TableSpec,
    folder: str | None,
) -> None:
    """Write ``columns`` of ``relation`` under ``dest`` in the table's hive partitions: straight into
    ``folder`` when the whole file has that one partition (a plain write, on every core), else
    partitioned by the engine."""
    if folder is not None:
        (dest / folder).mkdir(parents=True)
        kept = ", ".join(c for c in columns if c not in spec.partition_by)
        con.execute(
            f"COPY (SELECT {kept} FROM {relation}) TO {literal(str(dest / folder / 'part-0.parquet'))} ({PARQUET})"
        )
    else:
        con.execute(
            f"COPY (SELECT {', '.join(columns)} FROM {relation}) TO {literal(str(dest))} "
            f"({PARQUET}, PARTITION_BY ({', '.join(spec.partition_by)}), FILENAME_PATTERN 'part-{{i}}')"
        )


def _partition_folder(spec: schema.TableSpec, fixed: dict) -> str | None:
    """The hive folder (``source=baci/classification=HS2022/year=2022``) when every partition column
    has one plain value for the whole file, else None."""
    parts = []
    for col in spec.partition_by:
        value = fixed.get(col)
        if value is None or not re.fullmatch(r"[A-Za-z0-9_.-]+", str(value)):
            return None
        parts.append(f"{col}={value}")
    return "/".join(parts)


def _common_literals(parts: list) -> dict[str, str]:
    """Staged literal columns shared, with the same value, by every part of a table."""
    if not parts or any(p.literals is None for p in parts):
        return {}
    first = dict(parts[0].literals)
    return {k: v for k, v in first.items() if all(p.literals.get(k) == v for p in parts[1:])}


def _key_match(spec: schema.TableSpec, a: str, b: str) -> str:
    return " AND ".join(f"{a}.{k} IS NOT DISTINCT FROM {b}.{k}" for k in spec.key)
